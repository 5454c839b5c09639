"""The PayPal client over real HTTP against the local sandbox."""

from __future__ import annotations

import json
from typing import Any, List, Tuple

import pytest
import requests

from sandbox.paypal import openapi
from shop.paypal import orders as paypal_orders
from shop.paypal.client import PayPalClient, PayPalError
from tests.conftest import Sandbox, sandbox_config
from tests.orders import order_body


def test_token_is_fetched_once_and_shared(client: PayPalClient, clean_sandbox: Sandbox) -> None:
    for index in range(3):
        client.create_order(order_body(), f"req-{index}")
    client.get_order(client.create_order(order_body(), "req-x")["id"])
    assert client.token_requests == 1
    assert clean_sandbox.counter("tokens") == 1


def test_wrong_credentials_are_a_clear_error(clean_sandbox: Sandbox) -> None:
    client = PayPalClient(sandbox_config(clean_sandbox.url, client_secret="wrong"))
    with pytest.raises(PayPalError) as error:
        client.create_order(order_body(), "req-1")
    assert error.value.status == 401
    assert error.value.name == "invalid_client"
    assert not error.value.retryable


def test_missing_credentials_fail_before_any_call(clean_sandbox: Sandbox) -> None:
    client = PayPalClient(sandbox_config(clean_sandbox.url, client_id=""))
    with pytest.raises(PayPalError, match="MISSING_CREDENTIALS"):
        client.access_token()
    assert clean_sandbox.counter("calls") == 0


def test_create_order_returns_an_approval_link(client: PayPalClient) -> None:
    order = client.create_order(order_body(), "req-1")
    assert order["status"] == "PAYER_ACTION_REQUIRED"
    assert paypal_orders.approval_link(order).endswith(f"/checkoutnow?token={order['id']}")
    assert paypal_orders.order_amount(order) == {"currency_code": "EUR", "value": "62.85"}


def test_same_request_id_gives_the_same_order(client: PayPalClient, clean_sandbox: Sandbox) -> None:
    first = client.create_order(order_body(), "same-id")
    second = client.create_order(order_body(), "same-id")
    assert first["id"] == second["id"]
    assert clean_sandbox.counter("orders_created") == 1


def test_5xx_is_retried_under_the_same_request_id(client: PayPalClient, clean_sandbox: Sandbox) -> None:
    clean_sandbox.fail_next("/v2/checkout/orders", status=500, count=2)
    order = client.create_order(order_body(), "retry-id")
    assert order["status"] == "PAYER_ACTION_REQUIRED"
    assert clean_sandbox.counter("faults") == 2
    assert clean_sandbox.counter("orders_created") == 1


def test_429_is_retried(client: PayPalClient, clean_sandbox: Sandbox) -> None:
    clean_sandbox.fail_next("/v2/checkout/orders", status=429)
    assert client.create_order(order_body(), "rate-id")["id"]


def test_a_timeout_after_paypal_did_the_work_gives_one_order(client: PayPalClient, clean_sandbox: Sandbox) -> None:
    clean_sandbox.fail_next("/v2/checkout/orders", timeout=True)
    order = client.create_order(order_body(), "slow-id")
    assert clean_sandbox.counter("timeouts") == 1
    assert clean_sandbox.counter("orders_created") == 1
    assert clean_sandbox.stats()["orders"][order["id"]] == "PAYER_ACTION_REQUIRED"


def test_retries_run_out_with_a_retryable_error(client: PayPalClient, clean_sandbox: Sandbox) -> None:
    clean_sandbox.fail_next("/v2/checkout/orders", status=503, count=5)
    with pytest.raises(PayPalError) as error:
        client.create_order(order_body(), "down-id")
    assert error.value.status == 503
    assert error.value.retryable
    assert error.value.debug_id
    assert clean_sandbox.counter("orders_created") == 0


def test_4xx_is_not_retried_and_carries_debug_id_and_issues(client: PayPalClient, clean_sandbox: Sandbox) -> None:
    body = order_body()
    body["purchase_units"][0]["amount"]["breakdown"]["item_total"]["value"] = "1.00"
    body["purchase_units"][0]["amount"]["value"] = "1.00"
    with pytest.raises(PayPalError) as error:
        client.create_order(body, "mismatch-id")
    assert error.value.status == 422
    assert error.value.name == "UNPROCESSABLE_ENTITY"
    assert error.value.issues == ["ITEM_TOTAL_MISMATCH"]
    assert error.value.debug_id
    assert clean_sandbox.counter("calls") == 2  # the token and one create, no retry


def test_an_expired_token_is_renewed_once(client: PayPalClient, clean_sandbox: Sandbox) -> None:
    client.create_order(order_body(), "a")
    client._token = "A21AA-expired-elsewhere"
    client.create_order(order_body(), "b")
    assert client.token_requests == 2


def test_capture_exactly_once(client: PayPalClient, clean_sandbox: Sandbox) -> None:
    order = client.create_order(order_body(), "cap-order")
    with pytest.raises(PayPalError) as not_yet:
        client.capture_order(order["id"], paypal_orders.capture_request_id(order["id"]))
    assert not_yet.value.issues == ["ORDER_NOT_APPROVED"]
    assert clean_sandbox.approve(order["id"]).status_code == 303
    request_id = paypal_orders.capture_request_id(order["id"])
    first = client.capture_order(order["id"], request_id)
    second = client.capture_order(order["id"], request_id)
    capture = first["purchase_units"][0]["payments"]["captures"][0]
    assert first["status"] == "COMPLETED" and capture["status"] == "COMPLETED"
    assert second["purchase_units"][0]["payments"]["captures"][0]["id"] == capture["id"]
    assert clean_sandbox.counter("captures") == 1
    with pytest.raises(PayPalError) as again:
        client.capture_order(order["id"], "another-request-id")
    assert again.value.issues == ["ORDER_ALREADY_CAPTURED"]


def test_unknown_order_is_not_found(client: PayPalClient) -> None:
    with pytest.raises(PayPalError) as error:
        client.get_order("NOSUCHORDER12345")
    assert error.value.status == 404
    assert error.value.issues == ["INVALID_RESOURCE_ID"]


def test_an_order_id_cannot_change_the_path(client: PayPalClient, clean_sandbox: Sandbox) -> None:
    with pytest.raises(PayPalError, match="INVALID_RESOURCE_ID"):
        client.get_order("../../v1/oauth2/token")
    assert clean_sandbox.counter("calls") == 0


@pytest.mark.skipif(not openapi.available(), reason=f"PayPal's OpenAPI spec not found at {openapi.spec_path()}")
def test_every_body_the_client_sends_matches_the_schema(client: PayPalClient, clean_sandbox: Sandbox) -> None:
    sent: List[Tuple[str, Any]] = []

    def record(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        request = response.request
        if request.url.startswith(clean_sandbox.url + "/v2/") and request.method == "POST":
            sent.append((request.path_url, json.loads(request.body)))

    client.session.hooks["response"].append(record)
    order = client.create_order(order_body({"HLM-001": 2, "BAG-004": 1}, language="nl"), "schema-1")
    clean_sandbox.approve(order["id"])
    client.capture_order(order["id"], paypal_orders.capture_request_id(order["id"]))
    assert [path for path, _ in sent] == ["/v2/checkout/orders", f"/v2/checkout/orders/{order['id']}/capture"]
    assert openapi.schema_errors("order_request", sent[0][1]) == []
    assert openapi.schema_errors("order_capture_request", sent[1][1]) == []
