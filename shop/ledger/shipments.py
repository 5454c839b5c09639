"""How each cart order reaches its customer: the fulfilment paid for and the address."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Dict, Optional

import sqlalchemy as sa

from shop.ledger.store import LedgerStore
from shop.ledger.tables import now, shipments_table


@dataclass(frozen=True)
class Shipment:
    order_id: str
    method: str  # DELIVERY | PICKUP
    country: Optional[str]
    shipping: str
    recipient: Optional[str]
    address: Optional[Dict[str, Any]]

    @classmethod
    def from_row(cls, row: Any) -> "Shipment":
        values = dict(row._mapping)
        return cls(
            order_id=values["order_id"],
            method=values["method"],
            country=values["country"],
            shipping=values["shipping"],
            recipient=values["recipient"],
            address=json.loads(values["address"]) if values["address"] else None,
        )


class ShipmentBook(LedgerStore):
    def record_shipment(self, order_id: str, method: str, country: Optional[str], shipping: str) -> bool:
        """Keep how the order goes (once: an order's fulfilment is part of its amount)."""
        stamp = now()
        return self._insert_new(
            shipments_table,
            order_id=order_id,
            method=method,
            country=country,
            shipping=shipping,
            created_at=stamp,
            updated_at=stamp,
        )

    def shipment(self, order_id: str) -> Optional[Shipment]:
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(shipments_table).where(shipments_table.c.order_id == order_id)).first()
        return Shipment.from_row(row) if row else None

    def record_address(self, order_id: str, recipient: str, address: Dict[str, Any]) -> bool:
        """The name and address the order goes to; False when the order has no shipment."""
        with self.engine.begin() as connection:
            result = connection.execute(
                shipments_table.update()
                .where(shipments_table.c.order_id == order_id)
                .values(recipient=recipient[:300], address=json.dumps(address, sort_keys=True), updated_at=now())
            )
        return result.rowcount == 1
