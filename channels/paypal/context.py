"""What the parts of the paypal channel share, one per process: the ledger, the PayPal
client on a few threads of its own, the background tasks, and the way a payment event
becomes a turn of its conversation.

Payment events enter a conversation through Rasa's external-event path
(``trigger_external_user_uttered``), never as text a customer could type, on the turn
loop where the customer's own turns run and under the conversation's lock.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, Optional, Tuple, TypeVar

from rasa.core.channels.channel import CollectingOutputChannel, OutputChannel

from channels.background import BackgroundTasks
from channels.turn_loop import TurnLoop, get_turn_loop
from shop import settings
from shop.ledger import Ledger, get_ledger
from shop.paypal.client import PayPalClient, get_client

logger = logging.getLogger(__name__)
# Calls to PayPal from this channel run on their own few threads.
PAYPAL_THREADS = 4
T = TypeVar("T")


class PaymentContext:
    def __init__(
        self,
        retry_delays: Tuple[float, ...],
        ledger: Optional[Ledger] = None,
        client: Optional[PayPalClient] = None,
        turns: Optional[TurnLoop] = None,
    ) -> None:
        self.retry_delays = retry_delays
        self._ledger = ledger
        self._client = client
        self.tasks = BackgroundTasks()
        self.turns = turns or get_turn_loop()
        self._paypal_threads = ThreadPoolExecutor(PAYPAL_THREADS, thread_name_prefix="kassa-paypal")

    @property
    def ledger(self) -> Ledger:
        return self._ledger or get_ledger()

    @property
    def client(self) -> PayPalClient:
        return self._client or get_client()

    async def call_paypal(self, function: Callable[..., T], *args: Any) -> T:
        """Run a blocking PayPal client call on the channel's own bounded threads."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._paypal_threads, functools.partial(function, *args))

    @staticmethod
    def output_for(app: Any, tracker: Any) -> OutputChannel:
        wanted = tracker.get_latest_input_channel()
        for channel in getattr(app.ctx, "input_channels", None) or []:
            if channel.name() == wanted:
                output = channel.get_output_channel()
                if output is not None:
                    return output
        return CollectingOutputChannel()

    async def trigger(self, app: Any, conversation_id: str, intent: str, entities: Dict[str, str]) -> None:
        """Run the payment event's turn on the turn loop, where the customer's own turns run."""
        await self.turns.run(self._trigger(app, conversation_id, intent, entities))

    async def _trigger(self, app: Any, conversation_id: str, intent: str, entities: Dict[str, str]) -> None:
        agent = app.ctx.agent
        async with agent.lock_store.lock(conversation_id):
            tracker = await agent.processor.fetch_full_tracker_with_initial_session(conversation_id)
            await agent.processor.trigger_external_user_uttered(
                intent, entities, tracker, self.output_for(app, tracker)
            )

    async def trigger_logged(self, app: Any, conversation_id: str, intent: str, entities: Dict[str, str]) -> None:
        try:
            await self.trigger(app, conversation_id, intent, entities)
        except Exception:  # the webhook path makes up for a failed return
            logger.exception("Payment event %s for conversation %s failed", intent, conversation_id)


@functools.lru_cache(maxsize=None)
def get_context() -> PaymentContext:
    """The process's one context: the paypal channel and the Messenger channel's ``#pay``
    share it, so a pay button has one sender per process."""
    return PaymentContext(settings.paypal_retry_delays())
