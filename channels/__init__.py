"""Kassa's own Rasa channels (registered in credentials.yml by module path).

Rasa imports this package when it loads credentials.yml, which is also where
the project's speed-up of Rasa's action-response check is installed. Importing
``actions`` (below) is where the server refuses to start in public with a local
token, or with a setting it cannot use (actions/__init__.py): once per process.
"""
import actions  # noqa: F401 - its import checks the deployment and the settings
from channels import rasa_speedups

rasa_speedups.install()
