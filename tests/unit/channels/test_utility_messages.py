"""Utility templates and Page Inbox commands: the project's data and the shapes sent."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from channels.messenger.inbound import inbox_commands
from channels.messenger.outbound import utility_messages as utility
from sandbox.facebook.checks import check_send


def test_every_template_has_both_languages_and_declares_what_it_uses() -> None:
    templates = utility.load_templates()
    assert set(templates) == {
        "kassa_order_confirmed",
        "kassa_payment_pending",
        "kassa_payment_failed",
        "kassa_refund_issued",
        "kassa_payment_request",
        "kassa_order_shipped",
        "kassa_order_ready",
    }
    for template in templates.values():
        assert set(template.texts) == {"en_US", "nl_NL"}


def test_a_template_that_uses_an_undeclared_parameter_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.yml"
    path.write_text(
        "templates:\n  kassa_x:\n    parameters: [order_id]\n    text:\n"
        "      en_US: 'Order {{order_id}} costs {{total}}'\n      nl_NL: 'Bestelling {{order_id}}'\n"
    )
    with pytest.raises(utility.TemplateError, match="kassa_x \\(en_US\\): uses"):
        utility.load_templates(path)


def test_a_filled_template_passes_the_fake_graph_checks_and_a_missing_value_does_not() -> None:
    template = utility.load_templates()["kassa_payment_request"]
    created = utility.creation_body(template, "nl_NL", "https://shop.example")
    assert created["components"][1]["buttons"][0]["url"] == "https://shop.example/webhooks/paypal/pay/{{1}}"
    page = {("kassa_payment_request", "nl_NL"): {**created, "status": "APPROVED"}}
    message = utility.template_message(
        template, "nl", {"description": "Wiel richten", "total": "€ 45,00"}, "5O190127TN364715T"
    )
    body = {"recipient": {"id": "1"}, "messaging_type": "UTILITY", "message": message}
    assert check_send(body, page) is None
    assert check_send(body, {("kassa_payment_request", "nl_NL"): {**created, "status": "PAUSED"}})[1].endswith(
        "not approved"
    )
    without_button = {
        **body,
        "message": {"template": {**message["template"], "components": message["template"]["components"][:1]}},
    }
    assert "URL button" in check_send(without_button, page)[1]
    with pytest.raises(utility.TemplateError, match="no value for description"):
        utility.template_message(template, "nl", {"total": "€ 45,00"}, "5O190127TN364715T")


def test_a_retired_tag_is_refused_with_error_100() -> None:
    body = {
        "recipient": {"id": "1"},
        "messaging_type": "MESSAGE_TAG",
        "tag": "POST_PURCHASE_UPDATE",
        "message": {"text": "hi"},
    }
    assert check_send(body) == (100, "(#100) The message tag POST_PURCHASE_UPDATE is no longer supported")


@pytest.mark.parametrize(
    "line, amount, description",
    [
        ("#pay 45.00 Wheel truing", "45.00", "Wheel truing"),
        ("#pay 45,00 Wiel richten", "45.00", "Wiel richten"),
        ("  #betaal €12,5 nieuwe  spaken ", "12.50", "nieuwe spaken"),
        ("#PAY 7 EUR bell", "7.00", "bell"),
    ],
)
def test_pay_commands(line: str, amount: str, description: str) -> None:
    assert inbox_commands.pay_command(line, Decimal("10000")) == inbox_commands.PayCommand(Decimal(amount), description)


@pytest.mark.parametrize(
    "line, reason",
    [
        ("#pay", "no amount"),
        ("#pay 45,00,", "no amount"),
        ("#pay 1.250,00 wheel", "no amount"),
        ("#pay 45.00", "say what the payment is for"),
        ("#pay 0 wheel", "above 0"),
        ("#pay 20000 bike", "at most 10000"),
    ],
)
def test_malformed_pay_commands_say_why(line: str, reason: str) -> None:
    with pytest.raises(inbox_commands.CommandError, match=reason):
        inbox_commands.pay_command(line, Decimal("10000"))


def test_lines_that_are_no_command_are_left_alone() -> None:
    assert inbox_commands.pay_command("I'll send you a #payment link", Decimal("10000")) is None
    assert inbox_commands.pay_command("Hello, how can I help?", Decimal("10000")) is None


def test_no_code_sends_a_retired_tag() -> None:
    """Only the limits tables (the connector's, and the fake's that refuses them) may name the retired tags."""
    root = Path(__file__).resolve().parents[3]
    allowed = {root / "channels/messenger/outbound/limits.py", root / "sandbox/facebook/platform.py"}
    retired = ("CONFIRMED_EVENT_UPDATE", "POST_PURCHASE_UPDATE", "ACCOUNT_UPDATE")
    naming = [
        str(path.relative_to(root))
        for folder in ("shop", "actions", "channels", "cli", "harness", "sandbox", "scripts", "bench", "analytics")
        for path in (root / folder).rglob("*.py")
        if path not in allowed and any(t in path.read_text() for t in retired)
    ]
    assert naming == []
