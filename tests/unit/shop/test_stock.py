"""The ledger's stock moves and the catalog's stock on hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from shop import stock
from shop.catalog import CatalogError, load_catalog, parse_catalog, read_data_file
from shop.ledger import RETURNED, SOLD, Ledger


def test_moves_count_once_and_a_return_needs_a_sale(tmp_path: Path) -> None:
    ledger = Ledger(f"sqlite:///{tmp_path / 'orders.db'}")
    items = [{"sku": "HLM-003:M/blue", "quantity": 2}, {"sku": "HLM-003:L/blue", "quantity": 1}]
    assert ledger.record_stock_move("A", items, SOLD)
    assert not ledger.record_stock_move("A", items, SOLD)
    assert not ledger.record_stock_move("never-paid", items, RETURNED)
    assert ledger.sold() == {"HLM-003": 3}
    assert ledger.record_stock_move("A", items, RETURNED) and ledger.sold() == {}
    assert ledger.sold(since="2999-01-01T00:00:00+00:00") == {}


def test_stock_on_hand_never_goes_below_nothing() -> None:
    catalog = load_catalog()
    counted = catalog.products["LGT-002"].stock
    current = stock.on_hand(catalog, {"LGT-002": 2, "LCK-003": 10_000})
    assert current.products["LGT-002"].stock == counted - 2 and current.products["LCK-003"].stock == 0
    assert stock.shortfalls({"LGT-002": counted}, current) == {"LGT-002": counted - 2}
    assert catalog.products["LGT-002"].stock == counted  # the loaded catalog is left as it was


def document() -> dict:
    return read_data_file(Path("catalog/catalog.yml"), CatalogError, "the catalog")


def test_when_the_stock_was_counted_is_read_in_utc() -> None:
    parsed = parse_catalog({**document(), "stock_counted": "2026-12-01T09:00:00+01:00"}, Path("catalog.yml"))
    assert parsed.stock_counted == "2026-12-01T08:00:00+00:00"
    for wrong, message in [("yesterday", "must be a date and time"), ("2026-12-01T09:00:00", "needs a time zone")]:
        with pytest.raises(CatalogError, match=message):
            parse_catalog({**document(), "stock_counted": wrong}, Path("catalog.yml"))


def test_a_sold_out_product_is_shown_sold_out_without_an_add_button() -> None:
    from actions import replies

    catalog = stock.on_hand(load_catalog(), {"LCK-004": 12})  # the fold locks, all sold
    card = replies.product_element(catalog.products["LCK-004"], catalog, "en")
    assert card["subtitle"].startswith("Out of stock · ")
    assert [button["title"] for button in card["buttons"]] == ["Details"]
    in_stock = replies.product_element(catalog.products["LCK-003"], catalog, "nl")
    assert [button["title"] for button in in_stock["buttons"]] == ["In winkelwagen", "Details"]


def test_browsing_goes_on_with_the_last_figures_while_the_database_is_away(tmp_path: Path, monkeypatch) -> None:
    """A PostgreSQL restart under load lost replies once the cards read the stock: now the
    last figures serve browsing and the cart, and only a capture (fresh) fails."""
    from shop.ledger import reset_ledger

    database = tmp_path / "orders.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
    reset_ledger()
    stock.forget()
    try:
        seen = stock.current_catalog()  # read once while the database is there
        database.unlink()  # gone: the next query finds no table
        assert stock.current_catalog(fresh=False) is not None
        stock.forget()
        assert stock.current_catalog().products["LGT-002"].stock == load_catalog().products["LGT-002"].stock
        with pytest.raises(Exception, match="no such table"):
            stock.current_catalog(fresh=True)
        assert seen.products.keys() == stock.current_catalog().products.keys()
    finally:
        reset_ledger()
        stock.forget()
