"""Kassa's own Rasa channels (registered in credentials.yml by module path).

Importing ``actions`` (below) is where the server refuses to start in public with
a local token, or with a setting it cannot use (actions/__init__.py): once per
process. The speed-up of Rasa's action-response check (channels/rasa_speedups.py)
and the fix of Rasa's conversation lock (channels/rasa_lock.py) are installed by the
channel connectors, which Rasa imports; this package
itself loads no Rasa, so that the webhook acceptor stays small.
"""
import actions  # noqa: F401 - its import checks the deployment and the settings
