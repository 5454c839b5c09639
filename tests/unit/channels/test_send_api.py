"""The Send API client and the output channel over HTTP against the fake Graph API."""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Any, Dict, Iterator, List, Tuple

import pytest
import requests

from channels.messenger.outbound.output import MessengerOutput
from channels.messenger.outbound.send_api import SendApiClient, SendApiConfig, SendApiError
from channels.messenger.state.customer import ConversationState
from channels.messenger.state.store import MemoryStore
from harness.servers import Server, free_port

SECRET, TOKEN = "unit-app-secret", "unit-page-token"


@pytest.fixture(scope="module")
def graph_url() -> Iterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {"FB_APP_SECRET": SECRET, "FB_PAGE_ACCESS_TOKEN": TOKEN, "MESSENGER_PAGE_PORT": str(port)}
    server = Server([sys.executable, "-m", "sandbox.facebook"], f"{url}/_fake/health", env, "fake-graph")
    yield url
    server.stop()


def client(url: str, **overrides: Any) -> SendApiClient:
    values: Dict[str, Any] = dict(
        page_access_token=TOKEN, app_secret=SECRET, graph_url=url, timeout_seconds=2, backoff_seconds=0.01
    )
    values.update(overrides)
    return SendApiClient(SendApiConfig(**values))


def recorded(url: str, psid: str) -> List[Dict[str, Any]]:
    return requests.get(f"{url}/_fake/messages", params={"psid": psid}, timeout=5).json()


def run(coroutine_factory) -> Any:
    async def scenario() -> Any:
        return await coroutine_factory()

    return asyncio.run(scenario())


def test_a_message_goes_out_with_appsecret_proof(graph_url: str) -> None:
    async def scenario() -> Dict[str, Any]:
        api = client(graph_url)
        try:
            return await api.send_message("u1", {"text": "hello"})
        finally:
            await api.close()

    answer = run(scenario)
    assert answer["recipient_id"] == "u1" and answer["message_id"].startswith("m_")
    assert recorded(graph_url, "u1")[-1]["message"] == {"text": "hello"}


def test_a_wrong_token_is_refused_and_not_retried(graph_url: str) -> None:
    async def scenario() -> None:
        api = client(graph_url, page_access_token="wrong")
        try:
            await api.send_message("u2", {"text": "x"})
        finally:
            await api.close()

    with pytest.raises(SendApiError) as error:
        run(scenario)
    assert error.value.code == 190 and not error.value.retryable and error.value.fbtrace_id


def test_5xx_is_retried_and_delivers_once(graph_url: str) -> None:
    requests.post(f"{graph_url}/_fake/faults", json={"psid": "u3", "status": 500, "code": 2, "count": 2}, timeout=5)

    async def scenario() -> None:
        api = client(graph_url)
        try:
            await api.send_message("u3", {"text": "once"})
        finally:
            await api.close()

    run(scenario)
    assert [r["message"]["text"] for r in recorded(graph_url, "u3")] == ["once"]


def test_an_unreachable_customer_is_not_retried(graph_url: str) -> None:
    requests.post(f"{graph_url}/_fake/faults", json={"psid": "u4", "status": 400, "code": 551, "count": 5}, timeout=5)

    async def scenario() -> None:
        api = client(graph_url)
        try:
            await api.send_message("u4", {"text": "x"})
        finally:
            await api.close()

    with pytest.raises(SendApiError) as error:
        run(scenario)
    assert error.value.unreachable and not error.value.retryable
    remaining = requests.post(f"{graph_url}/_fake/faults", json={"psid": "nobody", "count": 0}, timeout=5).json()[
        "queued"
    ]
    assert remaining == 4  # one call, no retries


