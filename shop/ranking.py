"""Choosing for the customer: by price ("the cheapest light", "your most expensive lock",
"pumps over €20", "sloten tussen 20 en 40 euro"), and by a measured detail where the
catalog gives it ("the lightest helmet", "het veiligste slot").

A ranking is read from the customer's words, in English and Dutch, and applied to
the products a search or a category found: those outside the price bounds are left
out, and the rest put in price order. The first product and the reason it comes
first ("the cheapest of our lights") are what the answer leads with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import List, Optional, Sequence

from shop import details, numbers
from shop.catalog import Product

CHEAPEST = "cheapest"
DEAREST = "dearest"
LIGHTEST = "lightest"
MOST_SECURE = "most_secure"
BRIGHTEST = "brightest"
# The orders by a detail: the detail measured, and whether the highest measure comes first.
BY_DETAIL = {LIGHTEST: ("weight", False), MOST_SECURE: ("security", True), BRIGHTEST: ("brightness", True)}

ORDER_WORDS = {
    CHEAPEST: re.compile(
        r"\b(?:cheapest|least\s+expensive|lowest[-\s]priced|lowest\s+price|costs?\s+the\s+least|least\s+costly|"
        r"goedkoopste?|voordeligste?|minst\s+dure|laagste\s+prijs|kost\s+het\s+minst)\b",
        re.IGNORECASE,
    ),
    DEAREST: re.compile(
        r"\b(?:most\s+expensive|priciest|dearest|highest[-\s]priced|highest\s+price|costs?\s+the\s+most|"
        r"duurste?|meest\s+dure|hoogste\s+prijs|kost\s+het\s+meest)\b",
        re.IGNORECASE,
    ),
    LIGHTEST: re.compile(
        r"\b(?:lightest|least\s+heavy|weighs?\s+the\s+least|lichtste?|minst\s+zware?)\b", re.IGNORECASE
    ),
    MOST_SECURE: re.compile(
        r"\b(?:most\s+secure|safest|strongest|hardest\s+to\s+(?:break|cut)|highest\s+security|"
        r"veiligste?|sterkste?|best\s+beveiligde?|hoogste\s+beveiliging|inbraakwerendste?)\b",
        re.IGNORECASE,
    ),
    BRIGHTEST: re.compile(
        r"\b(?:brightest|most\s+lumens?|gives?\s+the\s+most\s+light|felste?|helderste?|meeste\s+lumen|"
        r"geeft\s+het\s+meeste\s+licht)\b",
        re.IGNORECASE,
    ),
}


@dataclass(frozen=True)
class Ranking:
    """What the customer asked the shop to choose by: an order, and price bounds."""

    order: Optional[str] = None
    floor: Optional[Decimal] = None
    ceiling: Optional[Decimal] = None

    @property
    def chooses(self) -> bool:
        """Whether the shop is asked to pick or sort: an order, or a floor (a ceiling
        alone is the older "under 30" search, which already shows cheapest first)."""
        return self.order is not None or self.floor is not None

    def admits(self, product: Product) -> bool:
        return (self.floor is None or product.price >= self.floor) and (
            self.ceiling is None or product.price <= self.ceiling
        )

    @property
    def detail(self) -> Optional[str]:
        """The detail this ranking orders by ("weight"), None for an order by price."""
        return BY_DETAIL[self.order][0] if self.order in BY_DETAIL else None

    def apply(self, products: Sequence[Product]) -> List[Product]:
        """The products within the bounds, cheapest first, or in the order asked. An order
        by a detail leaves out the products whose detail the catalog does not measure."""
        kept = [p for p in products if self.admits(p)]
        if self.order in BY_DETAIL:
            kind, highest_first = BY_DETAIL[self.order]
            measured = [(details.measure(p, kind), p) for p in kept]
            known = [(value, p) for value, p in measured if value is not None]
            known.sort(key=lambda pair: (-pair[0] if highest_first else pair[0], pair[1].price, pair[1].sku))
            return [p for _, p in known]
        return sorted(kept, key=lambda p: (-p.price if self.order == DEAREST else p.price, p.sku))


def read(text: str, language: Optional[str] = None, ceiling: Optional[Decimal] = None) -> Ranking:
    """The ranking in a message; ``ceiling`` is a limit found elsewhere (an NLU entity),
    used only when the words themselves set no bound: the NLU reads the 35 of "over 35"
    as a limit too."""
    order = next((name for name, words in ORDER_WORDS.items() if words.search(text or "")), None)
    floor, said_ceiling = numbers.price_bounds(text or "", language)
    if floor is None and said_ceiling is None:
        said_ceiling = ceiling
    return Ranking(order, floor, said_ceiling)
