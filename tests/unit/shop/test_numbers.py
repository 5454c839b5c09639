"""Numbers in shoppers' words: quantities, price limits, prices and positions."""

from __future__ import annotations

from decimal import Decimal
from typing import Optional

import pytest

from shop import numbers


@pytest.mark.parametrize(
    "text, quantity",
    [
        ("add three guardian locks", "3"),
        ("drie kettingsloten graag", "3"),
        ("vier stuks", "4"),
        ("make it five", "5"),
        ("a pair of rear lights", "2"),
        ("een paar achterlichten", "2"),
        ("twee van die achterlichten", "2"),
        ("I need one floor pump", "1"),
        ("add 10", "10"),
        ("add -3 locks", "-3"),
        ("2.5 pumps", "2.5"),
        ("zet er maar vijftien in", "15"),
        # not quantities: positions, prices, limits, "one" for a product, names with digits
        ("the second one", None),
        ("that one please", None),
        ("the beacon one", None),
        ("de tweede", None),
        ("die van 12,95", None),
        ("bags below 40", None),
        ("I want a co2 inflator", None),
        ("nummer drie", None),
    ],
)
def test_quantity_covers_only_the_number(text: str, quantity: Optional[str]) -> None:
    assert numbers.quantity(text) == quantity


def test_a_quantity_next_to_a_price_limit() -> None:
    assert numbers.quantity("add 2 u-locks under 50 euro") == "2"
    assert numbers.price_limit("add 2 u-locks under 50 euro") == Decimal("50")


@pytest.mark.parametrize(
    "text, limit",
    [
        ("bags below 40", "40"),
        ("onder de dertig euro", "30"),
        ("max €25", "25"),
        ("€25 max", "25"),
        ("laptop bag up to 60 euros", "60"),
        ("lights under twenty five euros", "25"),
        ("hooguit 15 euro", "15"),
        ("niet meer dan twintig euro", "20"),
        ("locks", None),
        ("the second one", None),
    ],
)
def test_price_limits(text: str, limit: Optional[str]) -> None:
    assert numbers.price_limit(text) == (Decimal(limit) if limit else None)


@pytest.mark.parametrize(
    "text, position",
    [
        ("the second one", 2),
        ("de tweede", 2),
        ("the 3rd", 3),
        ("nummer drie", 3),
        ("number 2 please", 2),
        ("the last one", -1),
        ("de laatste graag", -1),
        ("the first", 1),
        ("add three locks", None),
    ],
)
def test_positions(text: str, position: Optional[int]) -> None:
    assert numbers.ordinal(text) == position


def test_prices_named() -> None:
    assert numbers.prices("die van 12,95") == [Decimal("12.95")]
    assert numbers.prices("the €24.95 one") == [Decimal("24.95")]
    assert numbers.prices("add three locks") == []
