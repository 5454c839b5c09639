"""Carts left without a checkout get one reminder, sent from the Rasa server.

Each customer message notes in the ledger when the conversation falls due (the quiet
time of ``KASSA_CART_REMINDER_HOURS`` later). A loop looks for due conversations every
``KASSA_CART_REMINDER_CHECK_SECONDS``; one server claims each quiet spell (replicas
share the ledger), and, while the 24-hour window is open, no person of the shop holds
the thread and the cart is not empty, hands the conversation the event
``cart_reminder``. The conversation's action decides the rest and sends at most one
reminder ever (actions/reminders.py)."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Optional

from channels.messenger.state.customer import ConversationState
from channels.paypal.context import get_context
from shop import settings
from shop.ledger import get_ledger
from shop.reminders import CART_REMINDER, MESSAGING_WINDOW_SECONDS, WINDOW_MARGIN_SECONDS

logger = logging.getLogger(__name__)


class CartReminders:
    def __init__(self, state: ConversationState) -> None:
        self.state = state
        self._loop_task: Optional[asyncio.Task] = None

    @staticmethod
    def quiet_seconds() -> float:
        return settings.shop().cart_reminder_seconds

    async def customer_wrote(self, sender_id: str) -> None:
        """Called once the customer's turn is saved, so the time is never before the tracker's."""
        quiet = self.quiet_seconds()
        if quiet <= 0:
            return
        at = time.time()
        try:
            await asyncio.to_thread(get_ledger().customer_wrote, sender_id, at, at + quiet)
        except Exception:  # a reminder is not worth failing a turn for
            logger.exception("Could not note the message of %s for its cart reminder", sender_id)

    def start(self, app: Any) -> None:
        if self.quiet_seconds() > 0 and self._loop_task is None:
            self._loop_task = asyncio.ensure_future(self._run_forever(app))

    def stop(self) -> None:
        if self._loop_task is not None:
            self._loop_task.cancel()
            self._loop_task = None

    async def _run_forever(self, app: Any) -> None:
        while True:
            await asyncio.sleep(settings.shop().cart_reminder_check_seconds)
            try:
                await self.send_due(app)
            except Exception:
                logger.exception("Looking for carts due a reminder failed")

    async def send_due(self, app: Any) -> int:
        """Hand each due conversation its reminder event; the number handed."""
        ledger = get_ledger()
        window = MESSAGING_WINDOW_SECONDS - WINDOW_MARGIN_SECONDS
        due = await asyncio.to_thread(ledger.reminders_due, time.time(), window)
        handed = 0
        for conversation_id, last_message_at in due:
            if not await asyncio.to_thread(ledger.claim_reminder, conversation_id, last_message_at):
                continue  # another server has it, or the customer wrote meanwhile
            if await self.state.human_in_control(conversation_id) or not await self.state.inside_window(
                conversation_id
            ):
                continue
            if not await self._cart_left(app, conversation_id):
                continue
            await get_context().trigger_logged(app, conversation_id, CART_REMINDER, {})
            handed += 1
        return handed

    @staticmethod
    async def _cart_left(app: Any, conversation_id: str) -> bool:
        """A quick look before the turn: a conversation with no cart or with its reminder
        had gets no event at all (its tracker stays as it is)."""
        agent = getattr(app.ctx, "agent", None)
        if agent is None or agent.tracker_store is None:
            return False
        tracker = await agent.tracker_store.retrieve(conversation_id)
        return tracker is not None and bool(tracker.get_slot("cart")) and tracker.get_slot("cart_reminder_sent") is None
