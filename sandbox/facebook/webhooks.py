"""Webhook deliveries as Facebook sends them: events, batches, signatures.

Used by the chat page, the tests and the benchmark.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any, Dict, List, Optional, Tuple

from sandbox.facebook.platform import webhook_signature

PAGE_ID = "100000000000001"


def _base(psid: str, page_id: str = PAGE_ID) -> Dict[str, Any]:
    return {"sender": {"id": psid}, "recipient": {"id": page_id}, "timestamp": int(time.time() * 1000)}


def new_mid() -> str:
    return "m_" + secrets.token_urlsafe(30)


def text_event(psid: str, text: str, mid: Optional[str] = None) -> Dict[str, Any]:
    return {**_base(psid), "message": {"mid": mid or new_mid(), "text": text}}


def quick_reply_event(psid: str, title: str, payload: str, mid: Optional[str] = None) -> Dict[str, Any]:
    return {**_base(psid), "message": {"mid": mid or new_mid(), "text": title, "quick_reply": {"payload": payload}}}


def postback_event(psid: str, title: str, payload: str, mid: Optional[str] = None) -> Dict[str, Any]:
    return {**_base(psid), "postback": {"mid": mid or new_mid(), "title": title, "payload": payload}}


def attachments_event(psid: str, urls: List[str], mid: Optional[str] = None) -> Dict[str, Any]:
    attachments = [{"type": "image", "payload": {"url": url}} for url in urls]
    return {**_base(psid), "message": {"mid": mid or new_mid(), "attachments": attachments}}


def referral_event(psid: str, ref: str) -> Dict[str, Any]:
    return {**_base(psid), "referral": {"ref": ref, "source": "SHORTLINK", "type": "OPEN_THREAD"}}


def echo_event(psid: str, text: str, app_id: str, mid: Optional[str] = None, page_id: str = PAGE_ID) -> Dict[str, Any]:
    """A message the Page sent to ``psid`` (from ``app_id``: an app, or the Page Inbox), echoed back."""
    return {
        "sender": {"id": page_id},
        "recipient": {"id": psid},
        "timestamp": int(time.time() * 1000),
        "message": {"is_echo": True, "app_id": int(app_id), "mid": mid or new_mid(), "text": text},
    }


def pass_thread_control_event(psid: str, previous_owner_app_id: str, metadata: str = "") -> Dict[str, Any]:
    """The thread given (back) to this app, e.g. when the Page Inbox marks a conversation done."""
    return {
        **_base(psid),
        "pass_thread_control": {"previous_owner_app_id": previous_owner_app_id, "metadata": metadata},
    }


def delivery(*events: Dict[str, Any], page_id: str = PAGE_ID, standby: bool = False) -> Dict[str, Any]:
    """One webhook body with all ``events`` in one entry, as Facebook batches them; in
    ``standby`` when another app (the Page Inbox) owns the conversation."""
    array = "standby" if standby else "messaging"
    return {"object": "page", "entry": [{"id": page_id, "time": int(time.time() * 1000), array: list(events)}]}


def template_status_delivery(value: Dict[str, Any], page_id: str = PAGE_ID) -> Dict[str, Any]:
    """A utility template's review, as the message_template_status_update field sends it."""
    change = {"field": "message_template_status_update", "value": value}
    return {"object": "page", "entry": [{"id": page_id, "time": int(time.time() * 1000), "changes": [change]}]}


def signed(body: Dict[str, Any], app_secret: str) -> Tuple[bytes, Dict[str, str]]:
    raw = json.dumps(body).encode()
    return raw, {"Content-Type": "application/json", "X-Hub-Signature-256": webhook_signature(app_secret, raw)}


def sticker_event(psid: str, sticker_id: int = 369239263222822, timestamp_ms: Optional[int] = None) -> Dict[str, Any]:
    """A sticker (the thumbs-up by default), its own attachment type since 2026-06."""
    event = {
        **_base(psid),
        "message": {
            "mid": new_mid(),
            "attachments": [
                {
                    "type": "sticker",
                    "payload": {
                        "url": f"https://scontent.xx.fbcdn.net/sticker/{sticker_id}.png",
                        "sticker_id": sticker_id,
                    },
                }
            ],
        },
    }
    if timestamp_ms is not None:
        event["timestamp"] = timestamp_ms
    return event
