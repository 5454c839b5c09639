"""What Kassa changes in Rasa 3.6 itself, each in a module of its own with the reason:

- ``rasa_speedups``: the check of action server responses, built once;
- ``rasa_lock``: a conversation lock whose wait ends when its ticket expired;
- ``action_calls``: a turn whose action server was never reached fails and runs again.

Rasa loads the channels before it takes a lock or calls an action, so each channel
installs them when it is imported.
"""

from __future__ import annotations

from channels import action_calls, rasa_lock, rasa_speedups


def install() -> None:
    rasa_speedups.install()
    rasa_lock.install()
    action_calls.install()
