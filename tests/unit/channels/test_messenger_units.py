"""The connector's pure parts: signatures, webhook parsing, payload limits, state."""

from __future__ import annotations

import asyncio
import json

import pytest

from channels.messenger.connector import TYPED_TEXT_GUARD, guard_typed_text
from channels.messenger.inbound import signature
from channels.messenger.inbound.events import (
    CustomerEvent,
    InvalidWebhook,
    PageEcho,
    TemplateStatusEvent,
    ThreadControlEvent,
    parse,
)
from channels.messenger.outbound import limits, payloads
from channels.messenger.state.customer import ConversationState
from channels.messenger.state.store import MemoryStore
from sandbox.facebook import webhooks
from sandbox.facebook.checks import check_send


def test_signature_is_hmac_sha256_of_the_raw_body() -> None:
    body = b'{"object":"page"}'
    header = signature.sign("secret", body)
    assert header.startswith("sha256=") and len(header) == 7 + 64
    assert signature.is_valid("secret", body, header)
    assert not signature.is_valid("secret", body + b" ", header)
    assert not signature.is_valid("other", body, header)
    assert not signature.is_valid("secret", body, None)
    assert not signature.is_valid("secret", body, "sha1=" + "0" * 40)
    assert not signature.is_valid("", body, header)


def test_every_event_of_every_entry_in_order() -> None:
    body = webhooks.delivery(
        webhooks.text_event("a", "hi"), webhooks.quick_reply_event("a", "Lights", "/browse_catalog")
    )
    body["entry"].append(webhooks.delivery(webhooks.postback_event("b", "Details", "/help"))["entry"][0])
    events = parse(body)
    assert [(e.sender_id, e.kind) for e in events] == [("a", "text"), ("a", "quick_reply"), ("b", "postback")]
    assert events[1].payload == "/browse_catalog" and events[2].mid


def test_deliveries_reads_reactions_and_edits_are_dropped_echoes_and_control_are_kept() -> None:
    base = {"sender": {"id": "a"}, "recipient": {"id": "p"}, "timestamp": 1}
    echo = {
        "sender": {"id": "p"},
        "recipient": {"id": "a"},
        "timestamp": 1,
        "message": {"mid": "m1", "text": "#pay 45.00 Wheel truing", "is_echo": True, "app_id": 263902037430900},
    }
    body = webhooks.delivery(
        echo,
        {**base, "delivery": {"watermark": 1}},
        {**base, "read": {"watermark": 1}},
        {**base, "reaction": {"mid": "m0", "action": "react", "reaction": "love", "emoji": "\u2764"}},
        {**base, "message_edit": {"mid": "m0", "text": "two locks", "num_edit": 1}},
        {**base, "pass_thread_control": {"previous_owner_app_id": "1"}},
        webhooks.attachments_event("a", ["u1", "u2"]),
        webhooks.referral_event("a", "LGT-001"),
    )
    events = parse(body)
    assert isinstance(events[0], PageEcho) and events[0].sender_id == "a" and events[0].app_id == "263902037430900"
    assert isinstance(events[1], ThreadControlEvent) and events[1].kind == "pass_thread_control"
    assert isinstance(events[2], CustomerEvent) and len(events[2].attachments) == 2
    assert events[3].kind == "referral"
    assert len(events) == 4


def test_stickers_standby_and_template_reviews_each_have_their_own_event() -> None:
    base = {"sender": {"id": "a"}, "recipient": {"id": "p"}, "timestamp": 1}
    sticker_2026 = {
        **base,
        "message": {
            "mid": "s1",
            "attachments": [{"type": "sticker", "payload": {"url": "u", "sticker_id": 369239263222822}}],
        },
    }
    sticker_before = {
        **base,
        "message": {
            "mid": "s2",
            "attachments": [{"type": "image", "payload": {"url": "u", "sticker_id": 369239263222822}}],
        },
    }
    body = {
        "object": "page",
        "entry": [
            {
                "id": "p",
                "time": 1,
                "messaging": [sticker_2026, sticker_before],
                "standby": [{**base, "message": {"mid": "m9", "text": "hello agent"}}],
                "changes": [
                    {
                        "field": "message_template_status_update",
                        "value": {
                            "event": "APPROVED",
                            "message_template_id": 1,
                            "message_template_name": "kassa_order_confirmed",
                            "message_template_language": "nl_NL",
                            "reason": "NONE",
                        },
                    }
                ],
            }
        ],
    }
    events = parse(body)
    assert [getattr(e, "kind", None) for e in events[:3]] == ["sticker", "sticker", "standby"]
    assert events[3] == TemplateStatusEvent("kassa_order_confirmed", "nl_NL", "APPROVED")


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"object": "user", "entry": []},
        {"object": "page"},
        {"object": "page", "entry": ["x"]},
        {"object": "page", "entry": [{"messaging": [{"message": {"text": "no sender"}}]}]},
    ],
)
def test_what_is_not_a_page_event_is_refused(body) -> None:
    with pytest.raises(InvalidWebhook):
        parse(body)


def test_typed_slash_text_is_guarded() -> None:
    assert guard_typed_text("/checkout") == TYPED_TEXT_GUARD + "/checkout"
    assert guard_typed_text("  /greet") == TYPED_TEXT_GUARD + "  /greet"
    assert guard_typed_text("hi /there") == "hi /there"
    assert not (TYPED_TEXT_GUARD + "/x").strip().startswith("/")


def test_long_text_is_split_under_2000_at_word_breaks() -> None:
    text = ("word " * 900).strip()
    parts = payloads.split_text(text)
    assert len(parts) == 3 and all(len(p) <= limits.TEXT_MAX for p in parts)
    assert " ".join(parts) == text


