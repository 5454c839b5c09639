"""Orders and their statuses: every PayPal order the shop created, what it holds, and its
status history."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Tuple

import sqlalchemy as sa

from shop.ledger.store import LedgerStore
from shop.ledger.tables import OrderRecord, now, orders_table

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
# A replaced order PayPal completed anyway, whose refund PayPal has not completed yet.
REFUNDING = "REFUNDING"


class OrderBook(LedgerStore):
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

    def latest_open_order(self, conversation_id: str) -> Optional[OrderRecord]:
        open_orders = self.cart_orders(conversation_id, OPEN_STATUSES)
        return open_orders[-1] if open_orders else None
