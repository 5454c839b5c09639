"""Kassa's action server: the shop's domain modules and the Rasa actions that use them."""
from actions import settings
from actions.deployment import check_deployment

check_deployment()
settings.check_server()  # a variable that cannot be used stops the server here, named
