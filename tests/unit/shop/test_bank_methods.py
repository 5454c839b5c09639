"""iDEAL and Bancontact: who is offered which, the Orders v2 bodies (against PayPal's
schema) and the PayPal sandbox's bank flow over HTTP."""

from __future__ import annotations

from decimal import Decimal

import pytest
import requests

from sandbox.paypal import openapi
from shop import payment_methods
from shop.payment_methods import BANCONTACT, IDEAL
from shop.paypal import checks as payments
from shop.paypal import orders as paypal_orders
from shop.paypal.client import PayPalClient, PayPalError
from tests.conftest import Sandbox
from tests.orders import order_body

needs_spec = pytest.mark.skipif(
    not openapi.available(), reason=f"PayPal's OpenAPI spec not found at {openapi.spec_path()}"
)


@pytest.mark.parametrize(
    "language, locale, total, offered",
    [
        ("nl", "nl_NL", "29.00", [IDEAL]),
        ("nl", "nl_BE", "29.00", [BANCONTACT]),
        ("en", "en_BE", "29.00", [BANCONTACT]),  # a Belgian who chats in English
        ("nl", None, "29.00", [IDEAL, BANCONTACT]),  # Dutch, country unknown
        ("en", None, "29.00", []),
        ("en", "en_GB", "29.00", []),
        ("nl", "nl_BE", "0.99", []),  # Bancontact from EUR 1.00
        ("nl", "nl_NL", "0.99", [IDEAL]),
    ],
)
def test_who_is_offered_which_bank_method(language, locale, total, offered) -> None:
    assert payment_methods.offered(language, locale, Decimal(total), "EUR") == offered


def test_bank_methods_are_eur_only_and_a_method_asked_for_by_name_needs_only_that() -> None:
    assert payment_methods.offered("nl", "nl_NL", Decimal("29.00"), "USD") == []
    assert payment_methods.allows(IDEAL, Decimal("29.00"), "EUR") and not payment_methods.allows(
        IDEAL, Decimal("29.00"), "USD"
    )
    assert not payment_methods.allows(BANCONTACT, Decimal("0.99"), "EUR")


@needs_spec
@pytest.mark.parametrize("method", [IDEAL, BANCONTACT])
def test_bank_order_bodies_match_paypals_schema(method) -> None:
    body = paypal_orders.with_bank_source(order_body(language="nl"), method, "  Sam   de Vries ")
    assert openapi.schema_errors("order_request", body) == []
    source = body["payment_source"][method.key]
    assert source["name"] == "Sam de Vries" and source["country_code"] == method.country
    assert (
        body["processing_instruction"] == "ORDER_COMPLETE_ON_PAYMENT_APPROVAL"
        and "paypal" not in body["payment_source"]
    )
    assert "user_action" not in source["experience_context"] and source["experience_context"]["return_url"].endswith(
        "/webhooks/paypal/return"
    )


def test_an_account_holder_name_too_short_is_refused_before_paypal() -> None:
    with pytest.raises(ValueError, match="3 to 300"):
        paypal_orders.with_bank_source(order_body(), IDEAL, "J")


def _approve(sandbox: Sandbox, order_id: str) -> requests.Response:
    return requests.post(
        f"{sandbox.url}/checkoutnow/approve", data={"token": order_id}, allow_redirects=False, timeout=5
    )


def test_ideal_in_the_sandbox_completes_on_approval_and_names_the_method(
    client: PayPalClient, clean_sandbox: Sandbox
) -> None:
    order = client.create_order(
        paypal_orders.with_bank_source(order_body(language="nl"), IDEAL, "Sam de Vries"), "bank-test-1"
    )
    assert order["status"] == "PAYER_ACTION_REQUIRED" and paypal_orders.approval_link(order)
    assert "iDEAL" in requests.get(paypal_orders.approval_link(order), timeout=5).text
    assert _approve(clean_sandbox, order["id"]).status_code == 303
    paid = client.get_order(order["id"])
    assert paid["status"] == "COMPLETED" and payments.latest_capture(paid)["status"] == "COMPLETED"
    assert payment_methods.method_of_order(paid) == "iDEAL | Wero" and payments.payer_name(paid) == "Sam de Vries"
    with pytest.raises(PayPalError) as captured_again:
        client.capture_order(order["id"], "bank-capture-1")
    assert "ORDER_ALREADY_CAPTURED" in captured_again.value.issues


