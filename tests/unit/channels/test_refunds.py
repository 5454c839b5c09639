"""Refunds: the PayPal client against the sandbox's Payments v2 refund endpoint,
and the ledger's refund rows."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from channels.paypal.merchant_api import _refund_amount
from shop.ledger import Ledger
from shop.paypal import checks as payments
from shop.paypal.client import PayPalClient, PayPalError
from tests.conftest import Sandbox
from tests.orders import order_body

ITEMS = [{"sku": "LGT-002", "name": "Ember Rear Light", "quantity": 2, "unit_amount": "14.50"}]


def captured(client: PayPalClient, sandbox: Sandbox, name: str) -> dict:
    order = client.create_order(order_body(), f"refund-{name}")
    sandbox.approve(order["id"])
    return client.capture_order(order["id"], f"refund-capture-{name}")


def capture_of(order: dict) -> dict:
    return order["purchase_units"][0]["payments"]["captures"][-1]


def test_partial_refunds_up_to_the_capture_then_refused(client: PayPalClient, clean_sandbox: Sandbox) -> None:
    order = captured(client, clean_sandbox, "partial")
    capture = capture_of(order)
    currency = capture["amount"]["currency_code"]
    first = client.refund_capture(capture["id"], "r-1", {"currency_code": currency, "value": "10.00"})
    assert first["status"] == "COMPLETED" and first["amount"]["value"] == "10.00"
    assert (
        client.refund_capture(capture["id"], "r-1", {"currency_code": currency, "value": "10.00"})["id"] == first["id"]
    )
    after = client.get_order(order["id"])
    assert capture_of(after)["status"] == "PARTIALLY_REFUNDED"
    assert [r["id"] for r in payments.refunds(after)] == [first["id"]]
    with pytest.raises(PayPalError) as exceeded:
        client.refund_capture(capture["id"], "r-2", {"currency_code": currency, "value": capture["amount"]["value"]})
    assert exceeded.value.status == 422 and "REFUND_AMOUNT_EXCEEDED" in exceeded.value.issues
    rest = client.refund_capture(capture["id"], "r-3")
    assert Decimal(rest["amount"]["value"]) == Decimal(capture["amount"]["value"]) - Decimal("10.00")
    assert capture_of(client.get_order(order["id"]))["status"] == "REFUNDED"
    with pytest.raises(PayPalError) as again:
        client.refund_capture(capture["id"], "r-4")
    assert "CAPTURE_FULLY_REFUNDED" in again.value.issues


def test_an_unknown_capture_is_404(client: PayPalClient, clean_sandbox: Sandbox) -> None:
    with pytest.raises(PayPalError) as unknown:
        client.refund_capture("NOSUCHCAPTURE1", "r-x")
    assert unknown.value.status == 404


def test_refunds_are_rows_of_their_own(tmp_path: Path) -> None:
    ledger = Ledger(f"sqlite:///{tmp_path / 'orders.db'}")
    ledger.record_order("O1", "c1", ITEMS, "29.00", "EUR", "COMPLETED", None)
    assert ledger.record_refund("R1", "O1", "5.00", "EUR", "COMPLETED")
    assert not ledger.record_refund("R1", "O1", "5.00", "EUR", "COMPLETED")
    assert ledger.record_refund("R2", "O1", "24.00", "EUR", "COMPLETED")
    assert [r["amount"] for r in ledger.refunds("O1")] == ["5.00", "24.00"] and ledger.has_refund("R2")


@pytest.mark.parametrize(
    "given, problem",
    [("1e3", "digits"), ("0", "positive"), ("30.00", "at most 29.00"), ("1.234", "decimals"), (2.5, "digits")],
)
def test_a_refund_amount_is_checked(given, problem) -> None:
    with pytest.raises(ValueError, match=problem):
        _refund_amount(given, "29.00", "EUR")


def test_a_refund_amount_is_written_as_paypal_wants_it() -> None:
    assert _refund_amount("5", "29.00", "EUR") == "5.00" and _refund_amount(None, "29.00", "EUR") is None
