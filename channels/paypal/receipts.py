"""Receipts Facebook did not accept (or a crash lost) go out again."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from channels.paypal.context import PaymentContext
from shop import settings
from shop.paypal.events import PAYMENT_UPDATE

logger = logging.getLogger(__name__)


async def resend_receipts(context: PaymentContext, app: Any) -> None:
    """Receipts Facebook did not accept (or a crash lost) go out again: the order's
    COMPLETED event once more, in its conversation; the ledger's claim keeps it to one sender."""
    while True:
        await asyncio.sleep(settings.shop().receipt_retry_seconds)
        try:
            due = await asyncio.to_thread(context.ledger.receipts_due)
        except Exception:
            logger.exception("Looking for receipts to send again failed")
            continue
        for record in due:
            logger.warning("Receipt for order %s not delivered yet: sending it again", record.order_id)
            entities = {"order_id": record.order_id, "payment_event": "COMPLETED"}
            await context.trigger_logged(app, record.conversation_id, PAYMENT_UPDATE, entities)
