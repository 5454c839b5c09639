"""The actions, run as the action server runs them: real Trackers, a
CollectingDispatcher, and PayPal calls over HTTP to the local sandbox."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List

import pytest
from rasa.shared.core.domain import Domain
from rasa_sdk import Action
from rasa_sdk.executor import CollectingDispatcher

from actions.browse import ActionShowCatalog, ActionShowProduct
from actions.cart import (
    ActionAddToCart,
    ActionChangeQuantity,
    ActionClearCart,
    ActionRemoveFromCart,
    ActionShowCart,
    ValidateAddToCartForm,
    ValidateChangeQuantityForm,
)
from actions.checkout import ActionCheckOrderStatus, ActionCheckout
from tests.conftest import Sandbox, entity, make_tracker

DOMAIN = Domain.load("domain").as_dict()


def run(action: Action, tracker) -> tuple[List[Dict[str, Any]], List[Dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, DOMAIN))
    return dispatcher.messages, events


def slots_set(events: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def test_every_response_an_action_sends_exists() -> None:
    # the same check `make validate` runs, kept here so that pytest alone catches a typo
    from scripts.validate import response_problems

    assert response_problems() == []


# --- browsing ----------------------------------------------------------------------


def test_browse_without_category_offers_categories() -> None:
    messages, _ = run(ActionShowCatalog(), make_tracker("what do you sell?", "browse_catalog"))
    assert messages[0]["response"] == "utter_categories"
    payloads = [q["payload"] for q in messages[0]["quick_replies"]]
    assert payloads[0] == '/browse_catalog{"category": "lights"}'
    assert len(payloads) == 5


def test_browse_a_category_sends_a_carousel() -> None:
    text = "show me your bike lights"
    messages, _ = run(ActionShowCatalog(), make_tracker(text, "browse_catalog", [entity("category", "lights", text)]))
    message = messages[0]
    assert message["response"] == "utter_products_in_category"
    assert message["category_name"] == "lights"
    first = message["elements"][0]
    assert first["title"] == "Beacon Front Light"
    assert first["subtitle"].startswith("€24.95")
    assert first["image_url"].endswith("lgt-001.png")
    assert [b["payload"] for b in first["buttons"]] == [
        '/add_to_cart{"product": "LGT-001"}',
        '/product_details{"product": "LGT-001"}',
    ]


def test_browse_an_unknown_category() -> None:
    text = "show me your unicycles"
    messages, _ = run(
        ActionShowCatalog(), make_tracker(text, "browse_catalog", [entity("category", "unicycles", text)])
    )
    assert messages[0]["response"] == "utter_unknown_category"
    assert messages[0]["query"] == "unicycles"
    assert len(messages[0]["quick_replies"]) == 5


def test_search_by_maximum_price() -> None:
    text = "locks cheaper than 25"
    tracker = make_tracker(text, "browse_catalog", [entity("category", "locks", text), entity("max_price", "25", text)])
    messages, _ = run(ActionShowCatalog(), tracker)
    assert [e["title"] for e in messages[0]["elements"]] == ["Coil Cable Lock"]


def test_search_without_results() -> None:
    messages, _ = run(ActionShowCatalog(), make_tracker("do you have unicorn costumes", "browse_catalog"))
    assert messages[0]["response"] == "utter_no_search_results"


def test_details_of_a_product() -> None:
    text = "tell me about the urban helmet"
    messages, events = run(
        ActionShowProduct(), make_tracker(text, "product_details", [entity("product", "HLM-001", start=18)])
    )
    message = messages[0]
    assert message["response"] == "utter_product_details"
    assert message["product_name"] == "Urban Helmet" and message["price"] == "€69.00"
    assert "Sizes: S, M, L" in message["variant_list"]
    assert message["buttons"][0]["payload"] == '/add_to_cart{"product": "HLM-001"}'
    assert slots_set(events) == {"product": None, "shown_products": ["HLM-001"], "last_product": "HLM-001"}


def test_a_typo_in_a_name_still_finds_the_product() -> None:
    messages, _ = run(
        ActionShowProduct(),
        make_tracker("tell me about the ironclat", "product_details", [entity("product", "ironclat")]),
    )
    assert messages[0]["response"] == "utter_product_details"
    assert messages[0]["product_name"] == "Ironclad U-Lock"


def test_a_kind_of_product_gets_did_you_mean_buttons() -> None:
    messages, _ = run(
        ActionShowProduct(), make_tracker("tell me about the helmet", "product_details", [entity("product", "helmet")])
    )
    assert messages[0]["response"] == "utter_unknown_product"
    assert len(messages[0]["buttons"]) == 3
    assert all(b["payload"].startswith('/product_details{"product": "HLM-') for b in messages[0]["buttons"])


# --- cart ----------------------------------------------------------------------------


def test_add_defaults_to_one() -> None:
    messages, events = run(
        ActionAddToCart(), make_tracker("add the frame bag", "add_to_cart", slots={"product": "BAG-003"})
    )
    assert slots_set(events)["cart"] == {"BAG-003": 1}
    assert messages[0]["response"] == "utter_added_to_cart"
    assert messages[0]["total"] == "€29.50"


def test_add_with_a_quantity_word() -> None:
    text = "add two ember rear lights"
    tracker = make_tracker(
        text,
        "add_to_cart",
        [entity("quantity", "two", text)],
        slots={"product": "LGT-002", "quantity": "two", "cart": {"LGT-002": 1}},
    )
    messages, events = run(ActionAddToCart(), tracker)
    assert slots_set(events) == {
        "cart": {"LGT-002": 3},
        "last_product": "LGT-002",
        "product": None,
        "quantity": None,
        "suggested_product": "LGT-001",  # the catalog's goes_with (tests/unit/actions/test_suggestions.py)
    }
    assert messages[0]["quantity"] == 2 and messages[0]["total"] == "€43.50"


@pytest.mark.parametrize(
    "text, quantity", [("add -3 mini pumps", "3"), ("add 2.5 mini pumps", "2.5"), ("add zero mini pumps", "zero")]
)
def test_invalid_quantities_leave_the_cart_unchanged(text: str, quantity: str) -> None:
    slots = {"product": "PMP-002", "quantity": quantity, "cart": {"LGT-001": 1}}
    tracker = make_tracker(text, "add_to_cart", [entity("quantity", quantity, text)], slots=slots)
    messages, events = run(ActionAddToCart(), tracker)
    assert messages[0]["response"] == "utter_invalid_quantity"
    assert "cart" not in slots_set(events)


def test_more_than_the_stock_is_refused() -> None:
    text = "add 9 trail helmets"
    tracker = make_tracker(
        text, "add_to_cart", [entity("quantity", "9", text)], slots={"product": "HLM-004", "quantity": "9"}
    )
    messages, events = run(ActionAddToCart(), tracker)
    assert messages[0]["response"] == "utter_too_many" and messages[0]["limit"] == 8
    assert "cart" not in slots_set(events)


def test_form_validation_resolves_names_and_suggests_for_unknown() -> None:
    dispatcher = CollectingDispatcher()
    form = ValidateAddToCartForm()
    tracker = make_tracker("the ember rear lights", active_loop="add_to_cart_form")
    assert form.validate_product("ember rear lights", dispatcher, tracker, DOMAIN) == {"product": "LGT-002"}
    tracker = make_tracker("a hammer", active_loop="add_to_cart_form")
    assert form.validate_product("hammer", dispatcher, tracker, DOMAIN) == {"product": None}
    assert dispatcher.messages[0]["response"] in ("utter_unknown_product", "utter_unknown_product_no_match")


def test_quantity_form_refuses_minus_three() -> None:
    dispatcher = CollectingDispatcher()
    text = "-3"
    tracker = make_tracker(text, "change_quantity", [entity("quantity", "3", start=1)], slots={"cart": {"PMP-001": 1}})
    assert ValidateChangeQuantityForm().validate_quantity("3", dispatcher, tracker, DOMAIN) == {"quantity": None}
    assert dispatcher.messages[0]["response"] == "utter_invalid_quantity"


def test_a_change_of_a_product_not_in_the_cart_adds_it() -> None:
    # "and the floor pump as well" read as a change: not in the cart yet, so it goes in
    tracker = make_tracker(
        "and the floor pump as well", "change_quantity", slots={"cart": {"LGT-001": 1}, "product": "PMP-001"}
    )
    extracted = asyncio.run(ValidateChangeQuantityForm().extract_quantity(CollectingDispatcher(), tracker, DOMAIN))
    assert extracted == {"quantity": "1"}
    tracker.slots.update(extracted)
    messages, events = run(ActionChangeQuantity(), tracker)
    assert slots_set(events)["cart"] == {"LGT-001": 1, "PMP-001": 1}
    assert messages[0]["response"] == "utter_added_to_cart"


def test_change_quantity() -> None:
    tracker = make_tracker("3", slots={"product": "PMP-001", "quantity": "3", "cart": {"PMP-001": 1, "LGT-001": 1}})
    messages, events = run(ActionChangeQuantity(), tracker)
    assert slots_set(events)["cart"] == {"PMP-001": 3, "LGT-001": 1}
    assert messages[0]["total"] == "€144.80"


def test_remove_the_only_line_without_naming_it() -> None:
    messages, events = run(
        ActionRemoveFromCart(), make_tracker("remove it", "remove_from_cart", slots={"cart": {"LGT-001": 2}})
    )
    assert slots_set(events)["cart"] == {}
    assert messages[0]["response"] == "utter_removed_from_cart"


def test_remove_asks_which_when_several_lines() -> None:
    tracker = make_tracker("remove something", "remove_from_cart", slots={"cart": {"LGT-001": 2, "PMP-001": 1}})
    messages, events = run(ActionRemoveFromCart(), tracker)
    assert messages[0]["response"] == "utter_which_product_to_remove"
    assert len(messages[0]["buttons"]) == 2
    assert "cart" not in slots_set(events)


def test_remove_a_product_not_in_the_cart() -> None:
    tracker = make_tracker(
        "remove the fold lock", "remove_from_cart", slots={"product": "LCK-004", "cart": {"LGT-001": 2, "PMP-001": 1}}
    )
    messages, events = run(ActionRemoveFromCart(), tracker)
    assert messages[0]["response"] == "utter_not_in_cart"
    assert "cart" not in slots_set(events)


def test_show_cart_with_line_totals() -> None:
    messages, _ = run(ActionShowCart(), make_tracker("cart", "view_cart", slots={"cart": {"LGT-001": 2, "PMP-001": 1}}))
    assert messages[0]["cart_lines"] == "2 × Beacon Front Light, €49.90\n1 × Floor Pump, €39.95"
    assert messages[0]["total"] == "€89.85"


def test_prices_in_the_slot_are_ignored() -> None:
    forged = {"LGT-001": 1, "price": "0.01"}
    messages, _ = run(ActionShowCart(), make_tracker("cart", "view_cart", slots={"cart": forged}))
    assert messages[0]["total"] == "€24.95"


def test_show_and_clear_an_empty_cart() -> None:
    messages, _ = run(ActionShowCart(), make_tracker("cart", "view_cart"))
    assert messages[0]["response"] == "utter_cart_empty"
    messages, events = run(ActionClearCart(), make_tracker("empty it", "clear_cart", slots={"cart": {"LGT-001": 1}}))
    assert slots_set(events)["cart"] == {}


# --- checkout against the sandbox --------------------------------------------------------


def test_checkout_refuses_an_empty_cart(actions_env: Sandbox) -> None:
    messages, events = run(ActionCheckout(), make_tracker("checkout", "checkout"))
    assert messages[0]["response"] == "utter_checkout_empty_cart"
    assert events == []
    assert actions_env.counter("calls") == 0


def test_checkout_creates_one_order_and_sends_a_pay_button(actions_env: Sandbox) -> None:
    tracker = make_tracker("checkout", "checkout", slots={"cart": {"LGT-002": 2}}, sender_id="psid-42")
    messages, events = run(ActionCheckout(), tracker)
    message = messages[0]
    assert message["response"] == "utter_checkout_ready"
    assert message["total"] == "€33.95"  # 2 × 14.50 and 4.95 shipping in the Netherlands
    assert message["shipping_line"] == "Shipping to the Netherlands with PostNL: €4.95"
    button = message["buttons"][0]
    assert button["type"] == "web_url" and button["title"] == "Pay €33.95 with PayPal"
    assert button["url"].startswith(actions_env.url + "/checkoutnow?token=")
    order = slots_set(events)["last_order"]
    assert order["amount"] == "33.95" and order["currency"] == "EUR"
    assert button["url"].endswith(order["id"])

    again, again_events = run(ActionCheckout(), tracker)
    assert slots_set(again_events)["last_order"]["id"] == order["id"]
    assert actions_env.counter("orders_created") == 1


def test_the_pay_button_fits_messengers_20_characters(actions_env: Sandbox) -> None:
    tracker = make_tracker("checkout", "checkout", slots={"cart": {"LGT-002": 2}}, input_channel="facebook")
    messages, _ = run(ActionCheckout(), tracker)
    assert messages[0]["buttons"][0]["title"] == "Pay €33.95"


def test_checkout_after_a_change_is_a_new_order(actions_env: Sandbox) -> None:
    _, first = run(ActionCheckout(), make_tracker("checkout", slots={"cart": {"LGT-002": 2}}))
    _, second = run(ActionCheckout(), make_tracker("checkout", slots={"cart": {"LGT-002": 1}}))
    assert slots_set(first)["last_order"]["id"] != slots_set(second)["last_order"]["id"]


def test_checkout_when_paypal_is_down_keeps_the_cart(actions_env: Sandbox) -> None:
    actions_env.fail_next("/v2/checkout/orders", status=500, count=10)
    messages, events = run(ActionCheckout(), make_tracker("checkout", slots={"cart": {"LGT-002": 2}}))
    assert messages[0]["response"] == "utter_payment_unavailable"
    assert events == []


def test_checkout_refused_by_paypal_says_why_and_keeps_the_cart(actions_env: Sandbox) -> None:
    actions_env.fail_next("/v2/checkout/orders", status=422)
    messages, events = run(ActionCheckout(), make_tracker("checkout", slots={"cart": {"LGT-002": 2}}))
    assert messages[0]["response"] == "utter_payment_refused"
    assert messages[0]["reason"] == "UNPROCESSABLE_ENTITY"
    assert events == []
    assert actions_env.counter("faults") == 1  # a 4xx is not retried


def test_order_status_follows_the_order(actions_env: Sandbox) -> None:
    messages, _ = run(ActionCheckOrderStatus(), make_tracker("did my payment go through?", "order_status"))
    assert messages[0]["response"] == "utter_no_order"

    _, events = run(ActionCheckout(), make_tracker("checkout", slots={"cart": {"PMP-002": 1}}))
    order = slots_set(events)["last_order"]
    status_tracker = make_tracker("did my payment go through?", "order_status", slots={"last_order": order})
    messages, _ = run(ActionCheckOrderStatus(), status_tracker)
    assert messages[0]["response"] == "utter_order_awaiting_payment"

    actions_env.approve(order["id"])
    messages, _ = run(ActionCheckOrderStatus(), status_tracker)
    assert messages[0]["response"] == "utter_order_approved"
    assert messages[0]["total"] == "€24.90" and messages[0]["order_id"] == order["id"]  # with shipping


# --- sizes and colours -------------------------------------------------------------


def test_adding_a_product_with_sizes_and_colours_asks_which_first() -> None:
    text = "add two urban helmets"
    tracker = make_tracker(
        text, "add_to_cart", [entity("quantity", "two", text)], slots={"product": "HLM-001", "quantity": "two"}
    )
    messages, events = run(ActionAddToCart(), tracker)
    assert messages[0]["response"] == "utter_ask_variant" and messages[0]["product_name"] == "Urban Helmet"
    assert [b["title"] for b in messages[0]["quick_replies"]][:2] == ["S / black", "S / white"]
    assert (
        messages[0]["quick_replies"][2]["payload"]
        == '/add_to_cart{"product": "HLM-001", "variant": "M / black", "quantity": "2"}'
    )
    assert "cart" not in slots_set(events)


def test_the_tapped_variant_goes_into_the_cart() -> None:
    payload = '/add_to_cart{"product": "HLM-001", "variant": "M / black", "quantity": "2"}'
    entities = [entity("product", "HLM-001"), entity("variant", "M / black"), entity("quantity", "2")]
    tracker = make_tracker(
        payload, "add_to_cart", entities, slots={"product": "HLM-001", "cart": {"HLM-001:L / white": 1}}
    )
    messages, events = run(ActionAddToCart(), tracker)
    assert messages[0]["response"] == "utter_added_to_cart"
    assert messages[0]["product_name"] == "Urban Helmet (M / black)" and messages[0]["total"] == "€207.00"
    assert slots_set(events)["cart"] == {"HLM-001:L / white": 1, "HLM-001:M / black": 2}


def test_a_variant_typed_with_the_product_needs_no_question() -> None:
    text = "een grote witte urban helm"
    tracker = make_tracker(
        text, "add_to_cart", [entity("product", "urban helm", text)], slots={"product": "HLM-001", "language": "nl"}
    )
    messages, events = run(ActionAddToCart(), tracker)
    assert messages[0]["product_name"] == "Urban helm (L / wit)"
    assert slots_set(events)["cart"] == {"HLM-001:L / white": 1}


def test_a_forged_variant_is_asked_again() -> None:
    payload = '/add_to_cart{"product": "HLM-001", "variant": "XXL / gold"}'
    tracker = make_tracker(payload, "add_to_cart", [entity("variant", "XXL / gold")], slots={"product": "HLM-001"})
    messages, events = run(ActionAddToCart(), tracker)
    assert messages[0]["response"] == "utter_ask_variant"
    assert "cart" not in slots_set(events)


def test_removing_a_product_in_two_sizes_asks_which() -> None:
    text = "remove the trail helmet"
    tracker = make_tracker(
        text, "remove_from_cart", slots={"product": "HLM-004", "cart": {"HLM-004:M": 1, "HLM-004:L": 1}}
    )
    messages, events = run(ActionRemoveFromCart(), tracker)
    assert messages[0]["response"] == "utter_ask_variant"
    assert [b["payload"] for b in messages[0]["quick_replies"]] == [
        '/remove_from_cart{"product": "HLM-004", "variant": "M"}',
        '/remove_from_cart{"product": "HLM-004", "variant": "L"}',
    ]
    assert "cart" not in slots_set(events)


def test_checkout_sends_the_variant_to_paypal(actions_env: Sandbox) -> None:
    from shop.paypal.client import get_client

    _, events = run(ActionCheckout(), make_tracker("checkout", slots={"cart": {"HLM-001:M / black": 1, "LGT-002": 1}}))
    order = get_client().get_order(slots_set(events)["last_order"]["id"])
    items = {item["sku"]: item["name"] for item in order["purchase_units"][0]["items"]}
    assert items == {"HLM-001:M / black": "Urban Helmet (M / black)", "LGT-002": "Ember Rear Light"}


def test_changing_the_quantity_of_a_chosen_size() -> None:
    dispatcher = CollectingDispatcher()
    cart = {"HLM-004:L": 1}
    form_tracker = make_tracker("the trail helmet", slots={"cart": cart})
    assert ValidateChangeQuantityForm().validate_product("trail mips helmet", dispatcher, form_tracker, DOMAIN) == {
        "product": "HLM-004"
    }
    text = "make it 2 trail helmets"
    tracker = make_tracker(
        text,
        "change_quantity",
        [entity("quantity", "2", text)],
        slots={"product": "HLM-004", "quantity": "2", "cart": cart},
    )
    messages, events = run(ActionChangeQuantity(), tracker)
    assert messages[0]["product_name"] == "Trail MIPS Helmet (L)"
    assert slots_set(events)["cart"] == {"HLM-004:L": 2}
