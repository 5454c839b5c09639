"""One message that orders several products ("two floor pumps and a rear light", "3
kabelsloten en een stuurmand"): each product with its own quantity and variant.

The message is cut where one request ends and the next begins (a comma, "and", "en",
"plus", "&"), and each part is read on its own, so a number pairs with the product
it stands beside, never with the last product named. The NLU's entities (or, where the
NLU read "three lights" as a number alone, the finder) say where the products are: a
message counts as several requests only when two or more parts name a product or a
category and say how many or which ("a", "the", "two", "een"), so "a
light for front and rear" stays one request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Tuple

from shop import numbers, variants
from shop.catalog import Catalog, Product
from shop.finder import finder_for

# Where one request ends and the next begins, in English and Dutch.
BETWEEN_REQUESTS = re.compile(r"\s*(?:[,;&+]|\band\b|\bplus\b|\ben\b|\balso\b|\book\b)\s*", re.IGNORECASE)
# Dutch "een" is an article as often as it is "one"; either way a part with it asks for one.
ARTICLE_EEN = re.compile(r"\been\b", re.IGNORECASE)
# A part is a request of its own when it says how many or which: "a pump", "the kids
# helmet", "twee minipompen", "een stuurmand". A bare word ("... for front and rear")
# describes the one product asked for instead.
DETERMINER = re.compile(r"\b(?:a|an|the|one|another|some|een|de|het|nog)\b", re.IGNORECASE)
# A named thing: (entity, value, start, end) as the NLU found it in the message.
Span = Tuple[str, str, int, int]


@dataclass
class RequestedLine:
    """One part of the message: its words, the quantity asked (as written), and the
    product it names, or the candidates when the words do not pick one."""

    words: str
    quantity: str
    product: Optional[Product] = None
    variant: Optional[str] = None
    candidates: List[Product] = field(default_factory=list)

    @property
    def needs_variant(self) -> bool:
        return self.product is not None and bool(self.product.variants) and self.variant is None


def parts(text: str) -> List[Tuple[int, int]]:
    """The spans of the message between the words that separate requests."""
    spans, start = [], 0
    for match in BETWEEN_REQUESTS.finditer(text):
        if match.start() > start:
            spans.append((start, match.start()))
        start = match.end()
    if start < len(text):
        spans.append((start, len(text)))
    return [(a, b) for a, b in spans if text[a:b].strip()]


def several_requests(
    text: str, named: Sequence[Span], catalog: Catalog, language: Optional[str] = None
) -> Optional[List[RequestedLine]]:
    """Each product the message asks for, in order, when it asks for two or more; None
    when it asks for one (or none), which the single-product path answers."""
    things = [(entity, value, start, end) for entity, value, start, end in named if entity in ("product", "category")]
    with_things = []
    for start, end in parts(text):
        inside = [thing for thing in things if start <= thing[2] < end]
        words = text[start:end]
        if not (DETERMINER.search(words) or numbers.quantity(words, language) is not None):
            continue
        if inside or _names_a_thing(words, catalog):  # the NLU may read "three lights" as a quantity alone
            with_things.append((words.strip(), inside))
    if len(with_things) < 2:
        return None
    return [_line(words, inside, catalog, language) for words, inside in with_things]


def _names_a_thing(words: str, catalog: Catalog) -> bool:
    finder = finder_for(catalog)
    return finder.resolve(words).product is not None or finder.find(words).category is not None


def _line(words: str, inside: List[Span], catalog: Catalog, language: Optional[str]) -> RequestedLine:
    quantity = numbers.quantity(ARTICLE_EEN.sub(" ", words), language) or "1"
    finder = finder_for(catalog)
    resolution = finder.resolve(words)
    for entity, value, _, _ in inside:
        if resolution.product is not None:
            break
        if entity == "product":
            named = finder.resolve(value)
            resolution = named if named.product is not None or not resolution.candidates else resolution
        elif not resolution.candidates:
            category = catalog.category(value)
            resolution.candidates = catalog.in_category(category.id)[:3] if category is not None else []
    product = resolution.product
    variant = variants.from_text(product, words) if product is not None and product.variants else None
    return RequestedLine(words, quantity, product, variant, [] if product else resolution.candidates)
