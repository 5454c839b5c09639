"""The order ledger, the payment checks and the webhook event mapping."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from channels.paypal.merchant_api import _payment_request_fields
from cli import orders as orders_cli
from shop.catalog import load_catalog
from shop.ledger import Ledger
from shop.paypal import checks as payments
from shop.paypal.events import PAYMENT_APPROVED, PAYMENT_UPDATE, from_webhook

ITEMS = [{"sku": "LGT-002", "name": "Ember Rear Light", "quantity": 2, "unit_amount": "14.50"}]


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    return Ledger(f"sqlite:///{tmp_path / 'orders.db'}")


def paypal_order(
    order_id: str = "ORDER1", custom_id: str = "c1", value: str = "29.00", status: str = "APPROVED"
) -> dict:
    return {
        "id": order_id,
        "status": status,
        "purchase_units": [
            {
                "custom_id": custom_id,
                "amount": {"currency_code": "EUR", "value": value},
                "payments": {
                    "captures": [{"id": "CAP1", "status": "COMPLETED", "create_time": "2026-11-27T10:00:00Z"}]
                },
            }
        ],
        "payer": {"name": {"given_name": "Sam", "surname": "Buyer"}, "email_address": "sam@example.test"},
    }


def test_an_order_is_recorded_once_with_its_history(ledger: Ledger) -> None:
    first = ledger.record_order("ORDER1", "c1", ITEMS, "29.00", "EUR", "PAYER_ACTION_REQUIRED", "https://pay")
    again = ledger.record_order("ORDER1", "c2", [], "1.00", "EUR", "CREATED", None)
    assert again.conversation_id == "c1" and again.amount == "29.00" and again.items == ITEMS
    ledger.update("ORDER1", "COMPLETED", capture_id="CAP1", payer_name="Sam Buyer", payer_email="sam@example.test")
    record = ledger.order("ORDER1")
    assert [h["status"] for h in record.status_history] == ["PAYER_ACTION_REQUIRED", "COMPLETED"]
    assert record.capture_id == "CAP1" and ledger.order_by_capture("CAP1").order_id == "ORDER1"
    assert first.created_at == record.created_at


def test_exactly_one_claim_on_the_receipt(ledger: Ledger) -> None:
    ledger.record_order("ORDER1", "c1", ITEMS, "29.00", "EUR", "APPROVED", None)
    other_process = Ledger(ledger.url)
    assert [ledger.claim_receipt("ORDER1"), other_process.claim_receipt("ORDER1"), ledger.claim_receipt("ORDER1")] == [
        True,
        False,
        False,
    ]


def test_webhook_events_are_acted_on_until_done(ledger: Ledger) -> None:
    event = {"id": "WH-1", "event_type": "CHECKOUT.ORDER.APPROVED"}
    assert ledger.receive_event("WH-1", "CHECKOUT.ORDER.APPROVED", "ORDER1", event)
    assert ledger.receive_event("WH-1", "CHECKOUT.ORDER.APPROVED", "ORDER1", event)  # not done yet: act again
    assert ledger.pending_events() == [event]
    assert ledger.event_attempted("WH-1") == 1
    ledger.event_done("WH-1")
    assert not ledger.receive_event("WH-1", "CHECKOUT.ORDER.APPROVED", "ORDER1", event)
    assert ledger.pending_events() == []


def test_the_check_refuses_any_mismatch(ledger: Ledger) -> None:
    record = ledger.record_order("ORDER1", "c1", ITEMS, "29.00", "EUR", "APPROVED", None)
    payments.check_order(paypal_order(), record, "c1")
    for order, conversation in (
        (paypal_order(custom_id="c2"), "c1"),
        (paypal_order(value="1.00"), "c1"),
        (paypal_order(), "c2"),
        (paypal_order(order_id="OTHER"), "c1"),
    ):
        with pytest.raises(payments.PaymentCheckError):
            payments.check_order(order, record, conversation)


def test_receipt_fields(ledger: Ledger) -> None:
    record = ledger.record_order("ORDER1", "c1", ITEMS, "29.00", "EUR", "APPROVED", None)
    order = paypal_order()
    receipt = payments.receipt(record, order, payments.latest_capture(order), load_catalog(image_base_url="http://img"))
    assert receipt["recipient_name"] == "Sam Buyer" and receipt["order_number"] == "ORDER1"
    assert receipt["elements"] == [
        {
            "title": "Ember Rear Light",
            "quantity": 2,
            "price": 14.5,
            "currency": "EUR",
            "image_url": "http://img/lgt-002.png",
        }
    ]
    assert receipt["summary"] == {"subtotal": 29.0, "total_cost": 29.0}
    assert receipt["timestamp"] == "1795773600"  # 2026-11-27T10:00:00Z


def test_webhooks_map_to_payment_events() -> None:
    approved = from_webhook({"event_type": "CHECKOUT.ORDER.APPROVED", "resource": {"id": "ORDER1"}})
    assert (approved.intent, approved.order_id) == (PAYMENT_APPROVED, "ORDER1")
    completed = from_webhook(
        {
            "event_type": "PAYMENT.CAPTURE.COMPLETED",
            "resource": {"id": "CAP1", "supplementary_data": {"related_ids": {"order_id": "ORDER1"}}},
        }
    )
    assert (completed.intent, completed.entities) == (
        PAYMENT_UPDATE,
        {"payment_event": "COMPLETED", "order_id": "ORDER1"},
    )
    refunded = from_webhook(
        {
            "event_type": "PAYMENT.CAPTURE.REFUNDED",
            "resource": {"id": "REF1", "links": [{"rel": "up", "href": "https://x/v2/payments/captures/CAP1"}]},
        }
    )
    assert (refunded.capture_id, refunded.entities["payment_event"]) == ("CAP1", "REFUNDED")
    assert from_webhook({"event_type": "BILLING.PLAN.CREATED", "resource": {}}) is None


@pytest.mark.parametrize(
    "body, problem",
    [
        ({"conversation_id": "c", "amount": "-3", "currency": "EUR", "description": "x"}, "digits"),
        ({"conversation_id": "c", "amount": 2.5, "currency": "EUR", "description": "x"}, "not a float"),
        ({"conversation_id": "c", "amount": "2.555", "currency": "EUR", "description": "x"}, "decimals"),
        ({"conversation_id": "c", "amount": "10", "currency": "euro", "description": "x"}, "currency"),
        ({"conversation_id": "", "amount": "10", "currency": "EUR", "description": "x"}, "conversation_id"),
        ({"conversation_id": "c", "amount": "10", "currency": "EUR", "description": ""}, "description"),
    ],
)
def test_payment_requests_are_checked(body, problem) -> None:
    with pytest.raises(ValueError, match=problem):
        _payment_request_fields(body)


def test_orders_cli_lists_and_exports_csv(ledger: Ledger, tmp_path: Path, capsys) -> None:
    ledger.record_order("ORDER1", "c1", ITEMS, "29.00", "EUR", "APPROVED", None)
    ledger.update("ORDER1", "COMPLETED", payer_name="Sam Buyer")
    assert orders_cli.main(["--database-url", ledger.url]) == 0
    assert "ORDER1" in capsys.readouterr().out
    target = tmp_path / "orders.csv"
    assert orders_cli.main(["--database-url", ledger.url, "--csv", str(target)]) == 0
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    assert (
        rows[0]["order_id"] == "ORDER1"
        and rows[0]["status"] == "COMPLETED"
        and rows[0]["items"] == "2 x Ember Rear Light @ 14.50"
    )


def test_the_csv_export_cannot_carry_a_spreadsheet_formula(ledger: Ledger, tmp_path: Path) -> None:
    ledger.record_order(
        "ORDER2",
        "c1",
        ITEMS,
        "29.00",
        "EUR",
        "CREATED",
        None,
        kind="merchant_request",
        description='=HYPERLINK("http://evil.example","refund")',
    )
    ledger.update("ORDER2", "COMPLETED", payer_name="@SUM(A1:A9)", payer_email="+31 6 1234 5678")
    target = tmp_path / "orders.csv"
    assert orders_cli.main(["--database-url", ledger.url, "--csv", str(target)]) == 0
    [row] = list(csv.DictReader(io.StringIO(target.read_text())))
    assert row["description"] == '\'=HYPERLINK("http://evil.example","refund")' and row["payer_name"] == "'@SUM(A1:A9)"
    assert row["payer_email"] == "'+31 6 1234 5678" and row["amount"] == "29.00"


def test_a_receipt_line_of_a_chosen_size_keeps_its_name_and_picture(ledger: Ledger) -> None:
    from shop.cart import CartLine
    from shop.catalog import load_catalog as load

    catalog = load(image_base_url="http://img")
    items = payments.ledger_items([CartLine(catalog.product("HLM-004"), 1, "L")], "EUR", "en")
    assert items[0]["sku"] == "HLM-004:L" and items[0]["name"] == "Trail MIPS Helmet (L)"
    record = ledger.record_order("ORDER2", "c1", items, items[0]["unit_amount"], "EUR", "APPROVED", None)
    order = paypal_order(order_id="ORDER2")
    element = payments.receipt(record, order, payments.latest_capture(order), catalog)["elements"][0]
    assert element["title"] == "Trail MIPS Helmet (L)" and element["image_url"] == "http://img/hlm-004.png"
