"""A small PayPal REST client on requests: OAuth2 token, Orders v2, retries.

One client per process (``get_client``) shares one ``requests.Session`` and one
cached token between all actions. Calls that may be repeated (429, 5xx,
timeouts) are retried with backoff under the same PayPal-Request-Id, so PayPal
applies them once. Secrets and tokens are never logged.
"""

from __future__ import annotations

import json as json_text
import logging
import random
import threading
import time
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional

import requests

from shop import settings

logger = logging.getLogger(__name__)

SANDBOX_BASE_URL = "https://api-m.sandbox.paypal.com"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
TOKEN_REFRESH_MARGIN_SECONDS = 300


@dataclass(frozen=True)
class PayPalConfig:
    client_id: str
    client_secret: str
    base_url: str = SANDBOX_BASE_URL
    public_url: str = "http://localhost:5005"
    shop_name: str = "Kassa Bike Shop"
    shipping_preference: str = "GET_FROM_FILE"
    timeout_seconds: float = 10.0
    max_attempts: int = 4
    backoff_seconds: float = 0.25

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "PayPalConfig":
        paypal, shop = settings.paypal(env), settings.shop(env)
        return cls(
            client_id=paypal.client_id,
            client_secret=paypal.client_secret,
            base_url=paypal.base_url,
            public_url=shop.public_url,
            shop_name=shop.shop_name,
            shipping_preference=paypal.shipping_preference,
            timeout_seconds=paypal.timeout_seconds,
            max_attempts=paypal.max_attempts,
        )


class PayPalError(Exception):
    """PayPal refused a call, or could not be reached after every retry."""

    def __init__(
        self,
        status: Optional[int],
        name: str,
        message: str,
        debug_id: Optional[str] = None,
        details: Optional[List[Mapping[str, Any]]] = None,
    ) -> None:
        super().__init__(f"{name}: {message}")
        self.status = status
        self.name = name
        self.message = message
        self.debug_id = debug_id
        self.details = list(details or [])

    @property
    def issues(self) -> List[str]:
        return [str(detail.get("issue")) for detail in self.details if detail.get("issue")]

    @property
    def retryable(self) -> bool:
        """True when PayPal could not be reached or failed on its side."""
        return self.status is None or self.status in RETRY_STATUSES

    @classmethod
    def from_response(cls, response: requests.Response) -> "PayPalError":
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        return cls(
            status=response.status_code,
            name=str(body.get("name") or body.get("error") or f"HTTP_{response.status_code}"),
            message=str(body.get("message") or body.get("error_description") or response.reason or ""),
            debug_id=body.get("debug_id") or response.headers.get("Paypal-Debug-Id"),
            details=body.get("details") if isinstance(body.get("details"), list) else None,
        )


