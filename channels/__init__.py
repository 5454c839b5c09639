"""Kassa's own Rasa channels (registered in credentials.yml by module path).

Rasa imports this package when it loads credentials.yml, which is also where
the project's speed-up of Rasa's action-response check is installed, and where
the server refuses to start in public with a local token (actions/deployment.py).
"""
from actions import settings
from actions.deployment import check_deployment
from channels import rasa_speedups

check_deployment()
settings.check_server()
rasa_speedups.install()
