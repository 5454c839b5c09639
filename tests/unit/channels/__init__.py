"""Unit tests of channels/ (no trained model; real servers over HTTP where a test needs one)."""
