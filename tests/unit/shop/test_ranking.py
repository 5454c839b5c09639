"""Choosing by price: the words read in both languages, and the products they leave in order."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shop import numbers, ranking
from shop.catalog import get_catalog


@pytest.mark.parametrize(
    "text, bounds",
    [
        ("locks between 20 and 40", (Decimal(20), Decimal(40))),
        ("sloten tussen de 20 en 40 euro", (Decimal(20), Decimal(40))),
        ("from €40 to €20", (Decimal(20), Decimal(40))),
        ("iets van twintig tot veertig euro", (Decimal(20), Decimal(40))),
        ("lights above fifty euros", (Decimal(50), None)),
        ("pompen boven de 30", (Decimal(30), None)),
        ("a helmet, 60 euro or more", (Decimal(60), None)),
        ("locks under 25", (None, Decimal(25))),
        ("the cheapest lock", (None, None)),
    ],
)
def test_price_bounds(text: str, bounds: tuple) -> None:
    assert numbers.price_bounds(text) == bounds


def test_a_price_bound_is_never_a_quantity() -> None:
    assert numbers.quantity("locks between 20 and 40 euro") is None
    assert numbers.quantity("add 2 locks over 30") == "2"


@pytest.mark.parametrize(
    "text, order",
    [
        ("what's the cheapest light?", ranking.CHEAPEST),
        ("wat is jullie goedkoopste slot", ranking.CHEAPEST),
        ("your most expensive helmet", ranking.DEAREST),
        ("de duurste pomp", ranking.DEAREST),
        ("which light is the brightest?", ranking.BRIGHTEST),
        ("welke lamp is het felst", ranking.BRIGHTEST),
        ("show me the lights", None),
    ],
)
def test_order_words(text: str, order: str) -> None:
    assert ranking.read(text).order == order


def test_cheapest_first_within_the_bounds() -> None:
    lights = get_catalog().in_category("lights")
    chosen = ranking.read("lights over 10 euro").apply(lights)
    assert [p.price for p in chosen] == sorted(p.price for p in lights if p.price >= 10)
    assert chosen and all(p.price >= 10 for p in chosen)


def test_dearest_first() -> None:
    locks = get_catalog().in_category("locks")
    chosen = ranking.read("most expensive lock").apply(locks)
    assert chosen[0].price == max(p.price for p in locks) and len(chosen) == len(locks)


def test_a_ceiling_from_the_nlu_counts_only_when_the_words_set_none() -> None:
    assert ranking.read("cheapest lock", ceiling=Decimal(30)).ceiling == Decimal(30)
    assert ranking.read("cheapest lock under 20", ceiling=Decimal(30)).ceiling == Decimal(20)
    assert not ranking.read("locks", ceiling=Decimal(30)).chooses


def test_a_detail_is_measured_from_its_text() -> None:
    from shop import details

    catalog = get_catalog()
    assert details.measure(catalog.products["LCK-001"], "weight") == Decimal(1400)
    assert details.measure(catalog.products["LCK-002"], "weight") == Decimal(380)
    assert details.measure(catalog.products["LCK-002"], "security") == Decimal(3)
    assert details.measure(catalog.products["PMP-003"], "weight") is None


def test_the_brightest_first_and_a_light_without_a_lumen_figure_left_out() -> None:
    from shop import details

    catalog = get_catalog()
    chosen = ranking.read("your brightest light").apply(catalog.in_category("lights"))
    assert [p.sku for p in chosen] == ["LGT-001", "LGT-003", "LGT-002"]  # 400, 200 (the set's front), 60
    assert details.measure(catalog.products["LGT-004"], "brightness") is None
