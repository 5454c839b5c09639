"""The local Messenger page in a real headless Chromium (Debian's), against the running stack."""
from __future__ import annotations

import shutil
import uuid
from typing import Iterator

import pytest

from tests.stack import Stack

pytestmark = pytest.mark.integration

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator["object"]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def test_shop_in_the_messenger_page(browser, stack: Stack, tmp_path) -> None:
    page = browser.new_page(viewport={"width": 480, "height": 900})
    page.set_default_timeout(30_000)
    page.goto(f"{stack.graph_url}/?psid=page{uuid.uuid4().hex[:10]}")

    def say(text: str) -> None:
        page.fill("#text", text)
        page.click("#send")

    say("hi")
    page.wait_for_selector(".template >> text=Hi! I'm Kassa")
    say("show me your lights")
    cards = page.locator(".card")
    cards.first.wait_for()
    assert cards.count() == 4
    assert page.locator(".card .title").first.inner_text() == "Beacon Front Light"
    page.wait_for_function("() => { const img = document.querySelector('.card img'); return img && img.complete && img.naturalWidth > 0; }")

    cards.first.locator("button", has_text="Add to cart").click()
    page.wait_for_selector("text=Added 1 × Beacon Front Light to your cart")
    say("checkout")
    pay = page.locator("a", has_text="Pay €24.95")
    pay.wait_for()
    assert pay.get_attribute("href").startswith(f"{stack.paypal_url}/checkoutnow?token=")
    page.screenshot(path=str(tmp_path / "messenger-page.png"), full_page=True)
