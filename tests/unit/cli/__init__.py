"""Unit tests of cli/: the kassa command as an operator runs it."""
