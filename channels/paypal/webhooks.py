"""PayPal's webhooks: cheap checks, one bounded verification call to PayPal, stored
once, answered at once, and handed to their conversation in the background until the
ledger shows their effect (also after a restart); past PayPal's own three days of
redelivery an event becomes a dead letter that ``kassa orders`` lists."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, Optional

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.paypal.context import PaymentContext
from channels.request_limits import ClientLimits
from shop.ledger import APPROVED, PAYMENT_RECEIVED, REFUNDING, SUPERSEDED, VOIDED, OrderRecord, refund_notice
from shop.paypal.client import PayPalError
from shop.paypal.events import CAPTURE_EFFECTS, HANDLED, PAYMENT_APPROVED, PaymentEvent, from_webhook

logger = logging.getLogger(__name__)
# An event still without effect this long after it came is a dead letter (PayPal itself
# retries a webhook delivery for up to three days).
MAX_EVENT_AGE = timedelta(days=3)
# What ends an approval's retries: the capture's outcome, or the shop's refusal of
# a replaced order. Not CANCELLED: a buyer may cancel and then approve after all,
# and that approval must still be captured.
CAPTURE_OUTCOMES = (
    "COMPLETED",
    "DECLINED",
    "PARTIALLY_REFUNDED",
    "REFUNDED",
    "PENDING",
    "PAYER_ACTION_REQUIRED",
    SUPERSEDED,
    VOIDED,
    APPROVED,
    REFUNDING,  # a bank approval recorded (PayPal completes it); a replaced order's refund under way
)
# The headers PayPal signs a webhook with; a request without them is refused before any outbound call.
SIGNATURE_HEADERS = (
    "PAYPAL-AUTH-ALGO",
    "PAYPAL-CERT-URL",
    "PAYPAL-TRANSMISSION-ID",
    "PAYPAL-TRANSMISSION-SIG",
    "PAYPAL-TRANSMISSION-TIME",
)
# At most this many webhook verifications wait for a PayPal thread; beyond that PayPal
# is asked to redeliver (503).
MAX_WAITING_VERIFICATIONS = 16


class WebhookReceiver:
    def __init__(self, context: PaymentContext, webhook_id: str, limits: ClientLimits) -> None:
        self.context = context
        self.webhook_id = webhook_id
        self.limits = limits
        self._waiting_verifications = 0

    async def resume(self, app: Any) -> None:
        """Events accepted before a restart and not yet handled."""
        pending = await asyncio.to_thread(self.context.ledger.pending_events)
        if pending:
            logger.info("Resuming %d PayPal webhook event(s) not yet handled", len(pending))
        for event in pending:
            self.context.tasks.spawn(self.process_webhook(app, event))

    async def receive_webhook(self, request: Request) -> HTTPResponse:
        """Cheap checks first (rate, headers, shape), then one bounded verification call to PayPal."""
        refused = self.limits.refuse(request, "webhook")
        if refused is not None:
            return refused
        if not self.webhook_id:
            logger.error("PayPal webhook refused: PAYPAL_WEBHOOK_ID is not set")
            return response.json({"error": "webhooks are not configured"}, status=503)
        if not all(request.headers.get(name) for name in SIGNATURE_HEADERS):
            self.limits.failed(request, "webhook")
            logger.warning("SECURITY: PayPal webhook without its signature headers refused")
            return response.json({"error": "signature verification failed"}, status=401)
        try:
            event = json.loads(request.body)
            if (
                not isinstance(event, dict)
                or not isinstance(event.get("id"), str)
                or not isinstance(event.get("event_type"), str)
            ):
                raise ValueError("not a PayPal webhook event")
        except ValueError as error:
            self.limits.failed(request, "webhook")
            logger.warning("PayPal webhook refused: %s", error)
            return response.json({"error": str(error)}, status=400)
        verified = await self._verify(request, event)
        if verified is None:
            return response.json({"error": "verification unavailable"}, status=503)
        if not verified:
            self.limits.failed(request, "webhook")
            logger.warning("SECURITY: PayPal webhook %r failed signature verification", event["id"])
            return response.json({"error": "signature verification failed"}, status=401)
        if event["event_type"] not in HANDLED:
            return response.json({"status": "ignored"})
        payment = from_webhook(event)
        new = await asyncio.to_thread(
            self.context.ledger.receive_event,
            event["id"],
            event["event_type"],
            payment.order_id if payment else None,
            event,
        )
        if new:
            self.context.tasks.spawn(self.process_webhook(request.app, event))
        return response.json({"status": "accepted" if new else "duplicate"})

    async def _verify(self, request: Request, event: Dict[str, Any]) -> Optional[bool]:
        """PayPal's verdict on the webhook's signature; None when it cannot be had now."""
        if self._waiting_verifications >= MAX_WAITING_VERIFICATIONS:
            logger.warning(
                "PayPal webhook %r: %d verifications waiting, asking for redelivery",
                event["id"],
                self._waiting_verifications,
            )
            return None
        self._waiting_verifications += 1
        try:
            return await self.context.call_paypal(
                self.context.client.verify_webhook_signature,
                dict(request.headers),
                bytes(request.body),
                self.webhook_id,
            )
        except PayPalError as error:
            logger.error("PayPal webhook %r could not be verified: debug_id=%s", event["id"], error.debug_id)
            return None
        finally:
            self._waiting_verifications -= 1

    async def process_webhook(self, app: Any, event: Dict[str, Any]) -> None:
        """Hand the event to its conversation until the ledger shows its effect, then mark it
        done. Attempts and age are counted in the database, across restarts; past
        either cap the event becomes a dead letter that `kassa orders` lists."""
        payment = from_webhook(event)
        if payment is None:
            return
        record = None
        if payment.order_id:
            record = await asyncio.to_thread(self.context.ledger.order, payment.order_id)
        elif payment.capture_id:
            record = await asyncio.to_thread(self.context.ledger.order_by_capture, payment.capture_id)
        if record is None:
            logger.warning("PayPal webhook %r names no order of this shop", event["id"])
            await asyncio.to_thread(self.context.ledger.event_done, event["id"])
            return
        entities = {**payment.entities, "order_id": record.order_id}
        delays = iter(self.context.retry_delays)
        while True:
            state = await asyncio.to_thread(self.context.ledger.event_state, event["id"])
            if state is None or state["status"] != "received":
                return
            if state["attempts"] >= len(self.context.retry_delays) + 1 or _older_than(
                state["received_at"], MAX_EVENT_AGE
            ):
                await asyncio.to_thread(self.context.ledger.event_dead, event["id"])
                logger.error(
                    "PayPal webhook %r: gave up on order %s after %d attempts (dead letter; see kassa orders)",
                    event["id"],
                    record.order_id,
                    state["attempts"],
                )
                return
            attempts = await asyncio.to_thread(self.context.ledger.event_attempted, event["id"])
            try:
                await self.context.trigger(app, record.conversation_id, payment.intent, entities)
            except Exception:
                logger.exception("PayPal webhook %r: attempt %d failed", event["id"], attempts)
            if await self._had_effect(app, payment, record.order_id):
                await asyncio.to_thread(self.context.ledger.event_done, event["id"])
                return
            delay = next(delays, 0.0)
            logger.warning(
                "PayPal webhook %r: order %s not settled yet, retrying in %ss", event["id"], record.order_id, delay
            )
            await asyncio.sleep(delay)

    async def _had_effect(self, app: Any, payment: PaymentEvent, order_id: str) -> bool:
        """Whether the ledger and the conversation show the event's outcome: a capture's
        outcome for an approval, the reported state for a capture event; for a payment,
        its receipt claimed and its items out of the cart; for a refund, the customer told."""
        record = await asyncio.to_thread(self.context.ledger.order, order_id)
        if record is None:
            return False
        reported = payment.entities.get("payment_event", "")
        if payment.intent == PAYMENT_APPROVED:
            if record.status not in CAPTURE_OUTCOMES:
                return False
        elif record.status not in CAPTURE_EFFECTS.get(reported, ()):
            return False
        if reported == "REFUNDED" and payment.refund_id:
            return await asyncio.to_thread(
                self.context.ledger.notice_claimed, order_id, refund_notice(payment.refund_id)
            )
        if not await self._cart_settled(app, record):
            return False
        if reported != "COMPLETED" or record.receipt_sent_at is not None or record.status == "REFUNDED":
            return True
        return await asyncio.to_thread(
            self.context.ledger.receipt_claimed, order_id
        )  # resend_receipts takes it from here

    async def _cart_settled(self, app: Any, record: OrderRecord) -> bool:
        """A paid order's items are out of the conversation's cart: its tracker lists the
        order in ``applied_orders`` once the ledger said "payment received" (so a turn
        lost after the ledger's claims runs again instead of leaving them to be paid twice)."""
        if record.status != "COMPLETED" or not await asyncio.to_thread(
            self.context.ledger.notice_claimed, record.order_id, PAYMENT_RECEIVED
        ):
            return True
        tracker = await app.ctx.agent.tracker_store.retrieve(record.conversation_id)
        applied = tracker.get_slot("applied_orders") if tracker is not None else None
        return isinstance(applied, list) and record.order_id in applied


def _older_than(stamp: str, age: timedelta) -> bool:
    try:
        return datetime.now(timezone.utc) - datetime.fromisoformat(stamp) > age
    except (TypeError, ValueError):
        return False
