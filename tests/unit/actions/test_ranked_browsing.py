"""Asking the shop to choose by price, through the browse action as the action server runs it:
the order asked for, a one-line reason naming the first product, and no cart change."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from actions.browse import ActionShowCatalog, ActionShowProduct
from shop.catalog import get_catalog
from tests.conftest import make_tracker
from tests.unit.actions.test_actions import run, slots_set


def browse(text: str, language: str = "en", entities: Optional[List[Dict[str, Any]]] = None):
    tracker = make_tracker(text, "browse_catalog", entities or [], slots={"language": language})
    messages, events = run(ActionShowCatalog(), tracker)
    assert "cart" not in slots_set(events)
    return messages, slots_set(events).get("shown_products")


def test_the_cheapest_light_leads_with_its_reason() -> None:
    messages, shown = browse("what's your cheapest light?")
    lights = get_catalog().in_category("lights")
    cheapest = min(lights, key=lambda p: p.price)
    assert shown == [p.sku for p in sorted(lights, key=lambda p: (p.price, p.sku))]
    assert messages[0]["response"] == "utter_ranked_products"
    assert messages[0]["reason"] == "Spoke Glow Wheel Lights, €9.95: the cheapest of our lights."
    assert shown[0] == cheapest.sku


def test_de_duurste_helm_in_het_nederlands() -> None:
    messages, shown = browse("wat is jullie duurste helm", "nl")
    helmets = get_catalog().in_category("helmets")
    dearest = max(helmets, key=lambda p: p.price)
    assert shown[0] == dearest.sku and len(shown) == len(helmets)
    assert messages[0]["reason"].startswith(f"{dearest.name('nl')}, € ")
    assert messages[0]["reason"].endswith(": de duurste van onze helmen.")


def test_a_range_keeps_only_what_is_inside_cheapest_first() -> None:
    messages, shown = browse("locks between 20 and 60 euro")
    catalog = get_catalog()
    prices = [catalog.products[sku].price for sku in shown]
    assert prices == sorted(prices) and all(20 <= p <= 60 for p in prices)
    assert {catalog.products[sku].category for sku in shown} == {"locks"}
    assert messages[0]["reason"] == "Our locks between €20.00 and €60.00, cheapest first:"


def test_the_cheapest_thing_of_all() -> None:
    messages, shown = browse("what is the cheapest thing you sell")
    catalog = get_catalog()
    assert catalog.products[shown[0]].price == min(p.price for p in catalog.products.values())
    assert "the cheapest of everything we sell" in messages[0]["reason"]


def test_nothing_inside_the_bounds_shows_the_nearest() -> None:
    messages, shown = browse("pumps over 500 euro")
    pumps = get_catalog().in_category("pumps")
    assert messages[0]["response"] == "utter_nothing_in_price_range"
    assert messages[0]["bounds"] == " over €500.00"
    assert shown == [max(pumps, key=lambda p: p.price).sku]


def test_a_details_question_that_asks_the_shop_to_choose_is_answered_ranked() -> None:
    text = "what is the most expensive helmet you stock"
    entities = [{"entity": "product", "value": "helmets", "start": 27, "end": 33}]
    messages, events = run(ActionShowProduct(), make_tracker(text, "product_details", entities))
    assert messages[0]["response"] == "utter_ranked_products"
    assert slots_set(events)["shown_products"][0] == "HLM-004"


def test_words_over_a_price_outrank_the_nlu_limit_on_the_same_number() -> None:
    # the NLU reads the 35 of "over 35" as max_price
    entities = [{"entity": "max_price", "value": "35", "start": 28, "end": 30}]
    _, shown = browse("I want a proper pump, over 35 euro", entities=entities)
    assert shown == ["PMP-001", "PMP-004"]


def test_the_lightest_helmet_by_its_weight() -> None:
    messages, shown = browse("which is your lightest helmet?")
    assert shown == ["HLM-002", "HLM-003", "HLM-004", "HLM-001"]
    assert messages[0]["reason"] == "Road Racer Helmet, 230 g: the lightest of our helmets."


def test_het_veiligste_slot() -> None:
    messages, shown = browse("wat is het veiligste slot?", "nl")
    assert shown[0] == "LCK-001"
    assert (
        messages[0]["reason"] == "Ironclad beugelslot, beveiliging niveau 9 van 10: de best beveiligde van onze sloten."
    )


def test_products_without_the_detail_are_left_out_and_said_so() -> None:
    messages, shown = browse("the lightest pump")
    assert shown == ["PMP-002", "PMP-004", "PMP-001"]  # the CO2 Inflator's weight is not in the catalog
    assert messages[0]["reason"].endswith("I left out 1 whose weight I don't know.")
