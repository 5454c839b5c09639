"""Browsing: categories, products of a category, search, product details, and
messages that are off the shop's topic (which get a search first)."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.cart import take_order
from actions.product_questions import answer_comparison, answer_detail_question
from actions.showing import browse_catalog, search, show_categories, show_details, show_found, suggest_products
from actions.tracker import (
    language,
    latest_entity,
    max_price,
    price_ranking,
    product_in_message,
    typed_text,
)
from shop.catalog import Catalog
from shop.finder import finder_for
from shop.stock import current_catalog

# A message the NLU found off topic is answered with products only on this much evidence
# (one word of what a category is for scores 0.48; a stray description word 0.25).
OFF_TOPIC_MIN_SCORE = 0.4


def answer_first(
    dispatcher: CollectingDispatcher, tracker: Tracker, catalog: Catalog
) -> Optional[List[Dict[Text, Any]]]:
    """What every browsing intent answers before browsing, in this order: a comparison
    (never an order), an order said as browsing ("3 kabelsloten en een stuurmand"), a
    question about a detail ("is it waterproof?"), a choice by price ("your most
    expensive helmet"). None when the message is none of these."""
    answer = answer_comparison(dispatcher, tracker)
    if answer is None:
        answer = take_order(dispatcher, tracker, catalog)
    if answer is None:
        answer = answer_detail_question(dispatcher, tracker)
    if answer is None and price_ranking(tracker).chooses:
        answer = browse_catalog(dispatcher, tracker)
    return answer


class ActionAnswerHelp(Action):
    """ "Help" with a question in it ("past hij op elke bagagedrager?" read as help) gets
    that question answered; a plain call for help gets what the bot can do."""

    def name(self) -> Text:
        return "action_answer_help"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        answered = answer_first(dispatcher, tracker, current_catalog())
        if answered is not None:
            return answered
        dispatcher.utter_message(response="utter_help")
        return []


class ActionShowCatalog(Action):
    """Browsing and searching are one thing to a customer ("show me locks", "any cable
    locks under 20?", "my bike got stolen"): the finder reads the words, a category
    named alone shows the category, nothing asked shows the categories."""

    def name(self) -> Text:
        return "action_show_catalog"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        answer = answer_first(dispatcher, tracker, current_catalog())
        return answer if answer is not None else browse_catalog(dispatcher, tracker)


def show_what_it_names(
    dispatcher: CollectingDispatcher, tracker: Tracker, catalog: Catalog
) -> Optional[List[Dict[Text, Any]]]:
    """The products a message names or needs ("so my stuff stays dry"), when the finder is
    sure enough of them; None otherwise."""
    text, limit = typed_text(tracker), max_price(tracker)
    scores, _, _ = finder_for(catalog).score(text)
    if scores and max(s.score for s in scores.values()) >= OFF_TOPIC_MIN_SCORE:
        found = search(text, limit, catalog)
        if found.products:
            return show_found(dispatcher, found, limit, catalog, language(tracker))
    return None


class ActionAnswerOutOfScope(Action):
    """Out of scope only when it is: a need phrased oddly ("I cycle home in the dark")
    gets the products for it; anything else the polite no, with the categories."""

    def name(self) -> Text:
        return "action_answer_out_of_scope"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        catalog, lang = current_catalog(), language(tracker)
        answer = answer_first(dispatcher, tracker, catalog)
        if answer is not None:
            return answer
        shown = show_what_it_names(dispatcher, tracker, catalog)
        if shown is not None:
            return shown
        intent = (tracker.latest_message or {}).get("intent", {}).get("name")
        if intent == "nlu_fallback":
            dispatcher.utter_message(response="utter_default")
        else:
            show_categories(dispatcher, catalog, lang, "utter_out_of_scope")
        return []


class ActionShowProduct(Action):
    def name(self) -> Text:
        return "action_show_product"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        catalog, lang = current_catalog(), language(tracker)
        answer = answer_first(dispatcher, tracker, catalog)
        if answer is not None:
            return answer
        resolution = product_in_message(tracker, catalog)
        product = resolution.product
        if product is None:
            query = latest_entity(tracker, "product") or typed_text(tracker)
            if query or resolution.candidates:
                suggest_products(dispatcher, str(query), resolution.candidates, "product_details", lang)
            else:
                show_categories(dispatcher, catalog, lang)
            return [SlotSet("product", None)]
        return show_details(dispatcher, product, catalog, lang)