class PayPalClient:
    def __init__(self, config: PayPalConfig, session: Optional[requests.Session] = None) -> None:
        self.config = config
        self.session = session or requests.Session()
        self._token: Optional[str] = None
        self._token_expires_at = 0.0
        self._token_lock = threading.Lock()
        self.token_requests = 0

    # --- authentication -------------------------------------------------------

    def access_token(self) -> str:
        """The cached OAuth2 token, fetched again shortly before it expires."""
        with self._token_lock:
            if self._token and time.monotonic() < self._token_expires_at:
                return self._token
            if not self.config.client_id or not self.config.client_secret:
                raise PayPalError(None, "MISSING_CREDENTIALS", "PAYPAL_CLIENT_ID and PAYPAL_CLIENT_SECRET must be set")
            response = self._send(
                "POST",
                "/v1/oauth2/token",
                auth=(self.config.client_id, self.config.client_secret),
                data={"grant_type": "client_credentials"},
                headers={"Accept": "application/json"},
            )
            body = response.json()
            self.token_requests += 1
            self._token = body["access_token"]
            lifetime = float(body.get("expires_in", 0))
            margin = min(TOKEN_REFRESH_MARGIN_SECONDS, lifetime / 10)
            self._token_expires_at = time.monotonic() + lifetime - margin
            return self._token

    def forget_token(self) -> None:
        with self._token_lock:
            self._token = None
            self._token_expires_at = 0.0

    # --- Orders v2 --------------------------------------------------------------

    def create_order(self, body: Mapping[str, Any], request_id: str) -> Dict[str, Any]:
        return self._api("POST", "/v2/checkout/orders", json=body, request_id=request_id)

    def get_order(self, order_id: str) -> Dict[str, Any]:
        return self._api("GET", f"/v2/checkout/orders/{_path_segment(order_id)}")

    def capture_order(self, order_id: str, request_id: str) -> Dict[str, Any]:
        return self._api(
            "POST", f"/v2/checkout/orders/{_path_segment(order_id)}/capture", json={}, request_id=request_id
        )

    def add_tracking(self, order_id: str, tracker: Mapping[str, Any], request_id: str) -> Dict[str, Any]:
        """A shipment's tracking number on the order's capture, which PayPal uses for seller
        protection: POST /v2/checkout/orders/{id}/track (Orders v2, order_tracker_request,
        ../shared/paypal-openapi/checkout_orders_v2.json, read 2026-12-02). The order back."""
        return self._api(
            "POST", f"/v2/checkout/orders/{_path_segment(order_id)}/track", json=dict(tracker), request_id=request_id
        )

    # --- Payments v2 -------------------------------------------------------------------

    def refund_capture(
        self, capture_id: str, request_id: str, amount: Optional[Mapping[str, str]] = None
    ) -> Dict[str, Any]:
        """Refund a capture: all that is left of it, or ``amount`` ({currency_code, value}).
        POST /v2/payments/captures/{id}/refund (Payments v2, read 2026-11-28)."""
        body = {"amount": dict(amount)} if amount else {}
        return self._api(
            "POST", f"/v2/payments/captures/{_path_segment(capture_id)}/refund", json=body, request_id=request_id
        )

    # --- Webhooks v1 ------------------------------------------------------------------

    def verify_webhook_signature(self, headers: Mapping[str, str], raw_event: bytes, webhook_id: str) -> bool:
        """Ask PayPal whether a webhook delivery really came from PayPal.

        The signature covers the CRC32 of the body exactly as PayPal sent it, so the event
        goes into the verify call as those bytes, never parsed and written again (other
        spacing, key order or escapes would fail it). Contract: POST
        /v1/notifications/verify-webhook-signature, developer.paypal.com/api/webhooks/v1/
        and /api/rest/webhooks/rest (read 2026-12-01)."""
        lower = {key.lower(): value for key, value in headers.items()}
        fields = {
            "auth_algo": lower.get("paypal-auth-algo", ""),
            "cert_url": lower.get("paypal-cert-url", ""),
            "transmission_id": lower.get("paypal-transmission-id", ""),
            "transmission_sig": lower.get("paypal-transmission-sig", ""),
            "transmission_time": lower.get("paypal-transmission-time", ""),
            "webhook_id": webhook_id,
        }
        if not all(fields.values()) or not raw_event.strip():
            return False
        body = json_text.dumps(fields)[:-1].encode() + b', "webhook_event": ' + raw_event.strip() + b"}"
        answer = self._api("POST", "/v1/notifications/verify-webhook-signature", data=body)
        return answer.get("verification_status") == "SUCCESS"

    # --- transport --------------------------------------------------------------

    def _api(
        self,
        method: str,
        path: str,
        json: Optional[Mapping[str, Any]] = None,
        request_id: Optional[str] = None,
        data: Optional[bytes] = None,
    ) -> Dict[str, Any]:
        """One authorised call: a JSON body as ``json``, or as bytes written already (``data``)."""
        headers = {"Content-Type": "application/json", "Prefer": "return=representation"}
        if request_id:
            headers["PayPal-Request-Id"] = request_id
        for renewed in (False, True):
            headers["Authorization"] = f"Bearer {self.access_token()}"
            try:
                body: Dict[str, Any] = {"data": data} if data is not None else {"json": json}
                return self._send(method, path, headers=headers, **body).json()
            except PayPalError as error:
                if error.status == 401 and not renewed:
                    self.forget_token()
                    continue
                raise
        raise AssertionError("unreachable")

    def _send(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """One call with retries on 429, 5xx and timeouts; raises PayPalError."""
        url = self.config.base_url + path
        last_error: Optional[PayPalError] = None
        for attempt in range(1, self.config.max_attempts + 1):
            try:
                response = self.session.request(method, url, timeout=self.config.timeout_seconds, **kwargs)
            except (requests.Timeout, requests.ConnectionError) as error:
                last_error = PayPalError(None, "UNREACHABLE", type(error).__name__)
            else:
                if response.ok:
                    return response
                last_error = PayPalError.from_response(response)
                if not last_error.retryable:
                    _log_refusal(method, path, last_error)
                    raise last_error
            if attempt < self.config.max_attempts:
                delay = self._backoff(attempt, last_error)
                logger.warning(
                    "PayPal %s %s failed (%s, debug_id=%s), attempt %d of %d, retrying in %.2fs",
                    method,
                    path,
                    last_error.name,
                    last_error.debug_id,
                    attempt,
                    self.config.max_attempts,
                    delay,
                )
                time.sleep(delay)
        assert last_error is not None
        _log_refusal(method, path, last_error)
        raise last_error

    def _backoff(self, attempt: int, error: PayPalError) -> float:
        delay = self.config.backoff_seconds * (2 ** (attempt - 1))
        return delay + random.uniform(0, delay / 2)


def _log_refusal(method: str, path: str, error: PayPalError) -> None:
    logger.error(
        "PayPal %s %s refused: status=%s name=%s debug_id=%s issues=%s",
        method,
        path,
        error.status,
        error.name,
        error.debug_id,
        error.issues,
    )


def _path_segment(order_id: str) -> str:
    if not order_id or not order_id.replace("-", "").isalnum():
        raise PayPalError(None, "INVALID_RESOURCE_ID", f"not an order id: {order_id!r}")
    return order_id


_client: Optional[PayPalClient] = None
_client_lock = threading.Lock()


def get_client() -> PayPalClient:
    """The process-wide client, configured from the environment on first use."""
    global _client
    with _client_lock:
        if _client is None:
            _client = PayPalClient(PayPalConfig.from_env())
        return _client


def reset_client() -> None:
    """Forget the shared client, so the next call reads the environment again."""
    global _client
    with _client_lock:
        _client = None
