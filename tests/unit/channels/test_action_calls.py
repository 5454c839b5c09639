"""Which failed action server calls make a turn fail and run again, and which end as in Rasa."""

from __future__ import annotations

import asyncio

import aiohttp
import aiohttp.web
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.core.processor import MessageProcessor
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import ClientResponseError, EndpointConfig

from channels import action_calls, rasa_changes


def rasa_error(cause: BaseException, chained: bool = True) -> RasaException:
    """A RasaException as RemoteAction.run raises it: with ``from`` or inside an ``except``."""
    try:
        try:
            raise cause
        except BaseException as error:
            if chained:
                raise RasaException("Failed to execute custom action 'action_add_to_cart'") from error
            raise RasaException("Failed to execute custom action 'action_add_to_cart'")  # noqa: B904 - as Rasa raises it: the cause only in __context__
    except RasaException as raised:
        return raised


@pytest.mark.parametrize("status", [502, 503, 504])
def test_a_balancer_without_a_server_is_unreachable(status: int) -> None:
    assert action_calls.unreachable(rasa_error(ClientResponseError(status, "Bad Gateway", "")))


def test_a_refused_or_reset_connection_is_unreachable() -> None:
    assert action_calls.unreachable(rasa_error(aiohttp.ServerDisconnectedError(), chained=False))
    assert action_calls.unreachable(rasa_error(aiohttp.ClientConnectionError("refused"), chained=False))
    assert action_calls.unreachable(rasa_error(asyncio.TimeoutError()))


@pytest.mark.parametrize("status", [400, 404, 500])
def test_an_action_that_failed_is_not_unreachable(status: int) -> None:
    assert not action_calls.unreachable(rasa_error(ClientResponseError(status, "Error", "")))


def test_an_error_without_a_cause_is_not_unreachable() -> None:
    assert not action_calls.unreachable(RasaException("no endpoint is configured"))


def test_installed_over_rasa() -> None:
    rasa_changes.install()
    assert RemoteAction.run is action_calls._run
    assert MessageProcessor._run_action is action_calls._run_action


class FlakyActionServer:
    """An action server over HTTP that answers ``failures`` calls with 502 (as HAProxy does
    for a server that died), then runs the action."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0

    async def webhook(self, request: aiohttp.web.Request) -> aiohttp.web.Response:
        self.calls += 1
        if self.calls <= self.failures:
            return aiohttp.web.Response(status=502, text="502 Bad Gateway")
        return aiohttp.web.json_response({"events": [{"event": "slot", "name": "cart", "value": {"LGT-002": 2}}]})


async def call_action(server: FlakyActionServer) -> list:
    app = aiohttp.web.Application()
    app.router.add_post("/webhook", server.webhook)
    runner = aiohttp.web.AppRunner(app)
    await runner.setup()
    site = aiohttp.web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        action = RemoteAction("action_add_to_cart", EndpointConfig(f"http://127.0.0.1:{port}/webhook"))
        tracker = DialogueStateTracker("customer", [])
        return await action.run(
            CollectingOutputChannel(), TemplatedNaturalLanguageGenerator({}), tracker, Domain.empty()
        )
    finally:
        await runner.cleanup()


def test_a_call_the_balancer_refused_is_made_again(monkeypatch: pytest.MonkeyPatch) -> None:
    rasa_changes.install()
    monkeypatch.setattr(action_calls, "CALL_PAUSES", (0.01, 0.01, 0.01))
    server = FlakyActionServer(failures=2)
    events = asyncio.run(call_action(server))
    assert server.calls == 3
    assert [(e.key, e.value) for e in events] == [("cart", {"LGT-002": 2})]


def test_a_call_never_answered_fails_after_its_tries(monkeypatch: pytest.MonkeyPatch) -> None:
    rasa_changes.install()
    monkeypatch.setattr(action_calls, "CALL_PAUSES", (0.01, 0.01))
    server = FlakyActionServer(failures=10)
    with pytest.raises(RasaException) as failed:
        asyncio.run(call_action(server))
    assert server.calls == 3 and action_calls.unreachable(failed.value)
