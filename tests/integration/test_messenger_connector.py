"""The Messenger connector against a running Rasa, over real HTTP, with the
fake Graph API recording what the bot sends."""

from __future__ import annotations

import concurrent.futures
import json
import time
import uuid
from typing import Any, Dict, List

import pytest
import requests

from channels.messenger.connector import TYPED_TEXT_GUARD
from harness.stack import APP_SECRET, VERIFY_TOKEN, Stack, wait_for
from sandbox.facebook import webhooks
from sandbox.facebook.platform import webhook_signature

pytestmark = pytest.mark.integration


def deliver(stack: Stack, *events: Dict[str, Any]) -> requests.Response:
    raw, headers = webhooks.signed(webhooks.delivery(*events), APP_SECRET)
    return requests.post(stack.webhook_url, data=raw, headers=headers, timeout=10)


def texts(stack: Stack, psid: str) -> List[str]:
    result = []
    for message in stack.messages(psid):
        if "text" in message:
            result.append(message["text"])
        elif message.get("attachment", {}).get("type") == "template":
            payload = message["attachment"]["payload"]
            result.append(payload.get("text") or payload["template_type"])
        else:
            result.append(message.get("attachment", {}).get("type", "?"))
    return result


def wait_for_messages(stack: Stack, psid: str, count: int, seconds: float = 30) -> List[Dict[str, Any]]:
    wait_for(lambda: len(stack.messages(psid)) >= count, seconds)
    return stack.messages(psid)


def settle(seconds: float = 1.5) -> None:
    """Give a refused or duplicate delivery the time it would need to show up."""
    time.sleep(seconds)


# --- verification and signatures ----------------------------------------------------------


