"""Run the conversation tests over the Messenger door and report task success.

Each conversation is one new customer (a fresh PSID) talking to the whole local
stack: signed webhooks into Rasa's Messenger connector, the fake Graph API
recording what the bot sends, the action server and the PayPal sandbox. A tap
sends the payload of the button the bot really sent; "pay" clicks Pay Now on
the sandbox's approval page and follows PayPal's redirect back to the shop.
"""

from __future__ import annotations

import concurrent.futures
import json
import re
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional
from urllib.parse import parse_qs, urlsplit

import requests

from harness.stack import APP_SECRET, MERCHANT_TOKEN, Stack
from sandbox.facebook import webhooks
from shop import cart as cart_rules
from shop import money
from shop.catalog import load_catalog
from shop.paypal.intents import ORDER_SHIPPED, PAYMENT_APPROVED
from tests.conversations.format import Conversation, Step

TURN_SECONDS = 60.0
POLL_SECONDS = 0.15


class StepFailed(AssertionError):
    pass


@dataclass
class Outcome:
    conversation: Conversation
    failure: Optional[str] = None
    seconds: float = 0.0
    # the first step after which the cart held a product the conversation never asks for
    unasked: Optional[str] = None

    @property
    def ok(self) -> bool:
        return self.failure is None


@dataclass
class Customer:
    """One customer's side of a conversation: what they send and what they received."""

    stack: Stack
    psid: str
    user_turns: int = 0
    users_seen: int = 0  # the user events of the tracker already read by a finished step
    seen_seq: int = 0
    history: List[Dict[str, Any]] = field(default_factory=list)

    # --- sending ------------------------------------------------------------------
    def deliver(self, event: Dict[str, Any]) -> None:
        raw, headers = webhooks.signed(webhooks.delivery(event), APP_SECRET)
        answer = requests.post(self.stack.webhook_url, data=raw, headers=headers, timeout=10)
        if answer.status_code != 200:
            raise StepFailed(f"the webhook answered {answer.status_code}")
        self.user_turns += 1

    def say(self, text: str) -> List[Dict[str, Any]]:
        self.deliver(webhooks.text_event(self.psid, text))
        return self.finish_turn(text)

    def tap(self, title: str, card: Optional[str]) -> List[Dict[str, Any]]:
        kind, payload = self.find_button(title, card)
        if kind == "quick_reply":
            self.deliver(webhooks.quick_reply_event(self.psid, title, payload))
        else:
            self.deliver(webhooks.postback_event(self.psid, title, payload))
        return self.finish_turn(payload)

    def pay(self, ship_to: Optional[str] = None) -> List[Dict[str, Any]]:
        """Pay Now on the sandbox's approval page, shipping to the buyer's address in
        ``ship_to`` (a country code) where the page asks for one."""
        url = self.pay_link(self.history)
        if url is None:
            raise StepFailed("there is no pay button to click")
        token = parse_qs(urlsplit(url).query)["token"][0]
        form = {"token": token, **({"ship_to": ship_to} if ship_to else {})}
        approval = requests.post(
            f"{self.stack.paypal_url}/checkoutnow/approve", data=form, allow_redirects=False, timeout=10
        )
        if approval.status_code not in (302, 303):
            raise StepFailed(f"the sandbox's approval answered {approval.status_code}")
        back = requests.get(approval.headers["Location"], timeout=30)
        if back.status_code != 200:
            raise StepFailed(f"PayPal's return to the shop answered {back.status_code}")
        self.user_turns += 1  # the paypal channel hands the conversation a payment event
        return self.finish_turn(f"EXTERNAL: {PAYMENT_APPROVED}", token)

    def ship(self, tracking_number: str) -> List[Dict[str, Any]]:
        """The merchant marks the order last paid shipped (or, with "ready", ready for
        pickup) through the merchant API; the paypal channel tells the conversation."""
        url = self.pay_link(self.history)
        if url is None:
            raise StepFailed("there is no paid order to ship")
        order_id = parse_qs(urlsplit(url).query)["token"][0]
        shipment = {"order_id": order_id}
        if tracking_number != "ready":
            shipment.update(carrier="POSTNL", tracking_number=tracking_number)
        answer = requests.post(
            f"{self.stack.rasa_url}/webhooks/paypal/shipments",
            json=shipment,
            headers={"Authorization": f"Bearer {MERCHANT_TOKEN}"},
            timeout=30,
        )
        if answer.status_code != 201:
            raise StepFailed(f"the merchant API answered {answer.status_code}: {answer.text[:200]}")
        self.user_turns += 1  # the paypal channel hands the conversation the shipped event
        return self.finish_turn(f"EXTERNAL: {ORDER_SHIPPED}", order_id)

    # --- reading ----------------------------------------------------------------------
    def finish_turn(self, sent: Optional[str] = None, order_id: Optional[str] = None) -> List[Dict[str, Any]]:
        """Wait until Rasa saved the turn (its replies were sent before that), then the new
        messages. With ``sent``, the turn is the one of that message (with ``order_id``:
        the event about that order): a payment's second event (its webhook) may have made
        a turn of its own since the last step."""
        deadline = time.monotonic() + TURN_SECONDS
        while True:
            events = self.stack.tracker(self.psid).get("events", [])
            users = [e for e in events if e["event"] == "user"]
            mine = sent is None or any(
                e.get("text") == sent and (order_id is None or order_id in json.dumps(e.get("parse_data") or {}))
                for e in users[self.users_seen :]
            )
            if (
                len(users) >= self.user_turns
                and mine
                and events[-1]["event"] == "action"
                and events[-1]["name"] == "action_listen"
            ):
                self.users_seen = len(users)
                break
            if time.monotonic() > deadline:
                raise StepFailed(f"the turn did not finish within {TURN_SECONDS:.0f}s")
            time.sleep(POLL_SECONDS)
        new = [r for r in self.stack.records(self.psid) if r["seq"] > self.seen_seq]
        if new:
            self.seen_seq = max(r["seq"] for r in new)
        self.history += new
        return new

    def find_button(self, title: str, card: Optional[str]) -> tuple[str, str]:
        wanted = title.strip().lower()
        for record in reversed(self.history):
            message = record.get("message") or {}
            for reply in message.get("quick_replies") or []:
                if reply.get("title", "").lower() == wanted:
                    return "quick_reply", reply["payload"]
            payload = (message.get("attachment") or {}).get("payload") or {}
            for element in payload.get("elements") or []:
                if card and card.strip().lower() not in element.get("title", "").lower():
                    continue
                for button in element.get("buttons") or []:
                    if button.get("title", "").lower() == wanted and button.get("type") == "postback":
                        return "postback", button["payload"]
            on_card = not card or card.strip().lower() in (payload.get("text") or "").lower()  # a product's details
            for button in payload.get("buttons") or []:
                if on_card and button.get("title", "").lower() == wanted and button.get("type") == "postback":
                    return "postback", button["payload"]
        raise StepFailed(
            f"no button or quick reply '{title}'" + (f" on the card '{card}'" if card else "") + " was sent"
        )

    @staticmethod
    def pay_link(records: List[Dict[str, Any]]) -> Optional[str]:
        for button in reversed(list(_buttons(records))):
            if button.get("type") == "web_url" and "checkoutnow" in button.get("url", ""):
                return button["url"]
        return None


