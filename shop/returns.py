"""Whether a paid order can still be sent back, and the line the shop's people read
when a customer asks to return it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Optional, Sequence

from shop import delivery
from shop.ledger.tables import OrderRecord
from shop.terms import Terms, Zone

# Statuses of an order whose goods the customer has (or is about to get) and paid for.
RETURNABLE_STATUSES = ("COMPLETED", "PARTIALLY_REFUNDED")
PAID = "COMPLETED"
SUMMARY_MAX = 1000  # characters of pass_thread_control's metadata (channels/messenger/outbound/limits.py)


@dataclass(frozen=True)
class ReturnWindow:
    order: OrderRecord
    arrives: date  # when the parcel arrived, or should have: the period counts from then
    last_day: date

    def open_on(self, day: date) -> bool:
        return day <= self.last_day


def latest_returnable(orders: Sequence[OrderRecord]) -> Optional[OrderRecord]:
    """The newest paid order of a conversation that has not been wholly refunded."""
    paid = [order for order in orders if order.status in RETURNABLE_STATUSES and order.changed_to(PAID)]
    return max(paid, key=lambda order: order.changed_to(PAID) or datetime.min, default=None)


def window(order: OrderRecord, terms: Terms, zone: Optional[Zone]) -> ReturnWindow:
    """The return period of a paid order. Until the shop records deliveries, it counts from
    the day the carrier would deliver; with the country unknown, from the latest of the
    zones, so that the customer is never told too early that it has closed."""
    paid_at = order.changed_to(PAID)
    if paid_at is None:
        raise ValueError(f"order {order.order_id} is not paid")
    zones = [zone] if zone is not None else list(terms.zones.values())
    arrives = max(delivery.promise(paid_at, terms, candidate).arrives for candidate in zones)
    return ReturnWindow(order, arrives, arrives + timedelta(days=terms.returns.days))


def items_text(order: OrderRecord) -> str:
    """'2 × Mini Pump, 1 × Saddle Pouch'."""
    return ", ".join(f"{item.get('quantity', 1)} × {item.get('name') or item.get('sku')}" for item in order.items)


def handover_summary(found: ReturnWindow, today: date, customer_words: str) -> str:
    """One line for the shop's people: which order, what is in it, whether the period is open."""
    order = found.order
    state = "within the return period" if found.open_on(today) else "return period ended"
    words = " ".join(customer_words.split())
    line = (
        f"Return request: order {order.order_id} ({items_text(order)}; {order.amount} {order.currency}), "
        f'{state} (last day {found.last_day.isoformat()}). Customer: "{words}"'
    )
    return line[:SUMMARY_MAX]
