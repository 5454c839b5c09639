"""Unit tests of actions/ (no trained model; real servers over HTTP where a test needs one)."""
