"""What the fake Messenger knows of Facebook, written from Facebook's documentation and
not imported from the connector, so a wrong algorithm or limit in the connector fails
the tests instead of agreeing with itself.

- Webhook signatures: "X-Hub-Signature-256: sha256=" + the HMAC-SHA256 of the raw
  request body, keyed with the app secret, in lower-case hex (Meta, Webhooks,
  "Validate payloads").
- appsecret_proof: the HMAC-SHA256 of the access token, keyed with the app secret, in
  lower-case hex (Meta, Graph API, "Securing requests").
- Send API limits: Messenger Platform reference (text, quick replies, button and
  generic templates), read 2026-11-28.
- Message tags: only HUMAN_AGENT is still accepted; CONFIRMED_EVENT_UPDATE,
  POST_PURCHASE_UPDATE and ACCOUNT_UPDATE were retired on 2026-04-27 (Messenger
  Platform changelog).
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_PREFIX = "sha256="

TEXT_MAX = 2000
QUICK_REPLIES_MAX = 13
QUICK_REPLY_TITLE_MAX = 20
BUTTONS_MAX = 3
BUTTON_TITLE_MAX = 20
BUTTON_TEMPLATE_TEXT_MAX = 640
GENERIC_ELEMENTS_MAX = 10
ELEMENT_TITLE_MAX = 80
ELEMENT_SUBTITLE_MAX = 80
PAYLOAD_MAX = 1000
WEBVIEW_HEIGHT_RATIOS = ("compact", "tall", "full")
MESSAGING_TYPES = ("RESPONSE", "UPDATE", "MESSAGE_TAG", "UTILITY")
MESSAGE_TAGS = ("HUMAN_AGENT",)
RETIRED_MESSAGE_TAGS = ("CONFIRMED_EVENT_UPDATE", "POST_PURCHASE_UPDATE", "ACCOUNT_UPDATE")
SENDER_ACTIONS = ("mark_seen", "typing_on", "typing_off")
# The Page Inbox, the app conversation routing hands a conversation to.
PAGE_INBOX_APP_ID = "263902037430900"


def webhook_signature(app_secret: str, raw_body: bytes) -> str:
    """The X-Hub-Signature-256 header Facebook sends with ``raw_body``."""
    return SIGNATURE_PREFIX + hmac.new(app_secret.encode("utf-8"), raw_body, hashlib.sha256).hexdigest()


def appsecret_proof(app_secret: str, access_token: str) -> str:
    """The appsecret_proof Facebook expects with ``access_token``."""
    return hmac.new(app_secret.encode("utf-8"), access_token.encode("utf-8"), hashlib.sha256).hexdigest()
