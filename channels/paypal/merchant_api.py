"""The merchant API: payment requests sent into a conversation, refunds, and shipments,
behind MERCHANT_API_TOKEN and an Idempotency-Key. ``PaymentRequests`` is the function
part, which the Messenger channel's ``#pay`` calls too (``Shipments`` for ``#shipped``);
``MerchantApi`` the HTTP part."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import logging
import re
import uuid
from decimal import Decimal
from typing import Any, Dict, List, Optional, Tuple

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.paypal.context import PaymentContext, get_context
from channels.request_limits import ClientLimits
from channels.secrets import bearer_token, same_secret
from shop import money, shipments
from shop.ledger import OPEN_STATUSES, PAY_BUTTON_DELIVERED, IdempotencyConflict
from shop.paypal import merchant
from shop.paypal.client import PayPalError
from shop.paypal.events import PAYMENT_REQUESTED
from shop.paypal.intents import ORDER_SHIPPED
from shop.terms import get_terms

logger = logging.getLogger(__name__)
# Amounts as plain decimals up to a sane maximum, keys as sent.
AMOUNT_TEXT = re.compile(r"\d{1,7}(\.\d{1,3})?")
MAX_REQUEST_AMOUNT = money.to_decimal("10000")
IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_.:-]{1,255}")
KEY_CONFLICT = {"error": "this Idempotency-Key was used with another request"}


class PaymentRequests:
    """A payment request's PayPal order, made once per key, and its pay button delivered
    at least once (one sender per order in the process)."""

    max_request_amount = MAX_REQUEST_AMOUNT

    def __init__(self, context: PaymentContext) -> None:
        self.context = context
        self._sending_buttons: set = set()

    async def resume(self, app: Any) -> None:
        """Pay buttons not yet delivered when the process stopped."""
        for request in await asyncio.to_thread(self.context.ledger.undelivered_requests):
            self.send_pay_button(app, request.conversation_id, request.order_id)

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
            known_order = await self.claim_key(key, [conversation_id, value, currency, description])
        except IdempotencyConflict:
            return 409, KEY_CONFLICT
        if known_order:
            record = await asyncio.to_thread(self.context.ledger.order, known_order)
            if record is not None and record.status in OPEN_STATUSES:  # its button, again if it never went out
                self.send_pay_button(app, conversation_id, known_order)
            return 202, _accepted(known_order, record.approval_url if record else None, value, currency)
        try:
            order_id, approval_url = await self.context.call_paypal(
                merchant.create_request_order,
                self.context.client,
                self.context.ledger,
                key,
                conversation_id,
                amount,
                currency,
                description,
            )
        except PayPalError as error:
            return _paypal_refusal("order", error)
        self.send_pay_button(app, conversation_id, order_id)
        return 202, _accepted(order_id, approval_url, value, currency)

    def send_pay_button(self, app: Any, conversation_id: str, order_id: str) -> None:
        """Deliver a payment request's pay button at least once, in the background: one
        sender per order in this process; the action sends nothing once it was delivered."""
        if order_id in self._sending_buttons:
            return
        self._sending_buttons.add(order_id)
        self.context.tasks.spawn(self._deliver_pay_button(app, conversation_id, order_id))

    async def _deliver_pay_button(self, app: Any, conversation_id: str, order_id: str) -> None:
        """The request's turn, again after a growing pause until Facebook took the button
        (the ledger's notice), for as many attempts as webhooks get."""
        try:
            for delay in (*self.context.retry_delays, None):
                if await asyncio.to_thread(self.context.ledger.notice_claimed, order_id, PAY_BUTTON_DELIVERED):
                    return
                await self.context.trigger_logged(app, conversation_id, PAYMENT_REQUESTED, {"order_id": order_id})
                if await asyncio.to_thread(self.context.ledger.notice_claimed, order_id, PAY_BUTTON_DELIVERED):
                    return
                if delay is None:
                    break
                logger.warning("Pay button of payment request %s not delivered yet: again in %ss", order_id, delay)
                await asyncio.sleep(delay)
            logger.error(
                "Pay button of payment request %s never delivered to %s: send the request again",
                order_id,
                conversation_id,
            )
        finally:
            self._sending_buttons.discard(order_id)

    async def claim_key(self, key: str, request_parts: List[Any]) -> Optional[str]:
        """The id already made under ``key`` for the same request; IdempotencyConflict for another."""
        body_hash = hashlib.sha256(json.dumps(request_parts).encode()).hexdigest()
        return await asyncio.to_thread(self.context.ledger.claim_merchant_key, key, body_hash)


class Shipments:
    """An order marked shipped (or ready for pickup), and the customer told once."""

    def __init__(self, context: PaymentContext) -> None:
        self.context = context

    async def ship(
        self, app: Any, order_id: str, carrier: Optional[str], tracking_number: Optional[str]
    ) -> Tuple[int, Dict[str, Any]]:
        """(HTTP status, answer): 201 when newly shipped, 200 for the same shipment again."""
        try:
            done = await self.context.call_paypal(
                shipments.ship,
                self.context.client,
                self.context.ledger,
                get_terms(),
                order_id,
                carrier,
                tracking_number,
            )
        except shipments.ShippingRefused as refused:
            return refused.status, {"error": str(refused)}
        except PayPalError as error:
            return _paypal_refusal("tracking upload", error)
        told = await asyncio.to_thread(self.context.ledger.notice_claimed, order_id, shipments.SHIPPED_NOTICE)
        if not told:  # newly, or the first telling got lost: the action tells it once
            self.context.tasks.spawn(
                self.context.trigger_logged(app, done.record.conversation_id, ORDER_SHIPPED, {"order_id": order_id})
            )
        return (201 if done.newly else 200), done.answer()


@functools.lru_cache(maxsize=None)
def get_shipments() -> Shipments:
    return Shipments(get_context())


@functools.lru_cache(maxsize=None)
def get_payment_requests() -> PaymentRequests:
    """The process's one sender of payment requests, for both channels."""
    return PaymentRequests(get_context())


class MerchantApi:
    """The HTTP side: 429 over the client's limits, 401 without the token, 400 for a
    body that cannot be used, then the request."""

    def __init__(self, requests: PaymentRequests, token: str, limits: ClientLimits) -> None:
        self.requests = requests
        self.shipments = get_shipments()
        self.context = requests.context
        self.merchant_api_token = token
        self.limits = limits

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
        status, answer = await self.requests.request_payment(request.app, key, *fields)
        return response.json(answer, status=status)

    async def create_shipment(self, request: Request) -> HTTPResponse:
        """The merchant shipped a paid order (carrier, tracking_number) or made a pickup
        order ready (neither): 201, or 200 for the same shipment again; 409 for an unpaid,
        refunded or already otherwise shipped order; 400 for a number the carrier does not use."""
        return await _create_shipment(self, request)

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
            record = await asyncio.to_thread(self.context.ledger.order, body["order_id"])
            if record is None:
                return response.json({"error": f"no order {body['order_id']}"}, status=404)
            amount = _refund_amount(body.get("amount"), record.amount, record.currency)
        except (ValueError, TypeError, money.MoneyError) as error:
            return response.json({"error": str(error)}, status=400)
        if record.status not in ("COMPLETED", "PARTIALLY_REFUNDED") or not record.capture_id:
            return response.json(
                {"error": f"order {record.order_id} is {record.status}: nothing to refund"}, status=409
            )
        try:
            known = await self.requests.claim_key(f"refund:{key}", [record.order_id, amount])
        except IdempotencyConflict:
            return response.json(KEY_CONFLICT, status=409)
        try:  # the same key again (a retry, or ``known``) gives PayPal's same refund
            refund = await self.context.call_paypal(
                merchant.refund_order, self.context.client, self.context.ledger, record, key, amount, not known
            )
        except PayPalError as error:
            status, answer = _paypal_refusal("refund", error)
            return response.json(answer, status=status)
        value = refund["amount"]["value"]
        shipment = await asyncio.to_thread(self.context.ledger.shipment, record.order_id)
        shipped = bool(shipment and shipment.shipped_at)
        if shipped:  # allowed (a return, say); noted so that the parcel is not forgotten
            logger.info(
                "Refund of %s %s for order %s, which was shipped already", value, record.currency, record.order_id
            )
        return response.json(
            {
                "refund_id": refund["id"],
                "status": refund.get("status"),
                "order_id": record.order_id,
                "amount": value,
                "currency": record.currency,
                "shipped": shipped,
            },
            status=201,
        )


async def _create_shipment(api: "MerchantApi", request: Request) -> HTTPResponse:
    refused = api.refuse_merchant(request, "shipments")
    if refused is not None:
        return refused
    try:
        _idempotency_key(request.headers.get("Idempotency-Key"))  # checked; the shipment itself is idempotent
        body = json.loads(request.body)
        if not isinstance(body, dict) or not isinstance(body.get("order_id"), str):
            raise ValueError("the body must be a JSON object with order_id (and carrier and tracking_number)")
        carrier, number = body.get("carrier"), body.get("tracking_number")
        if any(value is not None and not isinstance(value, str) for value in (carrier, number)):
            raise ValueError("carrier and tracking_number are strings")
    except (ValueError, TypeError) as error:
        return response.json({"error": str(error)}, status=400)
    status, answer = await api.shipments.ship(request.app, body["order_id"], carrier, number)
    return response.json(answer, status=status)


def _paypal_refusal(what: str, error: PayPalError) -> Tuple[int, Dict[str, Any]]:
    """PayPal's refusal passed on: 502 when trying again may work, 422 when it will not."""
    return 502 if error.retryable else 422, {
        "error": f"PayPal refused the {what}: {', '.join(error.issues) or error.name}",
        "debug_id": error.debug_id,
    }


def _merchant_amount(given: Any, currency: str, maximum: Decimal, what: str) -> Decimal:
    """An amount a merchant typed: plain digits, positive, the currency's decimals, at most ``maximum``."""
    if isinstance(given, float):
        raise ValueError('amount must be a string of digits such as "25.00", not a float')
    if not AMOUNT_TEXT.fullmatch(str(given or "").strip()):
        raise ValueError('amount must be written as digits with an optional decimal point, such as "25.00"')
    amount = money.to_decimal(given)
    if amount <= 0 or not money.has_valid_precision(amount, currency):
        raise ValueError(
            f"amount must be positive with at most {money.currency_exponent(currency)} decimals for {currency}"
        )
    if amount > maximum:
        raise ValueError(f"amount must be at most {maximum} {currency} for {what}")
    return amount


def _refund_amount(given: Any, paid: str, currency: str) -> Optional[str]:
    """A partial refund's amount as PayPal writes it; None for the whole rest."""
    if given is None:
        return None
    return money.paypal_value(
        _merchant_amount(given, currency, money.to_decimal(paid), "a refund of this order"), currency
    )


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
