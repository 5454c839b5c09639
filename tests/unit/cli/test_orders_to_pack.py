"""`kassa orders --to-pack` and `--packing-list`: what the merchant packs, and where it goes."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from cli import orders as orders_cli
from shop.ledger import Ledger

ITEMS = [{"sku": "LGT-002", "name": "Ember Rear Light", "quantity": 2, "unit_amount": "14.50"}]
UTRECHT = {"address_line_1": "Kerkstraat 12", "admin_area_2": "Utrecht", "postal_code": "3511 LK", "country_code": "NL"}


def ledger_with_orders(tmp_path: Path) -> Ledger:
    ledger = Ledger(f"sqlite:///{tmp_path / 'orders.db'}")
    for order_id, status, method in [
        ("SHIPME", "COMPLETED", "DELIVERY"),
        ("PICKME", "COMPLETED", "PICKUP"),
        ("UNPAID", "PAYER_ACTION_REQUIRED", "DELIVERY"),
        ("GONE", "COMPLETED", "DELIVERY"),
    ]:
        ledger.record_order(order_id, "c1", ITEMS, "33.95", "EUR", status, None)
        ledger.record_shipment(order_id, method, "NL" if method == "DELIVERY" else None, "4.95")
    ledger.record_address("SHIPME", "=Sam Buyer", UTRECHT)  # a name a spreadsheet would run
    ledger.mark_shipped("GONE", "POSTNL", "3SKAAS1234567")
    return ledger


def test_to_pack_lists_paid_orders_not_shipped_with_items_and_address(tmp_path: Path, capsys) -> None:
    ledger = ledger_with_orders(tmp_path)
    assert orders_cli.main(["--database-url", ledger.url, "--to-pack"]) == 0
    out = capsys.readouterr().out
    assert "SHIPME  delivery NL (4.95)  =Sam Buyer, Kerkstraat 12, 3511 LK Utrecht, NL" in out
    assert "PICKME  pickup  pick up at the shop" in out and "2 x Ember Rear Light (LGT-002)" in out
    assert "UNPAID" not in out and "GONE" not in out


def test_the_packing_list_is_a_row_per_item(tmp_path: Path) -> None:
    ledger = ledger_with_orders(tmp_path)
    target = tmp_path / "pack.csv"
    assert orders_cli.main(["--database-url", ledger.url, "--packing-list", str(target)]) == 0
    rows = {row["order_id"]: row for row in csv.DictReader(io.StringIO(target.read_text()))}
    assert set(rows) == {"SHIPME", "PICKME"}  # one item each
    shipme, pickme = rows["SHIPME"], rows["PICKME"]
    assert shipme["recipient"] == "'=Sam Buyer" and shipme["postcode"] == "3511 LK" and shipme["quantity"] == "2"
    assert pickme["fulfilment"] == "pickup" and pickme["street"] == ""


def test_the_ledger_csv_says_how_each_order_goes(tmp_path: Path) -> None:
    ledger = ledger_with_orders(tmp_path)
    target = tmp_path / "orders.csv"
    assert orders_cli.main(["--database-url", ledger.url, "--csv", str(target)]) == 0
    rows = {row["order_id"]: row for row in csv.DictReader(io.StringIO(target.read_text()))}
    assert rows["GONE"]["shipped"].startswith("POSTNL 3SKAAS1234567 ")
    assert rows["PICKME"]["fulfilment"] == "pickup"
