"""Several products in one message: each part read on its own, its number paired with
its product, and a message that names one product left to the single-product path."""

from __future__ import annotations

from typing import List, Optional, Tuple

import pytest

from shop.catalog import get_catalog
from shop.order_lines import Span, several_requests


def spans(text: str, *named: Tuple[str, str, str]) -> List[Span]:
    """(entity, value, the words in the text) as the NLU marks them."""
    return [(entity, value, text.index(words), text.index(words) + len(words)) for entity, value, words in named]


def lines(text: str, *named: Tuple[str, str, str], language: str = "en") -> Optional[List[Tuple[str, str, str]]]:
    found = several_requests(text, spans(text, *named), get_catalog(), language)
    if found is None:
        return None
    return [(line.quantity, line.product.sku if line.product else "?", line.variant or "") for line in found]


def test_each_number_pairs_with_the_product_beside_it() -> None:
    text = "two floor pumps and a rear light"
    named = (("product", "floor pumps", "floor pumps"), ("product", "LGT-002", "rear light"))
    assert lines(text, *named) == [("2", "PMP-001", ""), ("1", "LGT-002", "")]
    text = "a coil cable lock and two mini pumps please"
    named = (("product", "LCK-002", "coil cable lock"), ("product", "mini pumps", "mini pumps"))
    assert lines(text, *named) == [("1", "LCK-002", ""), ("2", "PMP-002", "")]


def test_dutch_een_and_number_words_each_count_for_their_own_part() -> None:
    text = "3 kabelsloten en een stuurmand"
    named = (("product", "kabelsloten", "kabelsloten"), ("product", "BAG-004", "stuurmand"))
    assert lines(text, *named, language="nl") == [("3", "LCK-002", ""), ("1", "BAG-004", "")]
    text = "twee minipompen en een koplamp"
    named = (("product", "minipompen", "minipompen"), ("product", "LGT-001", "koplamp"))
    assert lines(text, *named, language="nl") == [("2", "PMP-002", ""), ("1", "LGT-001", "")]


def test_a_category_is_a_line_with_candidates_not_a_guess() -> None:
    text = "a lock, a pump and two lights"
    found = several_requests(
        text,
        spans(text, ("category", "locks", "lock"), ("category", "pumps", "pump"), ("category", "lights", "lights")),
        get_catalog(),
        "en",
    )
    assert found is not None and [line.product for line in found] == [None, None, None]
    assert [line.quantity for line in found] == ["1", "1", "2"]
    assert all(len(line.candidates) == 3 for line in found)


def test_a_size_not_said_leaves_the_line_to_be_asked() -> None:
    text = "the urban helmet in M and the kids helmet in pink"
    named = (("product", "HLM-001", "urban helmet"), ("product", "HLM-003", "kids helmet"))
    found = several_requests(text, spans(text, *named), get_catalog(), "en")
    assert found is not None and found[1].variant == "pink" and not found[1].needs_variant


@pytest.mark.parametrize(
    "text, named",
    [
        ("plus one of the mini pumps", (("product", "mini pumps", "mini pumps"),)),
        (
            "a light for front and rear",
            (("product", "lights", "light"), ("product", "front", "front"), ("product", "rear", "rear")),
        ),
        ("two floor pumps please", (("product", "floor pumps", "floor pumps"),)),
    ],
)
def test_one_request_is_not_cut_into_several(text: str, named: Tuple[Tuple[str, str, str], ...]) -> None:
    assert lines(text, *named) is None