def test_outside_24_hours_nothing_is_sent_and_no_retired_tag_is_used(graph_url: str, caplog) -> None:
    async def scenario() -> None:
        api = client(graph_url)
        state = ConversationState(MemoryStore())
        output = MessengerOutput(api, state)
        try:
            await state.customer_wrote("recent", at=time.time() - 60)
            await state.customer_wrote("old", at=time.time() - 25 * 3600)
            await output.send_text_message("recent", "Your payment went through.")
            assert await output.deliver("old", {"text": "Your refund was processed."}) is None
        finally:
            await api.close()

    run(scenario)
    recent = recorded(graph_url, "recent")[-1]
    assert (recent["messaging_type"], recent["tag"]) == ("RESPONSE", None)
    assert recorded(graph_url, "old") == []
    assert "outside the 24-hour window" in caplog.text


@pytest.mark.parametrize("tag", ["POST_PURCHASE_UPDATE", "CONFIRMED_EVENT_UPDATE", "ACCOUNT_UPDATE"])
def test_the_fake_graph_api_refuses_the_retired_tags_as_facebook_does(graph_url: str, tag: str) -> None:
    async def scenario() -> None:
        api = client(graph_url)
        try:
            with pytest.raises(SendApiError) as refused:
                await api.send_message("tagged", {"text": "An update"}, "MESSAGE_TAG", tag)
            assert refused.value.code == 100 and not refused.value.retryable
        finally:
            await api.close()

    run(scenario)


def test_a_turn_goes_on_after_a_refused_message(graph_url: str) -> None:
    requests.post(f"{graph_url}/_fake/faults", json={"psid": "u5", "status": 400, "code": 100, "count": 1}, timeout=5)

    async def scenario() -> None:
        api = client(graph_url)
        try:
            await MessengerOutput(api, ConversationState(MemoryStore())).send_response(
                "u5",
                {"text": "first", "quick_replies": [{"title": "A", "payload": "/a"}], "image": "https://x.test/a.png"},
            )
        finally:
            await api.close()

    run(scenario)
    messages = [r["message"] for r in recorded(graph_url, "u5")]
    assert messages == [{"text": "first", "quick_replies": [{"content_type": "text", "title": "A", "payload": "/a"}]}]


def test_the_locale_comes_from_the_user_profile_api_where_the_page_may_read_it(graph_url: str) -> None:
    requests.post(f"{graph_url}/_fake/users", json={"psid": "locale-nl", "locale": "nl_BE"}, timeout=5)

    async def scenario() -> tuple:
        readers = [client(graph_url), client(graph_url, page_access_token="wrong-token"), client("http://127.0.0.1:9")]
        try:
            return (
                (await readers[0].user_profile("locale-nl")).get("locale"),
                (await readers[0].user_profile("locale-withheld")).get("locale"),
                (await readers[1].user_profile("locale-nl")).get("locale"),
                (await readers[2].user_profile("locale-nl")).get("locale"),
            )
        finally:
            for reader in readers:
                await reader.close()

    assert run(scenario) == ("nl_BE", None, None, None)


def test_a_replayed_turn_sends_only_what_had_not_gone_out(graph_url: str) -> None:
    """A turn cut off after its first message (its replica died) runs again: the customer
    reads the first message once and the second once. A refused message is tried again."""
    requests.post(
        f"{graph_url}/_fake/faults", json={"psid": "replay", "status": 400, "code": 100, "count": 1}, timeout=5
    )

    async def scenario() -> None:
        api = client(graph_url)
        state = ConversationState(MemoryStore())
        try:
            first = MessengerOutput(api, state, turn_key="m_replay")
            await first.send_text_message("replay", "refused by Facebook")  # the fault: not delivered, mark taken back
            await first.send_text_message("replay", "one")  # then the replica dies
            again = MessengerOutput(api, state, turn_key="m_replay", replay=True)
            await again.send_text_message("replay", "refused by Facebook")
            await again.send_text_message("replay", "one")
            await again.send_text_message("replay", "two")
        finally:
            await api.close()

    run(scenario)
    assert [r["message"]["text"] for r in recorded(graph_url, "replay")] == ["one", "refused by Facebook", "two"]


