"""Rasa's REST channel behind a bearer token, for tests, the benchmark and tools.

Rasa's own ``rest`` channel lets anyone post as any sender, claim any input
channel and type intents such as ``/payment_update{...}``. Here every post
needs ``Authorization: Bearer <REST_API_TOKEN>``; with no token set the
channel refuses everything, which is what production gets by default. The
input channel is always ``rest``: a post cannot pass for Messenger.
"""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request

from channels.request_limits import cap_body_size
from channels.secrets import bearer_token, same_secret
from shop import startup

logger = logging.getLogger(__name__)


class TokenRestInput(RestInput):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        startup.check_server()
        return cls(token=str((credentials or {}).get("token") or ""))

    def __init__(self, token: str) -> None:
        self.token = token
        if not token:
            logger.info("REST channel closed: REST_API_TOKEN is not set")

    def _extract_input_channel(self, req: Request) -> Text:
        return self.name()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        rest = super().blueprint(on_new_message)

        @rest.listener("before_server_start")
        async def limit_bodies(app: Any, loop: Any) -> None:
            cap_body_size(app)

        @rest.middleware("request")
        async def require_token(request: Request) -> Optional[Any]:
            if request.method == "POST" and not same_secret(
                bearer_token(request.headers.get("Authorization")), self.token
            ):
                logger.warning("REST post refused: missing or wrong bearer token (from %r)", request.ip)
                return response.json({"error": "a valid bearer token (REST_API_TOKEN) is required"}, status=401)
            return None

        return rest
