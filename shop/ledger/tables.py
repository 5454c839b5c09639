"""The ledger's tables, its row of an order, and its timestamps (UTC, ISO 8601 to the second)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional

import sqlalchemy as sa

metadata = sa.MetaData()

orders_table = sa.Table(
    "kassa_orders",
    metadata,
    sa.Column("order_id", sa.String(64), primary_key=True),
    sa.Column("conversation_id", sa.String(255), nullable=False, index=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("description", sa.String(255), nullable=False, default=""),
    sa.Column("items", sa.Text, nullable=False),
    sa.Column("amount", sa.String(32), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("status_history", sa.Text, nullable=False),
    sa.Column("approval_url", sa.Text),
    sa.Column("capture_id", sa.String(64)),
    sa.Column("payer_name", sa.String(255)),
    sa.Column("payer_email", sa.String(255)),
    sa.Column("receipt_sent_at", sa.String(32)),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("updated_at", sa.String(32), nullable=False),
)

webhook_events_table = sa.Table(
    "kassa_paypal_webhook_events",
    metadata,
    sa.Column("event_id", sa.String(128), primary_key=True),
    sa.Column("event_type", sa.String(64), nullable=False),
    sa.Column("order_id", sa.String(64)),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # received | done | dead
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("received_at", sa.String(32), nullable=False),
    sa.Column("done_at", sa.String(32)),
)

payment_requests_table = sa.Table(
    "kassa_payment_requests",
    metadata,
    sa.Column("idempotency_key", sa.String(255), primary_key=True),
    sa.Column("body_hash", sa.String(64), nullable=False),
    sa.Column("order_id", sa.String(64)),
    sa.Column("created_at", sa.String(32), nullable=False),
)

# Attempts at an order's receipt: claimed by one sender at a time, again after a growing pause.
receipt_claims_table = sa.Table(
    "kassa_receipt_claims",
    metadata,
    sa.Column("order_id", sa.String(64), primary_key=True),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("claimed_at", sa.String(32), nullable=False),
    sa.Column("retry_after", sa.String(32), nullable=False),
)

# Refunds of an order's capture, each its own row (several partial ones may follow each other).
refunds_table = sa.Table(
    "kassa_refunds",
    metadata,
    sa.Column("refund_id", sa.String(64), primary_key=True),
    sa.Column("order_id", sa.String(64), nullable=False, index=True),
    sa.Column("amount", sa.String(32), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
)

# What the customer was told about an order, once each ("processing", ...).
order_notices_table = sa.Table(
    "kassa_order_notices",
    metadata,
    sa.Column("order_id", sa.String(64), primary_key=True),
    sa.Column("notice", sa.String(64), primary_key=True),
    sa.Column("told_at", sa.String(32), nullable=False),
)


# How each cart order reaches its customer: delivered (zone, what shipping cost, and the
# address PayPal or the customer gave) or picked up; later, how it was shipped.
shipments_table = sa.Table(
    "kassa_shipments",
    metadata,
    sa.Column("order_id", sa.String(64), primary_key=True),
    sa.Column("method", sa.String(16), nullable=False),  # DELIVERY | PICKUP
    sa.Column("country", sa.String(2)),  # the zone paid for; None for pickup
    sa.Column("shipping", sa.String(32), nullable=False),
    sa.Column("recipient", sa.String(300)),
    sa.Column("address", sa.Text),  # JSON: PayPal's address_portable fields
    sa.Column("carrier", sa.String(32)),  # once shipped (None for a pickup order made ready)
    sa.Column("tracking_number", sa.String(64)),
    sa.Column("shipped_at", sa.String(32)),  # shipped, or ready for pickup
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("updated_at", sa.String(32), nullable=False),
)


# What left and came back to the shelf: a paid order's items SOLD (at capture) and
# RETURNED (at a full refund), once per order, product and kind.
stock_moves_table = sa.Table(
    "kassa_stock_moves",
    metadata,
    sa.Column("order_id", sa.String(64), primary_key=True),
    sa.Column("sku", sa.String(64), primary_key=True),
    sa.Column("kind", sa.String(16), primary_key=True),  # SOLD | RETURNED
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("at", sa.String(32), nullable=False, index=True),
)


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _later(stamp: datetime, seconds: float) -> str:
    return (stamp + timedelta(seconds=seconds)).isoformat(timespec="seconds")


@dataclass
class OrderRecord:
    order_id: str
    conversation_id: str
    kind: str
    description: str
    items: List[Dict[str, Any]]
    amount: str
    currency: str
    status: str
    status_history: List[Dict[str, str]] = field(default_factory=list)
    approval_url: Optional[str] = None
    capture_id: Optional[str] = None
    payer_name: Optional[str] = None
    payer_email: Optional[str] = None
    receipt_sent_at: Optional[str] = None
    created_at: str = ""
    updated_at: str = ""

    def changed_to(self, status: str) -> Optional[datetime]:
        """When the order first took ``status`` (COMPLETED: when it was paid)."""
        stamp = next((change.get("at") for change in self.status_history if change.get("status") == status), None)
        return datetime.fromisoformat(stamp) if stamp else None

    @classmethod
    def from_row(cls, row: Any) -> "OrderRecord":
        values = dict(row._mapping)
        values["items"] = json.loads(values["items"])
        values["status_history"] = json.loads(values["status_history"])
        return cls(**values)


# One row per conversation: when the customer last wrote, when a cart left then is due
# its reminder, and how far that got (waiting, claimed by one sender, sent: never again).
cart_reminders_table = sa.Table(
    "kassa_cart_reminders",
    metadata,
    sa.Column("conversation_id", sa.String(255), primary_key=True),
    sa.Column("last_message_at", sa.Float, nullable=False),
    sa.Column("due_at", sa.Float, nullable=False, index=True),
    sa.Column("state", sa.String(16), nullable=False),
)
