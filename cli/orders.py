"""The order ledger for the merchant: `kassa orders` lists, `--csv FILE` exports;
`--to-pack` shows the paid orders not shipped yet (items, address or pickup) and
`--packing-list FILE` writes them as CSV, a row per item.

Reads DATABASE_URL (the Makefile's default: .run/orders.db).
"""

from __future__ import annotations

import argparse
import csv
import sys
from typing import IO, Any, Dict, List, Optional

from shop.ledger import Ledger, OrderRecord, Shipment
from shop.shipments import PAID

COLUMNS = (
    "order_id",
    "created_at",
    "updated_at",
    "status",
    "kind",
    "conversation_id",
    "amount",
    "currency",
    "capture_id",
    "payer_name",
    "payer_email",
    "description",
    "items",
    "fulfilment",
    "ship_to",
    "shipped",
)
PACKING_COLUMNS = (
    "order_id",
    "paid_at",
    "fulfilment",
    "recipient",
    "street",
    "postcode",
    "city",
    "country",
    "sku",
    "name",
    "quantity",
)


# A spreadsheet reads a cell that starts with one of these as a formula (CSV injection,
# OWASP's list): such a cell gets a leading apostrophe, which spreadsheets show as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def fulfilment_text(shipment: Optional[Shipment]) -> str:
    if shipment is None:
        return ""
    if shipment.method == "PICKUP":
        return "pickup"
    return f"delivery {shipment.country} ({shipment.shipping})"


def ship_to_text(shipment: Optional[Shipment]) -> str:
    if shipment is None or shipment.method == "PICKUP":
        return ""
    if not shipment.address:
        return "(no address yet)"
    address = shipment.address
    return ", ".join(
        part
        for part in (
            shipment.recipient,
            address.get("address_line_1"),
            f"{address.get('postal_code', '')} {address.get('admin_area_2', '')}".strip(),
            address.get("country_code"),
        )
        if part
    )


def shipped_text(shipment: Optional[Shipment]) -> str:
    if shipment is None or not shipment.shipped_at:
        return ""
    if shipment.carrier is None:
        return f"ready {shipment.shipped_at}"
    return f"{shipment.carrier} {shipment.tracking_number} {shipment.shipped_at}"


def row(record: OrderRecord, shipment: Optional[Shipment] = None) -> List[str]:
    items = "; ".join(f"{item['quantity']} x {item['name']} @ {item['unit_amount']}" for item in record.items)
    values = {
        **record.__dict__,
        "items": items,
        "fulfilment": fulfilment_text(shipment),
        "ship_to": ship_to_text(shipment),
        "shipped": shipped_text(shipment),
    }
    return [safe_cell("" if values.get(column) is None else str(values[column])) for column in COLUMNS]


def write_csv(records: List[OrderRecord], out: IO[str], shipments: Dict[str, Shipment]) -> None:
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerows(row(record, shipments.get(record.order_id)) for record in records)


def to_pack(records: List[OrderRecord], shipments: Dict[str, Shipment]) -> List[OrderRecord]:
    """Paid cart orders not shipped (or made ready) yet, the oldest first."""
    waiting = [
        record
        for record in records
        if record.status in PAID and record.order_id in shipments and not shipments[record.order_id].shipped_at
    ]
    return sorted(waiting, key=paid_at_text)


def paid_at_text(record: OrderRecord) -> str:
    paid_at = record.changed_to("COMPLETED")
    return paid_at.isoformat() if paid_at else record.created_at


def write_packing_list(records: List[OrderRecord], shipments: Dict[str, Shipment], out: IO[str]) -> None:
    writer = csv.writer(out)
    writer.writerow(PACKING_COLUMNS)
    for record in records:
        shipment = shipments[record.order_id]
        address = shipment.address or {}
        for item in record.items:
            values = {
                "order_id": record.order_id,
                "paid_at": paid_at_text(record),
                "fulfilment": fulfilment_text(shipment),
                "recipient": shipment.recipient or record.payer_name or "",
                "street": address.get("address_line_1", ""),
                "postcode": address.get("postal_code", ""),
                "city": address.get("admin_area_2", ""),
                "country": address.get("country_code", ""),
                "sku": item.get("sku") or "",
                "name": item["name"],
                "quantity": str(item["quantity"]),
            }
            writer.writerow([safe_cell(str(values[column])) for column in PACKING_COLUMNS])


def write_to_pack(records: List[OrderRecord], shipments: Dict[str, Shipment], out: IO[str]) -> None:
    if not records:
        print("nothing to pack", file=out)
        return
    for record in records:
        shipment = shipments[record.order_id]
        print(
            f"{record.order_id}  {fulfilment_text(shipment)}  {ship_to_text(shipment) or 'pick up at the shop'}",
            file=out,
        )
        for item in record.items:
            print(f"    {item['quantity']} x {item['name']} ({item.get('sku') or '-'})", file=out)


def write_table(records: List[OrderRecord], out: IO[str]) -> None:
    if not records:
        print("no orders yet", file=out)
        return
    print(f"{'order':<18} {'created':<25} {'status':<22} {'amount':>10} {'payer':<20} conversation", file=out)
    for r in records:
        print(
            f"{r.order_id:<18} {r.created_at:<25} {r.status:<22} {r.amount:>6} {r.currency} {r.payer_name or '-':<20} {r.conversation_id}",
            file=out,
        )


def write_dead_letters(events: List[Dict[str, Any]], out: IO[str]) -> None:
    """PayPal webhooks given up on: the order's state may be behind PayPal's; look it up there."""
    if not events:
        return
    print(f"\n{len(events)} PayPal webhook event(s) given up on (dead letters): check these orders in PayPal", file=out)
    for event in events:
        print(
            f"  {event['event_id']:<28} {event['event_type']:<28} order {event['order_id'] or '-':<18} "
            f"{event['attempts']} attempts, received {event['received_at']}",
            file=out,
        )


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", metavar="FILE", help="export every order as CSV ('-' for standard output)")
    parser.add_argument("--conversation", help="only the orders of this conversation")
    parser.add_argument("--to-pack", action="store_true", help="only the paid orders not shipped yet, with their items")
    parser.add_argument("--packing-list", metavar="FILE", help="write the orders to pack as CSV, a row per item")
    parser.add_argument("--database-url", help="default: DATABASE_URL")
    args = parser.parse_args(argv)
    ledger = Ledger(args.database_url)
    records = ledger.orders(args.conversation)
    shipments = {shipment.order_id: shipment for shipment in ledger.shipments()}
    if args.packing_list:
        packing = to_pack(records, shipments)
        with open(args.packing_list, "w", newline="", encoding="utf-8") as handle:
            write_packing_list(packing, shipments, handle)
        print(f"wrote {len(packing)} order(s) to pack to {args.packing_list}")
    elif args.to_pack:
        write_to_pack(to_pack(records, shipments), shipments, sys.stdout)
    elif args.csv == "-":
        write_csv(records, sys.stdout, shipments)
    elif args.csv:
        with open(args.csv, "w", newline="", encoding="utf-8") as handle:
            write_csv(records, handle, shipments)
        print(f"wrote {len(records)} order(s) to {args.csv}")
    else:
        write_table(records, sys.stdout)
        write_dead_letters(ledger.dead_events(), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
