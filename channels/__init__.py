"""Kassa's own Rasa channels (registered in credentials.yml by module path).

Rasa imports this package when it loads credentials.yml, which is also where
the project's speed-up of Rasa's action-response check is installed.
"""
from channels import rasa_speedups

rasa_speedups.install()