def _messages(records: List[Dict[str, Any]]) -> Iterator[Dict[str, Any]]:
    return (r["message"] for r in records if r["kind"] == "message")


def _buttons(records: List[Dict[str, Any]]) -> Iterator[Dict[str, Any]]:
    for message in _messages(records):
        payload = (message.get("attachment") or {}).get("payload") or {}
        yield from payload.get("buttons") or []
        for element in payload.get("elements") or []:
            yield from element.get("buttons") or []


def shown_skus(records: List[Dict[str, Any]]) -> List[str]:
    """The products whose cards (carousel or details) were shown, from their buttons' payloads."""
    found: List[str] = []
    for button in _buttons(records):
        payload = button.get("payload") or ""
        if button.get("type") == "postback" and payload.startswith(("/add_to_cart{", "/product_details{")):
            sku = json.loads(payload[payload.index("{") :]).get("product")
            if sku and sku not in found:
                found.append(sku)
    return found


def reply_text(records: List[Dict[str, Any]]) -> str:
    parts: List[str] = []
    for message in _messages(records):
        parts.append(message.get("text") or "")
        payload = (message.get("attachment") or {}).get("payload") or {}
        parts.append(payload.get("text") or "")
        parts += [e.get("title", "") + " " + e.get("subtitle", "") for e in payload.get("elements") or []]
    return "\n".join(p for p in parts if p)


