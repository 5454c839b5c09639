"""What a request from someone unknown may cost the Rasa server.

- Bodies: Sanic accepts 100 MB by default; Kassa's webhooks need a few KB, so
  every body above ``MAX_BODY_BYTES`` is refused with 413 before it is read.
- Rates: a moving window per client address (the ``limits`` library), for the
  endpoints anyone can call, and a smaller budget for failed proofs (a wrong
  token, a webhook PayPal does not verify) so that guessing and floods stop early.

The windows live in Redis when Rasa's lock store is Redis, so that several Rasa
instances (and the acceptors) share them; else in this process. Behind a proxy the
client is X-Forwarded-For's address, as Sanic reads it with SANIC_PROXIES_COUNT.
A store that does not answer (Redis restarting) lets requests through: the limits
guard against floods, and refusing every buyer while Redis restarts would be worse.
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
# A limit check must not hold a request up for long when Redis is away.
REDIS_OPTIONS = {"socket_timeout": 0.5, "socket_connect_timeout": 0.5}
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

    def __init__(
        self, rate: Optional[str] = None, failure_rate: Optional[str] = None, storage_url: Optional[str] = None
    ) -> None:
        self.rate: RateLimitItem = parse(rate or DEFAULT_RATE)
        self.failure_rate: RateLimitItem = parse(failure_rate or DEFAULT_FAILURE_RATE)
        # the limiter holds its storage by a weak reference only
        self._storage = (
            storage.storage_from_string(storage_url, **REDIS_OPTIONS) if storage_url else storage.MemoryStorage()
        )
        self._windows = strategies.MovingWindowRateLimiter(self._storage)

    def refuse(self, request: Request, scope: str) -> Optional[HTTPResponse]:
        """A 429 answer when this client is over its rate or has failed too often; None to go on."""
        client = client_address(request)
        try:
            failing = not self._windows.test(self.failure_rate, "failures", scope, client)
            flooding = not failing and not self._windows.hit(self.rate, "requests", scope, client)
        except Exception as error:  # noqa: BLE001  (the store is away: let the request through)
            logger.warning("Rate limits unavailable (%s): %s from %r let through", error, scope, client)
            return None
        if failing:
            logger.warning("Refused %s from %r: too many failed attempts", scope, client)
            return too_many()
        if flooding:
            logger.warning("Refused %s from %r: over %s", scope, client, self.rate)
            return too_many()
        return None

    def failed(self, request: Request, scope: str) -> None:
        """Count a failed proof (wrong token, unverified webhook) against the client."""
        try:
            self._windows.hit(self.failure_rate, "failures", scope, client_address(request))
        except Exception as error:  # noqa: BLE001
            logger.warning("Rate limits unavailable (%s): a failed %s not counted", error, scope)


def shared_limits(endpoints_path: str, rate: Optional[str] = None, failure_rate: Optional[str] = None) -> ClientLimits:
    """Limits whose windows live where the replicas share them: the Redis of Rasa's lock
    store in ``endpoints_path``, if it is Redis; else in this process."""
    from channels.messenger.state.store import redis_url_from_lock_store

    return ClientLimits(rate, failure_rate, redis_url_from_lock_store(endpoints_path))


def too_many() -> HTTPResponse:
    return response.json({"error": "too many requests"}, status=429, headers={"Retry-After": "60"})
