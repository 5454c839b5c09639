"""Sizes and colours: the choices a product offers, reading them from text,
and cart lines per variant."""

from __future__ import annotations

import pytest

from shop import cart as cart_rules
from shop import variants
from shop.catalog import get_catalog

CATALOG = get_catalog()
URBAN = CATALOG.product("HLM-001")  # sizes S, M, L; colours black, white
TRAIL = CATALOG.product("HLM-004")  # sizes M, L; stock 8


def test_choices_are_every_combination_in_the_catalogs_order() -> None:
    assert variants.choices(URBAN) == ["S / black", "S / white", "M / black", "M / white", "L / black", "L / white"]
    assert variants.choices(CATALOG.product("LGT-001")) == []


def test_a_label_from_a_button_is_checked_against_the_catalog() -> None:
    assert variants.checked(URBAN, "m / BLACK") == "M / black"
    assert variants.checked(URBAN, "XXL / gold") is None
    assert variants.checked(URBAN, None) is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("a large one in white please", "L / white"),
        ("maat M, zwart", "M / black"),
        ("Small black", "S / black"),
        ("it's the black one", None),  # no size named; the s of it's is not size S
        ("black or white, size M", None),  # two colours: not one choice
    ],
)
def test_a_variant_named_in_a_message(text: str, expected) -> None:
    assert variants.from_text(URBAN, text) == expected


def test_dutch_shows_dutch_colour_names() -> None:
    assert variants.display("M / black", "nl") == "M / zwart"
    assert cart_rules.CartLine(URBAN, 1, "M / black").name("nl") == "Urban helm (M / zwart)"


def test_two_sizes_are_two_lines_and_share_the_stock() -> None:
    cart = cart_rules.add({}, TRAIL, 5, "M")
    cart = cart_rules.add(cart, TRAIL, 3, "L")
    assert cart == {"HLM-004:M": 5, "HLM-004:L": 3}
    with pytest.raises(cart_rules.CartError) as refused:
        cart_rules.add(cart, TRAIL, 1, "L")
    assert refused.value.code == "too_many" and refused.value.details["limit"] == 3
    lines = cart_rules.lines(cart, CATALOG)
    assert [line.name("en") for line in lines] == ["Trail MIPS Helmet (M)", "Trail MIPS Helmet (L)"]


def test_changing_a_product_with_several_lines_needs_the_variant() -> None:
    cart = {"HLM-004:M": 1, "HLM-004:L": 2}
    with pytest.raises(cart_rules.CartError) as unclear:
        cart_rules.set_quantity(cart, TRAIL, 3)
    assert unclear.value.code == "which_variant" and unclear.value.details["choices"] == ["M", "L"]
    assert cart_rules.set_quantity(cart, TRAIL, 3, "L") == {"HLM-004:M": 1, "HLM-004:L": 3}
    assert cart_rules.remove(cart, TRAIL, None, "M") == {"HLM-004:L": 2}
    assert cart_rules.remove({"HLM-004:L": 2}, TRAIL) == {}


def test_a_variant_the_catalog_no_longer_offers_drops_out_of_the_cart() -> None:
    assert cart_rules.lines({"HLM-004:XS": 1, "HLM-004:M": 1}, CATALOG) == [cart_rules.CartLine(TRAIL, 1, "M")]
