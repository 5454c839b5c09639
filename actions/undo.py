"""Undoing a cart change the customer did not mean: "that's not what I meant" or "dat
bedoelde ik niet" right after the bot changed the cart puts it back as it was before
that turn, and shows it. Anything else (nothing changed just then, a payment changed
it, an undo already) changes nothing and says so."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.cart import RESET_ITEM_SLOTS, show_cart
from actions.tracker import cart_before_last_change, current_cart, language


class ActionUndoCartChange(Action):
    def name(self) -> Text:
        return "action_undo_cart_change"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        lang = language(tracker)
        before = cart_before_last_change(tracker)
        if before is None:
            dispatcher.utter_message(response="utter_nothing_to_undo")
            show_cart(dispatcher, current_cart(tracker), lang)
            return RESET_ITEM_SLOTS
        dispatcher.utter_message(response="utter_cart_change_undone")
        show_cart(dispatcher, before, lang)
        return [SlotSet("cart", before), *RESET_ITEM_SLOTS]