def test_a_held_bancontact_approval_cannot_be_captured_and_can_be_reversed(
    client: PayPalClient, clean_sandbox: Sandbox
) -> None:
    order = client.create_order(
        paypal_orders.with_bank_source(order_body(language="nl"), BANCONTACT, "Lea Peeters"), "bank-test-2"
    )
    requests.post(f"{clean_sandbox.url}/_sandbox/orders/{order['id']}/bank-approval/hold", timeout=5)
    _approve(clean_sandbox, order["id"])
    assert client.get_order(order["id"])["status"] == "APPROVED"
    with pytest.raises(PayPalError) as early:
        client.capture_order(order["id"], "bank-capture-2")
    assert "ORDER_COMPLETION_IN_PROGRESS" in early.value.issues
    reversed_ = requests.post(
        f"{clean_sandbox.url}/_sandbox/orders/{order['id']}/bank-approval/reverse", timeout=5
    ).json()
    assert reversed_["status"] == "VOIDED" and payments.latest_capture(client.get_order(order["id"])) is None


@pytest.mark.parametrize(
    "change, issue",
    [
        (lambda body: body.pop("processing_instruction"), "ORDER_COMPLETE_ON_PAYMENT_APPROVAL"),
        (lambda body: body["payment_source"]["bancontact"].update(country_code="NL"), "PAYMENT_SOURCE_CANNOT_BE_USED"),
    ],
)
def test_the_sandbox_refuses_what_paypal_refuses(client: PayPalClient, clean_sandbox: Sandbox, change, issue) -> None:
    body = paypal_orders.with_bank_source(order_body(language="nl"), BANCONTACT, "Lea Peeters")
    change(body)
    with pytest.raises(PayPalError) as refused:
        client.create_order(body, f"bank-refused-{issue}")
    assert refused.value.status == 422 and issue in refused.value.issues


def test_bancontact_below_one_euro_is_refused(client: PayPalClient, clean_sandbox: Sandbox) -> None:
    body = paypal_orders.with_bank_source(order_body({"LGT-001": 1}, language="nl"), BANCONTACT, "Lea Peeters")
    unit = body["purchase_units"][0]
    for part in (unit["amount"], unit["amount"]["breakdown"]["item_total"], unit["items"][0]["unit_amount"]):
        part["value"] = "0.50"
    with pytest.raises(PayPalError) as refused:
        client.create_order(body, "bank-refused-minimum")
    assert "PAYMENT_SOURCE_CANNOT_BE_USED" in refused.value.issues


GENT = {"address_line_1": "Veldstraat 8", "admin_area_2": "Gent", "postal_code": "9000", "country_code": "BE"}


@needs_spec
def test_a_bank_order_with_the_address_typed_in_the_chat_matches_paypals_schema() -> None:
    body = paypal_orders.with_bank_source(order_body(language="nl"), BANCONTACT, "Sam de Vries")
    body = paypal_orders.with_provided_address(body, "Sam de Vries", GENT)
    assert openapi.schema_errors("order_request", body) == []
    assert body["purchase_units"][0]["shipping"] == {"name": {"full_name": "Sam de Vries"}, "address": GENT}
    context = body["payment_source"]["bancontact"]["experience_context"]
    assert context["shipping_preference"] == "SET_PROVIDED_ADDRESS"


def test_a_bank_delivery_without_an_address_is_refused_before_paypal() -> None:
    body = paypal_orders.with_bank_source(order_body(), IDEAL, "Sam de Vries")
    with pytest.raises(ValueError, match="needs the address"):
        paypal_orders.with_provided_address(body, "Sam de Vries", None)
