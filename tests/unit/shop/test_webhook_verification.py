"""PayPal webhooks are verified over the bytes PayPal sent: a delivery caught from the
sandbox over HTTP verifies as it came, and fails once parsed and written again."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, Iterator, List, Tuple

import pytest
import requests

from harness.stack import wait_for
from sandbox.paypal.webhooks import raw_member
from shop.paypal.client import PayPalClient
from tests.conftest import Sandbox
from tests.orders import order_body

WEBHOOK_ID = "8PT597110X687430L"  # the sandbox's default webhook id
Delivery = Tuple[Dict[str, str], bytes]


class Catcher(BaseHTTPRequestHandler):
    """A webhook listener that keeps each delivery's headers and raw body."""

    caught: List[Delivery] = []

    def do_POST(self) -> None:  # noqa: N802  (http.server's name)
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        Catcher.caught.append(({k: v for k, v in self.headers.items()}, body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def delivery(client: PayPalClient, clean_sandbox: Sandbox) -> Iterator[Delivery]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Catcher)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Catcher.caught = []
    target = f"http://127.0.0.1:{server.server_address[1]}/webhook"
    requests.post(f"{clean_sandbox.url}/_sandbox/webhooks", json={"target_url": target}, timeout=5).raise_for_status()
    try:
        body = order_body()
        body["purchase_units"][0]["description"] = "Fietsverlichting – één set"  # not ASCII, as Dutch shops write
        order = client.create_order(body, "verify-raw")
        clean_sandbox.approve(order["id"])  # CHECKOUT.ORDER.APPROVED
        assert wait_for(lambda: Catcher.caught, 10)
        yield Catcher.caught[0]
    finally:
        requests.post(f"{clean_sandbox.url}/_sandbox/webhooks", json={"target_url": None}, timeout=5)
        server.shutdown()
        thread.join(5)


def test_a_delivery_verifies_over_its_raw_bytes(client: PayPalClient, delivery: Delivery) -> None:
    headers, body = delivery
    assert client.verify_webhook_signature(headers, body, WEBHOOK_ID)


@pytest.mark.parametrize(
    "rewrite",
    [
        lambda event: json.dumps(event).encode(),  # Python's default spacing
        lambda event: json.dumps(event, sort_keys=True, separators=(",", ":")).encode(),  # another key order
        lambda event: json.dumps(event, separators=(",", ":")).encode(),  # non-ASCII escaped
    ],
)
def test_a_re_serialised_body_fails(client: PayPalClient, delivery: Delivery, rewrite) -> None:
    headers, body = delivery
    rewritten = rewrite(json.loads(body))
    assert rewritten != body
    assert not client.verify_webhook_signature(headers, rewritten, WEBHOOK_ID)


def test_another_webhook_id_or_a_tampered_body_fails(client: PayPalClient, delivery: Delivery) -> None:
    headers, body = delivery
    assert not client.verify_webhook_signature(headers, body, "OTHERWEBHOOK1")
    assert not client.verify_webhook_signature(headers, body.replace(b'"APPROVED"', b'"COMPLETED"'), WEBHOOK_ID)


def test_a_members_raw_text_is_found_as_it_stands() -> None:
    document = '{ "a" : 1 ,"webhook_event":{"x": [1, 2.50, "é"] , "y":{}} , "z": "webhook_event"}'
    assert raw_member(document, "webhook_event") == '{"x": [1, 2.50, "é"] , "y":{}}'
    assert raw_member(document, "missing") is None and raw_member("[1]", "a") is None and raw_member("{", "a") is None
