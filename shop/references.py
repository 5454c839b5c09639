"""Follow-ups that lean on the previous turn: "the second one", "that one",
"make it five", "remove it", "die van 12,95".

The actions keep two slots for this: ``shown_products`` (the SKUs of the last
carousel or product card, in the order shown) and ``last_product`` (the product
last shown in detail or put in, changed in or taken out of the cart). A
reference is read only when the message names no product itself.
"""

from __future__ import annotations

import re
from typing import Optional, Sequence

from shop import numbers
from shop.catalog import Catalog, Product

# Words that point back at a product; Dutch "het" only next to a verb of the cart.
POINTERS = re.compile(
    r"\b(?:it|that|this|those|these|them|one|same|die|dat|deze|dit|hem|ze|diezelfde|dezelfde)\b"
    r"|\b(?:zet|doe|maak|haal|verwijder|gooi)\s+het\b|\bhet\s+(?:maar|eruit|weg)\b"
    r"|\b(?:doe|zet|gooi|stop|steek|leg)\s+(?:er|d'r)\b",
    re.IGNORECASE,
)


def by_position(text: str, shown: Sequence[str], catalog: Catalog, language: Optional[str] = None) -> Optional[Product]:
    """ "the second one", "de laatste", "number 3": a product of the last list shown."""
    position = numbers.ordinal(text, language)
    if position is None or not shown:
        return None
    index = len(shown) - 1 if position == -1 else position - 1
    return catalog.product(shown[index]) if 0 <= index < len(shown) else None


def by_price(text: str, shown: Sequence[str], catalog: Catalog, language: Optional[str] = None) -> Optional[Product]:
    """ "die van 12,95", "the €24.95 one": the product shown (else sold) at that price, if only one is."""
    for price in numbers.prices(text, language):
        for pool in (shown, list(catalog.products)):
            matching = [p for p in (catalog.product(sku) for sku in pool) if p is not None and p.price == price]
            if len(matching) == 1:
                return matching[0]
    return None


def by_pointer(text: str, shown: Sequence[str], last: Optional[str], catalog: Catalog) -> Optional[Product]:
    """ "that one", "remove it", "make it five": the product last handled, or the only one shown."""
    if not POINTERS.search(text or ""):
        return None
    return in_focus(shown, last, catalog)


def in_focus(shown: Sequence[str], last: Optional[str], catalog: Catalog) -> Optional[Product]:
    """The product the conversation is about: the one last handled, or the only one shown."""
    if last:
        return catalog.product(str(last).split(":", 1)[0])
    return catalog.product(shown[0]) if len(shown) == 1 else None


def referenced_product(
    text: str, shown: Sequence[str], last: Optional[str], catalog: Catalog, language: Optional[str] = None
) -> Optional[Product]:
    """The product a follow-up points at, or None."""
    return (
        by_position(text, shown, catalog, language)
        or by_price(text, shown, catalog, language)
        or by_pointer(text, shown, last, catalog)
    )
