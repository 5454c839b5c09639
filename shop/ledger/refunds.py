"""Refunds of an order's capture, each its own row; only COMPLETED ones count."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Dict, List

import sqlalchemy as sa

from shop.ledger.store import LedgerStore
from shop.ledger.tables import now, refunds_table


class RefundBook(LedgerStore):
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
