"""The last check before a cart order is captured: is everything in it still on the
shelf? Another customer may have bought the last one since the pay button went out;
the shop never takes money for what it cannot send."""

from __future__ import annotations

import logging

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.tracker import language
from shop import stock
from shop.ledger import OPEN_STATUSES, VOIDED, OrderRecord, get_ledger
from shop.ledger.stock import quantities
from shop.locale_format import join_words
from shop.phrases import phrase

logger = logging.getLogger(__name__)


def still_in_stock(record: OrderRecord, dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """True when the order may be captured; else it is voided and the customer told, once."""
    if record.kind != "cart":
        return True
    catalog = stock.current_catalog(fresh=True)
    short = stock.shortfalls(quantities(record.items), catalog)
    if not short:
        return True
    logger.warning("Order %s not captured: not enough on hand of %s", record.order_id, short)
    if get_ledger().move(record.order_id, VOIDED, OPEN_STATUSES):
        lang = language(tracker)
        names = [
            phrase("left_of", lang, count=left, product=catalog.products[sku].name(lang)) for sku, left in short.items()
        ]
        dispatcher.utter_message(response="utter_sold_out_before_payment", products=join_words(names, lang))
    return False
