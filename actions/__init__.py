"""Kassa's action server: the shop's domain modules and the Rasa actions that use them."""
