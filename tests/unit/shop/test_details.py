"""Product details as catalog data: loaded and checked, and the questions that ask about them."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from shop import details
from shop.catalog import CatalogError, get_catalog, parse_catalog


@pytest.mark.parametrize(
    "text, kinds",
    [
        ("is it waterproof?", ["waterproof"]),
        ("how heavy is the fold lock", ["weight"]),
        ("past die op een racefiets?", ["fit"]),
        ("hoe zwaar en hoe groot is het?", ["size", "weight"]),
        ("what's in the box?", ["in_the_box"]),
        ("show me the locks", []),
    ],
)
def test_the_details_asked(text: str, kinds: list) -> None:
    assert details.asked(text) == kinds


def test_the_detail_words_leave_the_product() -> None:
    assert details.without_question_words("how heavy is the fold lock", "en") == "how is the fold lock"


def test_a_product_answers_in_the_language_asked() -> None:
    lock = get_catalog().products["LCK-001"]
    assert lock.detail("weight", "en") == "1.4 kg" and lock.detail("weight", "nl") == "1,4 kg"
    assert lock.detail("waterproof") is None


def catalog_with(details_value: object) -> dict:
    product = {
        "sku": "X-1",
        "name": "X",
        "category": "c",
        "price": "1.00",
        "description": "d",
        "image": "x.png",
        "stock": 1,
        "details": details_value,
    }
    return {"categories": [{"id": "c", "name": "C"}], "products": [product]}


def test_an_unknown_detail_is_refused_with_its_place() -> None:
    with pytest.raises(CatalogError, match=r"product 'X-1': field 'details' has unknown detail\(s\) \['colour'\]"):
        parse_catalog(catalog_with({"colour": "red"}), Path("catalog.yml"))


def test_a_detail_without_english_is_refused() -> None:
    with pytest.raises(CatalogError, match="field 'details.weight' needs an 'en' text"):
        parse_catalog(catalog_with({"weight": {"nl": "1 kg"}}), Path("catalog.yml"))


def test_question_words_need_both_languages(tmp_path: Path) -> None:
    path = tmp_path / "detail_questions.yml"
    words = yaml.safe_load(details.QUESTIONS_PATH.read_text())
    del words["nl"]["weight"]
    path.write_text(yaml.safe_dump(words))
    assert details.problems(path) == [f"{path}: nl: no words for detail 'weight'"]


@pytest.mark.parametrize(
    "text, parts",
    [
        ("fold lock vs guardian", ["fold lock", "guardian"]),
        ("vergelijk het vouwslot met het beugelslot", ["het vouwslot", "het beugelslot"]),
        ("which is better, the mini pump or the floor pump?", ["the mini pump", "the floor pump"]),
        ("the fold lock and the guardian, please", []),
    ],
)
def test_the_parts_a_comparison_names(text: str, parts: list) -> None:
    assert details.compared_parts(text) == parts
