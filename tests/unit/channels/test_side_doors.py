"""The checks behind the side doors: secrets, local defaults, payment events,
cancels, merchant payment requests (the attacks over HTTP are in
tests/integration/test_attacks.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from actions.payment import from_payment_channel
from channels.paypal.merchant_api import _idempotency_key, _payment_request_fields
from channels.request_limits import ClientLimits
from channels.secrets import bearer_token, same_secret
from shop.deployment import LocalSecretInPublic, check_deployment, is_local, local_defaults
from shop.ledger import IdempotencyConflict, Ledger
from tests.conftest import make_tracker

ITEMS = [{"sku": "LGT-002", "name": "Ember Rear Light", "quantity": 2, "unit_amount": "14.50"}]


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    return Ledger(f"sqlite:///{tmp_path / 'orders.db'}")


# --- secrets -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("given", ["tökén", "ünïcode-😀", "", "kassa", None])
def test_a_wrong_secret_is_refused_whatever_its_characters(given) -> None:
    assert same_secret(given, "kassa-token") is False


def test_the_right_secret_matches_also_when_it_is_not_ascii() -> None:
    assert same_secret("kassa-token", "kassa-token") and same_secret("sleutel-ë", "sleutel-ë")


def test_an_unset_secret_matches_nothing() -> None:
    assert same_secret("", "") is False and same_secret("x", None) is False


def test_only_a_bearer_header_gives_a_token() -> None:
    assert bearer_token("Bearer abc") == "abc"
    assert bearer_token("Basic abc") is None and bearer_token(None) is None


# --- local defaults ------------------------------------------------------------------------------------


def test_local_tokens_are_read_from_local_tokens_env() -> None:
    defaults = local_defaults()
    assert defaults["MERCHANT_API_TOKEN"] == "kassa-local-merchant-token" and "REST_API_TOKEN" in defaults


@pytest.mark.parametrize(
    "url, local",
    [
        ("http://localhost:5005", True),
        ("http://127.0.0.1:9000", True),
        (None, True),
        ("https://shop.example.com", False),
        ("https://localhost.example.com", False),
    ],
)
def test_what_counts_as_local(url, local) -> None:
    assert is_local(url) is local


def test_a_public_shop_with_a_local_token_refuses_to_start() -> None:
    with pytest.raises(LocalSecretInPublic, match="MERCHANT_API_TOKEN"):
        check_deployment({"PUBLIC_URL": "https://shop.example.com", "MERCHANT_API_TOKEN": "kassa-local-merchant-token"})
    with pytest.raises(LocalSecretInPublic, match="FB_APP_SECRET"):  # a local value under another name
        check_deployment({"PUBLIC_URL": "https://shop.example.com", "FB_APP_SECRET": "kassa-local-rest-token"})


def test_a_public_shop_with_its_own_tokens_and_a_local_shop_start() -> None:
    check_deployment({"PUBLIC_URL": "https://shop.example.com", "MERCHANT_API_TOKEN": "4f1c-real"})
    check_deployment({"PUBLIC_URL": "http://localhost:5005", "MERCHANT_API_TOKEN": "kassa-local-merchant-token"})


# --- payment events only from the paypal channel -----------------------------------------------------------


def external(intent: str) -> dict:
    return {
        "text": f"EXTERNAL: {intent}",
        "intent": {"name": intent, "confidence": 1.0},
        "entities": [],
        "metadata": {"is_external": True},
    }


def test_an_external_payment_event_is_accepted() -> None:
    tracker = make_tracker()
    tracker.latest_message = external("payment_approved")
    assert from_payment_channel(tracker)


@pytest.mark.parametrize(
    "message",
    [
        {
            "text": '/payment_update{"order_id": "O1", "payment_event": "REFUNDED"}',
            "intent": {"name": "payment_update"},
            "metadata": {"is_external": True},
        },
        {"text": "EXTERNAL: payment_update", "intent": {"name": "payment_update"}, "metadata": {}},
        {"text": "EXTERNAL: greet", "intent": {"name": "greet"}, "metadata": {"is_external": True}},
        {
            "text": "EXTERNAL: payment_cancelled",
            "intent": {"name": "payment_update"},
            "metadata": {"is_external": True},
        },
    ],
)
def test_typed_or_forged_payment_events_are_refused(message) -> None:
    tracker = make_tracker()
    tracker.latest_message = message
    assert not from_payment_channel(tracker)


# --- cancel never goes backwards; the same checkout after a cancel is open again ---------------------------


def test_a_cancel_moves_only_an_open_order_and_only_once(ledger: Ledger) -> None:
    ledger.record_order("O1", "c1", ITEMS, "29.00", "EUR", "PAYER_ACTION_REQUIRED", "https://pay")
    assert ledger.move("O1", "CANCELLED", ("CREATED", "PAYER_ACTION_REQUIRED"))
    assert not ledger.move("O1", "CANCELLED", ("CREATED", "PAYER_ACTION_REQUIRED"))
    ledger.record_order("O2", "c1", ITEMS, "29.00", "EUR", "CREATED", "https://pay")
    ledger.update("O2", "COMPLETED")
    assert not ledger.move("O2", "CANCELLED", ("CREATED", "PAYER_ACTION_REQUIRED"))
    assert ledger.order("O2").status == "COMPLETED"


def test_the_same_order_recorded_open_after_a_cancel_is_open_again(ledger: Ledger) -> None:
    ledger.record_order("O1", "c1", ITEMS, "29.00", "EUR", "PAYER_ACTION_REQUIRED", "https://pay")
    ledger.move("O1", "CANCELLED", ("PAYER_ACTION_REQUIRED",))
    again = ledger.record_order("O1", "c1", ITEMS, "29.00", "EUR", "PAYER_ACTION_REQUIRED", "https://pay")
    assert again.status == "PAYER_ACTION_REQUIRED"
    assert [h["status"] for h in again.status_history] == [
        "PAYER_ACTION_REQUIRED",
        "CANCELLED",
        "PAYER_ACTION_REQUIRED",
    ]


# --- merchant payment requests --------------------------------------------------------------------------------


BODY = {"conversation_id": "c", "amount": "10.00", "currency": "EUR", "description": "Wheel truing"}


@pytest.mark.parametrize(
    "amount, problem",
    [
        ("1e30", "digits"),
        ("1E2", "digits"),
        ("NaN", "digits"),
        ("12,50", "digits"),
        (" ", "digits"),
        ("10000.01", "at most 10000"),
        ("0", "positive"),
        ("-3", "digits"),
        ("1.234", "decimals"),
    ],
)
def test_payment_request_amounts_are_plain_positive_and_sane(amount, problem) -> None:
    with pytest.raises(ValueError, match=problem):
        _payment_request_fields({**BODY, "amount": amount})


def test_a_sane_payment_request_passes() -> None:
    assert _payment_request_fields(BODY)[1:3] == (pytest.approx(10), "EUR")


@pytest.mark.parametrize("key", ["", "a" * 256, "key with spaces", "sleutel-ë"])
def test_idempotency_keys_are_checked_not_truncated(key) -> None:
    with pytest.raises(ValueError, match="Idempotency-Key"):
        _idempotency_key(key)


def test_an_idempotency_key_is_bound_to_its_body(ledger: Ledger) -> None:
    assert ledger.claim_merchant_key("k1", "hash-a") is None
    assert ledger.merchant_key_done("k1", "O1") and not ledger.merchant_key_done("k1", "O2")
    assert ledger.claim_merchant_key("k1", "hash-a") == "O1"
    with pytest.raises(IdempotencyConflict):
        ledger.claim_merchant_key("k1", "hash-b")


# --- limits per client ------------------------------------------------------------------------------------------------


class Peer:
    """What ClientLimits reads of a Sanic request: the client's address."""

    def __init__(self, address: str) -> None:
        self.remote_addr = ""
        self.ip = address


