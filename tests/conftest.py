"""Shared fixtures: a real PayPal sandbox process and clients pointed at it."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest
import requests
from rasa_sdk import Tracker

from harness.servers import start_sandbox
from shop import ledger
from shop.deployment import local_defaults
from shop.paypal import client as paypal_client
from shop.paypal.client import PayPalClient, PayPalConfig

# The sandbox's client, as the local environment gives it (local-tokens.env).
SANDBOX_CLIENT_ID = local_defaults()["PAYPAL_CLIENT_ID"]
SANDBOX_CLIENT_SECRET = local_defaults()["PAYPAL_CLIENT_SECRET"]


class Sandbox:
    """Handle on the running PayPal sandbox: its URL and its test controls."""

    def __init__(self, url: str) -> None:
        self.url = url

    def stats(self) -> Dict[str, Any]:
        return requests.get(f"{self.url}/_sandbox/stats", timeout=5).json()

    def counter(self, name: str) -> int:
        return self.stats()["counters"].get(name, 0)

    def fail_next(
        self, path_prefix: str, status: int = 500, count: int = 1, method: str = "POST", timeout: bool = False
    ) -> None:
        body = {"path_prefix": path_prefix, "status": status, "count": count, "method": method, "timeout": timeout}
        requests.post(f"{self.url}/_sandbox/faults", json=body, timeout=5).raise_for_status()

    def settings(self, **values: float) -> None:
        requests.post(f"{self.url}/_sandbox/settings", json=values, timeout=5).raise_for_status()

    def reset(self) -> None:
        requests.post(f"{self.url}/_sandbox/reset", timeout=5).raise_for_status()

    def approve(self, order_id: str) -> requests.Response:
        """What the buyer's browser does when they click Pay on the approval page."""
        return requests.post(
            f"{self.url}/checkoutnow/approve", data={"token": order_id}, allow_redirects=False, timeout=5
        )


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    # no webhook deliveries: the Makefile's SANDBOX_WEBHOOK_URL is the demo's Rasa, which a test does not own
    server, url = start_sandbox(SANDBOX_TIMEOUT_SECONDS="1.5", SANDBOX_WEBHOOK_URL="")
    yield Sandbox(url)
    server.stop()


@pytest.fixture
def clean_sandbox(sandbox: Sandbox) -> Sandbox:
    sandbox.reset()
    sandbox.settings(latency_ms=0, fault_rate=0, timeout_rate=0, timeout_seconds=1.5)
    return sandbox


def sandbox_config(url: str, **overrides: Any) -> PayPalConfig:
    values: Dict[str, Any] = dict(
        client_id=SANDBOX_CLIENT_ID,
        client_secret=SANDBOX_CLIENT_SECRET,
        base_url=url,
        public_url="http://localhost:5005",
        timeout_seconds=0.8,
        max_attempts=3,
        backoff_seconds=0.01,
    )
    values.update(overrides)
    return PayPalConfig(**values)


@pytest.fixture
def client(clean_sandbox: Sandbox) -> PayPalClient:
    return PayPalClient(sandbox_config(clean_sandbox.url))


@pytest.fixture
def actions_env(clean_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Sandbox]:
    """The environment the action server reads, pointed at the sandbox and a ledger of the test's own."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'orders.db'}")
    ledger.reset_ledger()
    monkeypatch.setenv("PAYPAL_BASE_URL", clean_sandbox.url)
    monkeypatch.setenv("PAYPAL_CLIENT_ID", SANDBOX_CLIENT_ID)
    monkeypatch.setenv("PAYPAL_CLIENT_SECRET", SANDBOX_CLIENT_SECRET)
    monkeypatch.setenv("PUBLIC_URL", "http://localhost:5005")
    monkeypatch.setenv("PAYPAL_TIMEOUT_SECONDS", "0.8")
    monkeypatch.setenv("PAYPAL_MAX_ATTEMPTS", "3")
    paypal_client.reset_client()
    yield clean_sandbox
    paypal_client.reset_client()
    ledger.reset_ledger()


def make_tracker(
    text: str = "",
    intent: str = "",
    entities: Optional[List[Dict[str, Any]]] = None,
    slots: Optional[Dict[str, Any]] = None,
    sender_id: str = "customer-1",
    active_loop: Optional[str] = None,
    input_channel: str = "rest",
) -> Tracker:
    """A real rasa_sdk Tracker as the action server receives it."""
    latest_message = {
        "text": text,
        "intent": {"name": intent, "confidence": 1.0},
        "entities": entities or [],
    }
    all_slots = {"cart": {}, "product": None, "quantity": None, "last_order": None, "paid_orders": 0, "language": "en"}
    all_slots.update(slots or {})
    return Tracker(
        sender_id=sender_id,
        slots=all_slots,
        latest_message=latest_message,
        events=[{"event": "user", "text": text, "parse_data": latest_message, "input_channel": input_channel}],
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


def entity(name: str, value: str, text: str = "", start: Optional[int] = None) -> Dict[str, Any]:
    """An entity as NLU reports it; ``text`` locates it in the message."""
    found = text.find(value) if start is None and text else start
    result: Dict[str, Any] = {"entity": name, "value": value}
    if found is not None and found >= 0:
        result.update(start=found, end=found + len(value))
    return result
