"""The one reminder of a cart left without a checkout. The Messenger channel sends the
event ``cart_reminder`` into a conversation that has been quiet long enough; this action
decides from the conversation itself (``shop.reminders.refusal``) and either reminds
the customer of their cart or stays silent."""

from __future__ import annotations

import logging
import time
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import replies
from actions.suggestions import payment_open, said_no
from actions.tracker import current_cart, external_event, language, last_customer_message_at, slot_number
from shop import cart as cart_rules
from shop import money, settings
from shop.ledger import get_ledger
from shop.reminders import CART_REMINDER, CartState, refusal
from shop.stock import current_catalog

REMINDED_SLOT = "cart_reminder_sent"
logger = logging.getLogger(__name__)


def cart_state(tracker: Tracker) -> CartState:
    return CartState(
        reminded=tracker.get_slot(REMINDED_SLOT) is not None,
        cart_empty=not current_cart(tracker),
        has_paid=slot_number(tracker, "paid_orders") > 0,
        payment_open=payment_open(tracker),
        said_no=said_no(tracker),
        last_customer_message=last_customer_message_at(tracker),
    )


class ActionRemindCart(Action):
    def name(self) -> Text:
        return "action_remind_cart"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        if external_event(tracker) != CART_REMINDER:
            logger.warning("Cart reminder refused in %s: not the channel's event", tracker.sender_id)
            return []
        now = time.time()
        why_not = refusal(cart_state(tracker), now, settings.shop().cart_reminder_seconds)
        if why_not is not None:
            logger.info("No cart reminder for %s: %s", tracker.sender_id, why_not)
            return []
        catalog, lang = current_catalog(), language(tracker)
        lines = cart_rules.lines(current_cart(tracker), catalog)
        dispatcher.utter_message(
            response="utter_cart_reminder",
            cart_lines=replies.cart_lines_text(lines, catalog.currency, lang),
            total=money.format_money(cart_rules.total(lines), catalog.currency, lang),
        )
        get_ledger().reminder_sent(tracker.sender_id)
        return [SlotSet(REMINDED_SLOT, now)]
