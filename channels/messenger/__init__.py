"""Kassa's Messenger connector; register ``channels.messenger.MessengerInput`` in credentials.yml.

The connector (and Rasa with it) is imported when Rasa asks for it, not with the
package: the webhook acceptor uses this package without Rasa."""

from typing import Any

__all__ = ["MessengerInput"]


def __getattr__(name: str) -> Any:
    if name == "MessengerInput":
        from channels.messenger.connector import MessengerInput

        return MessengerInput
    raise AttributeError(name)
