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
import functools
import hashlib
import json
import logging
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Tuple, TypeVar

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions import money, paypal_orders, settings
from actions.ledger import (
    APPROVED,
    OPEN_STATUSES,
    PAY_BUTTON_DELIVERED,
    PAYMENT_RECEIVED,
    RECEIPT_FIRST_RETRY_SECONDS,
    REFUNDING,
    SUPERSEDED,
    VOIDED,
    IdempotencyConflict,
    Ledger,
    OrderRecord,
    get_ledger,
    refund_notice,
)
from actions.paypal_client import PayPalClient, PayPalError, get_client
from channels import rasa_lock, rasa_speedups
from channels.background import BackgroundTasks
from channels.paypal import pages
from channels.paypal.events import (
    CAPTURE_EFFECTS,
    HANDLED,
    PAYMENT_APPROVED,
    PAYMENT_CANCELLED,
    PAYMENT_REQUESTED,
    PAYMENT_UPDATE,
    PaymentEvent,
    from_webhook,
)
from channels.request_limits import ClientLimits, cap_body_size, shared_limits
from channels.secrets import bearer_token, same_secret
from channels.turn_loop import TurnLoop, get_turn_loop

logger = logging.getLogger(__name__)
rasa_speedups.install()  # Rasa loads the channels before it calls an action
rasa_lock.install()  # and before the first turn takes a conversation's lock

