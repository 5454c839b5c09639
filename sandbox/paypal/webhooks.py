"""Webhook events of the PayPal sandbox: signed deliveries with redelivery, and
POST /v1/notifications/verify-webhook-signature.

PayPal signs with its certificate (SHA256withRSA) the line
``transmission_id|transmission_time|webhook_id|crc32(body)``, where body is the
delivery's bytes exactly as sent; the sandbox signs the same line with a secret of
its own, which only it can check, so a receiver must verify every event through
the API, exactly as it must with PayPal. The verify call is checked against the
``webhook_event`` bytes as they stand in its body: an event parsed and written again
(other spacing, key order or escapes) fails, as it does at PayPal.
Contract: developer.paypal.com/api/rest/webhooks/rest and
/api/webhooks/v1/#verify-webhook-signature_post (read 2026-12-01).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import secrets
import uuid
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional

import aiohttp

logger = logging.getLogger("sandbox.paypal.webhooks")

RESOURCE_TYPES = {"CHECKOUT.ORDER.APPROVED": "checkout-order", "CHECKOUT.PAYMENT-APPROVAL.REVERSED": "checkout-order"}
SUMMARIES = {
    "CHECKOUT.ORDER.APPROVED": "An order has been approved by buyer",
    "CHECKOUT.PAYMENT-APPROVAL.REVERSED": "A payment approval was reversed",
    "PAYMENT.CAPTURE.COMPLETED": "Payment completed",
    "PAYMENT.CAPTURE.PENDING": "Payment pending",
    "PAYMENT.CAPTURE.DECLINED": "Payment declined",
    "PAYMENT.CAPTURE.DENIED": "Payment denied",
    "PAYMENT.CAPTURE.REFUNDED": "A payment capture was refunded",
}


def serialised(event: Dict[str, Any]) -> bytes:
    """The bytes a delivery carries: compact, in the event's own order, UTF-8 unescaped,
    so that Python's default ``json.dumps`` of the parsed event differs from them."""
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()


def raw_member(document: str, name: str) -> Optional[str]:
    """The text of a top-level member's value exactly as it stands in a JSON object; None
    when the document is no object or has no such member."""
    decoder = json.JSONDecoder()

    def skip(at: int) -> int:
        while at < len(document) and document[at] in " \t\r\n":
            at += 1
        return at

    try:
        at = skip(0)
        if document[at] != "{":
            return None
        at = skip(at + 1)
        while document[at] != "}":
            key, at = decoder.raw_decode(document, at)
            at = skip(at)
            if document[at] != ":":
                return None
            start = skip(at + 1)
            _, end = decoder.raw_decode(document, start)
            if key == name:
                return document[start:end]
            at = skip(end)
            if document[at] == ",":
                at = skip(at + 1)
    except (IndexError, ValueError):
        return None
    return None


@dataclass
class Delivery:
    event: Dict[str, Any]
    body: bytes
    attempts: List[int] = field(default_factory=list)  # HTTP status per attempt, 0 when unreachable


@dataclass
class WebhookSender:
    target_url: Optional[str]
    webhook_id: str
    base_url: str
    retry_seconds: float = 1.0
    max_attempts: int = 10
    paused: bool = False
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    deliveries: Dict[str, Delivery] = field(default_factory=dict)
    tasks: set = field(default_factory=set)

    def signature(self, transmission_id: str, transmission_time: str, webhook_id: str, body: bytes) -> str:
        message = f"{transmission_id}|{transmission_time}|{webhook_id}|{zlib.crc32(body)}".encode()
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()

    def verify(self, request: Dict[str, Any], raw_request: str) -> bool:
        """The verify call's verdict: its fields, and the signature over the CRC32 of the
        ``webhook_event`` bytes as they stand in the raw request."""
        if request.get("webhook_id") != self.webhook_id or request.get("auth_algo") != "SHA256withRSA":
            return False
        event = raw_member(raw_request, "webhook_event")
        if event is None:
            return False
        expected = self.signature(
            request["transmission_id"], request["transmission_time"], request["webhook_id"], event.encode()
        )
        return hmac.compare_digest(expected, str(request.get("transmission_sig", "")))

    def emit(self, event_type: str, resource: Dict[str, Any]) -> Dict[str, Any]:
        event: Dict[str, Any] = {
            "id": "WH-" + uuid.uuid4().hex[:17].upper() + "-" + uuid.uuid4().hex[:17].upper(),
            "event_version": "1.0",
            "create_time": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "resource_type": RESOURCE_TYPES.get(
                event_type, "capture" if "CAPTURE" in event_type and "REFUNDED" not in event_type else "refund"
            ),
            "resource_version": "2.0",
            "event_type": event_type,
            "summary": SUMMARIES.get(event_type, event_type),
            "resource": resource,
            "links": [
                {"href": f"{self.base_url}/v1/notifications/webhooks-events/{{id}}", "rel": "self", "method": "GET"}
            ],
        }
        event["links"][0]["href"] = event["links"][0]["href"].replace("{id}", event["id"])
        self.deliveries[event["id"]] = Delivery(event, serialised(event))
        self.schedule(event["id"])
        return event

    def schedule(self, event_id: str) -> None:
        if not self.target_url:
            return
        task = asyncio.get_running_loop().create_task(self._deliver(event_id))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def headers(self, body: bytes) -> Dict[str, str]:
        transmission_id = str(uuid.uuid4())
        transmission_time = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        return {
            "Content-Type": "application/json",
            "PAYPAL-AUTH-ALGO": "SHA256withRSA",
            "PAYPAL-CERT-URL": f"{self.base_url}/v1/notifications/certs/CERT-360caa42-fca2a594-kassa-sandbox",
            "PAYPAL-TRANSMISSION-ID": transmission_id,
            "PAYPAL-TRANSMISSION-TIME": transmission_time,
            "PAYPAL-TRANSMISSION-SIG": self.signature(transmission_id, transmission_time, self.webhook_id, body),
        }

    async def _deliver(self, event_id: str) -> None:
        delivery = self.deliveries[event_id]
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
            for attempt in range(self.max_attempts):
                while self.paused:
                    await asyncio.sleep(0.1)
                try:
                    async with session.post(
                        str(self.target_url), data=delivery.body, headers=self.headers(delivery.body)
                    ) as answer:
                        delivery.attempts.append(answer.status)
                        if 200 <= answer.status < 300:
                            return
                except (aiohttp.ClientError, asyncio.TimeoutError):
                    delivery.attempts.append(0)
                await asyncio.sleep(self.retry_seconds * 2**attempt)
        logger.warning("webhook %s not accepted after %d attempts", event_id, self.max_attempts)

    def log(self) -> List[Dict[str, Any]]:
        return [
            {
                "id": d.event["id"],
                "event_type": d.event["event_type"],
                "resource_id": d.event["resource"].get("id"),
                "attempts": d.attempts,
            }
            for d in self.deliveries.values()
        ]
