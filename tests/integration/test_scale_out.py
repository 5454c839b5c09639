"""Two Rasa instances behind one webhook URL, sharing Rasa's Redis lock store
and the SQL tracker store: the setup of a shop that outgrew one machine. The
connector's state (seen message ids, payloads the bot sent) follows the lock
store into Redis, so either instance may get any delivery."""

from __future__ import annotations

import concurrent.futures
import json
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import pytest
import requests

from harness.servers import PROJECT_ROOT, RASA_STARTUP_SECONDS, RedisServer, Server, free_port
from harness.stack import APP_SECRET, Stack, start_stack, wait_for
from sandbox.facebook import webhooks

pytestmark = pytest.mark.integration


def redis_endpoints(directory: Path, redis_url: str) -> Path:
    port = redis_url.rsplit(":", 1)[1].split("/")[0]
    endpoints = directory / "endpoints.yml"
    lock_store = f"\nlock_store:\n  type: redis\n  url: 127.0.0.1\n  port: {port}\n  db: 1\n"
    endpoints.write_text((PROJECT_ROOT / "endpoints.yml").read_text() + lock_store)
    return endpoints


def second_rasa(stack: Stack) -> Tuple[Server, str]:
    """Another Rasa on the same model, action server, tracker store and lock store."""
    command, env = stack.extra["rasa"]
    port = free_port()
    command = list(command)
    command[command.index("--port") + 1] = str(port)
    url = f"http://127.0.0.1:{port}"
    return Server(command, f"{url}/", env, "scale-out-rasa-2", startup_seconds=RASA_STARTUP_SECONDS), url


@pytest.fixture(scope="module")
def instances(tmp_path_factory) -> Iterator[Tuple[Stack, List[str]]]:
    directory = tmp_path_factory.mktemp("scale-out")
    redis_server = RedisServer(directory)
    redis_url = redis_server.url
    stack = None
    try:
        endpoints = redis_endpoints(directory, redis_url)
        stack = start_stack(
            PROJECT_ROOT / ".run" / "tests" / "scale-out",
            env={"RASA_ENDPOINTS": str(endpoints)},
            rasa_args=["--endpoints", str(endpoints)],
            log_prefix="scale-out-",
        )
        other, other_url = second_rasa(stack)
        stack.servers.append(other)
        yield stack, [stack.rasa_url, other_url]
    finally:  # also after a failed start or a timeout: nothing is left running
        if stack is not None:
            stack.stop()
        redis_server.stop()


def deliver(rasa_url: str, *events: Dict) -> requests.Response:
    raw, headers = webhooks.signed(webhooks.delivery(*events), APP_SECRET)
    return requests.post(f"{rasa_url}/webhooks/facebook/webhook", data=raw, headers=headers, timeout=10)


def test_a_redelivery_to_the_other_instance_gives_one_turn(instances, psid: str) -> None:
    stack, urls = instances
    event = webhooks.text_event(psid, "hi")
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda url: deliver(url, event), urls * 2))
    assert [answer.status_code for answer in answers] == [200] * 4
    wait_for(lambda: stack.messages(psid), 60)
    wait_for(lambda: False, 2)  # time for a second turn to show, if there were one
    assert len(stack.user_events(psid)) == 1
    assert len(stack.messages(psid)) == 1


def test_a_button_sent_by_one_instance_is_honoured_by_the_other(instances, psid: str) -> None:
    stack, (first, second) = instances
    assert deliver(first, webhooks.text_event(psid, "what do you sell?")).status_code == 200
    replies = wait_for(lambda: [m for m in stack.messages(psid) if m.get("quick_replies")], 60)
    assert replies, "the catalog answer with category quick replies never came"
    tapped = replies[0]["quick_replies"][0]
    assert tapped["payload"].startswith("/")
    assert deliver(second, webhooks.quick_reply_event(psid, tapped["title"], tapped["payload"])).status_code == 200
    user_texts = wait_for(lambda: [e["text"] for e in stack.user_events(psid)][1:], 60)
    assert user_texts == [tapped["payload"]]
    intent = stack.user_events(psid)[-1]["parse_data"]["intent"]["name"]
    assert intent == tapped["payload"][1:].split("{")[0]
    entities = json.loads(tapped["payload"][tapped["payload"].index("{") :]) if "{" in tapped["payload"] else {}
    parsed = {e["entity"]: e["value"] for e in stack.user_events(psid)[-1]["parse_data"]["entities"]}
    assert parsed == entities
