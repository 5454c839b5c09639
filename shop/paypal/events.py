"""PayPal webhook events mapped to the payment events a conversation hears."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional

from shop.paypal.intents import (  # noqa: F401  (the channel's vocabulary, re-exported)
    EXTERNAL_INTENTS,
    PAYMENT_APPROVED,
    PAYMENT_CANCELLED,
    PAYMENT_REQUESTED,
    PAYMENT_UPDATE,
)

CAPTURE_EVENTS = {
    "PAYMENT.CAPTURE.COMPLETED": "COMPLETED",
    "PAYMENT.CAPTURE.PENDING": "PENDING",
    "PAYMENT.CAPTURE.DENIED": "DECLINED",
    "PAYMENT.CAPTURE.DECLINED": "DECLINED",
    "PAYMENT.CAPTURE.REFUNDED": "REFUNDED",
}
# iDEAL and Bancontact: the bank did not confirm an approved payment in time; nothing captured.
APPROVAL_REVERSED = "CHECKOUT.PAYMENT-APPROVAL.REVERSED"
HANDLED = ("CHECKOUT.ORDER.APPROVED", APPROVAL_REVERSED, *CAPTURE_EVENTS)
# The ledger statuses that show a capture event has had its effect (a later state counts too).
# A refund's effect is its own row in the ledger (PaymentEvent.refund_id).
CAPTURE_EFFECTS = {
    # REFUNDING: a replaced order PayPal completed anyway, its refund under way
    "COMPLETED": ("COMPLETED", "PARTIALLY_REFUNDED", "REFUNDED", "REFUNDING"),
    "PENDING": ("PENDING", "COMPLETED", "DECLINED", "PARTIALLY_REFUNDED", "REFUNDED"),
    "DECLINED": ("DECLINED", "COMPLETED", "PARTIALLY_REFUNDED", "REFUNDED"),
    "REFUNDED": ("PARTIALLY_REFUNDED", "REFUNDED"),
    "REVERSED": ("REVERSED", "COMPLETED", "PARTIALLY_REFUNDED", "REFUNDED"),
}


@dataclass(frozen=True)
class PaymentEvent:
    intent: str
    entities: Dict[str, str]
    order_id: Optional[str] = None
    capture_id: Optional[str] = None
    refund_id: Optional[str] = None


def _capture_id_from_links(resource: Mapping[str, Any]) -> Optional[str]:
    for link in resource.get("links") or []:
        if link.get("rel") == "up" and "/captures/" in str(link.get("href")):
            return str(link["href"]).rstrip("/").rsplit("/", 1)[-1]
    return None


def from_webhook(event: Mapping[str, Any]) -> Optional[PaymentEvent]:
    """The payment event a webhook stands for; None for events the shop does not act on."""
    kind = event.get("event_type")
    resource = event.get("resource") or {}
    if kind == "CHECKOUT.ORDER.APPROVED":
        order_id = str(resource.get("id") or "")
        return PaymentEvent(PAYMENT_APPROVED, {"order_id": order_id}, order_id=order_id or None)
    if kind == APPROVAL_REVERSED:
        order_id = str(resource.get("id") or "")
        return PaymentEvent(
            PAYMENT_UPDATE, {"payment_event": "REVERSED", "order_id": order_id}, order_id=order_id or None
        )
    if kind in CAPTURE_EVENTS:
        order_id = str(((resource.get("supplementary_data") or {}).get("related_ids") or {}).get("order_id") or "")
        capture_id = _capture_id_from_links(resource) if kind == "PAYMENT.CAPTURE.REFUNDED" else resource.get("id")
        entities = {"payment_event": CAPTURE_EVENTS[kind]}
        if order_id:
            entities["order_id"] = order_id
        refund_id = resource.get("id") if kind == "PAYMENT.CAPTURE.REFUNDED" else None
        return PaymentEvent(
            PAYMENT_UPDATE, entities, order_id=order_id or None, capture_id=capture_id, refund_id=refund_id
        )
    return None
