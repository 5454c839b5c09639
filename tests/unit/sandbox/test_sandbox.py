"""The PayPal sandbox answers the way PayPal does: shapes, statuses, pages."""

import pytest
import requests

from sandbox.paypal import openapi
from shop.paypal import orders as paypal_orders
from shop.paypal.client import PayPalClient
from tests.conftest import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, Sandbox
from tests.orders import order_body


def _token(url: str) -> str:
    response = requests.post(
        f"{url}/v1/oauth2/token",
        auth=(SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET),
        data={"grant_type": "client_credentials"},
        timeout=5,
    )
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] > 0
    return body["access_token"]


def _post(url: str, path: str, data: str, token: str) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    return requests.post(f"{url}{path}", data=data, headers=headers, timeout=5)


def test_invalid_json_is_400_invalid_request(clean_sandbox: Sandbox) -> None:
    response = _post(clean_sandbox.url, "/v2/checkout/orders", "{not json", _token(clean_sandbox.url))
    assert response.status_code == 400
    body = response.json()
    assert (
        body["name"] == "INVALID_REQUEST"
        and body["debug_id"]
        and body["details"][0]["issue"] == "MALFORMED_REQUEST_JSON"
    )


@pytest.mark.skipif(not openapi.available(), reason=f"PayPal's OpenAPI spec not found at {openapi.spec_path()}")
def test_schema_violations_are_400_with_field_details(clean_sandbox: Sandbox) -> None:
    response = _post(clean_sandbox.url, "/v2/checkout/orders", '{"purchase_units": []}', _token(clean_sandbox.url))
    assert response.status_code == 400
    issues = {(d["field"], d["issue"]) for d in response.json()["details"]}
    assert ("/intent", "MISSING_REQUIRED_PARAMETER") in issues


def test_a_body_missing_fields_is_400_even_without_the_schema(clean_sandbox: Sandbox) -> None:
    response = _post(clean_sandbox.url, "/v2/checkout/orders", '{"purchase_units": [{}]}', _token(clean_sandbox.url))
    assert response.status_code == 400
    assert response.json()["name"] == "INVALID_REQUEST"


def test_business_rules_are_422(clean_sandbox: Sandbox) -> None:
    import json

    body = order_body()
    body["purchase_units"][0]["amount"]["value"] = "99.99"
    response = _post(clean_sandbox.url, "/v2/checkout/orders", json.dumps(body), _token(clean_sandbox.url))
    assert response.status_code == 422
    assert response.json()["details"][0]["issue"] == "AMOUNT_MISMATCH"


def test_no_token_is_401(clean_sandbox: Sandbox) -> None:
    response = requests.get(f"{clean_sandbox.url}/v2/checkout/orders/X", timeout=5)
    assert response.status_code == 401
    assert response.json()["name"] == "AUTHENTICATION_FAILURE"


def test_approval_page_pay_and_cancel(client: PayPalClient, clean_sandbox: Sandbox) -> None:
    order = client.create_order(order_body(), "page-1")
    page = requests.get(paypal_orders.approval_link(order), timeout=5)
    assert page.status_code == 200
    assert "Pay Now" in page.text and "Beacon Front Light" in page.text and "62.85 EUR" in page.text
    cancel = requests.post(
        f"{clean_sandbox.url}/checkoutnow/cancel", data={"token": order["id"]}, allow_redirects=False, timeout=5
    )
    assert cancel.headers["Location"] == f"http://localhost:5005/webhooks/paypal/cancel?token={order['id']}"
    approve = clean_sandbox.approve(order["id"])
    assert (
        approve.headers["Location"]
        == f"http://localhost:5005/webhooks/paypal/return?token={order['id']}&PayerID=KASSABUYER01"
    )
    approved = client.get_order(order["id"])
    assert approved["status"] == "APPROVED"
    assert approved["payer"]["email_address"] == "sam.buyer@example.com"
    assert (
        "already" in requests.get(paypal_orders.approval_link(order), timeout=5).text.lower()
        or approved["status"] == "APPROVED"
    )


def test_unknown_token_page_is_404(clean_sandbox: Sandbox) -> None:
    assert requests.get(f"{clean_sandbox.url}/checkoutnow?token=NOPE", timeout=5).status_code == 404
