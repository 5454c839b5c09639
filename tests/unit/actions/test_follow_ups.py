"""Shopper language in the actions: follow-ups, needs, limits and off-topic messages,
with real Trackers as the action server receives them."""

from __future__ import annotations

import asyncio
from typing import Any, Dict

from rasa_sdk.executor import CollectingDispatcher

from actions.browse import ActionAnswerOutOfScope, ActionShowCatalog
from actions.cart import (
    ActionAddToCart,
    ActionRemoveFromCart,
    ValidateAddToCartForm,
    ValidateChangeQuantityForm,
)
from tests.conftest import make_tracker
from tests.unit.actions.test_actions import DOMAIN, run, slots_set

LOCKS_SHOWN = {"shown_products": ["LCK-001", "LCK-002", "LCK-003", "LCK-004"]}


def extracted(form: Any, slot: str, tracker: Any) -> Dict[str, Any]:
    return asyncio.run(getattr(form, f"extract_{slot}")(CollectingDispatcher(), tracker, DOMAIN))


def test_the_second_one_is_the_second_card_shown() -> None:
    tracker = make_tracker("I'll take the second one", "add_to_cart", slots=LOCKS_SHOWN)
    assert extracted(ValidateAddToCartForm(), "product", tracker) == {"product": "LCK-002"}


def test_die_van_a_price_is_the_card_with_that_price() -> None:
    tracker = make_tracker("doe die van 12,95 maar", "add_to_cart", slots={**LOCKS_SHOWN, "language": "nl"})
    assert extracted(ValidateAddToCartForm(), "product", tracker) == {"product": "LCK-002"}


def test_make_it_five_changes_the_product_last_handled() -> None:
    tracker = make_tracker(
        "make it five", "change_quantity", slots={"cart": {"LGT-001": 1, "PMP-001": 2}, "last_product": "PMP-001"}
    )
    form = ValidateChangeQuantityForm()
    product = extracted(form, "product", tracker)
    assert product == {"product": "PMP-001"}
    tracker.slots.update(product)
    assert extracted(form, "quantity", tracker) == {"quantity": "5"}


def test_remove_it_takes_out_the_product_last_handled() -> None:
    tracker = make_tracker(
        "remove it", "remove_from_cart", slots={"cart": {"LGT-001": 1, "PMP-001": 2}, "last_product": "PMP-001"}
    )
    messages, events = run(ActionRemoveFromCart(), tracker)
    assert slots_set(events)["cart"] == {"LGT-001": 1}
    assert messages[0]["product_name"] == "Floor Pump"


def test_a_number_word_next_to_a_plural_dutch_name() -> None:
    tracker = make_tracker("doe maar drie kettingsloten", "add_to_cart", slots={"product": "LCK-003", "language": "nl"})
    messages, events = run(ActionAddToCart(), tracker)
    assert slots_set(events)["cart"] == {"LCK-003": 3}
    assert messages[0]["total"] == "€ 193,50"


def test_a_category_with_a_price_limit_in_words() -> None:
    messages, events = run(
        ActionShowCatalog(), make_tracker("tassen onder de veertig euro", "browse_catalog", slots={"language": "nl"})
    )
    assert [e["title"] for e in messages[0]["elements"]] == ["Zadeltasje", "Frametas", "Stuurmand"]
    assert slots_set(events)["shown_products"] == ["BAG-002", "BAG-003", "BAG-004"]


def test_a_limit_nothing_meets_shows_the_cheapest() -> None:
    messages, _ = run(ActionShowCatalog(), make_tracker("helmets under 20 euros", "browse_catalog"))
    assert messages[0]["response"] == "utter_nothing_under_price"
    assert [e["title"] for e in messages[0]["elements"]] == ["Kids Helmet"]


def test_a_typo_in_a_category_word() -> None:
    messages, _ = run(ActionShowCatalog(), make_tracker("do you have helmts", "browse_catalog"))
    assert messages[0]["response"] == "utter_products_in_category"


def test_a_need_marked_out_of_scope_gets_the_products_for_it() -> None:
    messages, _ = run(ActionAnswerOutOfScope(), make_tracker("I cycle home in the dark", "out_of_scope"))
    assert messages[0]["response"] == "utter_search_results"
    assert all(e["title"] for e in messages[0]["elements"])
    assert {e["buttons"][0]["payload"][:27] for e in messages[0]["elements"]} == {'/add_to_cart{"product": "LG'}


def test_a_message_that_is_really_off_topic_gets_the_categories() -> None:
    messages, _ = run(ActionAnswerOutOfScope(), make_tracker("what's the weather tomorrow?", "out_of_scope"))
    assert messages[0]["response"] == "utter_out_of_scope"
    assert len(messages[0]["quick_replies"]) == 5


def test_an_order_read_as_browsing_still_goes_in_the_cart() -> None:
    messages, events = run(ActionShowCatalog(), make_tracker("two floor pumps please", "browse_catalog"))
    assert slots_set(events)["cart"] == {"PMP-001": 2}
    assert messages[0]["response"] == "utter_added_to_cart"