# --- expectations ---------------------------------------------------------------------

CATALOG = load_catalog()


def _cart(tracker: Dict[str, Any]) -> Dict[str, int]:
    return cart_rules.from_slot((tracker.get("slots") or {}).get("cart"))


def check(expect: Dict[str, Any], records: List[Dict[str, Any]], tracker: Dict[str, Any]) -> None:
    slots = tracker.get("slots") or {}
    cart = _cart(tracker)
    language = slots.get("language") or "en"
    for name, wanted in expect.items():
        if name == "cart":
            wanted_cart = {str(k): int(v) for k, v in (wanted or {}).items()}
            if cart != wanted_cart:
                raise StepFailed(f"cart {wanted_cart}, got {cart}")
        elif name == "cart_includes":
            missing = {str(k): int(v) for k, v in wanted.items() if cart.get(str(k)) != int(v)}
            if missing:
                raise StepFailed(f"cart lines {missing}, got {cart}")
        elif name == "total":
            total = cart_rules.total(cart_rules.lines(cart, CATALOG))
            if total != Decimal(str(wanted)):
                raise StepFailed(f"total {wanted}, got {total}")
        elif name in ("shown", "shown_only"):
            shown = shown_skus(records)
            wanted_skus = [str(s) for s in wanted]
            if (name == "shown" and not set(wanted_skus) <= set(shown)) or (
                name == "shown_only" and set(wanted_skus) != set(shown)
            ):
                raise StepFailed(f"{name} {wanted_skus}, the cards shown were {shown}")
        elif name == "shown_first":
            shown, wanted_skus = shown_skus(records), [str(s) for s in wanted]
            if shown[: len(wanted_skus)] != wanted_skus:
                raise StepFailed(f"shown_first {wanted_skus}, the cards shown were {shown}")
        elif name == "pay_link":
            url = Customer.pay_link(records)
            if bool(url) != bool(wanted):
                raise StepFailed(f"pay_link {wanted}, got {url}")
        elif name == "pay_total":
            shown_total = money.format_money(Decimal(str(wanted)), CATALOG.currency, language)
            titles = [b.get("title", "") for b in _buttons(records) if b.get("type") == "web_url"]
            if not any(shown_total in t for t in titles):
                raise StepFailed(f"a pay button for {shown_total}, the link buttons were {titles}")
        elif name == "paid":
            receipts = [
                m
                for m in _messages(records)
                if ((m.get("attachment") or {}).get("payload") or {}).get("template_type") == "receipt"
            ]
            if bool(receipts) != bool(wanted):
                raise StepFailed(f"paid {wanted}, receipts sent: {len(receipts)}")
        elif name == "says":
            text = reply_text(records)
            if str(wanted).lower() not in text.lower():
                raise StepFailed(f"a reply saying '{wanted}', the replies were: {text[:300]!r}")
        elif name == "says_not":
            text = reply_text(records)
            if str(wanted).lower() in text.lower():
                raise StepFailed(f"no reply saying '{wanted}', the replies were: {text[:300]!r}")
        elif name == "says_like":
            text = reply_text(records)
            if not re.search(str(wanted), text, re.IGNORECASE):
                raise StepFailed(f"a reply like /{wanted}/, the replies were: {text[:300]!r}")
        elif name == "language":
            if language != wanted:
                raise StepFailed(f"language {wanted}, got {language}")
        elif name == "handover":
            handed = any(r["kind"] == "pass_thread_control" for r in records)
            if handed != bool(wanted):
                raise StepFailed(f"handover {wanted}, got {handed}")
        elif name == "handover_says":
            notes = [str(r.get("metadata") or "") for r in records if r["kind"] == "pass_thread_control"]
            if not any(str(wanted).lower() in note.lower() for note in notes):
                raise StepFailed(f"a handover note saying '{wanted}', the notes were: {notes}")
        elif name == "quick_replies":
            offered = any(m.get("quick_replies") for m in _messages(records))
            if offered != bool(wanted):
                raise StepFailed(f"quick_replies {wanted}, got {offered}")


