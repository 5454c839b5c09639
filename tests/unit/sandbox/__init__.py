"""Unit tests of sandbox/ (no trained model; real servers over HTTP where a test needs one)."""
