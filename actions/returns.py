"""A customer who wants to send something back: the order and its return period are
checked, the customer is told how, and the conversation goes to the shop's people with
a one-line summary. The refund itself stays with the merchant (`kassa refund`)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.shop_terms import answer_returns, answered_otherwise, asked_destination, how_to_return
from actions.tracker import language, typed_text
from shop import locale_format, returns
from shop.ledger import get_ledger
from shop.terms import get_terms


class ActionStartReturn(Action):
    def name(self) -> Text:
        return "action_start_return"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        otherwise = answered_otherwise(dispatcher, tracker)  # unsure: never a handover on a guess
        if otherwise is not None:
            return otherwise
        lang, terms = language(tracker), get_terms()
        order = returns.latest_returnable(await asyncio.to_thread(get_ledger().orders, tracker.sender_id))
        if order is None:  # nothing bought here: how returns work, no handover
            dispatcher.utter_message(response="utter_return_no_order")
            answer_returns(dispatcher, lang)
            return []
        where = asked_destination(tracker, terms)
        found = returns.window(order, terms, where.zone if where is not None else None)
        today = datetime.now(timezone.utc).astimezone(terms.timezone).date()
        values = dict(
            order_id=order.order_id,
            items=returns.items_text(order),
            last_day=locale_format.format_day(found.last_day, lang),
            days=terms.returns.days,
        )
        if found.open_on(today):
            dispatcher.utter_message(response="utter_return_started", **how_to_return(lang), **values)
        else:
            dispatcher.utter_message(response="utter_return_period_ended", **values)
        summary = returns.handover_summary(found, today, typed_text(tracker))
        dispatcher.utter_message(json_message={"handover": {"summary": summary}})
        return []
