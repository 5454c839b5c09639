"""The webhook's front door, shared by the connector in Rasa and the separate acceptor:
Facebook's subscription check, and a delivery checked, parsed and stored in the
durable intake before Facebook gets its answer. No Rasa here."""

from __future__ import annotations

import json
import logging
from typing import Optional

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.messenger.inbound import signature
from channels.messenger.inbound.events import InvalidWebhook, parse
from channels.messenger.inbound.intake import IntakeStore
from channels.request_limits import ClientLimits
from channels.secrets import same_secret

logger = logging.getLogger(__name__)


def verify_subscription(request: Request, verify_token: str, client_limits: ClientLimits) -> HTTPResponse:
    """Facebook's subscription check: the challenge back when the verify token matches."""
    refused = client_limits.refuse(request, "verify")
    if refused is not None:
        return refused
    if request.args.get("hub.mode") == "subscribe" and same_secret(request.args.get("hub.verify_token"), verify_token):
        return response.text(request.args.get("hub.challenge", ""))
    client_limits.failed(request, "verify")
    logger.warning("Messenger webhook verification refused: wrong hub.mode or verify token")
    return response.text("forbidden", status=403)


async def accept_delivery(
    app_secret: str, intake: IntakeStore, body: bytes, signature_header: Optional[str]
) -> HTTPResponse:
    """The webhook's answer: 403 for a bad signature, 400 for a body that is not a Page
    webhook, 503 when the events could not be stored (Facebook delivers them again),
    200 once they are stored. Shared by the connector and the separate acceptor."""
    if not signature.is_valid(app_secret, body, signature_header):
        logger.warning("Messenger webhook refused: missing or wrong X-Hub-Signature-256")
        return response.text("invalid signature", status=403)
    try:
        events = parse(json.loads(body))
    except (ValueError, InvalidWebhook) as error:
        logger.warning("Messenger webhook refused: %s", error)
        return response.text(f"bad request: {error}", status=400)
    try:
        await intake.append(events)
    except Exception as error:  # the store is away: Facebook retries a delivery that was not answered 200
        logger.error("Messenger events not stored (%s): answered 503 so that Facebook delivers them again", error)
        return response.text("events not stored, deliver again", status=503)
    return response.text("EVENT_RECEIVED")