def test_a_need_with_a_quantity_is_an_order_and_without_one_a_search() -> None:
    messages, events = run(
        ActionShowCatalog(), make_tracker("we need ten saddle pouches for the club", "browse_catalog")
    )
    assert slots_set(events)["cart"] == {"BAG-002": 10}
    messages, events = run(
        ActionShowCatalog(), make_tracker("ik heb drie kettingsloten nodig", "browse_catalog", slots={"language": "nl"})
    )
    assert slots_set(events)["cart"] == {"LCK-003": 3}
    messages, events = run(ActionShowCatalog(), make_tracker("i need a lock for my bike", "browse_catalog"))
    assert "cart" not in slots_set(events) and "LCK-003" in slots_set(events)["shown_products"]


def test_a_new_quantity_instead_of_the_old_one_sets_the_line() -> None:
    tracker = make_tracker(
        "i want 3 saddle pouches instead of one", "add_to_cart", slots={"product": "BAG-002", "cart": {"BAG-002": 1}}
    )
    messages, events = run(ActionAddToCart(), tracker)
    assert slots_set(events)["cart"] == {"BAG-002": 3} and messages[0]["response"] == "utter_quantity_changed"
    tracker = make_tracker(
        "ik wil 3 zadeltasjes in plaats van één", "browse_catalog", slots={"cart": {"BAG-002": 1}, "language": "nl"}
    )
    messages, events = run(ActionShowCatalog(), tracker)
    assert slots_set(events)["cart"] == {"BAG-002": 3}
    tracker = make_tracker("3 saddle pouches instead of the frame bag", "add_to_cart", slots={"product": "BAG-002"})
    messages, events = run(ActionAddToCart(), tracker)  # not in the cart yet: an add
    assert slots_set(events)["cart"] == {"BAG-002": 3} and messages[0]["response"] == "utter_added_to_cart"


def test_a_question_with_a_number_is_not_an_order() -> None:
    messages, events = run(ActionShowCatalog(), make_tracker("do you have two floor pumps?", "browse_catalog"))
    assert "cart" not in slots_set(events)
    assert messages[0]["response"] == "utter_search_results"


def test_a_question_read_as_an_order_shows_the_product() -> None:
    tracker = make_tracker("do you have the gaurdian lock?", "add_to_cart", slots={"product": "LCK-003"})
    messages, events = run(ActionAddToCart(), tracker)
    assert messages[0]["response"] == "utter_product_details"
    assert "cart" not in slots_set(events)
    tracker = make_tracker("can I get two guardian locks?", "add_to_cart", slots={"product": "LCK-003"})
    _, events = run(ActionAddToCart(), tracker)
    assert slots_set(events)["cart"] == {"LCK-003": 2}


def test_a_question_read_as_emptying_the_cart_keeps_the_cart() -> None:
    from actions.cart import ActionClearCart

    tracker = make_tracker(
        "do you have a basket for the front of my bike?", "clear_cart", slots={"cart": {"LGT-001": 1}}
    )
    messages, events = run(ActionClearCart(), tracker)
    assert "cart" not in slots_set(events)
    assert "BAG-004" in slots_set(events)["shown_products"]


def test_a_kind_word_means_the_one_cart_line_of_that_kind_not_the_last_product() -> None:
    cart = {"LCK-002": 1, "PMP-004": 1}
    tracker = make_tracker("make it three locks", "change_quantity", slots={"cart": cart, "last_product": "PMP-004"})
    form = ValidateChangeQuantityForm()
    product = extracted(form, "product", tracker)
    assert product == {"product": "LCK-002"}
    tracker.slots.update(product)
    assert extracted(form, "quantity", tracker) == {"quantity": "3"}


def test_removing_a_kind_takes_out_the_one_line_of_that_kind() -> None:
    cart = {"LCK-002": 1, "PMP-004": 1}
    tracker = make_tracker(
        "haal het slot eruit", "remove_from_cart", slots={"cart": cart, "last_product": "PMP-004", "language": "nl"}
    )
    messages, events = run(ActionRemoveFromCart(), tracker)
    assert slots_set(events)["cart"] == {"PMP-004": 1}


def test_in_my_basket_names_the_cart_not_the_basket_for_sale() -> None:
    text = "put a coil cable lock in my basket"
    entities = [  # as NLU marks it, synonyms mapped; the form fills the slot with the last one
        {"entity": "product", "value": "LCK-002", "start": 6, "end": 21},
        {"entity": "product", "value": "BAG-004", "start": 28, "end": 34},
    ]
    tracker = make_tracker(text, "add_to_cart", entities=entities, slots={"product": "BAG-004"})
    assert ValidateAddToCartForm().validate_product("BAG-004", CollectingDispatcher(), tracker, DOMAIN) == {
        "product": "LCK-002"
    }
    tracker = make_tracker(
        "I'd like the handlebar basket",
        "add_to_cart",
        entities=[{"entity": "product", "value": "BAG-004", "start": 13, "end": 29}],
    )
    assert ValidateAddToCartForm().validate_product("BAG-004", CollectingDispatcher(), tracker, DOMAIN) == {
        "product": "BAG-004"
    }
    tracker = make_tracker("zet een coil kabelslot in mijn mandje", "add_to_cart", slots={"language": "nl"})
    assert extracted(ValidateAddToCartForm(), "product", tracker) == {"product": "LCK-002"}
