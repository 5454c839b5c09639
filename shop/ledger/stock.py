"""Stock that left with paid orders and came back with full refunds, per product."""

from __future__ import annotations

from collections import Counter
from typing import Any, Dict, Iterable, Mapping, Optional

import sqlalchemy as sa

from shop import variants
from shop.ledger.store import LedgerStore
from shop.ledger.tables import now, stock_moves_table

SOLD = "SOLD"
RETURNED = "RETURNED"


def quantities(items: Iterable[Mapping[str, Any]]) -> Dict[str, int]:
    """An order's items as quantities per product (the variants of one product together)."""
    counted: Counter = Counter()
    for item in items:
        sku = variants.split_key(str(item.get("sku") or ""))[0]
        if sku:
            counted[sku] += int(item.get("quantity") or 0)
    return dict(counted)


class StockBook(LedgerStore):
    def record_stock_move(self, order_id: str, items: Iterable[Mapping[str, Any]], kind: str) -> bool:
        """The order's items SOLD or RETURNED, once: False when they were recorded already,
        or for RETURNED, when the order never took anything off the shelf."""
        if kind == RETURNED and not self._has_moves(order_id, SOLD):
            return False
        stamp, recorded = now(), False
        for sku, quantity in quantities(items).items():
            recorded |= self._insert_new(
                stock_moves_table, order_id=order_id, sku=sku, kind=kind, quantity=quantity, at=stamp
            )
        return recorded

    def _has_moves(self, order_id: str, kind: str) -> bool:
        query = sa.select(stock_moves_table.c.sku).where(
            stock_moves_table.c.order_id == order_id, stock_moves_table.c.kind == kind
        )
        with self.engine.connect() as connection:
            return connection.execute(query.limit(1)).first() is not None

    def sold(self, since: Optional[str] = None) -> Dict[str, int]:
        """Per product: sold minus returned, counting moves at or after ``since`` (UTC, ISO)."""
        signed = sa.case(
            (stock_moves_table.c.kind == SOLD, stock_moves_table.c.quantity), else_=-stock_moves_table.c.quantity
        )
        query = sa.select(stock_moves_table.c.sku, sa.func.sum(signed)).group_by(stock_moves_table.c.sku)
        if since:
            query = query.where(stock_moves_table.c.at >= since)
        with self.engine.connect() as connection:
            return {sku: int(total) for sku, total in connection.execute(query) if total}
