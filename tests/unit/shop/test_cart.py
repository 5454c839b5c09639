from decimal import Decimal

import pytest

from shop import cart
from shop.catalog import load_catalog

CATALOG = load_catalog()
LIGHT = CATALOG.product("LGT-001")  # 24.95, stock 40
HELMET = CATALOG.product("HLM-004")  # 139.00, stock 8


@pytest.mark.parametrize(
    "value, expected",
    [(None, 1), ("", 1), ("2", 2), (3, 3), ("two", 2), ("twee", 2), ("a", 1), ("dozen", 12), ("4x", 4), ("5.0", 5)],
)
def test_parse_quantity(value: object, expected: int) -> None:
    assert cart.parse_quantity(value) == expected


@pytest.mark.parametrize("value", ["-3", -3, "0", 0, "2.5", 2.5, "lots", True, "3 or 4"])
def test_parse_quantity_refuses_what_is_not_a_whole_positive_number(value: object) -> None:
    with pytest.raises(cart.CartError) as error:
        cart.parse_quantity(value)
    assert error.value.code == "invalid_quantity"


def test_add_accumulates_and_never_mutates() -> None:
    original = {"LGT-001": 1}
    updated = cart.add(original, LIGHT, 2)
    assert updated == {"LGT-001": 3}
    assert original == {"LGT-001": 1}


def test_add_beyond_stock_is_refused_and_cart_unchanged() -> None:
    original = {"HLM-004": 7}
    with pytest.raises(cart.CartError) as error:
        cart.add(original, HELMET, 2)
    assert error.value.code == "too_many"
    assert error.value.details["limit"] == 8
    assert original == {"HLM-004": 7}


def test_add_beyond_per_line_maximum_is_refused() -> None:
    with pytest.raises(cart.CartError) as error:
        cart.add({}, LIGHT, cart.MAX_QUANTITY_PER_LINE + 1)
    assert error.value.details["limit"] == cart.MAX_QUANTITY_PER_LINE


def test_set_quantity_and_remove() -> None:
    current = {"LGT-001": 2, "HLM-004": 1}
    assert cart.set_quantity(current, LIGHT, 5) == {"LGT-001": 5, "HLM-004": 1}
    assert cart.remove(current, LIGHT) == {"HLM-004": 1}
    assert cart.remove(current, LIGHT, 1) == {"LGT-001": 1, "HLM-004": 1}
    assert cart.remove(current, LIGHT, 5) == {"HLM-004": 1}
    with pytest.raises(cart.CartError, match="not_in_cart"):
        cart.remove({"HLM-004": 1}, LIGHT)
    with pytest.raises(cart.CartError, match="not_in_cart"):
        cart.set_quantity({}, LIGHT, 1)


def test_lines_and_totals_come_from_the_catalog() -> None:
    lines = cart.lines({"LGT-001": 2, "HLM-004": 1, "GONE-1": 4}, CATALOG)
    assert [(line.product.sku, line.quantity) for line in lines] == [("LGT-001", 2), ("HLM-004", 1)]
    assert cart.total(lines) == Decimal("188.90")
    assert isinstance(cart.total(lines), Decimal)


def test_slot_values_are_not_trusted() -> None:
    assert cart.from_slot({"LGT-001": "2", "HLM-004": -1, "X": "many"}) == {"LGT-001": 2}
    assert cart.from_slot(["LGT-001"]) == {}
    assert cart.from_slot(None) == {}
