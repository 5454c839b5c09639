"""The house. The fakes check the connector, so they must not agree with it by accident: known-answer
vectors (computed with `openssl dgst -sha256 -hmac`, not with this project's code), every
Messenger limit pinned to its documented number, and sandboxes that run without Rasa."""

from __future__ import annotations

import subprocess
import sys

import pytest

from channels.messenger.inbound import signature
from channels.messenger.outbound import limits
from harness.servers import PROJECT_ROOT
from sandbox.facebook import platform as facebook

SECRET = "kassa-known-answer-secret"
BODY = b'{"object":"page","entry":[{"id":"100000000000001","time":1764374400000,"messaging":[]}]}'
# printf '%s' "$BODY" | openssl dgst -sha256 -hmac kassa-known-answer-secret
BODY_SIGNATURE = "sha256=326dce1513d6271f533e45cea47e45bee798365fd6be5a7d05b6607fa47a4759"
TOKEN = "EAAKassaKnownAnswerToken"
# printf '%s' EAAKassaKnownAnswerToken | openssl dgst -sha256 -hmac kassa-known-answer-secret
TOKEN_PROOF = "bd84d398df90a67ceb9f08bd2c388b5d58749246368512d9cf259e839b09e7a4"


def test_webhook_signature_known_answer() -> None:
    assert facebook.webhook_signature(SECRET, BODY) == BODY_SIGNATURE
    assert signature.sign(SECRET, BODY) == BODY_SIGNATURE
    assert signature.is_valid(SECRET, BODY, BODY_SIGNATURE)
    assert not signature.is_valid(SECRET, BODY, BODY_SIGNATURE.replace("sha256=3", "sha256=4"))


def test_appsecret_proof_known_answer() -> None:
    assert facebook.appsecret_proof(SECRET, TOKEN) == TOKEN_PROOF
    assert signature.appsecret_proof(SECRET, TOKEN) == TOKEN_PROOF


DOCUMENTED = {  # Messenger Platform reference, read 2026-11-28
    "TEXT_MAX": 2000,
    "QUICK_REPLIES_MAX": 13,
    "QUICK_REPLY_TITLE_MAX": 20,
    "BUTTONS_MAX": 3,
    "BUTTON_TITLE_MAX": 20,
    "BUTTON_TEMPLATE_TEXT_MAX": 640,
    "GENERIC_ELEMENTS_MAX": 10,
    "ELEMENT_TITLE_MAX": 80,
    "ELEMENT_SUBTITLE_MAX": 80,
    "PAYLOAD_MAX": 1000,
    "WEBVIEW_HEIGHT_RATIOS": ("compact", "tall", "full"),
    "MESSAGE_TAGS": ("HUMAN_AGENT",),
    "RETIRED_MESSAGE_TAGS": ("CONFIRMED_EVENT_UPDATE", "POST_PURCHASE_UPDATE", "ACCOUNT_UPDATE"),
    "SENDER_ACTIONS": ("mark_seen", "typing_on", "typing_off"),
    "PAGE_INBOX_APP_ID": "263902037430900",
}


@pytest.mark.parametrize("name", sorted(DOCUMENTED))
def test_every_messenger_limit_is_the_documented_number_in_the_connector_and_the_fake(name: str) -> None:
    assert getattr(limits, name) == DOCUMENTED[name]
    assert getattr(facebook, name) == DOCUMENTED[name]


def test_the_sandboxes_run_without_rasa() -> None:
    """The fake Messenger page and the PayPal sandbox import none of Rasa's 700 MB."""
    heavy = ("rasa", "rasa_sdk", "tensorflow", "sanic")
    code = (
        "import sys, sandbox.facebook.page, sandbox.paypal.app; "
        f"print(','.join(m for m in {heavy!r} if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""


def test_make_help_lists_every_phony_target() -> None:
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    phony = next(line for line in makefile.splitlines() if line.startswith(".PHONY:")).split(":", 1)[1].split()
    shown = subprocess.run(
        ["make", "--no-print-directory", "help"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=30
    ).stdout
    listed = {line.split()[1] for line in shown.splitlines() if line.startswith("make ")}
    assert set(phony) - listed == set()


def _pins(name: str) -> dict:
    pins = {}
    for line in (PROJECT_ROOT / name).read_text().splitlines():
        if "==" in line and not line.lstrip().startswith("#"):
            package, version = line.split("==", 1)
            pins[package.strip().lower().replace("_", "-")] = version.split()[0]
    return pins


def test_every_direct_pin_agrees_with_the_environment_constraints() -> None:
    constraints = _pins("constraints.txt")
    for requirements in ("requirements.txt", "requirements-dev.txt"):
        for package, version in _pins(requirements).items():
            assert constraints.get(package) == version, (
                f"{requirements}: {package}=={version}, constraints.txt: {constraints.get(package)}"
            )


def test_a_designer_adds_a_colour_in_data_and_the_checks_see_a_missing_one(tmp_path) -> None:
    from shop import variants

    options = tmp_path / "options.yml"
    options.write_text(
        "options:\n  black: {nl: zwart, words: [black, zwart]}\n  orange: {nl: oranje, words: [orange, oranje]}\n"
    )
    known = variants.options(options)
    assert known["orange"].words == ("orange", "oranje") and known["orange"].names == {"nl": "oranje"}
    assert variants.option_problems(["black", "orange", "purple"], options) == [
        "catalog/options.yml: option 'purple' of the catalog has no words"
    ]


def test_the_phrase_checks_catch_a_missing_translation_and_a_long_button(tmp_path) -> None:
    from shop import phrases

    table = tmp_path / "phrases.yml"
    table.write_text(
        'en:\n  go_button: "Go to {place} now please"\n  only_en: "Hello"\nnl:\n  go_button: "Ga naar {plaats}"\n'
    )
    found = phrases.problems(table)
    assert "texts/phrases.yml: only_en has no nl text" in found
    assert any("go_button uses ['place'] in en but ['plaats'] in nl" in problem for problem in found)
    assert any("go_button (en) is" in problem and "buttons take 20" in problem for problem in found)
