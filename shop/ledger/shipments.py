"""How each cart order reaches its customer: the fulfilment paid for and the address."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

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
    carrier: Optional[str] = None
    tracking_number: Optional[str] = None
    shipped_at: Optional[str] = None

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
            carrier=values["carrier"],
            tracking_number=values["tracking_number"],
            shipped_at=values["shipped_at"],
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

    def mark_shipped(self, order_id: str, carrier: Optional[str], tracking_number: Optional[str]) -> bool:
        """The order went out with ``carrier`` and ``tracking_number`` (a pickup order: ready,
        with neither). True for the one call that marked it; False when it was already."""
        with self.engine.begin() as connection:
            result = connection.execute(
                shipments_table.update()
                .where(shipments_table.c.order_id == order_id, shipments_table.c.shipped_at.is_(None))
                .values(carrier=carrier, tracking_number=tracking_number, shipped_at=now(), updated_at=now())
            )
        return result.rowcount == 1

    def shipments(self) -> List[Shipment]:
        with self.engine.connect() as connection:
            return [Shipment.from_row(row) for row in connection.execute(sa.select(shipments_table))]
