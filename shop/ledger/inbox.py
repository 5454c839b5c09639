"""What comes in from outside, kept once: PayPal's webhook events (received, done, or dead
letters after their attempts) and the merchants' Idempotency-Keys."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

import sqlalchemy as sa

from shop.ledger.store import LedgerStore
from shop.ledger.tables import now, payment_requests_table, webhook_events_table


class IdempotencyConflict(Exception):
    """The Idempotency-Key was used before with another request body."""


class WebhookInbox(LedgerStore):
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
