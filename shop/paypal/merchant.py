"""A merchant's payment request and refund, as the shop makes them at PayPal and keeps
them in the ledger. Both are idempotent by the merchant's key: the PayPal-Request-Id is
derived from it, so the same key again gives PayPal's same order or refund. Blocking
calls; the paypal channel runs them on its PayPal threads."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any, Dict, Optional, Tuple

from shop import money
from shop.ledger import Ledger, OrderRecord
from shop.paypal import orders
from shop.paypal.client import PayPalClient


def request_id(prefix: str, key: str) -> str:
    """PayPal-Request-Id for a merchant's key: the key whole, hashed to fit PayPal's 108 characters."""
    return prefix + hashlib.sha256(key.encode()).hexdigest()[:48]


def create_request_order(
    client: PayPalClient,
    ledger: Ledger,
    key: str,
    conversation_id: str,
    amount: Decimal,
    currency: str,
    description: str,
) -> Tuple[str, Optional[str]]:
    """The PayPal order of a payment request, recorded in the ledger with the key marked
    done: (order id, approval URL). A PayPalError passes through, nothing recorded."""
    value = money.paypal_value(amount, currency)
    context = orders.experience_context(client.config.public_url, client.config.shop_name, "en", "NO_SHIPPING")
    body = orders.payment_request(amount, currency, description, conversation_id, context)
    order = client.create_order(body, request_id("kassa-request-", key))
    approval_url = orders.approval_link(order)
    item = {"sku": None, "name": description, "quantity": 1, "unit_amount": value}
    ledger.record_order(
        order["id"],
        conversation_id,
        [item],
        value,
        currency,
        str(order.get("status")),
        approval_url,
        "merchant_request",
        description,
    )
    ledger.merchant_key_done(key, order["id"])
    return order["id"], approval_url


def refund_order(
    client: PayPalClient, ledger: Ledger, record: OrderRecord, key: str, amount: Optional[str], first_use: bool
) -> Dict[str, Any]:
    """Refund ``amount`` (None: all that is left) of a paid order and record it: PayPal's
    refund, with the amount refunded. ``first_use``: the key is new, so it is marked done."""
    wanted = {"currency_code": record.currency, "value": amount} if amount else None
    if record.capture_id is None:
        raise ValueError(f"order {record.order_id} has no capture to refund")
    refund = client.refund_capture(record.capture_id, request_id("kassa-refund-", key), wanted)
    value = (refund.get("amount") or {}).get("value") or amount or record.amount
    ledger.record_refund(refund["id"], record.order_id, value, record.currency, str(refund.get("status")))
    if first_use:
        ledger.merchant_key_done(f"refund:{key}", refund["id"])
    return {**refund, "amount": {"currency_code": record.currency, "value": value}}
