"""The product finder: shoppers' words to products, against the real catalog."""

from __future__ import annotations

from decimal import Decimal
from typing import List

import pytest

from shop.catalog import load_catalog
from shop.finder import ProductFinder


@pytest.fixture(scope="module")
def finder() -> ProductFinder:
    return ProductFinder(load_catalog())


def skus(finder: ProductFinder, text: str, limit: str | None = None) -> List[str]:
    return [p.sku for p in finder.find(text, Decimal(limit) if limit else None).products]


@pytest.mark.parametrize(
    "text, sku",
    [
        ("LGT-001", "LGT-001"),
        ("lgt-001", "LGT-001"),
        ("Ember Rear Light", "LGT-002"),
        # a distinctive word, a plural, a type, a typo, Dutch compounds and plurals
        ("guardian locks", "LCK-003"),
        ("the beacon one", "LGT-001"),
        ("mini pumps", "PMP-002"),
        ("kettingsloten", "LCK-003"),
        ("cable locks", "LCK-002"),
        ("gaurdian lock", "LCK-003"),
        ("ironclat", "LCK-001"),
        ("beugelslot", "LCK-001"),
        ("ember achterlichten", "LGT-002"),
        ("minipompen", "PMP-002"),
        ("achterlichtjes", "LGT-002"),
        ("rear light", "LGT-002"),
        ("and the frame bag as well", "BAG-003"),
        ("een stuurmand", "BAG-004"),
        ("kinderhelm", "HLM-003"),
        ("a helmet for my daughter", "HLM-003"),
        ("mountainbike helm", "HLM-004"),
    ],
)
def test_resolves_the_product_people_mean(finder: ProductFinder, text: str, sku: str) -> None:
    assert finder.resolve(text).product.sku == sku


@pytest.mark.parametrize("text", ["a lock", "helm", "pump"])
def test_a_kind_with_several_products_gives_candidates_not_a_guess(finder: ProductFinder, text: str) -> None:
    resolution = finder.resolve(text)
    assert resolution.product is None
    assert len(resolution.candidates) == 3
    assert len({p.category for p in resolution.candidates}) == 1


@pytest.mark.parametrize("text", ["hammer", "tell me a joke", "what's the weather tomorrow", "zzzzzz"])
def test_what_the_shop_does_not_sell_resolves_to_nothing(finder: ProductFinder, text: str) -> None:
    assert finder.resolve(text).product is None
    assert finder.resolve(text).candidates == []
    assert finder.find(text).products == []


@pytest.mark.parametrize(
    "text, category",
    [
        ("show me lights", "lights"),
        ("fietslampen", "lights"),
        ("welke sloten hebben jullie", "locks"),
        ("helmts", "helmets"),
        ("ligths", "lights"),
    ],
)
def test_a_category_word_names_the_category(finder: ProductFinder, text: str, category: str) -> None:
    found = finder.find(text)
    assert found.category is not None and found.category.id == category
    assert {p.category for p in found.products} == {category}


@pytest.mark.parametrize(
    "text, first",
    [
        ("my bike keeps getting stolen", "locks"),
        ("I cycle home in the dark", "lights"),
        ("iets tegen lekke banden", "pumps"),
        ("ik heb steeds een lekke band", "pumps"),
        ("iets voor in het donker", "lights"),
        ("I keep getting flat tyres", "pumps"),
    ],
)
def test_needs_find_the_category_that_meets_them(finder: ProductFinder, text: str, first: str) -> None:
    found = finder.find(text).products
    assert found and {p.category for p in found} == {first}


def test_needs_that_one_product_meets(finder: ProductFinder) -> None:
    assert skus(finder, "somewhere to put my laptop on the bike") == ["BAG-001"]
    assert skus(finder, "something waterproof") == ["BAG-001"]
    assert skus(finder, "something to carry groceries") == ["BAG-004"]


def test_kinds_list_the_matching_products_not_the_category(finder: ProductFinder) -> None:
    assert skus(finder, "hebben jullie kettingsloten?") == ["LCK-003"]
    assert skus(finder, "any cable locks?") == ["LCK-002"]
    assert skus(finder, "locks", "25") == ["LCK-002"]
    assert skus(finder, "bags", "40") == ["BAG-002", "BAG-003", "BAG-004"]


def test_unknown_words_are_reported_for_the_answer(finder: ProductFinder) -> None:
    assert finder.find("unicorn saddle").unknown_words == ["unicorn"]
    assert finder.find("my bike keeps getting stolen").unknown_words == ["keeps", "getting"]


def test_validation_names_a_use_search_can_never_match() -> None:
    from dataclasses import replace

    from scripts.validate import use_problems

    catalog = load_catalog()
    assert use_problems(catalog) == []
    locks = catalog.categories["locks"]
    catalog.categories["locks"] = replace(locks, uses={**locks.uses, "en": (*locks.uses["en"], "for the")})
    assert use_problems(catalog) == [
        "catalog/catalog.yml: category 'locks': use 'for the' (en) has no word search can match"
    ]


def test_kind_of_is_not_a_child_but_kind_is() -> None:
    finder = ProductFinder(load_catalog())
    assert {p.category for p in finder.find("what kind of locks do you have").products} == {"locks"}
    assert [p.sku for p in finder.find("mijn kind leert fietsen").products] == ["HLM-003"]
