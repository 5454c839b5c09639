"""Messenger Platform limits, shared by the connector and the local fake Graph API."""

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
# UTILITY: a utility template message (channels/messenger/outbound/utility_messages.py), allowed outside the window.
MESSAGING_TYPES = ("RESPONSE", "UPDATE", "MESSAGE_TAG", "UTILITY")
# Message tags still accepted: HUMAN_AGENT (7 days), for what a person writes during a handover.
MESSAGE_TAGS = ("HUMAN_AGENT",)
# Retired by Meta on 2026-04-27 (issue 12; utility messages replace them, see the README):
# a send with one of them fails with error 100. Kassa never sends them.
RETIRED_MESSAGE_TAGS = ("CONFIRMED_EVENT_UPDATE", "POST_PURCHASE_UPDATE", "ACCOUNT_UPDATE")
SENDER_ACTIONS = ("mark_seen", "typing_on", "typing_off")
# pass_thread_control's metadata: "String to pass to the receiving app"; the reference
# (developers.facebook.com/docs/messenger-platform/reference/handover-protocol/pass-thread-control,
# read 2026-12-01) states no length, so Kassa keeps it within the postback payload's 1000.
HANDOVER_METADATA_MAX = PAYLOAD_MAX
# The Page Inbox's app id, the target of handover to a person (conversation routing).
PAGE_INBOX_APP_ID = "263902037430900"
