"""The answers from the shop's terms and the customer's own orders, run as the action
server runs them: real Trackers, a CollectingDispatcher and a ledger of the test's own.
None of them may change the cart."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
from rasa.shared.core.domain import Domain
from rasa_sdk import Action
from rasa_sdk.executor import CollectingDispatcher

from actions.checkout import ActionCheckOrderStatus
from actions.returns import ActionStartReturn
from actions.shop_terms import (
    ActionAnswerDelivery,
    ActionAnswerPaymentMethods,
    ActionAnswerPickup,
    ActionAnswerReturns,
    ActionAnswerShipping,
    ActionAnswerWarranty,
)
from shop import ledger
from tests.conftest import make_tracker

DOMAIN = Domain.load("domain").as_dict()
HELMET = [{"sku": "HLM-001:M", "name": "Urban Helmet (M, black)", "quantity": 1, "unit_amount": "59.00"}]


def run(action: Action, tracker: Any) -> tuple[List[Dict[str, Any]], List[Dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, DOMAIN))
    return dispatcher.messages, events


@pytest.fixture
def orders(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[ledger.Ledger]:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'orders.db'}")
    ledger.reset_ledger()
    yield ledger.get_ledger()
    ledger.reset_ledger()


def paid(book: ledger.Ledger, order_id: str, conversation: str = "customer-1") -> None:
    book.record_order(order_id, conversation, HELMET, "59.00", "EUR", "CREATED", None)
    book.update(order_id, "COMPLETED", capture_id=f"CAP{order_id}")


def test_shipping_for_the_cart_leaves_the_cart_as_it_is() -> None:
    cart = {"PMP-002": 1}
    tracker = make_tracker("how much is shipping to belgium on this", "ask_shipping", slots={"cart": cart})
    messages, events = run(ActionAnswerShipping(), tracker)
    assert messages[0]["response"] == "utter_shipping_for_amount"
    assert messages[0]["country"] == "Belgium" and messages[0]["price"] == "€6.95"
    assert messages[0]["free_note"] == " Add €55.05 more and it ships free."  # 75.00 - 19.95
    assert events == []


def test_shipping_without_a_country_lists_every_zone_and_a_foreign_one_says_so() -> None:
    messages, _ = run(
        ActionAnswerShipping(), make_tracker("wat zijn de verzendkosten", "ask_shipping", slots={"language": "nl"})
    )
    assert messages[0]["response"] == "utter_shipping_costs"
    assert "België: € 6,95 met bpost, gratis vanaf € 75,00" in messages[0]["zone_lines"]
    messages, _ = run(ActionAnswerShipping(), make_tracker("do you ship to Spain?", "ask_shipping"))
    assert messages[0]["response"] == "utter_shipping_elsewhere" and messages[0]["country"] == "Spain"


def test_payment_methods_are_named_from_the_terms() -> None:
    messages, _ = run(
        ActionAnswerPaymentMethods(), make_tracker("hoe betaal ik", "ask_payment_methods", slots={"language": "nl"})
    )
    assert (
        messages[0]["methods"]
        == "PayPal, creditcard of debitcard (via PayPal), iDEAL (Nederland) en Bancontact (België)"
    )


def test_delivery_of_a_paid_order(orders: ledger.Ledger) -> None:
    paid(orders, "PAID1")
    tracker = make_tracker("when does it go out", "ask_delivery", slots={"last_order": {"id": "PAID1"}})
    messages, _ = run(ActionAnswerDelivery(), tracker)
    assert messages[0]["response"] == "utter_order_goes_out_zones" and messages[0]["order_id"] == "PAID1"
    assert "Netherlands" in messages[0]["zone_lines"] and "Belgium" in messages[0]["zone_lines"]


def test_a_return_request_checks_the_order_and_hands_over_with_a_summary(orders: ledger.Ledger) -> None:
    paid(orders, "RET1")
    tracker = make_tracker("the helmet is too big, I want to return it", "request_return")
    messages, events = run(ActionStartReturn(), tracker)
    assert messages[0]["response"] == "utter_return_started" and messages[0]["order_id"] == "RET1"
    assert messages[0]["items"] == "1 × Urban Helmet (M, black)"
    summary = messages[1]["custom"]["handover"]["summary"]
    assert summary.startswith("Return request: order RET1") and "within the return period" in summary
    assert events == []


def test_a_return_request_without_a_paid_order_explains_returns_and_keeps_the_bot(orders: ledger.Ledger) -> None:
    orders.record_order("OPEN1", "customer-1", HELMET, "59.00", "EUR", "CREATED", None)
    messages, _ = run(ActionStartReturn(), make_tracker("I want to send it back", "request_return"))
    assert [m.get("response") for m in messages] == ["utter_return_no_order", "utter_returns"]
    assert not any("handover" in (m.get("custom") or {}) for m in messages)


def test_order_status_of_a_partly_refunded_order_comes_from_the_ledger(orders: ledger.Ledger) -> None:
    paid(orders, "REF1")
    orders.record_refund("R-1", "REF1", "20.00", "EUR", "COMPLETED")
    orders.update("REF1", "PARTIALLY_REFUNDED")
    tracker = make_tracker("where is my order", "order_status", slots={"last_order": {"id": "REF1"}})
    messages, _ = run(ActionCheckOrderStatus(), tracker)
    assert messages[0]["response"] == "utter_order_refunded_partly"
    assert (messages[0]["refunded"], messages[0]["total"]) == ("€20.00", "€59.00")
    assert orders.refunded_amount("REF1") == Decimal("20.00")


def test_asking_about_returns_offers_to_start_one_only_with_a_paid_order(orders: ledger.Ledger) -> None:
    messages, _ = run(ActionAnswerReturns(), make_tracker("can I return things?", "ask_returns"))
    assert messages[0]["response"] == "utter_returns" and "quick_replies" not in messages[0]
    paid(orders, "PAID2")
    messages, _ = run(ActionAnswerReturns(), make_tracker("can I return things?", "ask_returns"))
    [button] = messages[0]["quick_replies"]
    assert button["payload"] == "/request_return" and button["title"] == "Start a return"


def test_an_unsure_terms_reading_of_a_need_or_a_detail_question_answers_that() -> None:
    need = make_tracker("something so my stuff stays dry when it pours", "ask_delivery")
    need.latest_message["intent"]["confidence"] = 0.43
    messages, _ = run(ActionAnswerDelivery(), need)
    assert messages[0]["response"] == "utter_search_results" and messages[0]["elements"]
    fits = make_tracker(
        "past hij op elke bagagedrager?", "ask_returns", slots={"language": "nl", "last_product": "BAG-001"}
    )
    fits.latest_message["intent"]["confidence"] = 0.52
    messages, _ = run(ActionAnswerReturns(), fits)
    assert messages[0]["response"] == "utter_product_detail"
    sure = make_tracker(
        "past hij op elke bagagedrager?", "ask_returns", slots={"language": "nl", "last_product": "BAG-001"}
    )
    messages, _ = run(ActionAnswerReturns(), sure)  # NLU sure of it: the returns answer
    assert messages[0]["response"] == "utter_returns"


def test_pickup_and_warranty_come_from_the_terms() -> None:
    messages, events = run(
        ActionAnswerPickup(), make_tracker("waar kan ik het ophalen", "ask_pickup", slots={"language": "nl"})
    )
    assert messages[0]["response"] == "utter_pickup" and "Oudegracht 120" in messages[0]["address"]
    assert messages[0]["hours"].splitlines()[0] == "dinsdag: 10:00 tot 18:00" and events == []
    messages, events = run(ActionAnswerWarranty(), make_tracker("is there a warranty", "ask_warranty"))
    assert messages[0]["response"] == "utter_warranty" and messages[0]["years"] == 2 and events == []


def test_a_question_read_as_an_order_asks_before_adding() -> None:
    from actions.cart import ActionAddToCart

    tracker = make_tracker(
        "what about the frame bag?",
        "add_to_cart",
        entities=[{"entity": "product", "value": "BAG-003"}],
        slots={"product": "BAG-003", "quantity": None},
    )
    messages, events = run(ActionAddToCart(), tracker)
    assert messages[0]["response"] == "utter_confirm_add"
    assert [reply["payload"] for reply in messages[0]["quick_replies"]][0].startswith(
        '/add_to_cart{"product": "BAG-003"'
    )
    assert not any(e.get("name") == "cart" for e in events)


def test_an_unsure_return_request_naming_a_product_shows_it_and_hands_nothing_over(orders: ledger.Ledger) -> None:
    paid(orders, "PAID3")
    unsure = make_tracker(
        "mag ik zo'n klein zadeltasje van jullie",
        "request_return",
        [{"entity": "product", "value": "BAG-002"}],
        slots={"language": "nl"},
    )
    unsure.latest_message["intent"]["confidence"] = 0.48  # as a retrained model read it
    messages, _ = run(ActionStartReturn(), unsure)
    assert not any("handover" in (m.get("custom") or {}) for m in messages)
    assert messages and messages[0]["response"] != "utter_return_started"
