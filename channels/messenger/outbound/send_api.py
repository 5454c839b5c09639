"""An async client of the Messenger Send API (Graph API) on aiohttp.

One shared session, a timeout on every call, retries with backoff on 5xx,
429, timeouts and Facebook's transient error codes, none when the customer
cannot be reached. Every call carries appsecret_proof. Errors are logged with
their fbtrace_id; the page token never is.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional

import aiohttp

from channels.messenger.inbound.signature import appsecret_proof
from channels.messenger.outbound.graph_versions import DEFAULT_GRAPH_VERSION
from channels.turn_loop import PerLoop
from shop import settings

logger = logging.getLogger(__name__)

DEFAULT_GRAPH_URL = "https://graph.facebook.com"
PROFILE_FIELDS = "locale,first_name,last_name"
# Facebook error codes worth another try: unknown, service, rate limits.
TRANSIENT_CODES = frozenset({1, 2, 4, 17, 32, 341, 613})
# The customer cannot be reached (blocked the page, deleted account, no such user).
UNREACHABLE = frozenset({(551, None), (100, 2018001), (10, 2018108), (200, 1545041)})


class SendApiError(Exception):
    def __init__(
        self,
        status: Optional[int],
        code: Optional[int],
        subcode: Optional[int],
        message: str,
        fbtrace_id: Optional[str],
        maybe_delivered: bool = False,
    ) -> None:
        super().__init__(f"Send API error status={status} code={code} subcode={subcode}: {message}")
        self.status, self.code, self.subcode, self.fbtrace_id = status, code, subcode, fbtrace_id
        # The request left and no answer came (a timeout, a dropped connection): Facebook
        # may have taken it, so sending it again could send a message twice.
        self.maybe_delivered = maybe_delivered

    @property
    def unreachable(self) -> bool:
        return (self.code, self.subcode) in UNREACHABLE or (self.code, None) in UNREACHABLE

    @property
    def retryable(self) -> bool:
        if self.unreachable:
            return False
        return self.status is None or self.status == 429 or self.status >= 500 or self.code in TRANSIENT_CODES


@dataclass(frozen=True)
class SendApiConfig:
    page_access_token: str
    app_secret: str
    graph_url: str = DEFAULT_GRAPH_URL
    graph_version: str = DEFAULT_GRAPH_VERSION
    timeout_seconds: float = 10.0
    max_attempts: int = 4
    backoff_seconds: float = 0.2


def config_from_settings(env: Optional[Mapping[str, str]] = None) -> SendApiConfig:
    """The Graph API client's settings for the command-line tools (the connector gets its
    own from credentials.yml)."""
    facebook = settings.messenger(env)
    return SendApiConfig(facebook.page_access_token, facebook.app_secret, facebook.graph_url, facebook.graph_version)


class SendApiClient:
    def __init__(self, config: SendApiConfig) -> None:
        self.config = config
        self._sessions: PerLoop[aiohttp.ClientSession] = PerLoop(self._new_session, lambda session: not session.closed)
        self._proof = appsecret_proof(config.app_secret, config.page_access_token)

    def _url(self, path: str) -> str:
        return f"{self.config.graph_url.rstrip('/')}/{self.config.graph_version}/{path}"

    def _new_session(self) -> aiohttp.ClientSession:
        return aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=self.config.timeout_seconds),
            connector=aiohttp.TCPConnector(limit=200),
        )

    async def session(self) -> aiohttp.ClientSession:
        """One session per event loop: turns send from the turn loop, Rasa's own
        HTTP API (``trigger_intent``) from Sanic's."""
        return self._sessions.get()

    async def close(self) -> None:
        """Close the session of the running loop."""
        session = self._sessions.pop()
        if session is not None:
            await session.close()

    async def send_message(
        self, recipient_id: str, message: Mapping[str, Any], messaging_type: str = "RESPONSE", tag: Optional[str] = None
    ) -> Dict[str, Any]:
        body: Dict[str, Any] = {"recipient": {"id": recipient_id}, "messaging_type": messaging_type, "message": message}
        if tag:
            body["tag"] = tag
        return await self.post("me/messages", body, again_if_unanswered=False)

    async def sender_action(self, recipient_id: str, action: str) -> Dict[str, Any]:
        return await self.post("me/messages", {"recipient": {"id": recipient_id}, "sender_action": action})

    async def pass_thread_control(self, recipient_id: str, target_app_id: str, metadata: str = "") -> Dict[str, Any]:
        body = {"recipient": {"id": recipient_id}, "target_app_id": target_app_id, "metadata": metadata}
        return await self.post("me/pass_thread_control", body)

    async def set_messenger_profile(self, profile: Mapping[str, Any]) -> Dict[str, Any]:
        return await self.post("me/messenger_profile", profile)

    async def create_message_template(self, body: Mapping[str, Any]) -> Dict[str, Any]:
        """A utility template on the Page (see channels/messenger/outbound/utility_messages.py): {id, status, category}."""
        return await self.post("me/message_templates", body)

    async def list_message_templates(self) -> List[Dict[str, Any]]:
        """The Page's templates with their review status, every page of the listing."""
        rows: List[Dict[str, Any]] = []
        params: Dict[str, str] = {**self._auth(), "fields": "name,language,status,category", "limit": "100"}
        url: Optional[str] = self._url("me/message_templates")
        while url:
            session = await self.session()
            async with session.get(url, params=params) as response:
                answer = await _json(response)
            if response.status >= 400:
                raise _error(response.status, answer)
            rows.extend(row for row in answer.get("data") or [] if isinstance(row, dict))
            after = ((answer.get("paging") or {}).get("cursors") or {}).get("after")
            url = self._url("me/message_templates") if after and (answer.get("paging") or {}).get("next") else None
            params = {**params, "after": str(after)} if url else params
        return rows

    async def user_profile(self, psid: str) -> Dict[str, str]:
        """What the User Profile API tells of a customer: ``locale`` ("nl_BE") and
        ``first_name``/``last_name``, each only where the Page may read it.

        One attempt and no error: the fields only help (the first reply's language, the
        name an iDEAL payment needs), and the locale needs a permission not every app has."""
        try:
            session = await self.session()
            async with session.get(self._url(psid), params={**self._auth(), "fields": PROFILE_FIELDS}) as response:
                answer = await _json(response)
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            logger.info("User Profile API unavailable for %s: %s", psid, type(error).__name__)
            return {}
        if response.status >= 400:
            refusal = _error(response.status, answer)
            logger.info(
                "User Profile API refused the profile of %s: code=%s fbtrace_id=%s",
                psid,
                refusal.code,
                refusal.fbtrace_id,
            )
            return {}
        return {
            name: value
            for name, value in answer.items()
            if name in PROFILE_FIELDS.split(",") and isinstance(value, str) and value
        }

    def _auth(self) -> Dict[str, str]:
        return {"access_token": self.config.page_access_token, "appsecret_proof": self._proof}

    async def post(self, path: str, body: Mapping[str, Any], again_if_unanswered: bool = True) -> Dict[str, Any]:
        """POST with retries on Facebook's transient errors and on connections that could not
        be made. A request that left without an answer is tried again only when
        ``again_if_unanswered`` (not for messages: the customer would read one twice)."""
        params = self._auth()
        last_error: Optional[SendApiError] = None
        for attempt in range(1, self.config.max_attempts + 1):
            try:
                session = await self.session()
                async with session.post(self._url(path), params=params, json=body) as response:
                    answer = await _json(response)
                    if response.status < 400:
                        return answer
                    last_error = _error(response.status, answer)
            except (aiohttp.ClientError, asyncio.TimeoutError) as error:
                unanswered = not isinstance(error, aiohttp.ClientConnectorError)  # connected, sent, no answer
                last_error = SendApiError(None, None, None, type(error).__name__, None, maybe_delivered=unanswered)
            if not last_error.retryable or attempt == self.config.max_attempts:
                break
            if last_error.maybe_delivered and not again_if_unanswered:
                break
            delay = self.config.backoff_seconds * 2 ** (attempt - 1)
            await asyncio.sleep(delay + random.uniform(0, delay / 2))
        assert last_error is not None
        logger.error(
            "Send API %s failed for recipient %s after %d attempt(s): status=%s code=%s subcode=%s fbtrace_id=%s%s",
            path,
            body.get("recipient", {}).get("id"),
            attempt,
            last_error.status,
            last_error.code,
            last_error.subcode,
            last_error.fbtrace_id,
            " (customer unreachable)" if last_error.unreachable else "",
        )
        raise last_error


async def _json(response: aiohttp.ClientResponse) -> Dict[str, Any]:
    try:
        answer = await response.json(content_type=None)
    except (ValueError, aiohttp.ContentTypeError):
        return {}
    return answer if isinstance(answer, dict) else {}


def _error(status: int, answer: Mapping[str, Any]) -> SendApiError:
    error = answer.get("error") or {}
    return SendApiError(
        status, error.get("code"), error.get("error_subcode"), str(error.get("message", "")), error.get("fbtrace_id")
    )
