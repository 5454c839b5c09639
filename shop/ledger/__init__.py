"""The order ledger: every PayPal order the shop created, in SQL.

SQLite (``.run/orders.db``) by default, PostgreSQL through ``DATABASE_URL``.
It is the shop's own record of what a conversation ordered and may pay; the
capture checks PayPal's answer against it. One ``Ledger`` holds four books over
one database (``store``, ``tables``): ``orders`` (statuses and their history),
``refunds``, ``receipts`` (what the customer was told, once each) and ``inbox``
(PayPal's webhook events and the merchants' Idempotency-Keys), and ``reminders`` (when
a cart left without a checkout is due its one reminder), and ``shipments`` (how each
cart order reaches its customer, and where) and ``stock`` (what paid orders took off
the shelf and full refunds put back).
"""

from __future__ import annotations

import threading
from typing import Optional

from shop.ledger.inbox import IdempotencyConflict, WebhookInbox
from shop.ledger.orders import (
    APPROVED,
    CAPTURED_OR_DECLINED,
    IN_FLIGHT,
    OPEN_STATUSES,
    REFUNDING,
    REVERSED,
    SUPERSEDED,
    VOIDED,
    OrderBook,
)
from shop.ledger.receipts import PAY_BUTTON_DELIVERED, PAYMENT_RECEIVED, RECEIPT_MAX_AGE, ReceiptBook, refund_notice
from shop.ledger.refunds import RefundBook
from shop.ledger.reminders import ReminderBook
from shop.ledger.shipments import Shipment, ShipmentBook
from shop.ledger.stock import RETURNED, SOLD, StockBook
from shop.ledger.tables import OrderRecord, now

__all__ = [
    "APPROVED",
    "CAPTURED_OR_DECLINED",
    "IN_FLIGHT",
    "OPEN_STATUSES",
    "REFUNDING",
    "REVERSED",
    "SUPERSEDED",
    "VOIDED",
    "PAY_BUTTON_DELIVERED",
    "PAYMENT_RECEIVED",
    "RECEIPT_MAX_AGE",
    "IdempotencyConflict",
    "Ledger",
    "OrderRecord",
    "RETURNED",
    "SOLD",
    "Shipment",
    "get_ledger",
    "now",
    "refund_notice",
    "reset_ledger",
]


class Ledger(ReceiptBook, RefundBook, WebhookInbox, ReminderBook, ShipmentBook, StockBook, OrderBook):
    """The whole ledger; a process shares one (``get_ledger``)."""


_ledger: Optional[Ledger] = None
_lock = threading.Lock()


def get_ledger() -> Ledger:
    global _ledger
    with _lock:
        if _ledger is None:
            _ledger = Ledger()
        return _ledger


def reset_ledger() -> None:
    """Forget the process's ledger: the next get_ledger() reads DATABASE_URL again (tests)."""
    global _ledger
    with _lock:
        _ledger = None
