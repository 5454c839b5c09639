"""Questions about a product's details, answered from the catalog's data: "is it
waterproof?", "how heavy is the fold lock?", "past die op een racefiets?", and
comparisons ("the difference between the U-lock and the chain lock"). Helpers the browse
actions call first; no action lives here.

The product is the one the words name once the detail words are taken out, else the one
the customer pointed at or looked at last. A message that names a kind or several
products ("do you have a waterproof bag?") is a search, and is left to browsing."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import replies
from actions.showing import show_products
from actions.tracker import language, shown_products, typed_text
from shop import details, references
from shop.catalog import DETAIL_KINDS, Catalog, Product
from shop.finder import finder_for
from shop.stock import current_catalog

# Words that name products score at least this (a category's word 0.4); a stray word of a
# description ("elke", "every") scores 0.25 and names nothing.
NAMING_MIN_SCORE = 0.4
# A comparison shows at most this many products side by side (a line per detail must stay readable).
MAX_COMPARED = 3


def answer_comparison(dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[List[Dict[Text, Any]]]:
    """Two or three products side by side, a line per detail, then their cards; None when
    the message does not compare products it names."""
    text, lang = typed_text(tracker), language(tracker)
    catalog = current_catalog()
    finder = finder_for(catalog)
    products: List[Product] = []
    for part in details.compared_parts(text or ""):
        product = finder.resolve(part).product
        if product is not None and product not in products:
            products.append(product)
    if not 2 <= len(products) <= MAX_COMPARED:
        return None
    events = show_products(
        dispatcher, "utter_comparison", products, catalog, lang, comparison=comparison_lines(products, catalog, lang)
    )
    return [*events, SlotSet("last_product", None)]


def comparison_lines(products: List[Product], catalog: Catalog, lang: str) -> str:
    """ "Weight: 1.4 kg · 2.1 kg" for each detail either product has, after the names and prices."""
    unknown = replies.phrase("detail_unknown", lang)
    lines = [
        " · ".join(p.name(lang) for p in products),
        f"{replies.phrase('price_label', lang)}: " + " · ".join(replies.price_text(p, catalog, lang) for p in products),
    ]
    for kind in DETAIL_KINDS:
        values = [p.detail(kind, lang) for p in products]
        if any(values):
            label = replies.phrase("detail_" + kind, lang)
            lines.append(f"{label}: " + " · ".join(value or unknown for value in values))
    return "\n".join(lines)


def answer_detail_question(dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[List[Dict[Text, Any]]]:
    """The answer to a question about a product's details, or None when the message is not one."""
    text, lang = typed_text(tracker), language(tracker)
    kinds = details.asked(text, lang) if text else []
    if not kinds:
        return None
    catalog = current_catalog()
    product = product_asked_about(tracker, details.without_question_words(text, lang), catalog)
    if product is None:
        return None
    known = replies.detail_lines(product, kinds, lang)
    if known:
        dispatcher.utter_message(
            response="utter_product_detail",
            product_name=product.name(lang),
            detail_lines=known,
            buttons=replies.card_buttons(product, lang),
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
    last, shown = tracker.get_slot("last_product"), shown_products(tracker)
    pointed = references.referenced_product(words, shown, last, catalog, language(tracker))
    return pointed or references.in_focus(shown, last, catalog)  # "waterproof?" alone: the product in focus
