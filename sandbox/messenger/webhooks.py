"""Webhook deliveries as Facebook sends them: events, batches, signatures.

Used by the chat page, the tests and the benchmark.
"""
from __future__ import annotations

import json
import secrets
import time
from typing import Any, Dict, List, Optional, Tuple

from channels.messenger.signature import sign

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


def delivery(*events: Dict[str, Any], page_id: str = PAGE_ID) -> Dict[str, Any]:
    """One webhook body with all ``events`` in one entry, as Facebook batches them."""
    return {"object": "page", "entry": [{"id": page_id, "time": int(time.time() * 1000), "messaging": list(events)}]}


def signed(body: Dict[str, Any], app_secret: str) -> Tuple[bytes, Dict[str, str]]:
    raw = json.dumps(body).encode()
    return raw, {"Content-Type": "application/json", "X-Hub-Signature-256": sign(app_secret, raw)}
