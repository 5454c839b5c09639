"""Marking a paid order shipped (with a carrier and tracking number) or, for pickup,
ready: checked, sent to PayPal, kept in the ledger. Idempotent: the same tracking number
again changes nothing. Blocking calls; the paypal channel runs them on its PayPal threads.
The merchant API, ``kassa ship`` and ``#shipped`` in the Page Inbox all come here."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Dict, Optional

from shop import fulfilment, tracking
from shop.ledger import Ledger, OrderRecord, Shipment
from shop.paypal.client import PayPalClient
from shop.terms import Terms

logger = logging.getLogger(__name__)

PAID = ("COMPLETED", "PARTIALLY_REFUNDED")
# The outcome the customer hears of: once per order (the ledger's notice).
SHIPPED_NOTICE = "shipped"


class ShippingRefused(ValueError):
    """Why the order cannot be marked shipped, with the HTTP status that says so."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Shipped:
    record: OrderRecord
    shipment: Shipment
    newly: bool  # False: it was marked before, with this same tracking number

    def answer(self) -> Dict[str, Any]:
        return {
            "order_id": self.record.order_id,
            "conversation_id": self.record.conversation_id,
            "method": self.shipment.method,
            "carrier": self.shipment.carrier,
            "tracking_number": self.shipment.tracking_number,
            "shipped_at": self.shipment.shipped_at,
            "already": not self.newly,
        }


def tracker_request_id(order_id: str, tracking_number: str) -> str:
    """PayPal-Request-Id of an order's tracking upload: one upload per number, ever."""
    return f"kassa-track-{order_id}-{tracking_number}"[:108]


def ship(
    client: PayPalClient,
    ledger: Ledger,
    terms: Terms,
    order_id: str,
    carrier: Optional[str] = None,
    tracking_number: Optional[str] = None,
) -> Shipped:
    """Mark the order shipped (delivery) or ready (pickup). ShippingRefused when the order
    is unknown, not paid, refunded, shipped with another number, or the number does not fit
    the carrier; a PayPalError passes through with nothing marked, so a retry can finish."""
    record = ledger.order(order_id)
    shipment = ledger.shipment(order_id)
    if record is None or shipment is None:
        raise ShippingRefused(404, f"no cart order {order_id} (payment requests are not shipped)")
    if record.status not in PAID or not record.capture_id:
        raise ShippingRefused(409, f"order {order_id} is {record.status}: only a paid order is shipped")
    if shipment.method == fulfilment.PICKUP:
        if carrier or tracking_number:
            raise ShippingRefused(400, f"order {order_id} is picked up at the shop: mark it ready, without a carrier")
        return _marked(ledger, record, order_id, None, None)
    carrier_id = (carrier or "").upper()
    if carrier_id not in terms.carriers:
        raise ShippingRefused(400, f"carrier must be one of {', '.join(terms.carriers)}, got {carrier!r}")
    try:
        number = tracking.normalized(carrier_id, tracking_number or "")
    except tracking.TrackingError as error:
        raise ShippingRefused(400, str(error)) from None
    if shipment.shipped_at:
        if (shipment.carrier, shipment.tracking_number) == (carrier_id, number):
            return Shipped(record, shipment, newly=False)
        raise ShippingRefused(
            409, f"order {order_id} was shipped already with {shipment.carrier} {shipment.tracking_number}"
        )
    # The published schema (order_tracker_request: shipment_tracker allOf) requires
    # transaction_id and status too; a capture's id is its PayPal transaction id.
    tracker = {
        "capture_id": record.capture_id,
        "transaction_id": record.capture_id,
        "status": "SHIPPED",
        "tracking_number": number,
        "carrier": terms.carriers[carrier_id].paypal_carrier,
        "notify_payer": False,  # the customer hears it in the chat
        "items": [
            {"name": item["name"][:127], "sku": item["sku"], "quantity": str(item["quantity"])}
            for item in record.items
            if item.get("sku")
        ],
    }
    client.add_tracking(order_id, tracker, tracker_request_id(order_id, number))
    return _marked(ledger, record, order_id, carrier_id, number)


def _marked(
    ledger: Ledger, record: OrderRecord, order_id: str, carrier: Optional[str], number: Optional[str]
) -> Shipped:
    newly = ledger.mark_shipped(order_id, carrier, number)
    shipment = ledger.shipment(order_id)
    assert shipment is not None
    if newly:
        logger.info("Order %s %s", order_id, f"shipped with {carrier} {number}" if carrier else "ready for pickup")
    return Shipped(record, shipment, newly)
