"""The order ledger for the merchant: `kassa orders` lists, `--csv FILE` exports.

Reads DATABASE_URL (the Makefile's default: .run/orders.db).
"""

from __future__ import annotations

import argparse
import csv
import sys
from typing import IO, Any, Dict, List, Optional

from shop.ledger import Ledger, OrderRecord

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
)


# A spreadsheet reads a cell that starts with one of these as a formula (CSV injection,
# OWASP's list): such a cell gets a leading apostrophe, which spreadsheets show as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def row(record: OrderRecord) -> List[str]:
    items = "; ".join(f"{item['quantity']} x {item['name']} @ {item['unit_amount']}" for item in record.items)
    values = {**record.__dict__, "items": items}
    return [safe_cell("" if values.get(column) is None else str(values[column])) for column in COLUMNS]


def write_csv(records: List[OrderRecord], out: IO[str]) -> None:
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerows(row(record) for record in records)


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
    parser.add_argument("--database-url", help="default: DATABASE_URL")
    args = parser.parse_args(argv)
    ledger = Ledger(args.database_url)
    records = ledger.orders(args.conversation)
    if args.csv == "-":
        write_csv(records, sys.stdout)
    elif args.csv:
        with open(args.csv, "w", newline="", encoding="utf-8") as handle:
            write_csv(records, handle)
        print(f"wrote {len(records)} order(s) to {args.csv}")
    else:
        write_table(records, sys.stdout)
        write_dead_letters(ledger.dead_events(), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