ORDER_ID = re.compile(r"^[A-Z0-9-]{5,64}$")
RETRY_DELAYS_SECONDS = (1, 2, 5, 10, 30, 60, 120, 300, 600, 1800)
# An event still without effect this long after it came is a dead letter (PayPal itself
# retries a webhook delivery for up to three days).
MAX_EVENT_AGE = timedelta(days=3)
# What ends an approval's retries: the capture's outcome, or the shop's refusal of
# a replaced order. Not CANCELLED: a buyer may cancel and then approve after all,
# and that approval must still be captured.
CAPTURE_OUTCOMES = (
    "COMPLETED", "DECLINED", "PARTIALLY_REFUNDED", "REFUNDED", "PENDING", "PAYER_ACTION_REQUIRED", SUPERSEDED, VOIDED,
    APPROVED, REFUNDING,  # a bank approval recorded (PayPal completes it); a replaced order's refund under way
)
# The headers PayPal signs a webhook with; a request without them is refused before any outbound call.
SIGNATURE_HEADERS = ("PAYPAL-AUTH-ALGO", "PAYPAL-CERT-URL", "PAYPAL-TRANSMISSION-ID", "PAYPAL-TRANSMISSION-SIG", "PAYPAL-TRANSMISSION-TIME")
# Calls to PayPal from this channel run on their own few threads, and at most this
# many webhook verifications wait for one: beyond that PayPal is asked to redeliver (503).
PAYPAL_THREADS = 4
MAX_WAITING_VERIFICATIONS = 16
T = TypeVar("T")
# Merchant payment requests: amounts as plain decimals up to a sane maximum, keys as sent.
AMOUNT_TEXT = re.compile(r"\d{1,7}(\.\d{1,3})?")
MAX_REQUEST_AMOUNT = money.to_decimal("10000")
IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_.:-]{1,255}")


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
            limits=shared_limits(settings.runtime().rasa_endpoints, credentials.get("rate-limit"), credentials.get("failure-rate-limit")),
        )

    def __init__(
        self, webhook_id: str, merchant_api_token: str, page_id: Optional[str] = None,
        retry_delays: tuple = RETRY_DELAYS_SECONDS, ledger: Optional[Ledger] = None, client: Optional[PayPalClient] = None,
        turns: Optional[TurnLoop] = None, limits: Optional[ClientLimits] = None,
    ) -> None:
        self.webhook_id = webhook_id
        self.merchant_api_token = merchant_api_token
        self.page_id = page_id
        self.retry_delays = retry_delays
        self._ledger = ledger
        self._client = client
        self._tasks = BackgroundTasks()
        self.turns = turns or get_turn_loop()
        self.limits = limits or ClientLimits()
        self._paypal_threads = ThreadPoolExecutor(PAYPAL_THREADS, thread_name_prefix="kassa-paypal")
        self._waiting_verifications = 0
        self._sending_buttons: set = set()
        self.max_request_amount = MAX_REQUEST_AMOUNT

    @property
    def ledger(self) -> Ledger:
        return self._ledger or get_ledger()

    @property
    def client(self) -> PayPalClient:
        return self._client or get_client()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        paypal = Blueprint(f"kassa_paypal_{id(self)}", __name__)

        @paypal.listener("before_server_start")
        async def limit_bodies(app: Any, loop: Any) -> None:
            cap_body_size(app)

        @paypal.listener("after_server_start")
        async def resume(app: Any, loop: Any) -> None:
            pending = await asyncio.to_thread(self.ledger.pending_events)
            if pending:
                logger.info("Resuming %d PayPal webhook event(s) not yet handled", len(pending))
            for event in pending:
                self._tasks.spawn(self.process_webhook(app, event))
            for request in await asyncio.to_thread(self.ledger.undelivered_requests):
                self.send_pay_button(app, request.conversation_id, request.order_id)
            self._tasks.spawn(self.resend_receipts(app))

        @paypal.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @paypal.route("/return", methods=["GET"])
        async def buyer_returned(request: Request) -> HTTPResponse:
            return await self.buyer_back(request, PAYMENT_APPROVED)

        @paypal.route("/cancel", methods=["GET"])
        async def buyer_cancelled(request: Request) -> HTTPResponse:
            return await self.buyer_back(request, PAYMENT_CANCELLED)

        @paypal.route("/pay/<order_id>", methods=["GET"])
        async def pay_page(request: Request, order_id: str) -> HTTPResponse:
            return await self.forward_to_paypal(request, order_id)

        @paypal.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            return await self.receive_webhook(request)

        @paypal.route("/payment-requests", methods=["POST"])
        async def payment_request(request: Request) -> HTTPResponse:
            return await self.create_payment_request(request)

        @paypal.route("/refunds", methods=["POST"])
        async def refund(request: Request) -> HTTPResponse:
            return await self.create_refund(request)

        return paypal

    async def call_paypal(self, function: Callable[..., T], *args: Any) -> T:
        """Run a blocking PayPal client call on the channel's own bounded threads."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._paypal_threads, functools.partial(function, *args))

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
        refused = self.limits.refuse(request, "buyer-back")
        if refused is not None:
            return refused
        order_id = request.args.get("token", "")
        if not ORDER_ID.match(order_id):
            self.limits.failed(request, "buyer-back")
            return pages.unknown(self.page_id, request)
        try:
            order = await self.call_paypal(self.client.get_order, order_id)
        except PayPalError as error:
            if error.status == 404:
                self.limits.failed(request, "buyer-back")
                return pages.unknown(self.page_id, request)
            logger.error("PayPal order %s lookup on return failed: debug_id=%s", order_id, error.debug_id)
            return pages.pending(self.page_id, request)
        conversation_id = ((order.get("purchase_units") or [{}])[0]).get("custom_id")
        if not conversation_id:
            return pages.unknown(self.page_id, request)
        if intent == PAYMENT_CANCELLED and order.get("status") not in OPEN_STATUSES:
            # approved or paid: a cancel link opened later (or by someone else) changes nothing
            return pages.received(self.page_id, request) if order.get("status") in ("APPROVED", "COMPLETED") else pages.unknown(self.page_id, request)
        self._tasks.spawn(self._trigger_logged(request.app, conversation_id, intent, {"order_id": order_id}))
        return pages.received(self.page_id, request) if intent == PAYMENT_APPROVED else pages.cancelled(self.page_id, request)

    async def forward_to_paypal(self, request: Request, order_id: str) -> HTTPResponse:
        """The pay button of a utility message: its URL is fixed when Meta reviews the
        template, so it opens this page with the order id, which forwards to PayPal's
        approval link while the order is open."""
        refused = self.limits.refuse(request, "buyer-back")
        if refused is not None:
            return refused
        record = await asyncio.to_thread(self.ledger.order, order_id) if ORDER_ID.match(order_id) else None
        if record is None:
            self.limits.failed(request, "buyer-back")
            return pages.unknown(self.page_id, request)
        if record.status in OPEN_STATUSES and record.approval_url:
            return response.redirect(record.approval_url)
        return pages.received(self.page_id, request) if record.status in ("APPROVED", "COMPLETED") else pages.unknown(self.page_id, request)

    async def _trigger_logged(self, app: Any, conversation_id: str, intent: str, entities: Dict[str, str]) -> None:
        try:
            await self.trigger(app, conversation_id, intent, entities)
        except Exception:  # the webhook path makes up for a failed return
            logger.exception("Payment event %s for conversation %s failed", intent, conversation_id)

    # --- webhooks -----------------------------------------------------------------------------------

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
            if not isinstance(event, dict) or not isinstance(event.get("id"), str) or not isinstance(event.get("event_type"), str):
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
        new = await asyncio.to_thread(self.ledger.receive_event, event["id"], event["event_type"], payment.order_id if payment else None, event)
        if new:
            self._tasks.spawn(self.process_webhook(request.app, event))
        return response.json({"status": "accepted" if new else "duplicate"})

    async def _verify(self, request: Request, event: Dict[str, Any]) -> Optional[bool]:
        """PayPal's verdict on the webhook's signature; None when it cannot be had now."""
        if self._waiting_verifications >= MAX_WAITING_VERIFICATIONS:
            logger.warning("PayPal webhook %r: %d verifications waiting, asking for redelivery", event["id"], self._waiting_verifications)
            return None
        self._waiting_verifications += 1
        try:
            return await self.call_paypal(self.client.verify_webhook_signature, dict(request.headers), bytes(request.body), self.webhook_id)
        except PayPalError as error:
            logger.error("PayPal webhook %r could not be verified: debug_id=%s", event["id"], error.debug_id)
            return None
        finally:
            self._waiting_verifications -= 1

    async def process_webhook(self, app: Any, event: Dict[str, Any]) -> None:
        """Hand the event to its conversation until the ledger shows its effect, then mark it
        done. Attempts and age are counted in the database, across restarts; past
        either cap the event becomes a dead letter that `make orders` lists."""
        payment = from_webhook(event)
        if payment is None:
            return
        record = None
        if payment.order_id:
            record = await asyncio.to_thread(self.ledger.order, payment.order_id)
        elif payment.capture_id:
            record = await asyncio.to_thread(self.ledger.order_by_capture, payment.capture_id)
        if record is None:
            logger.warning("PayPal webhook %r names no order of this shop", event["id"])
            await asyncio.to_thread(self.ledger.event_done, event["id"])
            return
        entities = {**payment.entities, "order_id": record.order_id}
        delays = iter(self.retry_delays)
        while True:
            state = await asyncio.to_thread(self.ledger.event_state, event["id"])
            if state is None or state["status"] != "received":
                return
            if state["attempts"] >= len(self.retry_delays) + 1 or _older_than(state["received_at"], MAX_EVENT_AGE):
                await asyncio.to_thread(self.ledger.event_dead, event["id"])
                logger.error("PayPal webhook %r: gave up on order %s after %d attempts (dead letter; see make orders)",
                             event["id"], record.order_id, state["attempts"])
                return
            attempts = await asyncio.to_thread(self.ledger.event_attempted, event["id"])
            try:
                await self.trigger(app, record.conversation_id, payment.intent, entities)
            except Exception:
                logger.exception("PayPal webhook %r: attempt %d failed", event["id"], attempts)
            if await self._had_effect(app, payment, record.order_id):
                await asyncio.to_thread(self.ledger.event_done, event["id"])
                return
            delay = next(delays, 0.0)
            logger.warning("PayPal webhook %r: order %s not settled yet, retrying in %ss", event["id"], record.order_id, delay)
            await asyncio.sleep(delay)

    async def resend_receipts(self, app: Any) -> None:
        """Receipts Facebook did not accept (or a crash lost) go out again: the order's
        COMPLETED event once more, in its conversation; the ledger's claim keeps it to one sender."""
        while True:
            await asyncio.sleep(RECEIPT_FIRST_RETRY_SECONDS)
            try:
                due = await asyncio.to_thread(self.ledger.receipts_due)
            except Exception:
                logger.exception("Looking for receipts to send again failed")
                continue
            for record in due:
                logger.warning("Receipt for order %s not delivered yet: sending it again", record.order_id)
                entities = {"order_id": record.order_id, "payment_event": "COMPLETED"}
                await self._trigger_logged(app, record.conversation_id, PAYMENT_UPDATE, entities)

    async def _had_effect(self, app: Any, payment: PaymentEvent, order_id: str) -> bool:
        """Whether the ledger and the conversation show the event's outcome: a capture's
        outcome for an approval, the reported state for a capture event; for a payment,
        its receipt claimed and its items out of the cart; for a refund, the customer told."""
        record = await asyncio.to_thread(self.ledger.order, order_id)
        if record is None:
            return False
        reported = payment.entities.get("payment_event", "")
        if payment.intent == PAYMENT_APPROVED:
            if record.status not in CAPTURE_OUTCOMES:
                return False
        elif record.status not in CAPTURE_EFFECTS.get(reported, ()):
            return False
        if reported == "REFUNDED" and payment.refund_id:
            return await asyncio.to_thread(self.ledger.notice_claimed, order_id, refund_notice(payment.refund_id))
        if not await self._cart_settled(app, record):
            return False
        if reported != "COMPLETED" or record.receipt_sent_at is not None or record.status == "REFUNDED":
            return True
        return await asyncio.to_thread(self.ledger.receipt_claimed, order_id)  # resend_receipts takes it from here

    async def _cart_settled(self, app: Any, record: OrderRecord) -> bool:
        """A paid order's items are out of the conversation's cart: its tracker lists the
        order in ``applied_orders`` once the ledger said "payment received" (so a turn
        lost after the ledger's claims runs again instead of leaving them to be paid twice)."""
        if record.status != "COMPLETED" or not await asyncio.to_thread(self.ledger.notice_claimed, record.order_id, PAYMENT_RECEIVED):
            return True
        tracker = await app.ctx.agent.tracker_store.retrieve(record.conversation_id)
        applied = tracker.get_slot("applied_orders") if tracker is not None else None
        return isinstance(applied, list) and record.order_id in applied

    # --- merchant payment requests ----------------------------------------------------------------

    def refuse_merchant(self, request: Request, scope: str) -> Optional[HTTPResponse]:
        """429 over the client's limits, 401 without MERCHANT_API_TOKEN; None to go on."""
        refused = self.limits.refuse(request, scope)
        if refused is not None:
            return refused
        if not same_secret(bearer_token(request.headers.get("Authorization")), self.merchant_api_token):
            self.limits.failed(request, scope)
            return response.json({"error": "a valid bearer token (MERCHANT_API_TOKEN) is required"}, status=401)
        return None

    async def create_payment_request(self, request: Request) -> HTTPResponse:
        """A merchant's payment request: 202 with the order once PayPal made it; the pay
        button reaches the conversation in the background. The same Idempotency-Key
        with the same body gives the same order; with another body, 409."""
        refused = self.refuse_merchant(request, "payment-requests")
        if refused is not None:
            return refused
        try:
            key = _idempotency_key(request.headers.get("Idempotency-Key"))
            fields = _payment_request_fields(json.loads(request.body))
        except (ValueError, TypeError, money.MoneyError) as error:
            return response.json({"error": str(error)}, status=400)
        status, answer = await self.request_payment(request.app, key, *fields)
        return response.json(answer, status=status)

    async def request_payment(
        self, app: Any, key: str, conversation_id: str, amount: Decimal, currency: str, description: str
    ) -> Tuple[int, Dict[str, Any]]:
        """Make (once per ``key``) the PayPal order of a merchant's payment request and send
        its pay button into the conversation: (HTTP status, answer). Used by the merchant
        API and by ``#pay`` typed in the Page Inbox."""
        if not await app.ctx.agent.tracker_store.exists(conversation_id):
            return 404, {"error": f"no conversation {conversation_id}"}
        value = money.paypal_value(amount, currency)
        try:
            known_order = await self._claim_merchant_key(key, [conversation_id, value, currency, description])
        except IdempotencyConflict:
            return 409, KEY_CONFLICT
        if known_order:
            record = await asyncio.to_thread(self.ledger.order, known_order)
            if record is not None and record.status in OPEN_STATUSES:  # its button, again if it never went out
                self.send_pay_button(app, conversation_id, known_order)
            return 202, _accepted(known_order, record.approval_url if record else None, value, currency)
        config = self.client.config
        context = paypal_orders.experience_context(config.public_url, config.shop_name, "en", "NO_SHIPPING")
        order_body = paypal_orders.payment_request(amount, currency, description, conversation_id, context)
        try:
            order = await self.call_paypal(self.client.create_order, order_body, _paypal_request_id("kassa-request-", key))
        except PayPalError as error:
            return _paypal_refusal("order", error)
        approval_url = paypal_orders.approval_link(order)
        item = {"sku": None, "name": description, "quantity": 1, "unit_amount": value}
        await asyncio.to_thread(
            self.ledger.record_order, order["id"], conversation_id, [item], value, currency, str(order.get("status")),
            approval_url, "merchant_request", description,
        )
        await asyncio.to_thread(self.ledger.merchant_key_done, key, order["id"])
        self.send_pay_button(app, conversation_id, order["id"])
        return 202, _accepted(order["id"], approval_url, value, currency)

    def send_pay_button(self, app: Any, conversation_id: str, order_id: str) -> None:
        """Deliver a payment request's pay button at least once, in the background: one
        sender per order in this process; the action sends nothing once it was delivered."""
        if order_id in self._sending_buttons:
            return
        self._sending_buttons.add(order_id)
        self._tasks.spawn(self._deliver_pay_button(app, conversation_id, order_id))

    async def _deliver_pay_button(self, app: Any, conversation_id: str, order_id: str) -> None:
        """The request's turn, again after a growing pause until Facebook took the button
        (the ledger's notice), for as many attempts as webhooks get."""
        try:
            for delay in (*self.retry_delays, None):
                if await asyncio.to_thread(self.ledger.notice_claimed, order_id, PAY_BUTTON_DELIVERED):
                    return
                await self._trigger_logged(app, conversation_id, PAYMENT_REQUESTED, {"order_id": order_id})
                if await asyncio.to_thread(self.ledger.notice_claimed, order_id, PAY_BUTTON_DELIVERED):
                    return
                if delay is None:
                    break
                logger.warning("Pay button of payment request %s not delivered yet: again in %ss", order_id, delay)
                await asyncio.sleep(delay)
            logger.error("Pay button of payment request %s never delivered to %s: send the request again", order_id, conversation_id)
        finally:
            self._sending_buttons.discard(order_id)

    async def create_refund(self, request: Request) -> HTTPResponse:
        """A merchant's refund of a paid order, whole or ``amount``: 201 with PayPal's refund.
        The customer hears of it from PayPal's PAYMENT.CAPTURE.REFUNDED webhook, like a
        refund made in PayPal's dashboard. Idempotency-Key as for payment requests."""
        refused = self.refuse_merchant(request, "refunds")
        if refused is not None:
            return refused
        try:
            key = _idempotency_key(request.headers.get("Idempotency-Key"))
            body = json.loads(request.body)
            if not isinstance(body, dict) or not isinstance(body.get("order_id"), str):
                raise ValueError("the body must be a JSON object with order_id")
            record = await asyncio.to_thread(self.ledger.order, body["order_id"])
            if record is None:
                return response.json({"error": f"no order {body['order_id']}"}, status=404)
            amount = _refund_amount(body.get("amount"), record.amount, record.currency)
        except (ValueError, TypeError, money.MoneyError) as error:
            return response.json({"error": str(error)}, status=400)
        if record.status not in ("COMPLETED", "PARTIALLY_REFUNDED") or not record.capture_id:
            return response.json({"error": f"order {record.order_id} is {record.status}: nothing to refund"}, status=409)
        try:
            known = await self._claim_merchant_key(f"refund:{key}", [record.order_id, amount])
        except IdempotencyConflict:
            return response.json(KEY_CONFLICT, status=409)
        wanted = {"currency_code": record.currency, "value": amount} if amount else None
        request_id = _paypal_request_id("kassa-refund-", key)
        try:  # the same PayPal-Request-Id again (a retry, or ``known``) gives PayPal's same refund
            refund = await self.call_paypal(self.client.refund_capture, record.capture_id, request_id, wanted)
        except PayPalError as error:
            status, answer = _paypal_refusal("refund", error)
            return response.json(answer, status=status)
        value = (refund.get("amount") or {}).get("value") or amount or record.amount
        await asyncio.to_thread(self.ledger.record_refund, refund["id"], record.order_id, value, record.currency, str(refund.get("status")))
        if not known:
            await asyncio.to_thread(self.ledger.merchant_key_done, f"refund:{key}", refund["id"])
        return response.json({"refund_id": refund["id"], "status": refund.get("status"), "order_id": record.order_id,
                              "amount": value, "currency": record.currency}, status=201)


    async def _claim_merchant_key(self, key: str, request_parts: List[Any]) -> Optional[str]:
        """The id already made under ``key`` for the same request; IdempotencyConflict for another."""
        body_hash = hashlib.sha256(json.dumps(request_parts).encode()).hexdigest()
        return await asyncio.to_thread(self.ledger.claim_merchant_key, key, body_hash)


