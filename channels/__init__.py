"""Kassa's own Rasa channels (registered in credentials.yml by module path)."""
