"""Rasa 3.6's conversation lock, without its endless wait.

Rasa serialises a conversation's turns with a ticket lock (rasa/core/lock_store.py):
each turn takes a ticket that expires after ``TICKET_LOCK_LIFETIME`` and waits,
polling every second, until its ticket is the first one. While waiting it removes
expired tickets, its own included. A turn that waited longer than its ticket's
lifetime (behind a stale ticket that a failed turn could not hand back, say, while
Redis restarted) therefore removes its own ticket and then waits for ever: the
lock's queue never reaches a ticket that no longer exists. Seen in the cluster test
of a Redis restart as a turn stuck until the intake's 120 s limit.

Here the wait ends with Rasa's own ``LockError`` as soon as the waiter's ticket is
gone, so the turn fails at once and is run again (the intake and the paypal channel
retry), with a new ticket. Everything else is Rasa's loop as it was.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Text

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LockError, LockStore

logger = logging.getLogger(__name__)


async def _acquire_lock(self: LockStore, conversation_id: Text, ticket: int, wait_time_in_seconds: float) -> TicketLock:
    while True:
        lock = self.get_lock(conversation_id)
        if not lock:
            break  # the lock expired: Rasa's own ending
        if not lock.is_locked(ticket):
            return lock
        if not any(waiting.number == ticket for waiting in lock.tickets):
            logger.warning(
                "The ticket %d of conversation %s expired while it waited: the turn runs again", ticket, conversation_id
            )
            raise LockError(f"The ticket for conversation_id '{conversation_id}' expired while it waited.")
        await asyncio.sleep(wait_time_in_seconds)
        self.update_lock(conversation_id)
    raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")


def install() -> None:
    LockStore._acquire_lock = _acquire_lock