KEY_CONFLICT = {"error": "this Idempotency-Key was used with another request"}


def _paypal_request_id(prefix: str, key: str) -> str:
    """PayPal-Request-Id for a merchant's key: the key whole, hashed to fit PayPal's 108 characters."""
    return prefix + hashlib.sha256(key.encode()).hexdigest()[:48]


def _paypal_refusal(what: str, error: PayPalError) -> Tuple[int, Dict[str, Any]]:
    """PayPal's refusal passed on: 502 when trying again may work, 422 when it will not."""
    return 502 if error.retryable else 422, {
        "error": f"PayPal refused the {what}: {', '.join(error.issues) or error.name}", "debug_id": error.debug_id,
    }


def _merchant_amount(given: Any, currency: str, maximum: Decimal, what: str) -> Decimal:
    """An amount a merchant typed: plain digits, positive, the currency's decimals, at most ``maximum``."""
    if isinstance(given, float):
        raise ValueError("amount must be a string of digits such as \"25.00\", not a float")
    if not AMOUNT_TEXT.fullmatch(str(given or "").strip()):
        raise ValueError("amount must be written as digits with an optional decimal point, such as \"25.00\"")
    amount = money.to_decimal(given)
    if amount <= 0 or not money.has_valid_precision(amount, currency):
        raise ValueError(f"amount must be positive with at most {money.currency_exponent(currency)} decimals for {currency}")
    if amount > maximum:
        raise ValueError(f"amount must be at most {maximum} {currency} for {what}")
    return amount


def _older_than(stamp: str, age: timedelta) -> bool:
    try:
        return datetime.now(timezone.utc) - datetime.fromisoformat(stamp) > age
    except (TypeError, ValueError):
        return False


def _refund_amount(given: Any, paid: str, currency: str) -> Optional[str]:
    """A partial refund's amount as PayPal writes it; None for the whole rest."""
    if given is None:
        return None
    return money.paypal_value(_merchant_amount(given, currency, money.to_decimal(paid), "a refund of this order"), currency)


def _accepted(order_id: str, approval_url: Optional[str], value: str, currency: str) -> Dict[str, Any]:
    return {"order_id": order_id, "approval_url": approval_url, "amount": value, "currency": currency}


def _idempotency_key(header: Optional[str]) -> str:
    """The merchant's Idempotency-Key, whole; a fresh one when none was sent."""
    if header is None:
        return uuid.uuid4().hex
    if not IDEMPOTENCY_KEY.fullmatch(header):
        raise ValueError("Idempotency-Key must be 1 to 255 letters, digits or -_.:")
    return header


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
    amount = _merchant_amount(body.get("amount"), currency, MAX_REQUEST_AMOUNT, "a payment request")
    return conversation_id, amount, currency, description
