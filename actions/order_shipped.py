"""Telling the customer, once, that the merchant shipped their order (with the carrier's
tracking link) or that it is ready to pick up. The paypal channel starts the turn when
the merchant marks the order (API, `kassa ship`, `#shipped` in the Page Inbox)."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.payment import own_record, update_for
from actions.shop_terms import shipment_news, track_buttons
from actions.tracker import language
from shop.ledger import get_ledger
from shop.shipments import SHIPPED_NOTICE
from shop.terms import get_terms


class ActionTellOrderShipped(Action):
    def name(self) -> Text:
        return "action_tell_order_shipped"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        record = await asyncio.to_thread(own_record, tracker)
        if record is None:
            return []
        ledger = get_ledger()
        shipment = await asyncio.to_thread(ledger.shipment, record.order_id)
        if shipment is None or not shipment.shipped_at:
            return []
        if not await asyncio.to_thread(ledger.claim_notice, record.order_id, SHIPPED_NOTICE):
            return []  # told already
        lang = language(tracker)
        response, values = shipment_news(record, shipment, get_terms(), lang)
        link = values.get("tracking_url")
        template, template_values = (
            ("kassa_order_shipped", {"carrier": values["carrier"], "tracking_link": link})
            if response == "utter_order_shipped"
            else ("kassa_order_ready", {"address": values["address"]})
        )
        dispatcher.utter_message(
            response=response,
            buttons=track_buttons(values, lang),
            json_message=update_for(tracker, template, record, notice=SHIPPED_NOTICE, **template_values),
            **values,
        )
        return []
