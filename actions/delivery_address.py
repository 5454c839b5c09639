"""The delivery address of a PayPal buyer, checked against the zone the order paid
shipping for before anything is captured.

A mismatch is never captured. PayPal lets a shop PATCH an APPROVED order's amount and
address before capture, but changing the amount after approval is meant for a checkout
that showed "Continue" rather than "Pay Now" (developer.paypal.com/docs/checkout/standard/
customize/update-order-details and developer.paypal.com/sdk/orders/v2/orders-patch,
read 2026-12-02). Kassa's buyers approved a final amount with Pay Now, so the shop
refuses instead: the order is never captured (PayPal lets it lapse) and the customer
chooses again in the chat, at the price of the zone their address is in.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import replies
from actions.tracker import language
from shop import fulfilment as fulfilments
from shop import locale_format, payment_methods, shipping
from shop.catalog import in_language
from shop.ledger import OPEN_STATUSES, VOIDED, OrderRecord, get_ledger
from shop.paypal import checks as payments
from shop.terms import get_terms

logger = logging.getLogger(__name__)


def address_fits_zone(
    record: OrderRecord, order: Dict[str, Any], dispatcher: CollectingDispatcher, tracker: Tracker
) -> bool:
    """True when the order may be captured: it is picked up, paid with a bank method (its
    address is asked in the chat), or PayPal's address is in the zone it paid shipping for
    (then kept in the ledger). Else the order is voided and the customer told, once."""
    ledger = get_ledger()
    shipment = ledger.shipment(record.order_id)
    if shipment is None or shipment.method != fulfilments.DELIVERY or payment_methods.completes_on_approval(order):
        return True
    name, address = payments.ship_to(order)
    country = str((address or {}).get("country_code") or "")
    if address and payments.ships_where_paid(order, shipment.country):
        ledger.record_address(record.order_id, name or payments.payer_name(order), address)
        return True
    logger.warning(
        "Order %s not captured: PayPal's shipping address is in %r, the order paid shipping to %s",
        record.order_id,
        country or None,
        shipment.country,
    )
    if ledger.move(record.order_id, VOIDED, OPEN_STATUSES):
        tell_address_outside_zone(dispatcher, tracker, country, str(shipment.country))
    return False


def tell_address_outside_zone(
    dispatcher: CollectingDispatcher, tracker: Tracker, address_country: str, paid_country: str
) -> None:
    """Nothing charged; the ways the order can still come: to the address's zone, or pickup."""
    terms, lang = get_terms(), language(tracker)
    zone = terms.zone(address_country)
    options: List[fulfilments.Fulfilment] = [fulfilments.Fulfilment(fulfilments.PICKUP, None)]
    if zone is not None:
        options.insert(0, fulfilments.Fulfilment(fulfilments.DELIVERY, zone))
    paid_zone = terms.zone(paid_country)
    values: Dict[str, Any] = dict(
        address_country=locale_format.country_name(address_country, lang) if address_country else "?",
        paid_country=shipping.zone_name(paid_zone, lang) if paid_zone else paid_country,
        elsewhere=in_language(terms.elsewhere, lang),
        quick_replies=[replies.fulfilment_button(option, lang) for option in options],
    )
    dispatcher.utter_message(
        response="utter_address_other_zone" if zone is not None else "utter_address_not_shipped", **values
    )
