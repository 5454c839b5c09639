"""Unit tests of analytics/ (no trained model; real servers over HTTP where a test needs one)."""
