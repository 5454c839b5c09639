"""Order bodies: totals, currency decimals, ids, and PayPal's OpenAPI schema."""

from dataclasses import replace
from decimal import Decimal

import pytest

from sandbox.paypal import openapi
from shop import cart
from shop.catalog import load_catalog
from shop.paypal import orders as paypal_orders
from tests.orders import order_body

needs_spec = pytest.mark.skipif(
    not openapi.available(), reason=f"PayPal's OpenAPI spec not found at {openapi.spec_path()} (set PAYPAL_OPENAPI_DIR)"
)


def test_item_total_is_the_sum_of_unit_amount_times_quantity() -> None:
    unit = order_body({"LGT-001": 2, "LCK-002": 1})["purchase_units"][0]
    assert unit["amount"] == {
        "currency_code": "EUR",
        "value": "62.85",
        "breakdown": {"item_total": {"currency_code": "EUR", "value": "62.85"}},
    }
    assert sum(Decimal(i["unit_amount"]["value"]) * int(i["quantity"]) for i in unit["items"]) == Decimal("62.85")
    assert unit["items"][0] == {
        "name": "Beacon Front Light",
        "sku": "LGT-001",
        "unit_amount": {"currency_code": "EUR", "value": "24.95"},
        "quantity": "2",
        "category": "PHYSICAL_GOODS",
    }
    assert unit["custom_id"] == "customer-1"


def test_experience_context_and_intent() -> None:
    body = order_body(language="nl")
    assert body["intent"] == "CAPTURE"
    context = body["payment_source"]["paypal"]["experience_context"]
    assert context == {
        "brand_name": "Kassa Bike Shop",
        "locale": "nl-NL",
        "shipping_preference": "GET_FROM_FILE",
        "user_action": "PAY_NOW",
        "return_url": "http://localhost:5005/webhooks/paypal/return",
        "cancel_url": "http://localhost:5005/webhooks/paypal/cancel",
    }
    assert body["purchase_units"][0]["items"][0]["name"] == "Beacon koplamp"


def test_zero_decimal_currency_amounts() -> None:
    lines = cart.lines({"LGT-001": 1}, load_catalog())
    context = paypal_orders.experience_context("http://x", "Shop", "en", "NO_SHIPPING")
    body = paypal_orders.order_request(lines, "JPY", "c", context)
    assert body["purchase_units"][0]["amount"]["value"] == "25"


def test_request_id_is_stable_for_the_same_cart_and_changes_otherwise() -> None:
    catalog = load_catalog()
    lines = cart.lines({"LGT-001": 1, "LGT-002": 2}, catalog)
    first = paypal_orders.checkout_request_id("c1", lines, "EUR")
    assert first == paypal_orders.checkout_request_id("c1", list(reversed(lines)), "EUR")
    assert first != paypal_orders.checkout_request_id("c1", cart.lines({"LGT-001": 1, "LGT-002": 3}, catalog), "EUR")
    assert first != paypal_orders.checkout_request_id("c2", lines, "EUR")
    assert first != paypal_orders.checkout_request_id("c1", lines, "EUR", epoch=1)
    assert len(first) <= 108


def test_a_price_change_gives_a_new_request_id() -> None:
    lines = cart.lines({"LGT-001": 1}, load_catalog())
    repriced = [replace(lines[0], product=replace(lines[0].product, price=lines[0].product.price + Decimal("5")))]
    assert paypal_orders.checkout_request_id("c1", lines, "EUR") != paypal_orders.checkout_request_id(
        "c1", repriced, "EUR"
    )


def test_bad_orders_are_refused_before_paypal() -> None:
    context = paypal_orders.experience_context("http://x", "Shop", "en", "NO_SHIPPING")
    with pytest.raises(ValueError, match="at least one line"):
        paypal_orders.order_request([], "EUR", "c", context)
    lines = cart.lines({"LGT-001": 1}, load_catalog())
    with pytest.raises(ValueError, match="custom_id"):
        paypal_orders.order_request(lines, "EUR", "x" * 128, context)


def test_approval_link_prefers_payer_action_then_approve() -> None:
    assert (
        paypal_orders.approval_link({"links": [{"rel": "self", "href": "s"}, {"rel": "payer-action", "href": "p"}]})
        == "p"
    )
    assert paypal_orders.approval_link({"links": [{"rel": "approve", "href": "a"}]}) == "a"
    assert paypal_orders.approval_link({"links": []}) is None


@needs_spec
@pytest.mark.parametrize("items", [{"LGT-001": 1}, {"LGT-001": 2, "HLM-001": 1, "PMP-004": 20}])
@pytest.mark.parametrize("language", ["en", "nl"])
def test_order_bodies_match_paypals_openapi_schema(items, language) -> None:
    assert openapi.schema_errors("order_request", order_body(items, language=language)) == []


@needs_spec
def test_the_schema_check_catches_a_broken_body() -> None:
    body = order_body()
    body["purchase_units"][0]["amount"]["value"] = "62,85"
    del body["intent"]
    issues = {(d["field"], d["issue"]) for d in openapi.schema_errors("order_request", body)}
    assert ("/intent", "MISSING_REQUIRED_PARAMETER") in issues
    assert ("/purchase_units/0/amount/value", "INVALID_PARAMETER_VALUE") in issues


def shipped_body(shipping: str, shipping_type: str) -> dict:
    lines = cart.lines({"LGT-001": 1}, load_catalog())
    context = paypal_orders.experience_context("http://x", "Shop", "en", "GET_FROM_FILE")
    return paypal_orders.order_request(
        lines, "EUR", "c", context, shipping=Decimal(shipping), shipping_type=shipping_type
    )


def test_shipping_is_its_own_part_of_the_amount() -> None:
    unit = shipped_body("4.95", "SHIPPING")["purchase_units"][0]
    assert unit["amount"] == {
        "currency_code": "EUR",
        "value": "29.90",  # 24.95 + 4.95: PayPal refuses an amount that is not the breakdown's sum
        "breakdown": {
            "item_total": {"currency_code": "EUR", "value": "24.95"},
            "shipping": {"currency_code": "EUR", "value": "4.95"},
        },
    }
    assert unit["shipping"] == {"type": "SHIPPING"}
    pickup = shipped_body("0", "PICKUP_IN_STORE")["purchase_units"][0]
    assert pickup["amount"]["value"] == "24.95" and pickup["amount"]["breakdown"]["shipping"]["value"] == "0.00"
    assert pickup["shipping"] == {"type": "PICKUP_IN_STORE"}


def test_negative_shipping_is_refused() -> None:
    with pytest.raises(ValueError, match="shipping cannot be negative"):
        shipped_body("-3", "SHIPPING")


def test_another_fulfilment_is_another_request_id() -> None:
    lines = cart.lines({"LGT-001": 1}, load_catalog())
    to_nl = paypal_orders.checkout_request_id("c", lines, "EUR", fulfilment="NL")
    assert to_nl == paypal_orders.checkout_request_id("c", lines, "EUR", fulfilment="NL")
    assert to_nl != paypal_orders.checkout_request_id("c", lines, "EUR", fulfilment="PICKUP")


@needs_spec
@pytest.mark.parametrize("shipping,shipping_type", [("4.95", "SHIPPING"), ("0", "PICKUP_IN_STORE")])
def test_bodies_with_shipping_match_paypals_openapi_schema(shipping: str, shipping_type: str) -> None:
    assert openapi.schema_errors("order_request", shipped_body(shipping, shipping_type)) == []
