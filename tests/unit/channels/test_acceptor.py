"""The webhook acceptor as its own process, over real HTTP: it stores before it answers,
refuses what is not Facebook's, answers 503 when it cannot store, and loads no Rasa."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import requests

from channels.messenger.inbound.intake_sql import SqlIntake
from harness.servers import PROJECT_ROOT, Server, free_port
from sandbox.facebook import webhooks

SECRET = "acceptor-test-secret"


def start(tmp_path: Path, endpoints: Path) -> tuple:
    port = free_port()
    database = f"sqlite:///{tmp_path / 'connector.db'}"
    env = {
        "FB_APP_SECRET": SECRET,
        "FB_VERIFY_TOKEN": "verify-me",
        "FB_PAGE_ACCESS_TOKEN": "token",
        "KASSA_ACCEPTOR_PORT": str(port),
        "KASSA_STATE_DATABASE_URL": database,
        "RASA_ENDPOINTS": str(endpoints),
    }
    url = f"http://127.0.0.1:{port}"
    return (
        Server(
            [sys.executable, "-m", "channels.messenger.inbound.acceptor"],
            f"{url}/",
            env,
            "acceptor-test",
            log_dir=tmp_path,
        ),
        url,
        database,
    )


def test_the_acceptor_stores_then_answers_and_refuses_strangers(tmp_path: Path) -> None:
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("action_endpoint:\n  url: http://localhost:5055/webhook\n")
    server, url, database = start(tmp_path, endpoints)
    try:
        webhook = f"{url}/webhooks/facebook/webhook"
        raw, headers = webhooks.signed(
            webhooks.delivery(webhooks.text_event("p1", "hi"), webhooks.text_event("p2", "hoi")), SECRET
        )
        assert requests.post(webhook, data=raw, headers=headers, timeout=10).status_code == 200
        assert asyncio.run(SqlIntake(database).pending()) == 2  # stored before the 200
        forged = dict(headers, **{"X-Hub-Signature-256": "sha256=" + "0" * 64})
        assert requests.post(webhook, data=raw, headers=forged, timeout=10).status_code == 403
        raw_bad, headers_bad = webhooks.signed({"object": "user"}, SECRET)
        assert requests.post(webhook, data=raw_bad, headers=headers_bad, timeout=10).status_code == 400
        challenge = requests.get(
            webhook,
            params={"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "42"},
            timeout=10,
        )
        assert challenge.text == "42"
        assert asyncio.run(SqlIntake(database).pending()) == 2
    finally:
        server.stop()


def test_the_acceptor_answers_503_when_redis_is_away(tmp_path: Path) -> None:
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(
        f"lock_store:\n  type: redis\n  url: 127.0.0.1\n  port: {free_port()}\n  db: 1\n"
    )  # nobody listens there
    server, url, _ = start(tmp_path, endpoints)
    try:
        raw, headers = webhooks.signed(webhooks.delivery(webhooks.text_event("p1", "hi")), SECRET)
        answer = requests.post(f"{url}/webhooks/facebook/webhook", data=raw, headers=headers, timeout=30)
        assert answer.status_code == 503  # Facebook delivers it again later
    finally:
        server.stop()


def test_the_acceptor_loads_no_rasa() -> None:
    probe = "import sys, channels.messenger.inbound.acceptor, channels.messenger.state.factories; print('rasa' in sys.modules)"
    loaded = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert loaded.stdout.strip() == "False", loaded.stderr[-2000:]