def test_a_client_over_its_rate_is_refused_and_others_are_not() -> None:
    limits = ClientLimits("3/minute", "2/minute")
    answers = [limits.refuse(Peer("10.0.0.1"), "webhook") for _ in range(4)]
    assert answers[:3] == [None, None, None] and answers[3].status == 429
    assert limits.refuse(Peer("10.0.0.2"), "webhook") is None
    assert limits.refuse(Peer("10.0.0.1"), "verify") is None  # another endpoint, another window


def test_failed_proofs_close_the_door_before_the_rate_does() -> None:
    limits = ClientLimits("100/minute", "2/minute")
    for _ in range(2):
        assert limits.refuse(Peer("10.0.0.3"), "webhook") is None
        limits.failed(Peer("10.0.0.3"), "webhook")
    assert limits.refuse(Peer("10.0.0.3"), "webhook").status == 429


# --- one working pay button per cart -----------------------------------------------------------------------------------


def test_a_newer_checkout_supersedes_older_open_and_cancelled_cart_orders(ledger: Ledger) -> None:
    ledger.record_order("O1", "c1", ITEMS, "29.00", "EUR", "PAYER_ACTION_REQUIRED", "https://pay/1")
    ledger.record_order("O2", "c1", ITEMS, "29.00", "EUR", "PAYER_ACTION_REQUIRED", "https://pay/2")
    ledger.move("O2", "CANCELLED", ("PAYER_ACTION_REQUIRED",))
    ledger.record_order("PAID", "c1", ITEMS, "29.00", "EUR", "COMPLETED", None)
    ledger.record_order(
        "REQ", "c1", ITEMS, "45.00", "EUR", "PAYER_ACTION_REQUIRED", "https://pay/r", kind="merchant_request"
    )
    ledger.record_order("OTHER", "c2", ITEMS, "29.00", "EUR", "PAYER_ACTION_REQUIRED", "https://pay/o")
    ledger.record_order("O3", "c1", ITEMS, "34.00", "EUR", "PAYER_ACTION_REQUIRED", "https://pay/3")
    assert sorted(ledger.supersede_open_orders("c1", newest="O3")) == ["O1", "O2"]
    statuses = {r.order_id: r.status for r in ledger.orders()}
    assert statuses == {
        "O1": "SUPERSEDED",
        "O2": "SUPERSEDED",
        "PAID": "COMPLETED",
        "REQ": "PAYER_ACTION_REQUIRED",
        "OTHER": "PAYER_ACTION_REQUIRED",
        "O3": "PAYER_ACTION_REQUIRED",
    }
    assert ledger.latest_open_order("c1").order_id == "O3"


