"""Kassa's Messenger connector; register ``channels.messenger.MessengerInput`` in credentials.yml."""
from channels.messenger.connector import MessengerInput

__all__ = ["MessengerInput"]
