"""Messenger out: Rasa's messages as Send API calls within Messenger's limits."""