def test_a_failed_template_listing_is_tried_again_with_the_next_update_and_fails_no_turn(graph_url: str) -> None:
    from channels.messenger.outbound import utility_messages as utility

    template = utility.load_templates()["kassa_refund_issued"]

    async def scenario() -> List[Any]:
        api = client(graph_url)
        statuses = utility.TemplateStatuses(MemoryStore(), api)
        try:
            await api.create_message_template(utility.creation_body(template, "en_US", "https://shop.example"))
            requests.post(
                f"{graph_url}/_fake/faults", json={"psid": "message_templates", "status": 500, "code": 2}, timeout=5
            )
            first = await statuses.status("kassa_refund_issued", "en_US")  # the listing fails: unknown, no error
            second = await statuses.status("kassa_refund_issued", "en_US")  # listed again at once
            return [first, second]
        finally:
            await api.close()

    first, second = run(scenario)
    assert first is None and second in ("PENDING", "APPROVED")


def test_an_update_that_cannot_go_out_gives_its_notice_back(
    graph_url: str, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Outside the 24-hour window with no approved template, a refund's update is not sent:
    its notice goes back to the ledger, so the refund webhook's retry tells it later."""
    from channels.messenger.outbound import utility_messages as utility
    from shop import ledger as ledger_module

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'orders.db'}")
    ledger_module.reset_ledger()
    ledger = ledger_module.get_ledger()
    assert ledger.claim_notice("O1", "refund R1")
    update = {
        "template": "kassa_refund_issued",
        "language": "en",
        "values": {"order_id": "O1", "total": "€5.00", "amount": "€5.00"},
        "notice": {"order_id": "O1", "name": "refund R1"},
    }

    async def scenario() -> None:
        api = client(graph_url)
        state = ConversationState(MemoryStore())
        await state.customer_wrote("gone-quiet", at=time.time() - 25 * 3600)
        output = MessengerOutput(
            api, state, templates=utility.load_templates(), statuses=utility.TemplateStatuses(MemoryStore(), api)
        )
        try:
            await output.send_response("gone-quiet", {"text": "We refunded €5.00", "custom": {"utility": update}})
        finally:
            await api.close()

    try:
        run(scenario)
        assert not ledger.notice_claimed("O1", "refund R1") and recorded(graph_url, "gone-quiet") == []

        # inside the window the update is the text; Facebook refusing it gives the notice back too
        assert ledger.claim_notice("O1", "refund R1")
        requests.post(
            f"{graph_url}/_fake/faults", json={"psid": "refused", "status": 500, "code": 2, "count": 4}, timeout=5
        )

        async def refused() -> None:
            api = client(graph_url)
            state = ConversationState(MemoryStore())
            await state.customer_wrote("refused")
            try:
                await MessengerOutput(api, state).send_response(
                    "refused", {"text": "We refunded €5.00", "custom": {"utility": update}}
                )
            finally:
                await api.close()

        run(refused)
        assert not ledger.notice_claimed("O1", "refund R1") and recorded(graph_url, "refused") == []
    finally:
        ledger_module.reset_ledger()


def test_a_message_that_left_without_an_answer_is_not_sent_again(graph_url: str) -> None:
    """A timeout is no refusal: Facebook may have the message, so it is not tried again
    (the customer would read it twice), and a replay of the turn keeps it as sent."""
    requests.post(f"{graph_url}/_fake/settings", json={"answer_delay_ms": 1500}, timeout=5)

    async def scenario() -> Tuple[SendApiError, bool]:
        api = client(graph_url, timeout_seconds=0.5)
        state = ConversationState(MemoryStore())
        try:
            with pytest.raises(SendApiError) as unanswered:
                await MessengerOutput(api, state, turn_key="m_slow").send_once(
                    "slow-line", {"text": "hello"}, "RESPONSE"
                )
            return unanswered.value, await state.reply_sent("m_slow:0")
        finally:
            await api.close()

    try:
        error, kept = run(scenario)
        assert error.maybe_delivered and kept and len(recorded(graph_url, "slow-line")) == 1
    finally:
        requests.post(f"{graph_url}/_fake/settings", json={"answer_delay_ms": 0}, timeout=5)