def run_step(customer: Customer, step: Step) -> None:
    if step.kind == "user":
        records = customer.say(str(step.value))
    elif step.kind == "tap":
        records = customer.tap(str(step.value), step.card)
    elif step.kind == "ship":
        records = customer.ship(str(step.value))
    else:
        records = customer.pay(None if step.value is True else str(step.value))
    if step.expect:
        check(dict(step.expect), records, customer.stack.tracker(customer.psid))


def run_conversation(stack: Stack, conversation: Conversation) -> Outcome:
    started = time.monotonic()
    customer = Customer(stack, "cv" + uuid.uuid4().hex[:14])
    if conversation.locale:
        requests.post(
            f"{stack.graph_url}/_fake/users", json={"psid": customer.psid, "locale": conversation.locale}, timeout=5
        )
    asked, unasked = conversation.asked_products(), None
    for number, step in enumerate(conversation.steps, start=1):
        try:
            run_step(customer, step)
            extra = sorted(
                key for key in _cart(customer.stack.tracker(customer.psid)) if key.split(":")[0] not in asked
            )
            if extra and unasked is None:
                unasked = f"step {number} ({step.describe()}): the cart held {extra}"
        except (StepFailed, requests.RequestException) as error:
            return Outcome(
                conversation,
                f"step {number} ({step.describe()}): expected {error}",
                time.monotonic() - started,
                unasked,
            )
    return Outcome(conversation, None, time.monotonic() - started, unasked)


def run_all(stack: Stack, conversations: List[Conversation], workers: int = 4) -> List[Outcome]:
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda c: run_conversation(stack, c), conversations))


def summary(outcomes: List[Outcome], target: float) -> tuple[str, Dict[str, float]]:
    rates: Dict[str, float] = {}
    lines = [
        "# Conversation tests",
        "",
        "Whole conversations over the Messenger door (signed webhooks, the fake Graph API,",
        "the action server, the PayPal sandbox). A conversation succeeds when every expectation holds.",
        "",
        f"Target: task success >= {target:.2f} per language. A wrong cart change is worse than a question:",
        "'unasked cart' counts the conversations in which the cart ever held a product the",
        "conversation never expects in it (checked after every step); the target is 0.",
        "",
        "| language | conversations | succeeded | task success | unasked cart |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for language in sorted({o.conversation.language for o in outcomes}):
        mine = [o for o in outcomes if o.conversation.language == language]
        rates[language] = sum(o.ok for o in mine) / len(mine)
        unasked = sum(o.unasked is not None for o in mine)
        lines.append(f"| {language} | {len(mine)} | {sum(o.ok for o in mine)} | {rates[language]:.3f} | {unasked} |")
    failed = [o for o in outcomes if not o.ok]
    lines += ["", f"## Misses ({len(failed)})", ""]
    lines += [f"- {o.conversation.id}: {o.failure}" for o in failed] or ["none"]
    wrong = [o for o in outcomes if o.unasked is not None]
    lines += ["", f"## Unasked cart lines ({len(wrong)})", ""]
    lines += [f"- {o.conversation.id}: {o.unasked}" for o in wrong] or ["none"]
    return "\n".join(lines) + "\n", rates


def write_results(out: Path, outcomes: List[Outcome], text: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.md").write_text(text, encoding="utf-8")
    rows = [
        {
            "id": o.conversation.id,
            "ok": o.ok,
            "failure": o.failure,
            "unasked": o.unasked,
            "seconds": round(o.seconds, 2),
        }
        for o in outcomes
    ]
    (out / "results.json").write_text(json.dumps(rows, indent=2, ensure_ascii=False), encoding="utf-8")
