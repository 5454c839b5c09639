"""Unit tests of the project as a whole: layers, deployment files, the house rules."""
