"""Unit tests of shop/ (no trained model; real servers over HTTP where a test needs one)."""
