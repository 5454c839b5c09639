"""Kassa's ``paypal`` channel: PayPal's return and cancel URLs, its webhooks,
and the merchants' payment requests, under /webhooks/paypal/.

Payment events enter a conversation through Rasa's external-event path
(``trigger_external_user_uttered``), never as text a customer could type.
Webhooks are verified with PayPal, stored, answered at once and processed in
the background; an approval whose capture did not happen (the action server
was down, PayPal failed) is tried again, also after a restart.
"""
from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
import uuid
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions import money, paypal_orders
from actions.ledger import FINAL_STATUSES, Ledger, get_ledger
from actions.paypal_client import PayPalClient, PayPalError, get_client
from channels.background import BackgroundTasks
from channels.paypal import pages
from channels.paypal.events import HANDLED, PAYMENT_APPROVED, PAYMENT_CANCELLED, PAYMENT_REQUESTED, from_webhook
from channels.turn_loop import TurnLoop, get_turn_loop

logger = logging.getLogger(__name__)

ORDER_ID = re.compile(r"^[A-Z0-9-]{5,64}$")
RETRY_DELAYS_SECONDS = (1, 2, 5, 10, 30, 60, 120, 300, 600, 1800)


class PayPalInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "paypal"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        return cls(
            webhook_id=str(credentials.get("webhook-id") or ""),
            merchant_api_token=str(credentials.get("merchant-api-token") or ""),
            page_id=str(credentials.get("page-id") or "") or None,
            retry_delays=tuple(float(x) for x in str(credentials.get("retry-delays") or "").split(",") if x) or RETRY_DELAYS_SECONDS,
        )

    def __init__(
        self, webhook_id: str, merchant_api_token: str, page_id: Optional[str] = None,
        retry_delays: tuple = RETRY_DELAYS_SECONDS, ledger: Optional[Ledger] = None, client: Optional[PayPalClient] = None,
        turns: Optional[TurnLoop] = None,
    ) -> None:
        self.webhook_id = webhook_id
        self.merchant_api_token = merchant_api_token
        self.page_id = page_id
        self.retry_delays = retry_delays
        self._ledger = ledger
        self._client = client
        self._tasks = BackgroundTasks()
        self.turns = turns or get_turn_loop()

    @property
    def ledger(self) -> Ledger:
        return self._ledger or get_ledger()

    @property
    def client(self) -> PayPalClient:
        return self._client or get_client()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        paypal = Blueprint(f"kassa_paypal_{id(self)}", __name__)

        @paypal.listener("after_server_start")
        async def resume(app: Any, loop: Any) -> None:
            pending = await asyncio.to_thread(self.ledger.pending_events)
            if pending:
                logger.info("Resuming %d PayPal webhook event(s) not yet handled", len(pending))
            for event in pending:
                self._tasks.spawn(self.process_webhook(app, event))

        @paypal.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @paypal.route("/return", methods=["GET"])
        async def buyer_returned(request: Request) -> HTTPResponse:
            return await self.buyer_back(request, PAYMENT_APPROVED)

        @paypal.route("/cancel", methods=["GET"])
        async def buyer_cancelled(request: Request) -> HTTPResponse:
            return await self.buyer_back(request, PAYMENT_CANCELLED)

        @paypal.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            return await self.receive_webhook(request)

        @paypal.route("/payment-requests", methods=["POST"])
        async def payment_request(request: Request) -> HTTPResponse:
            return await self.create_payment_request(request)

        return paypal

    # --- delivering payment events to a conversation --------------------------------------

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
            await agent.processor.trigger_external_user_uttered(intent, entities, tracker, self.output_for(app, tracker))

    # --- return and cancel ----------------------------------------------------------------------

    async def buyer_back(self, request: Request, intent: str) -> HTTPResponse:
        order_id = request.args.get("token", "")
        if not ORDER_ID.match(order_id):
            return pages.unknown(self.page_id)
        try:
            order = await asyncio.to_thread(self.client.get_order, order_id)
        except PayPalError as error:
            if error.status == 404:
                return pages.unknown(self.page_id)
            logger.error("PayPal order %s lookup on return failed: debug_id=%s", order_id, error.debug_id)
            return pages.pending(self.page_id)
        conversation_id = ((order.get("purchase_units") or [{}])[0]).get("custom_id")
        if not conversation_id:
            return pages.unknown(self.page_id)
        self._tasks.spawn(self._trigger_logged(request.app, conversation_id, intent, {"order_id": order_id}))
        return pages.received(self.page_id) if intent == PAYMENT_APPROVED else pages.cancelled(self.page_id)

    async def _trigger_logged(self, app: Any, conversation_id: str, intent: str, entities: Dict[str, str]) -> None:
        try:
            await self.trigger(app, conversation_id, intent, entities)
        except Exception:  # the webhook path makes up for a failed return
            logger.exception("Payment event %s for conversation %s failed", intent, conversation_id)

    # --- webhooks -----------------------------------------------------------------------------------

    async def receive_webhook(self, request: Request) -> HTTPResponse:
        try:
            event = json.loads(request.body)
            if not isinstance(event, dict) or not event.get("id") or not event.get("event_type"):
                raise ValueError("not a PayPal webhook event")
        except ValueError as error:
            logger.warning("PayPal webhook refused: %s", error)
            return response.json({"error": str(error)}, status=400)
        if not self.webhook_id:
            logger.error("PayPal webhook refused: PAYPAL_WEBHOOK_ID is not set")
            return response.json({"error": "webhooks are not configured"}, status=503)
        try:
            verified = await asyncio.to_thread(self.client.verify_webhook_signature, dict(request.headers), event, self.webhook_id)
        except PayPalError as error:
            logger.error("PayPal webhook %s could not be verified: debug_id=%s", event["id"], error.debug_id)
            return response.json({"error": "verification unavailable"}, status=503)
        if not verified:
            logger.warning("SECURITY: PayPal webhook %s failed signature verification", event["id"])
            return response.json({"error": "signature verification failed"}, status=401)
        if event["event_type"] not in HANDLED:
            return response.json({"status": "ignored"})
        payment = from_webhook(event)
        new = await asyncio.to_thread(self.ledger.receive_event, event["id"], event["event_type"], payment.order_id if payment else None, event)
        if new:
            self._tasks.spawn(self.process_webhook(request.app, event))
        return response.json({"status": "accepted" if new else "duplicate"})

    async def process_webhook(self, app: Any, event: Dict[str, Any]) -> None:
        """Hand the event to its conversation until it has had its effect."""
        payment = from_webhook(event)
        if payment is None:
            return
        record = None
        if payment.order_id:
            record = await asyncio.to_thread(self.ledger.order, payment.order_id)
        elif payment.capture_id:
            record = await asyncio.to_thread(self.ledger.order_by_capture, payment.capture_id)
        if record is None:
            logger.warning("PayPal webhook %s names no order of this shop", event["id"])
            await asyncio.to_thread(self.ledger.event_done, event["id"])
            return
        entities = {**payment.entities, "order_id": record.order_id}
        for delay in (*self.retry_delays, None):
            attempts = await asyncio.to_thread(self.ledger.event_attempted, event["id"])
            try:
                await self.trigger(app, record.conversation_id, payment.intent, entities)
            except Exception:
                logger.exception("PayPal webhook %s: attempt %d failed", event["id"], attempts)
            if payment.intent != PAYMENT_APPROVED or await self._capture_settled(record.order_id):
                await asyncio.to_thread(self.ledger.event_done, event["id"])
                return
            if delay is None:
                break
            logger.warning("PayPal webhook %s: order %s not captured yet, retrying in %ss", event["id"], record.order_id, delay)
            await asyncio.sleep(delay)
        logger.error("PayPal webhook %s: gave up on order %s after %d attempts", event["id"], record.order_id, attempts)

    async def _capture_settled(self, order_id: str) -> bool:
        record = await asyncio.to_thread(self.ledger.order, order_id)
        return record is not None and (record.status in FINAL_STATUSES or record.status in ("PENDING", "PAYER_ACTION_REQUIRED"))

    # --- merchant payment requests ----------------------------------------------------------------

    def _authorized(self, request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        return bool(self.merchant_api_token) and header.startswith("Bearer ") and hmac.compare_digest(header[7:], self.merchant_api_token)

    async def create_payment_request(self, request: Request) -> HTTPResponse:
        if not self._authorized(request):
            return response.json({"error": "a valid bearer token (MERCHANT_API_TOKEN) is required"}, status=401)
        try:
            body = json.loads(request.body)
            conversation_id, amount, currency, description = _payment_request_fields(body)
        except (ValueError, TypeError, money.MoneyError) as error:
            return response.json({"error": str(error)}, status=400)
        agent = request.app.ctx.agent
        if not await agent.tracker_store.exists(conversation_id):
            return response.json({"error": f"no conversation {conversation_id}"}, status=404)
        config = self.client.config
        context = paypal_orders.experience_context(config.public_url, config.shop_name, "en", "NO_SHIPPING")
        order_body = paypal_orders.payment_request(amount, currency, description, conversation_id, context)
        request_id = "kassa-request-" + (request.headers.get("Idempotency-Key") or uuid.uuid4().hex)[:80]
        try:
            order = await asyncio.to_thread(self.client.create_order, order_body, request_id)
        except PayPalError as error:
            status = 502 if error.retryable else 422
            return response.json({"error": f"PayPal refused the order: {error.name}", "debug_id": error.debug_id}, status=status)
        approval_url = paypal_orders.approval_link(order)
        value = money.paypal_value(amount, currency)
        item = {"sku": None, "name": description, "quantity": 1, "unit_amount": value}
        await asyncio.to_thread(
            self.ledger.record_order, order["id"], conversation_id, [item], value, currency, str(order.get("status")),
            approval_url, "merchant_request", description,
        )
        await self.trigger(request.app, conversation_id, PAYMENT_REQUESTED, {"order_id": order["id"]})
        return response.json({"order_id": order["id"], "approval_url": approval_url, "amount": value, "currency": currency}, status=201)


def _payment_request_fields(body: Any) -> tuple:
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    conversation_id = str(body.get("conversation_id") or "").strip()
    currency = str(body.get("currency") or "").strip().upper()
    description = str(body.get("description") or "").strip()
    if not conversation_id:
        raise ValueError("conversation_id is required")
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise ValueError("currency must be a three-letter ISO 4217 code")
    if not 1 <= len(description) <= 127:
        raise ValueError("description must be 1 to 127 characters")
    if isinstance(body.get("amount"), float):
        raise ValueError("amount must be a string such as \"25.00\", not a float")
    amount = money.to_decimal(body.get("amount"))
    if amount <= 0 or not money.has_valid_precision(amount, currency):
        raise ValueError(f"amount must be positive with at most {money.currency_exponent(currency)} decimals for {currency}")
    return conversation_id, amount, currency, description
