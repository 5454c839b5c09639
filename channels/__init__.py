"""Kassa's own Rasa channels (registered in credentials.yml by module path): Messenger,
PayPal's return URLs and webhooks, and a REST channel behind a token. The modules here
are what both channels share.

The start-up checks run when Rasa builds a channel (``from_credentials``), through
``shop.startup``. This package itself loads no Rasa, so the webhook acceptor stays small.
"""
