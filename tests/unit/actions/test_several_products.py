"""A message that orders several products, through the actions as the action server
runs them: each product its own line with its own quantity, one confirmation, and a
question (never a guess) for a line that does not name one product."""

from __future__ import annotations

import asyncio
import json
from typing import Any, Dict, List

from rasa_sdk.executor import CollectingDispatcher

from actions.browse import ActionShowCatalog
from actions.cart import ActionAddToCart, ValidateAddToCartForm
from tests.conftest import make_tracker
from tests.unit.actions.test_actions import DOMAIN, run, slots_set


def named(text: str, entity: str, value: str, words: str) -> Dict[str, Any]:
    start = text.index(words)
    return {"entity": entity, "value": value, "start": start, "end": start + len(words)}


def test_two_products_with_their_own_quantities_go_in_one_reply() -> None:
    text = "two floor pumps and a rear light"
    entities = [named(text, "product", "floor pumps", "floor pumps"), named(text, "product", "LGT-002", "rear light")]
    messages, events = run(ActionAddToCart(), make_tracker(text, "add_to_cart", entities))
    assert slots_set(events)["cart"] == {"PMP-001": 2, "LGT-002": 1}
    # one reply for both, then the one accessory that goes with the first (a mini pump)
    assert [m["response"] for m in messages] == ["utter_added_several_to_cart", "utter_suggest_accessory"]
    assert slots_set(events)["suggested_product"] == "PMP-002"
    assert "2 × " in messages[0]["items"] and "1 × " in messages[0]["items"]


def test_a_line_naming_a_category_is_asked_about_and_the_others_still_added() -> None:
    text = "a coil cable lock and two lights"
    entities = [named(text, "product", "LCK-002", "coil cable lock"), named(text, "category", "lights", "lights")]
    messages, events = run(ActionAddToCart(), make_tracker(text, "add_to_cart", entities))
    assert slots_set(events)["cart"] == {"LCK-002": 1}
    assert [m["response"] for m in messages] == ["utter_added_several_to_cart", "utter_which_of_these"]
    payloads = [json.loads(button["payload"][button["payload"].index("{") :]) for button in messages[1]["buttons"]]
    assert payloads and all(p["quantity"] == "2" for p in payloads)  # the quantity asked stays with the question


def test_nothing_resolved_changes_nothing_and_names_the_rest() -> None:
    text = "a lock, a pump and two lights"
    entities = [
        named(text, "category", "locks", "lock"),
        named(text, "category", "pumps", "pump"),
        named(text, "category", "lights", "lights"),
    ]
    messages, events = run(ActionAddToCart(), make_tracker(text, "add_to_cart", entities))
    assert "cart" not in slots_set(events)
    assert [m["response"] for m in messages] == ["utter_several_not_added_yet", "utter_which_of_these"]


def test_the_form_asks_nothing_when_the_message_orders_several() -> None:
    text = "twee minipompen en een koplamp"
    entities = [named(text, "product", "minipompen", "minipompen"), named(text, "product", "LGT-001", "koplamp")]
    tracker = make_tracker(text, "add_to_cart", entities, slots={"language": "nl"})
    form = ValidateAddToCartForm()
    required = asyncio.run(form.required_slots(["product"], CollectingDispatcher(), tracker, DOMAIN))
    assert required == []
    messages, events = run(ActionAddToCart(), tracker)
    assert slots_set(events)["cart"] == {"PMP-002": 2, "LGT-001": 1}


def test_an_order_under_another_intent_takes_every_product() -> None:
    text = "3 kabelsloten en een stuurmand"
    entities = [named(text, "product", "kabelsloten", "kabelsloten"), named(text, "product", "BAG-004", "stuurmand")]
    _, events = run(ActionShowCatalog(), make_tracker(text, "browse_catalog", entities, slots={"language": "nl"}))
    assert slots_set(events)["cart"] == {"LCK-002": 3, "BAG-004": 1}


def test_a_question_naming_two_products_changes_no_cart() -> None:
    text = "do you have a floor pump and a rear light?"
    entities = [named(text, "product", "floor pump", "floor pump"), named(text, "product", "LGT-002", "rear light")]
    messages: List[Dict[str, Any]]
    messages, events = run(ActionShowCatalog(), make_tracker(text, "browse_catalog", entities))
    assert "cart" not in slots_set(events) and messages
    # the same question read as add_to_cart: still nothing added (the availability guard)
    messages, events = run(ActionAddToCart(), make_tracker(text, "add_to_cart", entities))
    assert "cart" not in slots_set(events) and "utter_added_several_to_cart" not in [
        m.get("response") for m in messages
    ]
