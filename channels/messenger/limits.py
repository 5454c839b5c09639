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
MESSAGING_TYPES = ("RESPONSE", "UPDATE", "MESSAGE_TAG")
MESSAGE_TAGS = ("CONFIRMED_EVENT_UPDATE", "POST_PURCHASE_UPDATE", "ACCOUNT_UPDATE", "HUMAN_AGENT")
SENDER_ACTIONS = ("mark_seen", "typing_on", "typing_off")
# The Page Inbox's app id, the target of handover to a person (conversation routing).
PAGE_INBOX_APP_ID = "263902037430900"
