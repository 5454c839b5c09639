"""The checks a server runs before it takes its first message.

The action server runs them when Rasa SDK loads ``actions``; the Rasa server when it
builds Kassa's channels. A local token on a public address, or a variable that cannot be
used, stops the server there with the variable named.
"""

from __future__ import annotations

from typing import Mapping, Optional

from shop import settings
from shop.deployment import check_deployment

_checked = False


def check_server(env: Optional[Mapping[str, str]] = None) -> None:
    """Raise LocalSecretInPublic or SettingsError; checks the process environment once."""
    global _checked
    if env is None and _checked:
        return
    check_deployment(env)
    settings.check_server(env)
    if env is None:
        _checked = True
