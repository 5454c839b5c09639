"""Questions about a product's details, answered from the catalog's data: "is it
waterproof?", "how heavy is the fold lock?", "past die op een racefiets?". A helper the
browse actions call first; no action lives here.

The product is the one the words name once the detail words are taken out, else the one
the customer pointed at or looked at last. A message that names a kind or several
products ("do you have a waterproof bag?") is a search, and is left to browsing."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import replies
from actions.tracker import language, shown_products, typed_text
from shop import details, references
from shop.catalog import Catalog, Product, get_catalog
from shop.finder import finder_for

# Words that name products score at least this (a category's word 0.4); a stray word of a
# description ("elke", "every") scores 0.25 and names nothing.
NAMING_MIN_SCORE = 0.4


def answer_detail_question(dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[List[Dict[Text, Any]]]:
    """The answer to a question about a product's details, or None when the message is not one."""
    text, lang = typed_text(tracker), language(tracker)
    kinds = details.asked(text, lang) if text else []
    if not kinds:
        return None
    catalog = get_catalog()
    product = product_asked_about(tracker, details.without_question_words(text, lang), catalog)
    if product is None:
        return None
    known = replies.detail_lines(product, kinds, lang)
    buttons = [
        replies.postback_button(
            replies.phrase("add_to_cart_button", lang), replies.intent_payload("add_to_cart", product=product.sku)
        ),
        replies.postback_button(
            replies.phrase("details_button", lang), replies.intent_payload("product_details", product=product.sku)
        ),
    ]
    if known:
        dispatcher.utter_message(
            response="utter_product_detail",
            product_name=product.name(lang),
            detail_lines=known,
            buttons=buttons,
        )
    else:
        dispatcher.utter_message(response="utter_detail_unknown", product_name=product.name(lang))
    return [SlotSet("last_product", product.sku), SlotSet("shown_products", [product.sku])]


def product_asked_about(tracker: Tracker, words: str, catalog: Catalog) -> Optional[Product]:
    finder = finder_for(catalog)
    named = finder.resolve(words)
    if named.product is not None:
        return named.product
    scores = finder.score(words)[0]
    if scores and max(score.score for score in scores.values()) >= NAMING_MIN_SCORE:
        return None  # a kind or several products: a search
    last = tracker.get_slot("last_product")
    shown = shown_products(tracker)
    pointed = references.referenced_product(words, shown, last, catalog, language(tracker))
    if pointed is not None:
        return pointed
    if last:
        return catalog.product(str(last).split(":", 1)[0])
    return catalog.product(shown[0]) if len(shown) == 1 else None
