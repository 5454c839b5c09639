"""Whether a cart left without a checkout gets its one reminder now.

Messenger's standard messaging window: a business may answer for 24 hours after the
customer's last message (for most actions that open it), and messages inside it may be
promotional. Outside it only tagged or template messages go out, and Meta's marketing
messages do not reach EU recipients, so a reminder is sent inside the window or never.
Source: developers.facebook.com/documentation/business-messaging/messenger-platform/policy/
(updated 2026-09-28, read 2026-12-01).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

# The event the Messenger channel hands a quiet conversation; nobody types it.
CART_REMINDER = "cart_reminder"
MESSAGING_WINDOW_SECONDS = 24 * 3600
# A reminder leaves this much of the window unused: the turn that sends it takes time too.
WINDOW_MARGIN_SECONDS = 10 * 60


@dataclass(frozen=True)
class CartState:
    """What the conversation says about the cart and the customer."""

    reminded: bool
    cart_empty: bool
    has_paid: bool
    payment_open: bool
    said_no: bool
    last_customer_message: Optional[float]  # epoch seconds; None when the customer never wrote


def refusal(state: CartState, now: float, quiet_seconds: float) -> Optional[str]:
    """Why no reminder goes out now (for the log), or None when it should."""
    if quiet_seconds <= 0:
        return "reminders are off"
    checks = (
        (state.reminded, "this conversation had its reminder"),
        (state.cart_empty, "the cart is empty"),
        (state.has_paid, "the customer has paid"),
        (state.payment_open, "a checkout is open"),
        (state.said_no, "the customer said no"),
        (state.last_customer_message is None, "the customer never wrote"),
    )
    for failed, reason in checks:
        if failed:
            return reason
    assert state.last_customer_message is not None
    quiet = now - state.last_customer_message
    if quiet < quiet_seconds:
        return "the customer wrote since"
    if quiet > MESSAGING_WINDOW_SECONDS - WINDOW_MARGIN_SECONDS:
        return "outside Messenger's 24-hour window"
    return None
