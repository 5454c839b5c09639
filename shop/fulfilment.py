"""How an order reaches the customer: delivered in one of the shop's zones, or picked up
at the shop; and what that adds to the order."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import List, Optional

from shop.payment_methods import country_of
from shop.terms import Terms, Zone

PICKUP = "PICKUP"
DELIVERY = "DELIVERY"

# Orders v2 purchase_units[].shipping.type (checkout_orders_v2.json, shipping_detail.type;
# ../shared/paypal-openapi/, read 2026-12-02). `type` and `options` exclude each other.
PAYPAL_SHIPPING_TYPES = {DELIVERY: "SHIPPING", PICKUP: "PICKUP_IN_STORE"}
# A pickup order asks PayPal for no address (experience_context.shipping_preference).
PICKUP_SHIPPING_PREFERENCE = "NO_SHIPPING"


@dataclass(frozen=True)
class Fulfilment:
    method: str  # DELIVERY or PICKUP
    zone: Optional[Zone]  # the delivery zone; None for pickup

    @property
    def choice(self) -> str:
        """What the delivery_choice slot holds for it: the zone's country, or PICKUP."""
        return self.zone.country if self.zone else PICKUP

    @property
    def paypal_type(self) -> str:
        return PAYPAL_SHIPPING_TYPES[self.method]

    def shipping_for(self, items_total: Decimal) -> Decimal:
        """What getting the items there costs: the zone's price (or free), nothing to pick up."""
        return self.zone.shipping_for(items_total) if self.zone else Decimal("0")


def home_zone(terms: Terms) -> Zone:
    """The zone of the shop's own country (where it dispatches from), else the first."""
    return terms.zone(terms.dispatch.holidays_country) or next(iter(terms.zones.values()))


def chosen(choice: Optional[str], locale: Optional[str], terms: Terms) -> Fulfilment:
    """The customer's choice (a zone's country or PICKUP); without one, delivery in the
    zone Messenger's locale suggests, else in the shop's own country. The summary says
    which, and offers the others."""
    if str(choice or "").upper() == PICKUP:
        return Fulfilment(PICKUP, None)
    zone = terms.zone(choice) or terms.zone(country_of(locale)) or home_zone(terms)
    return Fulfilment(DELIVERY, zone)


def alternatives(current: Fulfilment, terms: Terms) -> List[Fulfilment]:
    """The other ways the shop offers: pickup first, then the other zones."""
    options = [Fulfilment(PICKUP, None)] + [Fulfilment(DELIVERY, zone) for zone in terms.zones.values()]
    return [option for option in options if option.choice != current.choice]


@dataclass(frozen=True)
class Bill:
    """What the customer pays: the items, getting them there, and both together."""

    items: Decimal
    shipping: Decimal

    @property
    def total(self) -> Decimal:
        return self.items + self.shipping


def bill(items_total: Decimal, fulfilment: Fulfilment) -> Bill:
    return Bill(items_total, fulfilment.shipping_for(items_total))
