"""The local Messenger page in a real headless Chromium (Debian's), against the running stack."""

from __future__ import annotations

import shutil
import uuid
from typing import Any, Callable, Iterator, Tuple

import pytest

from harness.stack import Stack

pytestmark = pytest.mark.integration

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator["object"]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def open_chat(context: Any, stack: Stack, psid: str) -> Tuple[Any, Callable[[str], None]]:
    """The chat page of ``psid`` in a new tab, and a function that types and sends a line."""
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{stack.graph_url}/?psid={psid}")

    def say(text: str) -> None:
        page.fill("#text", text)
        page.click("#send")

    return page, say


def test_shop_in_the_messenger_page(browser, stack: Stack, tmp_path) -> None:
    context = browser.new_context(viewport={"width": 480, "height": 900})
    page, say = open_chat(context, stack, f"page{uuid.uuid4().hex[:10]}")
    say("hi")
    page.wait_for_selector(".template >> text=Hi! I'm Kassa")
    say("show me your lights")
    cards = page.locator(".card")
    cards.first.wait_for()
    assert cards.count() == 4
    assert page.locator(".card .title").first.inner_text() == "Beacon Front Light"
    page.wait_for_function(
        "() => { const img = document.querySelector('.card img'); return img && img.complete && img.naturalWidth > 0; }"
    )

    cards.first.locator("button", has_text="Add to cart").click()
    page.wait_for_selector("text=Added 1 × Beacon Front Light to your cart")
    say("checkout")
    pay = page.locator("a", has_text="Pay €29.90")  # 24.95 and shipping in the Netherlands
    pay.wait_for()
    page.wait_for_selector("text=Shipping to the Netherlands with PostNL: €4.95")
    assert pay.get_attribute("href").startswith(f"{stack.paypal_url}/checkoutnow?token=")
    page.screenshot(path=str(tmp_path / "messenger-page.png"), full_page=True)
    context.close()


def test_a_dutch_customer_pays_with_ideal_in_the_messenger_page(browser, stack: Stack, tmp_path) -> None:
    """The browser's language plays the customer's Messenger locale (nl-NL): the iDEAL | Wero
    button, the bank's approval page of the PayPal sandbox, and the receipt in the chat."""
    psid = f"page{uuid.uuid4().hex[:10]}"
    stack.graph("users", psid=psid, first_name="Sanne", last_name="de Vries")
    context = browser.new_context(locale="nl-NL", viewport={"width": 480, "height": 900})
    page, say = open_chat(context, stack, psid)
    say("doe maar 2 ember achterlichten")
    page.wait_for_selector("text=Ember achterlicht")
    say("afrekenen")
    page.locator("button", has_text="iDEAL | Wero").click()
    page.wait_for_selector("text=Naar welk adres in Nederland")  # PayPal asks none for iDEAL
    say("Kerkstraat 12, 3511 LK Utrecht")
    bank_link = page.locator("a", has_text="Naar iDEAL | Wero")
    bank_link.wait_for()
    bank = context.new_page()
    bank.goto(str(bank_link.get_attribute("href")))
    assert "iDEAL" in bank.inner_text("body")
    bank.click("#pay")
    bank.wait_for_selector("text=Betaling ontvangen")
    receipt = page.locator(".receipt")
    receipt.wait_for()
    assert "Sanne de Vries · iDEAL | Wero" in receipt.inner_text()
    page.screenshot(path=str(tmp_path / "messenger-page-ideal.png"), full_page=True)
    context.close()