# --- webhook events: dead letters, and telling once ----------------------------------------------------------------------


def test_a_dead_event_is_neither_resumed_nor_taken_again_and_is_listed(ledger: Ledger, capsys) -> None:
    from cli import orders as orders_cli

    body = {"id": "WH-1", "event_type": "PAYMENT.CAPTURE.COMPLETED"}
    assert ledger.receive_event("WH-1", "PAYMENT.CAPTURE.COMPLETED", "O1", body)
    assert ledger.receive_event("WH-1", "PAYMENT.CAPTURE.COMPLETED", "O1", body)  # still in hand: redelivery is taken
    assert ledger.event_attempted("WH-1") == 1
    ledger.event_dead("WH-1")
    assert ledger.pending_events() == [] and not ledger.receive_event("WH-1", "PAYMENT.CAPTURE.COMPLETED", "O1", body)
    assert ledger.event_state("WH-1")["status"] == "dead"
    assert orders_cli.main(["--database-url", ledger.url]) == 0
    assert "WH-1" in capsys.readouterr().out


def test_a_notice_is_claimed_once_per_order(ledger: Ledger) -> None:
    assert ledger.claim_notice("O1", "processing") and not ledger.claim_notice("O1", "processing")
    assert ledger.claim_notice("O2", "processing")


def test_the_checkout_epoch_counts_captured_and_declined_cart_orders_from_the_ledger(ledger: Ledger) -> None:
    assert ledger.checkout_epoch("c1") == 0
    ledger.record_order("O1", "c1", ITEMS, "29.00", "EUR", "COMPLETED", None)
    ledger.record_order("O2", "c1", ITEMS, "29.00", "EUR", "DECLINED", None)
    ledger.record_order("O3", "c1", ITEMS, "29.00", "EUR", "PAYER_ACTION_REQUIRED", "https://pay")
    ledger.record_order("R1", "c1", ITEMS, "45.00", "EUR", "COMPLETED", None, kind="merchant_request")
    ledger.record_order("X1", "c2", ITEMS, "29.00", "EUR", "COMPLETED", None)
    assert ledger.checkout_epoch("c1") == 2


# --- receipts at least once ------------------------------------------------------------------------------------------------


def test_a_receipt_not_delivered_is_claimed_again_after_its_pause_and_never_after_delivery(ledger: Ledger) -> None:
    ledger.record_order("O1", "c1", ITEMS, "29.00", "EUR", "COMPLETED", None)
    assert ledger.claim_receipt("O1", first_retry_seconds=3600)
    assert not ledger.claim_receipt("O1", first_retry_seconds=3600)  # another sender, within the pause
    assert ledger.receipts_due() == []
    ledger.record_order("O2", "c1", ITEMS, "29.00", "EUR", "COMPLETED", None)
    assert ledger.claim_receipt("O2", first_retry_seconds=0)
    assert [r.order_id for r in ledger.receipts_due()] == ["O2"]
    assert ledger.claim_receipt("O2", first_retry_seconds=0)  # tried again: the first send was refused
    assert ledger.receipt_delivered("O2") and not ledger.receipt_delivered("O2")
    assert not ledger.claim_receipt("O2", first_retry_seconds=0) and ledger.receipts_due() == []