def test_quick_replies_are_capped_and_titles_cut() -> None:
    replies = [{"title": f"A very long title number {i}", "payload": f"/p{i}"} for i in range(20)]
    [message] = payloads.quick_replies("Pick one", replies)
    assert len(message["quick_replies"]) == 13
    assert all(len(r["title"]) <= 20 for r in message["quick_replies"])
    assert check_send({"recipient": {"id": "a"}, "messaging_type": "RESPONSE", "message": message}) is None


def test_buttons_become_templates_of_three() -> None:
    buttons = [
        {"title": "One", "payload": "/a"},
        {"title": "Pay", "url": "https://x.test", "type": "web_url", "webview_height_ratio": "tall"},
        {"title": "Call", "payload": "+31201234567"},
        {"title": "Four", "payload": "/d"},
    ]
    messages = payloads.button_templates("Choose", buttons)
    assert len(messages) == 2
    first = messages[0]["attachment"]["payload"]["buttons"]
    assert [b["type"] for b in first] == ["postback", "web_url", "phone_number"]
    assert first[1]["webview_height_ratio"] == "tall"
    for message in messages:
        assert check_send({"recipient": {"id": "a"}, "messaging_type": "RESPONSE", "message": message}) is None


def test_carousels_page_at_ten_with_room_for_show_more() -> None:
    elements = [{"title": f"P{i}"} for i in range(23)]
    pages = payloads.carousel_pages(elements)
    assert [len(p) for p in pages] == [9, 9, 5]
    assert payloads.carousel_pages(elements[:10]) == [elements[:10]]


def test_receipt_needs_messengers_required_fields() -> None:
    with pytest.raises(ValueError):
        payloads.receipt({"recipient_name": "Sam"})
    receipt = payloads.receipt(
        {
            "recipient_name": "Sam",
            "order_number": "1",
            "currency": "EUR",
            "payment_method": "PayPal",
            "summary": {"total_cost": 1},
        }
    )
    assert check_send({"recipient": {"id": "a"}, "messaging_type": "RESPONSE", "message": receipt}) is None


@pytest.mark.parametrize(
    "body, problem",
    [
        ({"recipient": {"id": "a"}, "message": {"text": "x"}}, "messaging_type"),
        ({"recipient": {"id": "a"}, "messaging_type": "MESSAGE_TAG", "message": {"text": "x"}}, "tag"),
        ({"recipient": {"id": "a"}, "messaging_type": "RESPONSE", "message": {"text": "x" * 2001}}, "2000"),
        (
            {
                "recipient": {"id": "a"},
                "messaging_type": "RESPONSE",
                "message": {
                    "text": "x",
                    "quick_replies": [{"content_type": "text", "title": "t", "payload": "p"}] * 14,
                },
            },
            "quick_replies",
        ),
        ({"messaging_type": "RESPONSE", "message": {"text": "x"}}, "recipient"),
    ],
)
def test_fake_graph_refuses_what_facebook_refuses(body, problem) -> None:
    refusal = check_send(body)
    assert refusal is not None and refusal[0] == 100 and problem in refusal[1]


def test_state_dedups_remembers_payloads_and_the_window() -> None:
    async def scenario() -> None:
        state = ConversationState(MemoryStore(max_keys=100))
        assert not await state.turn_done("m1")
        await state.mark_turn_done("m1")
        assert await state.turn_done("m1")
        await state.remember_payloads("a", ["/browse_catalog"])
        assert await state.bot_sent("a", "/browse_catalog")
        assert not await state.bot_sent("b", "/browse_catalog")
        assert await state.inside_window("a")
        await state.customer_wrote("a", at=1.0)
        assert not await state.inside_window("a")
        token = await state.keep_pages("a", [[{"title": "x"}]], "Meer tonen")
        assert await state.take_pages("a", token) == ([[{"title": "x"}]], "Meer tonen")
        assert await state.take_pages("a", token) is None

    asyncio.run(scenario())


def test_memory_store_is_bounded() -> None:
    async def scenario() -> None:
        store = MemoryStore(max_keys=3)
        for key in "abcd":
            await store.put(key, 1, 60)
        assert await store.get("a") is None and await store.get("d") == 1

    asyncio.run(scenario())


def test_profile_has_get_started_greetings_menu_and_https_domains() -> None:
    from cli import messenger_profile as profile

    body = profile.profile(
        {"PUBLIC_URL": "https://shop.example.com/rasa", "CATALOG_IMAGE_BASE_URL": "http://localhost:8080/images"}
    )
    assert body["get_started"] == {"payload": "/greet"}
    assert {g["locale"] for g in body["greeting"]} == {"default", "nl_NL", "nl_BE"}
    titles = [a["title"] for a in body["persistent_menu"][0]["call_to_actions"]]
    assert titles == ["Browse the shop", "My cart", "Help"]
    assert body["whitelisted_domains"] == ["https://shop.example.com"]
    json.dumps(body)


def test_sender_queues_keep_order_per_sender_and_run_senders_side_by_side() -> None:
    from channels.messenger.inbound.sender_queues import SenderQueues

    async def scenario() -> None:
        done, active, peak = [], 0, 0

        async def handle(item) -> None:
            nonlocal active, peak
            active += 1
            peak = max(peak, active)
            await asyncio.sleep(0.01)
            done.append(item)
            active -= 1

        queues = SenderQueues(handle)
        for index in range(4):
            for sender in "abcdef":
                queues.submit(sender, (sender, index))
        await queues.wait_idle()
        assert peak == 6
        for sender in "abcdef":
            assert [i for s, i in done if s == sender] == [0, 1, 2, 3]

    asyncio.run(scenario())
