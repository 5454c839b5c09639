"""The order ledger: every PayPal order the shop created, in SQL.

SQLite (``.run/orders.db``) by default, PostgreSQL through ``DATABASE_URL``.
It is the shop's own record of what a conversation ordered and may pay; the
capture checks PayPal's answer against it. Status changes append to a history,
``claim_receipt`` lets one process at a time send the receipt, and
``receipt_delivered`` records that Facebook accepted it: until then it is
claimed again after a growing pause (``receipts_due``), for a day.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from shop import settings

# A receipt not delivered is tried again after this pause (doubling), for at most a day:
# after that Messenger's 24-hour window has closed anyway.
RECEIPT_MAX_AGE = timedelta(days=1)
# Orders the buyer has not approved yet: the only ones a cancel may close.
OPEN_STATUSES = ("CREATED", "PAYER_ACTION_REQUIRED")
# Cart orders whose capture has happened (or, for iDEAL and Bancontact, whose approval
# was reversed): the same cart checked out again is a new order.
REVERSED = "REVERSED"
CAPTURED_OR_DECLINED = ("COMPLETED", "PARTIALLY_REFUNDED", "REFUNDED", "DECLINED", REVERSED)
# A cart order replaced by a newer checkout of the same conversation is SUPERSEDED,
# and VOIDED once a buyer who approved it anyway was told: never captured.
SUPERSEDED = "SUPERSEDED"
VOIDED = "VOIDED"
# An iDEAL or Bancontact order the buyer approved at their bank: PayPal completes it by
# itself (or reverses it), so it is never superseded and no new checkout starts meanwhile.
APPROVED = "APPROVED"
# Payments that can still complete without the shop: a bank approval, a PENDING capture.
IN_FLIGHT = (APPROVED, "PENDING")
# Notices told once per order: the thanks for a payment, a payment request's pay button
# (noted once Facebook accepted it), and each refund (``refund_notice``).
PAYMENT_RECEIVED = "payment received"
PAY_BUTTON_DELIVERED = "pay button delivered"
# A replaced order PayPal completed anyway, whose refund PayPal has not completed yet.
REFUNDING = "REFUNDING"

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


def refund_notice(refund_id: str) -> str:
    """The notice that the customer was told of this refund."""
    return f"refund {refund_id}"


class IdempotencyConflict(Exception):
    """The Idempotency-Key was used before with another request body."""


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

    @classmethod
    def from_row(cls, row: Any) -> "OrderRecord":
        values = dict(row._mapping)
        values["items"] = json.loads(values["items"])
        values["status_history"] = json.loads(values["status_history"])
        return cls(**values)


class Ledger:
    def __init__(self, url: Optional[str] = None) -> None:
        self.url = url or settings.shop().database_url
        if self.url.startswith("sqlite:///"):
            Path(self.url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
        self.engine = sa.create_engine(self.url, future=True, pool_pre_ping=True)
        metadata.create_all(self.engine)

    # --- orders ---------------------------------------------------------------------

    def record_order(
        self,
        order_id: str,
        conversation_id: str,
        items: List[Dict[str, Any]],
        amount: str,
        currency: str,
        status: str,
        approval_url: Optional[str],
        kind: str = "cart",
        description: str = "",
    ) -> OrderRecord:
        """Record a created order. Recording the same order again changes nothing, except
        that an order the buyer cancelled or replaced and PayPal gave back open (the same
        checkout again, under the same PayPal-Request-Id) is open again."""
        stamp = now()
        row = dict(
            order_id=order_id,
            conversation_id=conversation_id,
            kind=kind,
            description=description,
            items=json.dumps(items),
            amount=amount,
            currency=currency,
            status=status,
            status_history=json.dumps([{"status": status, "at": stamp}]),
            approval_url=approval_url,
            created_at=stamp,
            updated_at=stamp,
        )
        if not self._insert_new(orders_table, **row) and status in OPEN_STATUSES:
            # the buyer cancelled, or chose another way to pay and then came back to this one
            self.move(order_id, status, from_statuses=("CANCELLED", SUPERSEDED))
        record = self.order(order_id)
        assert record is not None
        return record

    def order(self, order_id: str) -> Optional[OrderRecord]:
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(orders_table).where(orders_table.c.order_id == order_id)).first()
        return OrderRecord.from_row(row) if row else None

    def order_by_capture(self, capture_id: str) -> Optional[OrderRecord]:
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(orders_table).where(orders_table.c.capture_id == capture_id)).first()
        return OrderRecord.from_row(row) if row else None

    def orders(self, conversation_id: Optional[str] = None) -> List[OrderRecord]:
        query = sa.select(orders_table).order_by(orders_table.c.created_at, orders_table.c.order_id)
        if conversation_id:
            query = query.where(orders_table.c.conversation_id == conversation_id)
        with self.engine.connect() as connection:
            return [OrderRecord.from_row(row) for row in connection.execute(query)]

    def update(self, order_id: str, status: str, **values: Optional[str]) -> Optional[OrderRecord]:
        """Set a new status (appended to the history) and any of capture_id, payer_name, payer_email."""
        allowed = {k: v for k, v in values.items() if k in ("capture_id", "payer_name", "payer_email") and v}
        return self.order(order_id) if self._set_status(order_id, status, None, allowed) else None

    def move(self, order_id: str, status: str, from_statuses: Tuple[str, ...]) -> bool:
        """Set ``status`` only if the order is in one of ``from_statuses``; True for the one caller that moved it."""
        return self._set_status(order_id, status, from_statuses, {})

    def _set_status(
        self,
        order_id: str,
        status: str,
        from_statuses: Optional[Tuple[str, ...]],
        values: Dict[str, str],
    ) -> bool:
        """Set the status (a change is appended to the history) and ``values``, if the order
        exists and, with ``from_statuses``, is in one of them; True when the row was set."""
        where = [orders_table.c.order_id == order_id]
        if from_statuses is not None:
            where.append(orders_table.c.status.in_(from_statuses))
        with self.engine.begin() as connection:
            row = connection.execute(
                sa.select(orders_table.c.status, orders_table.c.status_history).where(*where)
            ).first()
            if row is None:
                return False
            history = json.loads(row.status_history)
            if row.status != status:
                history.append({"status": status, "at": now()})
            result = connection.execute(
                orders_table.update()
                .where(*where)
                .values(status=status, status_history=json.dumps(history), updated_at=now(), **values)
            )
        return result.rowcount == 1

    def _insert_new(self, table: sa.Table, **values: Any) -> bool:
        """Insert a row; False when its key is already there (the row stays as it was)."""
        try:
            with self.engine.begin() as connection:
                connection.execute(table.insert().values(**values))
            return True
        except IntegrityError:
            return False

    def supersede_open_orders(self, conversation_id: str, newest: str) -> List[str]:
        """Mark the conversation's other open (or cancelled) cart orders SUPERSEDED; their ids."""
        superseded = []
        replaceable = (*OPEN_STATUSES, "CANCELLED")
        for record in self.orders(conversation_id):
            if (
                record.kind == "cart"
                and record.order_id != newest
                and self.move(record.order_id, SUPERSEDED, replaceable)
            ):
                superseded.append(record.order_id)
        return superseded

    def record_approval(self, order_id: str) -> bool:
        """An iDEAL or Bancontact order the buyer approved at the bank: APPROVED, from open or
        cancelled, so that no later checkout supersedes it; True for the one caller that moved it."""
        return self.move(order_id, APPROVED, (*OPEN_STATUSES, "CANCELLED"))

    def checkout_epoch(self, conversation_id: str) -> int:
        """How many of the conversation's cart orders were captured or finally declined: the
        epoch of its next checkout's PayPal-Request-Id. Read from the ledger, so a turn lost
        after a payment (and the slot it would have set) cannot bring back an old order."""
        return len(self.cart_orders(conversation_id, CAPTURED_OR_DECLINED))

    def cart_orders(self, conversation_id: str, statuses: Tuple[str, ...]) -> List[OrderRecord]:
        """The conversation's cart orders in one of ``statuses``, oldest first."""
        return [r for r in self.orders(conversation_id) if r.kind == "cart" and r.status in statuses]

    def undelivered_requests(self, max_age: timedelta = RECEIPT_MAX_AGE) -> List[OrderRecord]:
        """Open payment requests of the last ``max_age`` whose pay button never reached the customer."""
        since = (datetime.now(timezone.utc) - max_age).isoformat(timespec="seconds")
        delivered = sa.select(order_notices_table.c.order_id).where(
            order_notices_table.c.notice == PAY_BUTTON_DELIVERED
        )
        query = (
            sa.select(orders_table)
            .where(
                orders_table.c.kind == "merchant_request",
                orders_table.c.status.in_(OPEN_STATUSES),
                orders_table.c.created_at >= since,
                orders_table.c.order_id.not_in(delivered),
            )
            .order_by(orders_table.c.created_at)
        )
        with self.engine.connect() as connection:
            return [OrderRecord.from_row(row) for row in connection.execute(query)]

    def latest_open_order(self, conversation_id: str) -> Optional[OrderRecord]:
        open_orders = self.cart_orders(conversation_id, OPEN_STATUSES)
        return open_orders[-1] if open_orders else None

    def record_refund(self, refund_id: str, order_id: str, amount: str, currency: str, status: str) -> bool:
        """Keep a refund, or its new status (PENDING, then COMPLETED); False when it was kept as it is."""
        if self._insert_new(
            refunds_table,
            refund_id=refund_id,
            order_id=order_id,
            amount=amount,
            currency=currency,
            status=status,
            created_at=now(),
        ):
            return True
        with self.engine.begin() as connection:
            result = connection.execute(
                refunds_table.update()
                .where(refunds_table.c.refund_id == refund_id, refunds_table.c.status != status)
                .values(status=status)
            )
        return result.rowcount == 1

    def refunded_amount(self, order_id: str) -> Decimal:
        """What was given back of the order: its COMPLETED refunds only (a PENDING one may still fail)."""
        return sum((Decimal(r["amount"]) for r in self.refunds(order_id) if r["status"] == "COMPLETED"), Decimal("0"))

    def refunds(self, order_id: str) -> List[Dict[str, Any]]:
        query = (
            sa.select(refunds_table).where(refunds_table.c.order_id == order_id).order_by(refunds_table.c.created_at)
        )
        with self.engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(query)]

    def has_refund(self, refund_id: str) -> bool:
        with self.engine.connect() as connection:
            return (
                connection.execute(
                    sa.select(refunds_table.c.refund_id).where(refunds_table.c.refund_id == refund_id)
                ).first()
                is not None
            )

    def claim_notice(self, order_id: str, notice: str) -> bool:
        """True for the one caller that tells the customer ``notice`` about the order."""
        return self._insert_new(order_notices_table, order_id=order_id, notice=notice, told_at=now())

    def notice_claimed(self, order_id: str, notice: str) -> bool:
        with self.engine.connect() as connection:
            return (
                connection.execute(
                    sa.select(order_notices_table.c.order_id).where(
                        order_notices_table.c.order_id == order_id, order_notices_table.c.notice == notice
                    )
                ).first()
                is not None
            )

    def forget_notice(self, order_id: str, notice: str) -> None:
        """Give a notice back when it could not be delivered, so that a later attempt tells it."""
        with self.engine.begin() as connection:
            connection.execute(
                order_notices_table.delete().where(
                    order_notices_table.c.order_id == order_id, order_notices_table.c.notice == notice
                )
            )

    def claim_receipt(self, order_id: str, first_retry_seconds: Optional[float] = None) -> bool:
        """True for the one caller that sends the receipt now: no receipt delivered yet and
        no other attempt within its pause (first_retry_seconds, doubling, at most an hour)."""
        pause_seconds = settings.shop().receipt_retry_seconds if first_retry_seconds is None else first_retry_seconds
        record = self.order(order_id)
        if record is None or record.receipt_sent_at:
            return False
        stamp = datetime.now(timezone.utc)
        first = self._insert_new(
            receipt_claims_table,
            order_id=order_id,
            attempts=1,
            claimed_at=stamp.isoformat(timespec="seconds"),
            retry_after=_later(stamp, pause_seconds),
        )
        if first:
            return True
        with self.engine.begin() as connection:
            row = connection.execute(
                sa.select(receipt_claims_table).where(receipt_claims_table.c.order_id == order_id)
            ).first()
            pause = min(pause_seconds * 2**row.attempts, 3600)
            result = connection.execute(
                receipt_claims_table.update()
                .where(
                    receipt_claims_table.c.order_id == order_id,
                    receipt_claims_table.c.attempts == row.attempts,
                    receipt_claims_table.c.retry_after <= stamp.isoformat(timespec="seconds"),
                )
                .values(
                    attempts=row.attempts + 1,
                    claimed_at=stamp.isoformat(timespec="seconds"),
                    retry_after=_later(stamp, pause),
                )
            )
        return result.rowcount == 1

    def receipt_claimed(self, order_id: str) -> bool:
        with self.engine.connect() as connection:
            return (
                connection.execute(
                    sa.select(receipt_claims_table.c.order_id).where(receipt_claims_table.c.order_id == order_id)
                ).first()
                is not None
            )

    def receipt_delivered(self, order_id: str) -> bool:
        """Record that the receipt reached the customer; True the first time."""
        with self.engine.begin() as connection:
            result = connection.execute(
                orders_table.update()
                .where(orders_table.c.order_id == order_id, orders_table.c.receipt_sent_at.is_(None))
                .values(receipt_sent_at=now())
            )
        return result.rowcount == 1

    def receipts_due(self, max_age: timedelta = RECEIPT_MAX_AGE) -> List[OrderRecord]:
        """Completed orders whose receipt was tried, not delivered, and may be tried again now."""
        stamp = datetime.now(timezone.utc)
        query = (
            sa.select(orders_table)
            .join(receipt_claims_table, receipt_claims_table.c.order_id == orders_table.c.order_id)
            .where(
                orders_table.c.status == "COMPLETED",
                orders_table.c.receipt_sent_at.is_(None),
                receipt_claims_table.c.retry_after <= stamp.isoformat(timespec="seconds"),
                orders_table.c.updated_at >= (stamp - max_age).isoformat(timespec="seconds"),
            )
        )
        with self.engine.connect() as connection:
            return [OrderRecord.from_row(row) for row in connection.execute(query)]

    # --- merchant requests (payment requests, refunds) -----------------------------------------

    def claim_merchant_key(self, key: str, body_hash: str) -> Optional[str]:
        """Register a merchant's Idempotency-Key with its body's hash: the id already made
        under it (an order, a refund; None if none yet); IdempotencyConflict if the body differs."""
        if self._insert_new(payment_requests_table, idempotency_key=key, body_hash=body_hash, created_at=now()):
            return None
        with self.engine.connect() as connection:
            row = connection.execute(
                sa.select(payment_requests_table).where(payment_requests_table.c.idempotency_key == key)
            ).first()
        if row.body_hash != body_hash:
            raise IdempotencyConflict(key)
        return row.order_id

    def merchant_key_done(self, key: str, order_id: str) -> bool:
        """Note the order made under ``key``; True for the one caller that noted it first."""
        with self.engine.begin() as connection:
            result = connection.execute(
                payment_requests_table.update()
                .where(payment_requests_table.c.idempotency_key == key, payment_requests_table.c.order_id.is_(None))
                .values(order_id=order_id)
            )
        return result.rowcount == 1

    # --- PayPal webhook events ----------------------------------------------------------

    def receive_event(self, event_id: str, event_type: str, order_id: Optional[str], body: Dict[str, Any]) -> bool:
        """Store an event; False when it was already handled (a redelivery)."""
        new = self._insert_new(
            webhook_events_table,
            event_id=event_id,
            event_type=event_type,
            order_id=order_id,
            body=json.dumps(body),
            status="received",
            attempts=0,
            received_at=now(),
        )
        if new:
            return True
        with self.engine.connect() as connection:
            status = connection.execute(
                sa.select(webhook_events_table.c.status).where(webhook_events_table.c.event_id == event_id)
            ).scalar_one()
        return status == "received"  # a redelivery of an event still in hand; not of a done or dead one

    def event_attempted(self, event_id: str) -> int:
        with self.engine.begin() as connection:
            connection.execute(
                webhook_events_table.update()
                .where(webhook_events_table.c.event_id == event_id)
                .values(attempts=webhook_events_table.c.attempts + 1)
            )
            return connection.execute(
                sa.select(webhook_events_table.c.attempts).where(webhook_events_table.c.event_id == event_id)
            ).scalar_one()

    def event_done(self, event_id: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                webhook_events_table.update()
                .where(webhook_events_table.c.event_id == event_id)
                .values(status="done", done_at=now())
            )

    def event_dead(self, event_id: str) -> None:
        """Give up on an event: the dead letters, which `kassa orders` lists for a person to look at."""
        with self.engine.begin() as connection:
            connection.execute(
                webhook_events_table.update()
                .where(webhook_events_table.c.event_id == event_id)
                .values(status="dead", done_at=now())
            )

    def event_state(self, event_id: str) -> Optional[Dict[str, Any]]:
        """The event's status, attempts and received_at."""
        query = sa.select(
            webhook_events_table.c.status, webhook_events_table.c.attempts, webhook_events_table.c.received_at
        )
        with self.engine.connect() as connection:
            row = connection.execute(query.where(webhook_events_table.c.event_id == event_id)).first()
        return dict(row._mapping) if row else None

    def pending_events(self) -> List[Dict[str, Any]]:
        query = (
            sa.select(webhook_events_table.c.body)
            .where(webhook_events_table.c.status == "received")
            .order_by(webhook_events_table.c.received_at)
        )
        with self.engine.connect() as connection:
            return [json.loads(row.body) for row in connection.execute(query)]

    def dead_events(self) -> List[Dict[str, Any]]:
        query = (
            sa.select(
                webhook_events_table.c.event_id,
                webhook_events_table.c.event_type,
                webhook_events_table.c.order_id,
                webhook_events_table.c.attempts,
                webhook_events_table.c.received_at,
                webhook_events_table.c.done_at,
            )
            .where(webhook_events_table.c.status == "dead")
            .order_by(webhook_events_table.c.received_at)
        )
        with self.engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(query)]


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
