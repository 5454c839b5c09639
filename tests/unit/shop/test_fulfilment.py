"""Delivery or pickup: which zone a checkout ships to, and what shipping adds."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shop import fulfilment
from shop.terms import get_terms

TERMS = get_terms()


@pytest.mark.parametrize(
    "choice,locale,expected",
    [
        (None, None, "NL"),  # the shop's own country
        (None, "nl_BE", "BE"),  # where Messenger's locale says the customer is
        (None, "en_US", "NL"),  # a country without a zone: the shop's own, the summary says so
        ("BE", "nl_NL", "BE"),  # the customer's choice wins over the locale
        ("be", None, "BE"),
        ("PICKUP", "nl_BE", "PICKUP"),
        ("pickup", None, "PICKUP"),
        ("XX", None, "NL"),  # a tampered payload is not a zone
    ],
)
def test_the_choice_the_locale_then_the_shops_country(choice, locale, expected) -> None:
    assert fulfilment.chosen(choice, locale, TERMS).choice == expected


def test_shipping_follows_the_zone_and_its_free_threshold() -> None:
    to_nl = fulfilment.chosen("NL", None, TERMS)
    assert fulfilment.bill(Decimal("49.99"), to_nl) == fulfilment.Bill(Decimal("49.99"), Decimal("4.95"))
    assert fulfilment.bill(Decimal("49.99"), to_nl).total == Decimal("54.94")
    assert fulfilment.bill(Decimal("50.00"), to_nl).shipping == 0
    assert fulfilment.bill(Decimal("74.99"), fulfilment.chosen("BE", None, TERMS)).shipping == Decimal("6.95")
    assert fulfilment.bill(Decimal("10"), fulfilment.chosen("PICKUP", None, TERMS)).total == Decimal("10")


def test_paypal_types_and_the_other_ways() -> None:
    to_nl, pickup = fulfilment.chosen("NL", None, TERMS), fulfilment.chosen("PICKUP", None, TERMS)
    assert (to_nl.paypal_type, pickup.paypal_type) == ("SHIPPING", "PICKUP_IN_STORE")
    assert [option.choice for option in fulfilment.alternatives(to_nl, TERMS)] == ["PICKUP", "BE"]
    assert [option.choice for option in fulfilment.alternatives(pickup, TERMS)] == ["NL", "BE"]
