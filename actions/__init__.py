"""Kassa's action server: the shop's domain modules and the Rasa actions that use them."""
from actions.deployment import check_deployment

check_deployment()
