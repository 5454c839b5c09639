"""What a request from someone unknown may cost the Rasa server.

- Bodies: Sanic accepts 100 MB by default; Kassa's webhooks need a few KB, so
  every body above ``MAX_BODY_BYTES`` is refused with 413 before it is read.
- Rates: a moving window per client address (the ``limits`` library), for the
  endpoints anyone can call, and a smaller budget for failed proofs (a wrong
  token, a webhook PayPal does not verify) so that guessing and floods stop early.

The windows live in this process; with several Rasa instances each keeps its own.
"""
from __future__ import annotations

import logging
from typing import Any, Optional

from limits import RateLimitItem, parse, storage, strategies
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
DEFAULT_RATE = "300/minute"
DEFAULT_FAILURE_RATE = "10/minute"


def cap_body_size(app: Any) -> None:
    """Lower Sanic's REQUEST_MAX_SIZE (read for each new connection) to MAX_BODY_BYTES."""
    app.config.REQUEST_MAX_SIZE = min(int(app.config.REQUEST_MAX_SIZE), MAX_BODY_BYTES)


def client_address(request: Request) -> str:
    """The peer's address; behind a proxy, Sanic's ``remote_addr`` once PROXIES_COUNT or FORWARDED_SECRET is set."""
    return request.remote_addr or request.ip or "unknown"


class ClientLimits:
    """Requests and failed proofs per client address, per scope (one scope per endpoint)."""

    def __init__(self, rate: Optional[str] = None, failure_rate: Optional[str] = None) -> None:
        self.rate: RateLimitItem = parse(rate or DEFAULT_RATE)
        self.failure_rate: RateLimitItem = parse(failure_rate or DEFAULT_FAILURE_RATE)
        self._storage = storage.MemoryStorage()  # the limiter holds it by a weak reference only
        self._windows = strategies.MovingWindowRateLimiter(self._storage)

    def refuse(self, request: Request, scope: str) -> Optional[HTTPResponse]:
        """A 429 answer when this client is over its rate or has failed too often; None to go on."""
        client = client_address(request)
        if not self._windows.test(self.failure_rate, "failures", scope, client):
            logger.warning("Refused %s from %r: too many failed attempts", scope, client)
            return too_many()
        if not self._windows.hit(self.rate, "requests", scope, client):
            logger.warning("Refused %s from %r: over %s", scope, client, self.rate)
            return too_many()
        return None

    def failed(self, request: Request, scope: str) -> None:
        """Count a failed proof (wrong token, unverified webhook) against the client."""
        self._windows.hit(self.failure_rate, "failures", scope, client_address(request))


def too_many() -> HTTPResponse:
    return response.json({"error": "too many requests"}, status=429, headers={"Retry-After": "60"})
