"""The three doors a message can take into the same Rasa model, as seen by a customer."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import random
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

import aiohttp

from sandbox.facebook import webhooks
from sandbox.facebook.platform import webhook_signature

TURN_TIMEOUT_SECONDS = 60.0


@dataclass
class Turn:
    door: str
    step: str
    ok: bool
    webhook_ms: Optional[float] = None
    latency_ms: Optional[float] = None
    replies: int = 0
    expected: int = 0
    error: Optional[str] = None


@dataclass
class Faults:
    """Delivery faults the driver adds (the sandboxes add Send API and PayPal faults)."""

    duplicate_rate: float = 0.0
    batch_rate: float = 0.0
    duplicated: int = 0
    batched: int = 0
    noise_psids: List[str] = field(default_factory=list)


# Facebook delivers a webhook again when it was not answered 200; these are the
# driver's pauses between deliveries of one event (Facebook's own are longer).
REDELIVERY_PAUSES = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0, 8.0)


class MessengerDoor:
    """A signed webhook in; the bot's replies counted at the fake Graph API. With
    ``redeliver``, an answer other than 200 gets the delivery again, as from Facebook."""

    def __init__(
        self, name: str, webhook_url: str, graph_url: str, app_secret: str, faults: Faults, redeliver: bool = False
    ) -> None:
        self.name = name
        self.webhook_url = webhook_url
        self.graph_url = graph_url
        self.app_secret = app_secret
        self.faults = faults
        self.redeliver = redeliver
        self.redelivered = 0
        self.expected: Dict[str, int] = {}

    async def _post(self, session: aiohttp.ClientSession, raw: bytes) -> Tuple[int, float]:
        """The answer's status and how long it took; with ``redeliver``, of the first 200."""
        pauses = list(REDELIVERY_PAUSES) if self.redeliver else []
        while True:
            start = time.time()
            try:
                async with session.post(self.webhook_url, data=raw, headers=self._headers(raw)) as answer:
                    status = answer.status
            except (aiohttp.ClientError, asyncio.TimeoutError):
                if not pauses:
                    raise
                status = 0
            if status == 200 or not pauses:
                return status, (time.time() - start) * 1000
            self.redelivered += 1
            await asyncio.sleep(pauses.pop(0))

    def _headers(self, raw: bytes) -> Dict[str, str]:
        sha1 = "sha1=" + hmac.new(self.app_secret.encode(), raw, hashlib.sha1).hexdigest()
        return {
            "Content-Type": "application/json",
            "X-Hub-Signature-256": webhook_signature(self.app_secret, raw),
            "X-Hub-Signature": sha1,
        }

    async def turn(self, session: aiohttp.ClientSession, psid: str, text: str, expected: int) -> Turn:
        events = [webhooks.text_event(psid, text)]
        if random.random() < self.faults.batch_rate:
            noise = [f"{psid}n{uuid.uuid4().hex[:6]}" for _ in range(2)]
            self.faults.noise_psids.extend(noise)
            self.faults.batched += 1
            events += [webhooks.text_event(n, "hi") for n in noise]
        raw = json.dumps(webhooks.delivery(*events)).encode()
        start = time.time()
        try:
            status, webhook_ms = await self._post(session, raw)
            if random.random() < self.faults.duplicate_rate:
                self.faults.duplicated += 1
                async with session.post(self.webhook_url, data=raw, headers=self._headers(raw)):
                    pass
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            return Turn(self.name, text, False, error=type(error).__name__)
        if status != 200:
            return Turn(self.name, text, False, webhook_ms, error=f"webhook {status}")
        total = self.expected.get(psid, 0) + expected
        self.expected[psid] = total
        params = {"psid": psid, "count": str(total), "timeout": str(TURN_TIMEOUT_SECONDS)}
        async with session.get(
            f"{self.graph_url}/_fake/wait", params=params, timeout=aiohttp.ClientTimeout(total=TURN_TIMEOUT_SECONDS + 5)
        ) as answer:
            seen = await answer.json()
        if seen["count"] < total:
            return Turn(
                self.name,
                text,
                False,
                webhook_ms,
                replies=seen["count"] - (total - expected),
                expected=expected,
                error="lost reply",
            )
        latency_ms = (seen["times"][total - 1] - start) * 1000
        return Turn(self.name, text, True, webhook_ms, latency_ms, replies=expected, expected=expected)


class RestDoor:
    """Rasa's REST channel: the replies come back in the HTTP answer; the floor of what Rasa costs."""

    name = "rest"

    def __init__(self, url: str, token: str) -> None:
        self.url = url
        self.headers = {"Authorization": f"Bearer {token}"}
        self.expected: Dict[str, int] = {}

    async def turn(self, session: aiohttp.ClientSession, psid: str, text: str, expected: int) -> Turn:
        start = time.time()
        try:
            async with session.post(self.url, json={"sender": psid, "message": text}, headers=self.headers) as answer:
                replies: List[Any] = await answer.json() if answer.status == 200 else []
                status = answer.status
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            return Turn(self.name, text, False, error=type(error).__name__)
        latency_ms = (time.time() - start) * 1000
        if status != 200:
            return Turn(self.name, text, False, error=f"rest {status}")
        ok = len(replies) == expected
        return Turn(self.name, text, ok, latency_ms, latency_ms, len(replies), expected, None if ok else "reply count")