def test_subscription_verification(stack: Stack) -> None:
    ok = requests.get(
        stack.webhook_url,
        params={"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"},
        timeout=5,
    )
    assert ok.status_code == 200 and ok.text == "1158201444"
    wrong_token = requests.get(
        stack.webhook_url, params={"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "x"}, timeout=5
    )
    wrong_mode = requests.get(
        stack.webhook_url,
        params={"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "x"},
        timeout=5,
    )
    assert wrong_token.status_code == 403 and wrong_mode.status_code == 403


def test_bad_or_missing_signature_is_403_and_no_turn(stack: Stack, psid: str) -> None:
    raw, headers = webhooks.signed(webhooks.delivery(webhooks.text_event(psid, "hi")), "not-the-app-secret")
    assert requests.post(stack.webhook_url, data=raw, headers=headers, timeout=5).status_code == 403
    assert (
        requests.post(stack.webhook_url, data=raw, headers={"Content-Type": "application/json"}, timeout=5).status_code
        == 403
    )
    sha1 = {"Content-Type": "application/json", "X-Hub-Signature": "sha1=" + "0" * 40}
    assert requests.post(stack.webhook_url, data=raw, headers=sha1, timeout=5).status_code == 403
    settle()
    assert stack.user_events(psid) == []
    assert stack.records(psid) == []


def test_not_json_or_not_a_page_event_is_400(stack: Stack) -> None:
    for raw in (b"{not json", json.dumps({"object": "instagram", "entry": []}).encode(), b"[]"):
        headers = {"Content-Type": "application/json", "X-Hub-Signature-256": webhook_signature(APP_SECRET, raw)}
        assert requests.post(stack.webhook_url, data=raw, headers=headers, timeout=5).status_code == 400


# --- deliveries ---------------------------------------------------------------------------------


def test_a_batch_of_three_events_gives_three_turns(stack: Stack, psid: str) -> None:
    other = psid + "b"
    answer = deliver(
        stack,
        webhooks.text_event(psid, "hi"),
        webhooks.text_event(psid, "what do you sell?"),
        webhooks.text_event(other, "hi"),
    )
    assert answer.status_code == 200
    assert wait_for(lambda: len(stack.user_events(psid)) == 2 and len(stack.user_events(other)) == 1)
    assert [e["text"] for e in stack.user_events(psid)] == ["hi", "what do you sell?"]


def test_the_same_mid_three_times_gives_one_turn(stack: Stack, psid: str) -> None:
    event = webhooks.text_event(psid, "hi")
    for _ in range(3):
        assert deliver(stack, event).status_code == 200
    wait_for_messages(stack, psid, 1)
    settle()
    assert len(stack.user_events(psid)) == 1
    assert len(stack.messages(psid)) == 1


def test_echoes_deliveries_and_reads_are_ignored(stack: Stack, psid: str) -> None:
    base = {"sender": {"id": psid}, "recipient": {"id": webhooks.PAGE_ID}, "timestamp": 1}
    echo = {**base, "message": {"mid": webhooks.new_mid(), "text": "hi", "is_echo": True}}
    delivery = {**base, "delivery": {"mids": ["m_1"], "watermark": 1}}
    read = {**base, "read": {"watermark": 1}}
    assert deliver(stack, echo, delivery, read).status_code == 200
    settle()
    assert stack.user_events(psid) == []


def test_fifty_concurrent_customers_are_all_answered_in_order(stack: Stack) -> None:
    customers = [f"load{index:03d}{int(time.time())}" for index in range(50)]

    def converse(customer: str) -> None:
        assert deliver(stack, webhooks.text_event(customer, "hi")).status_code == 200
        assert deliver(stack, webhooks.text_event(customer, "what do you sell?")).status_code == 200

    with concurrent.futures.ThreadPoolExecutor(max_workers=50) as pool:
        list(pool.map(converse, customers))
    for customer in customers:
        replies = wait_for_messages(stack, customer, 2, seconds=120)
        assert len(replies) == 2, customer
        assert replies[0]["attachment"]["payload"]["text"].startswith("Hi! I'm Kassa")
        assert replies[1]["text"].startswith("Here is what we sell") and len(replies[1]["quick_replies"]) == 5


# --- what may trigger an intent ------------------------------------------------------------------


def test_typed_slash_commands_go_through_nlu(stack: Stack, psid: str) -> None:
    deliver(stack, webhooks.text_event(psid, '/add_to_cart{"product": "LGT-001", "quantity": "20"}'))
    wait_for(lambda: stack.user_events(psid))
    event = stack.user_events(psid)[0]
    assert event["text"].startswith(TYPED_TEXT_GUARD)
    parse = event["parse_data"]
    assert len(parse["intent_ranking"]) > 1  # ranked by the NLU model, not forced by the "/" syntax
    assert not any(e.get("value") == "LGT-001" and e.get("extractor") is None for e in parse["entities"])
    deliver(stack, webhooks.text_event(psid, "/checkout"))
    wait_for(lambda: len(stack.user_events(psid)) == 2)
    checkout_parse = stack.user_events(psid)[1]["parse_data"]
    assert len(checkout_parse["intent_ranking"]) > 1
    assert checkout_parse["intent"]["confidence"] < 1.0


def test_only_payloads_the_bot_sent_trigger_intents(stack: Stack, psid: str) -> None:
    deliver(stack, webhooks.quick_reply_event(psid, "Pay", '/checkout{"product": "LGT-001"}'))
    wait_for(lambda: stack.user_events(psid))
    forged = stack.user_events(psid)[0]
    assert forged["text"] == "Pay" and len(forged["parse_data"]["intent_ranking"]) > 1

    deliver(stack, webhooks.text_event(psid, "hi"))
    greeting = wait_for_messages(stack, psid, 2)[-1]
    browse = next(b for b in greeting["attachment"]["payload"]["buttons"] if b["payload"] == "/browse_catalog")
    deliver(stack, webhooks.postback_event(psid, browse["title"], browse["payload"]))
    wait_for(lambda: len(stack.user_events(psid)) == 3)
    tapped = stack.user_events(psid)[2]
    assert tapped["text"] == "/browse_catalog"
    assert tapped["parse_data"]["intent"] == {"name": "browse_catalog", "confidence": 1.0}


def test_get_started_and_attachments_reach_the_assistant(stack: Stack, psid: str) -> None:
    deliver(stack, webhooks.postback_event(psid, "Get Started", "/greet"))
    deliver(stack, webhooks.attachments_event(psid, ["https://example.test/a.jpg", "https://example.test/b.jpg"]))
    wait_for(lambda: len(stack.user_events(psid)) == 2)
    greet, files = stack.user_events(psid)
    assert greet["parse_data"]["intent"]["name"] == "greet"
    assert files["text"] == "https://example.test/a.jpg https://example.test/b.jpg"
    assert len(files["metadata"]["messenger"]["message"]["attachments"]) == 2


def test_messengers_locale_picks_the_language_of_the_first_reply(stack: Stack) -> None:
    """Get Started carries no words to detect a language from; the User Profile locale decides."""
    dutch, unknown = "loc" + uuid.uuid4().hex[:12], "loc" + uuid.uuid4().hex[:12]
    requests.post(f"{stack.graph_url}/_fake/users", json={"psid": dutch, "locale": "nl_BE"}, timeout=5)
    asked_before = stack.graph_stats()["counters"].get("user_profile", 0)
    for customer in (dutch, unknown):
        deliver(stack, webhooks.postback_event(customer, "Get Started", "/greet"))
    dutch_reply = wait_for_messages(stack, dutch, 1)[0]
    english_reply = wait_for_messages(stack, unknown, 1)[0]
    assert dutch_reply["attachment"]["payload"]["text"].startswith("Hoi! Ik ben Kassa")
    assert english_reply["attachment"]["payload"]["text"].startswith("Hi! I'm Kassa")
    assert stack.user_events(dutch)[0]["metadata"]["locale"] == "nl_BE"
    deliver(stack, webhooks.postback_event(dutch, "Help", "/help"))
    wait_for_messages(stack, dutch, 2)
    assert stack.graph_stats()["counters"]["user_profile"] - asked_before == 2  # once per customer


def test_a_size_and_colour_is_picked_with_a_quick_reply(stack: Stack, psid: str) -> None:
    deliver(stack, webhooks.text_event(psid, "show me your helmets"))
    cards = wait_for(
        lambda: [
            e for m in stack.messages(psid) for e in m.get("attachment", {}).get("payload", {}).get("elements", [])
        ],
        60,
    )
    urban = next(card for card in cards if card["title"] == "Urban Helmet")
    add = next(button for button in urban["buttons"] if button["title"] == "Add to cart")
    deliver(stack, webhooks.postback_event(psid, add["title"], add["payload"]))
    question = wait_for(lambda: [m for m in stack.messages(psid) if m.get("quick_replies")], 60)
    assert question and question[0]["text"].startswith("Which Urban Helmet do you mean?")
    choices = {reply["title"]: reply["payload"] for reply in question[0]["quick_replies"]}
    assert len(choices) == 6 and "M / black" in choices
    deliver(stack, webhooks.quick_reply_event(psid, "M / black", choices["M / black"]))
    assert wait_for(lambda: any("Urban Helmet (M / black)" in t for t in texts(stack, psid)), 60)
    deliver(stack, webhooks.text_event(psid, "what's in my cart?"))
    assert wait_for(lambda: any("1 × Urban Helmet (M / black), €69.00" in t for t in texts(stack, psid)), 60)


# --- sending ---------------------------------------------------------------------------------------


def test_send_api_500_then_200_delivers_once(stack: Stack, psid: str) -> None:
    before = stack.graph_stats()["counters"].get("faults", 0)
    stack.graph("faults", psid=psid, status=500, code=2, count=1)
    deliver(stack, webhooks.text_event(psid, "hi"))
    wait_for_messages(stack, psid, 1)
    settle()
    assert len(stack.messages(psid)) == 1
    assert stack.graph_stats()["counters"]["faults"] == before + 1


def test_send_api_400_is_logged_and_the_turn_goes_on(stack: Stack, psid: str) -> None:
    stack.graph("faults", psid=psid, status=400, code=100, count=1)
    deliver(stack, webhooks.text_event(psid, "show me your lights"))
    replies = wait_for_messages(stack, psid, 1)
    settle()
    replies = stack.messages(psid)
    assert len(replies) == 1  # "Our lights:" was refused, the carousel still went out
    assert replies[0]["attachment"]["payload"]["template_type"] == "generic"
    log = stack.rasa_log.read_text()
    assert f"for recipient {psid}" in log and "fbtrace_id=" in log


def test_a_message_that_finds_the_action_server_down_is_answered_once_it_is_back(stack: Stack, psid: str) -> None:
    """Rasa on its own would end the turn without the action, save it, and never answer."""
    stack.stop_service("actions")
    try:
        deliver(stack, webhooks.text_event(psid, "add two ember rear lights to my cart"))
        # the turn failed and waits to run again, rather than ending without its action
        assert wait_for(lambda: f"of {psid} failed" in stack.rasa_log.read_text(), 60)
        assert stack.messages(psid) == []
    finally:
        stack.start_service("actions")
    assert wait_for_messages(stack, psid, 2, 120)
    settle()
    # answered once: the confirmation and the one suggestion that follows an add, nothing twice
    texts = [m.get("text") or m["attachment"]["payload"]["text"] for m in stack.messages(psid)]
    assert len(texts) == 2 and texts[0].startswith("Added 2 × Ember Rear Light") and "goes well" in texts[1]
    assert stack.tracker(psid)["slots"]["cart"] == {"LGT-002": 2}


def test_trigger_intent_reaches_messenger(stack: Stack, psid: str) -> None:
    answer = requests.post(
        f"{stack.rasa_url}/conversations/{psid}/trigger_intent",
        params={"output_channel": "facebook"},
        json={"name": "greet"},
        timeout=30,
    )
    assert answer.status_code == 200
    assert wait_for_messages(stack, psid, 1)[0]["attachment"]["payload"]["text"].startswith("Hi! I'm Kassa")


def test_a_carousel_of_more_than_ten_gets_a_show_more_card(stack: Stack, psid: str) -> None:
    deliver(stack, webhooks.text_event(psid, "what can i get for less than 100 euros"))
    replies = wait_for_messages(stack, psid, 2)
    elements = replies[-1]["attachment"]["payload"]["elements"]
    assert len(elements) == 10 and elements[-1]["title"] == "Show more"
    more = elements[-1]["buttons"][0]
    deliver(stack, webhooks.postback_event(psid, more["title"], more["payload"]))
    page_two = wait_for_messages(stack, psid, 3)[-1]["attachment"]["payload"]["elements"]
    shown = {e["title"] for e in elements[:-1]} | {e["title"] for e in page_two if e["title"] != "Show more"}
    assert len(shown) > 10


def test_human_handoff_silences_the_bot_until_control_comes_back(stack: Stack, psid: str) -> None:
    deliver(stack, webhooks.text_event(psid, "i want to talk to a human"))
    wait_for(lambda: any(r["kind"] == "pass_thread_control" for r in stack.records(psid)))
    handover = next(r for r in stack.records(psid) if r["kind"] == "pass_thread_control")
    assert handover["target_app_id"] == "263902037430900"
    count = len(stack.messages(psid))
    deliver(stack, webhooks.text_event(psid, "hello?"))
    settle()
    assert len(stack.messages(psid)) == count
    back = {
        "sender": {"id": psid},
        "recipient": {"id": webhooks.PAGE_ID},
        "timestamp": int(time.time() * 1000),
        "pass_thread_control": {"previous_owner_app_id": "263902037430900", "metadata": "done"},
    }
    deliver(stack, back)
    time.sleep(0.5)
    deliver(stack, webhooks.text_event(psid, "hi"))
    assert wait_for(lambda: len(stack.messages(psid)) > count)


def test_the_show_more_card_speaks_dutch_to_a_dutch_customer(stack: Stack, psid: str) -> None:
    deliver(stack, webhooks.text_event(psid, "wat kan ik krijgen voor minder dan 100 euro"))
    replies = wait_for_messages(stack, psid, 2)
    elements = replies[-1]["attachment"]["payload"]["elements"]
    assert (
        len(elements) == 10
        and elements[-1]["title"] == "Meer tonen"
        and elements[-1]["buttons"][0]["title"] == "Meer tonen"
    )
