"""Unit tests, one folder per package: `make check` runs them with lint and types."""
