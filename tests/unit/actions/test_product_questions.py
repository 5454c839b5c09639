"""Questions about a product's details, through the browse actions as the action server runs them."""

from __future__ import annotations

from typing import Any, Dict, Optional

from actions.browse import ActionAnswerOutOfScope, ActionShowCatalog, ActionShowProduct
from tests.conftest import make_tracker
from tests.unit.actions.test_actions import run, slots_set


def ask(action: Any, text: str, intent: str, slots: Optional[Dict[str, Any]] = None):
    messages, events = run(action, make_tracker(text, intent, slots=slots))
    assert "cart" not in slots_set(events)
    return messages, slots_set(events)


def test_a_detail_of_the_product_named() -> None:
    messages, slots = ask(ActionShowProduct(), "how heavy is the fold lock?", "product_details")
    assert messages[0]["response"] == "utter_product_detail"
    assert messages[0]["detail_lines"] == "Weight: 1.1 kg"
    assert slots["last_product"] == "LCK-004"


def test_a_detail_of_the_product_in_focus_in_dutch() -> None:
    messages, _ = ask(
        ActionAnswerOutOfScope(), "is die waterdicht?", "out_of_scope", {"last_product": "BAG-001", "language": "nl"}
    )
    assert messages[0]["product_name"] == "Commuter fietstas"
    assert messages[0]["detail_lines"].startswith("Waterdicht: volledig waterdicht")


def test_a_detail_the_catalog_lacks_is_not_guessed() -> None:
    messages, _ = ask(ActionShowProduct(), "is the fold lock waterproof", "product_details")
    assert [m["response"] for m in messages] == ["utter_detail_unknown"]


def test_a_detail_word_beside_a_kind_is_a_search() -> None:
    # with the Fold Lock in focus, so that reading it as a detail question would answer about the lock
    messages, slots = ask(
        ActionShowCatalog(), "do you have a waterproof bag?", "browse_catalog", {"last_product": "LCK-004"}
    )
    assert messages[0]["response"] != "utter_product_detail"
    assert "BAG-001" in slots["shown_products"]


def test_the_details_card_lists_the_details() -> None:
    messages, _ = ask(ActionShowProduct(), "tell me about the ironclad u-lock", "product_details")
    assert "Security: level 9 of 10\n" in messages[0]["detail_lines"]


def test_two_products_side_by_side() -> None:
    messages, slots = ask(
        ActionShowProduct(), "what is the difference between the U-lock and the chain lock?", "product_details"
    )
    assert messages[0]["response"] == "utter_comparison"
    lines = messages[0]["comparison"].split("\n")
    assert lines[0] == "Ironclad U-Lock · Guardian Chain Lock"
    assert "Price: €49.00 · €64.50" in lines and "Security: level 9 of 10 · level 8 of 10" in lines
    assert slots["shown_products"] == ["LCK-001", "LCK-003"]


def test_a_comparison_in_dutch_says_what_is_not_known() -> None:
    messages, _ = ask(
        ActionShowCatalog(), "vergelijk het zadeltasje met de frametas", "browse_catalog", {"language": "nl"}
    )
    lines = messages[0]["comparison"].split("\n")
    assert lines[0] == "Zadeltasje · Frametas"
    assert "Waterdicht: waterafstotend, niet waterdicht · onbekend" in lines


def test_a_comparison_with_numbers_is_not_taken_as_an_order() -> None:
    _, slots = ask(ActionShowCatalog(), "compare two fold locks and one guardian chain lock", "browse_catalog")
    assert slots["shown_products"] == ["LCK-004", "LCK-003"]


def test_a_detail_question_read_as_an_order_is_answered_and_adds_nothing() -> None:
    from actions.cart import ActionAddToCart

    messages, slots = ask(
        ActionAddToCart(), "does the mini pump work with presta valves?", "add_to_cart", {"product": "PMP-002"}
    )
    assert messages[0]["response"] == "utter_product_detail" and "Presta" in messages[0]["detail_lines"]


def test_a_polite_order_with_a_question_mark_still_orders() -> None:
    from actions.cart import ActionAddToCart

    messages, events = run(
        ActionAddToCart(), make_tracker("could I have the mini pump?", "add_to_cart", slots={"product": "PMP-002"})
    )
    assert slots_set(events)["cart"] == {"PMP-002": 1}


def test_a_detail_question_read_as_help_is_answered() -> None:
    from actions.browse import ActionAnswerHelp

    messages, _ = ask(
        ActionAnswerHelp(), "past hij op elke bagagedrager?", "help", {"last_product": "BAG-001", "language": "nl"}
    )
    assert messages[0]["response"] == "utter_product_detail" and "8 tot 16 mm" in messages[0]["detail_lines"]
    messages, _ = ask(ActionAnswerHelp(), "what can you do for me", "help")
    assert [m["response"] for m in messages] == ["utter_help"]
