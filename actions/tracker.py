"""What actions read from the tracker: language, cart, the latest entities."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any, Collection, List, Optional, Tuple

from rasa_sdk import Tracker

from shop import cart as cart_rules
from shop import money, numbers, ranking, references
from shop.catalog import LANGUAGES, Catalog, Product
from shop.finder import Resolution, finder_for


def language(tracker: Tracker) -> str:
    value = tracker.get_slot("language")
    return value if value in LANGUAGES else "en"


def current_cart(tracker: Tracker) -> cart_rules.Cart:
    return cart_rules.from_slot(tracker.get_slot("cart"))


def latest_entity(tracker: Tracker, entity: str) -> Optional[str]:
    return next(tracker.get_latest_entity_values(entity), None)


def latest_text(tracker: Tracker) -> str:
    return (tracker.latest_message or {}).get("text") or ""


def typed_text(tracker: Tracker) -> str:
    """What the customer typed this turn; "" for a button payload or an event from a channel."""
    text = latest_text(tracker)
    return "" if text.startswith(("/", "EXTERNAL:")) else text


# Rasa's EXTERNAL_MESSAGE_PREFIX (rasa.shared.core.constants); the action server needs rasa_sdk only.
EXTERNAL_MESSAGE_PREFIX = "EXTERNAL: "


def external_event(tracker: Tracker) -> Optional[str]:
    """The intent of this turn when it is an event a channel sent (a payment, a cart
    reminder), never typed text: Rasa marks one with ``is_external`` metadata and the
    text ``EXTERNAL: <intent>``; a typed ``/payment_update{...}`` keeps its own text."""
    message = tracker.latest_message or {}
    intent = (message.get("intent") or {}).get("name")
    external = bool((message.get("metadata") or {}).get("is_external"))
    return intent if external and message.get("text") == f"{EXTERNAL_MESSAGE_PREFIX}{intent}" else None


def last_customer_message_at(tracker: Tracker) -> Optional[float]:
    """When the customer last wrote or tapped (events from channels do not count)."""
    for event in reversed(tracker.events):
        if event.get("event") != "user" or (event.get("metadata") or {}).get("is_external"):
            continue
        if str(event.get("text") or "").startswith("EXTERNAL:"):
            continue
        stamp = event.get("timestamp")
        return float(stamp) if stamp is not None else None
    return None


def messenger_metadata(tracker: Tracker, key: str) -> Optional[str]:
    """A value the Messenger connector put in the latest message's metadata that has it
    ("locale", "profile_name"): what Facebook told about the customer."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            value = (event.get("metadata") or {}).get(key)
            if isinstance(value, str) and value:
                return value
    return None


def shown_products(tracker: Tracker) -> List[str]:
    value = tracker.get_slot("shown_products")
    return [str(sku) for sku in value] if isinstance(value, list) else []


def signed_quantity(tracker: Tracker) -> Optional[str]:
    """The quantity the customer asked for this turn, with a minus sign kept.

    Read from the typed text first ("three", "vier stuks", "a pair of", "-3"), so
    that a number word next to a product name never becomes part of the name;
    else the quantity entity (a button's payload), whose '-' the tokenizer drops,
    recovered from the text before it.
    """
    typed = typed_text(tracker)
    if typed:
        found = numbers.quantity(typed, language(tracker))
        if found is not None:
            return found
    for entity in (tracker.latest_message or {}).get("entities", []):
        if entity.get("entity") != "quantity":
            continue
        value = str(entity.get("value"))
        start = entity.get("start")
        text = latest_text(tracker)
        if isinstance(start, int) and start > 0 and text[:start].rstrip().endswith("-"):
            return "-" + value
        return value
    return None


# "in my basket", "naar mijn winkelmandje": the cart itself, never a product (the shop also sells a basket).
CART_PHRASE = re.compile(
    r"\b(?:in|into|to|from|out\s+of|uit|naar|van|bij)\s+(?:my|the|your|mijn|m'n|het|de|je|jouw|uw)\s+"
    r"(?:shopping\s+)?(?:basket|cart|trolley|bag|winkelmand(?:je)?|mand(?:je)?|winkelwagen(?:tje)?|winkelkar(?:retje)?)\b",
    re.IGNORECASE,
)


def names_only_the_cart(words: str, text: str) -> bool:
    """True when ``words`` stand in the message only inside a phrase that names the cart."""
    wanted = words.strip().lower()
    return bool(wanted) and wanted in text.lower() and wanted not in CART_PHRASE.sub(" ", text).lower()


def product_entities(tracker: Tracker) -> Tuple[List[str], List[str]]:
    """The product entities of this message: those that name a product, and those
    that stand inside a phrase naming the cart ("in my basket" read as the basket)."""
    text = latest_text(tracker)
    cart_spans = [match.span() for match in CART_PHRASE.finditer(text)]
    products: List[str] = []
    cart_words: List[str] = []
    for entity in (tracker.latest_message or {}).get("entities", []):
        if entity.get("entity") != "product":
            continue
        start, end = entity.get("start"), entity.get("end")
        in_cart_phrase = (
            isinstance(start, int) and isinstance(end, int) and any(a <= start and end <= b for a, b in cart_spans)
        )
        (cart_words if in_cart_phrase else products).append(str(entity.get("value")))
    return products, cart_words


def product_in_message(
    tracker: Tracker, catalog: Catalog, named: Optional[str] = None, in_cart: Collection[str] = ()
) -> Resolution:
    """The product this message means: named (the entity, or ``named``), found in the
    typed words, or pointed at ("the second one", "that one", "die van 12,95").

    With ``in_cart`` (the SKUs in the cart, for changes and removals), words that speak
    for several products of which only one is in the cart mean that one: "make it
    three locks" with one lock in the cart changes the lock, not the product last added.
    """
    finder = finder_for(catalog)
    candidates: List[Product] = []
    typed = typed_text(tracker)
    entities, cart_words = product_entities(tracker)
    if named in cart_words and named not in entities:
        named = None
    for words in (named, *entities[:1], CART_PHRASE.sub(" ", typed)):
        if not words or names_only_the_cart(str(words), typed):
            continue
        found = finder.resolve(str(words))
        if found.product is not None:
            return found
        candidates = candidates or found.candidates
        spoken_for = {product.sku for product in finder.find(str(words)).products} & set(in_cart)
        if len(spoken_for) == 1:
            return Resolution(catalog.product(spoken_for.pop()))
    referenced = references.referenced_product(
        typed_text(tracker), shown_products(tracker), product_in_focus(tracker), catalog, language(tracker)
    )
    return Resolution(referenced) if referenced else Resolution(None, candidates)


SUGGESTED_SLOT = "suggested_product"
# Intents in which "that one" right after a suggestion means the suggested product.
TAKES_SUGGESTION = frozenset({"add_to_cart", "affirm"})


def product_in_focus(tracker: Tracker) -> Optional[str]:
    """What "that one" points at: the product last added or shown, or, when the customer
    adds "that one too" right after a suggestion, the suggested product."""
    intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
    suggested = suggested_just_now(tracker) if intent in TAKES_SUGGESTION else None
    return suggested or tracker.get_slot("last_product")


def suggested_just_now(tracker: Tracker) -> Optional[str]:
    """The SKU the bot suggested in its reply to the customer's previous message, if any."""
    events = list(tracker.events)
    users = [i for i, event in enumerate(events) if event.get("event") == "user"]
    if len(users) < 2:
        return None
    for event in events[users[-2] : users[-1]]:
        if event.get("event") == "slot" and event.get("name") == SUGGESTED_SLOT and event.get("value"):
            return str(event["value"])
    return None


QUESTION = re.compile(
    r"\?\s*$|^\s*(?:do|does|are|is|have|has|got|how|what|which|can|could|any|hebben|heb|hebt|zijn|is|wat|welke|"
    r"hoeveel|verkopen|verkoop|kan|kun|kunnen|bestaan)\b|\b(?:looking\s+for|search|zoek|zoeken)\b",
    re.IGNORECASE,
)
# Dutch "een" is an article as often as it is "one": an order needs a number said as one.
ARTICLE_EEN = re.compile(r"\been\b", re.IGNORECASE)


# "3 saddle pouches instead of one", "4 in plaats van 2": a new quantity for a line, not more of it.
INSTEAD = re.compile(r"\b(?:instead\s+of|rather\s+than|in\s+plaats\s+van|i\.?p\.?v\.?)(?=\s|$)", re.IGNORECASE)


def replaces_quantity(tracker: Tracker) -> bool:
    typed = typed_text(tracker)
    return bool(typed) and INSTEAD.search(typed) is not None


AVAILABILITY = re.compile(
    r"^\s*(?:(?:do|does)\s+you\s+(?:still\s+)?(?:have|sell|stock|carry|do)|have\s+you\s+got|got\s+any|is\s+there|are\s+there|"
    r"hebben\s+jullie|heb\s+je|hebt\s+u|hebt\s+ge|zijn\s+er|is\s+er|verkopen\s+jullie)\b",
    re.IGNORECASE,
)


# "can I get ...?", "could you add ...", "mag ik ...": a polite order, though it ends in "?".
POLITE_ORDER = re.compile(
    r"^\s*(?:(?:can|could|may|might)\s+(?:i|we)\b|(?:can|could|would|will)\s+you\s+(?:please\s+)?"
    r"(?:add|put|get|give|send|throw|pop|include)\b|(?:mag|kan|kun|kunnen)\s+(?:ik|we|wij)\b)",
    re.IGNORECASE,
)


def asks_question(tracker: Tracker) -> bool:
    """A typed question that is not a polite order: "does the mini pump work with presta
    valves?" asks; "can I get two?" and "could I have the mini pump?" order."""
    typed = typed_text(tracker)
    return (
        bool(typed)
        and QUESTION.search(typed) is not None
        and POLITE_ORDER.search(typed) is None
        and numbers.quantity(ARTICLE_EEN.sub(" ", typed), language(tracker)) is None
    )


def asks_availability(tracker: Tracker) -> bool:
    """ "Do you have the guardian lock?" asks to see it; "can I get two?" still orders."""
    typed = typed_text(tracker)
    return (
        bool(typed) and AVAILABILITY.search(typed) is not None and numbers.quantity(ARTICLE_EEN.sub(" ", typed)) is None
    )


def orders(tracker: Tracker) -> bool:
    """Whether the typed message places an order: a quantity, and not a question."""
    typed = typed_text(tracker)
    if not typed or QUESTION.search(typed):
        return False
    return numbers.quantity(ARTICLE_EEN.sub(" ", typed), language(tracker)) is not None


def ordered_product(tracker: Tracker, catalog: Catalog) -> Optional[Product]:
    """The product a typed message orders: a quantity and one product, and not a question
    ("two floor pumps please", "de elektrische pomp, twee stuks", "we need ten saddle
    pouches"; a need with a quantity is an order, "I need something for the rain" is not,
    as it has no quantity)."""
    if not orders(tracker):
        return None
    return finder_for(catalog).resolve(typed_text(tracker)).product


def max_price(tracker: Tracker) -> Optional[Decimal]:
    """The price limit of this message: "under 30", "onder de dertig euro", "max €25"."""
    typed = typed_text(tracker)
    limit = numbers.price_limit(typed, language(tracker)) if typed else None
    if limit is not None:
        return limit
    raw = latest_entity(tracker, "max_price")
    if raw is None:
        return None
    digits = re.search(r"\d+(?:[.,]\d{1,2})?", str(raw))
    if not digits:
        return None
    try:
        return money.to_decimal(digits.group().replace(",", "."))
    except money.MoneyError:
        return None


# Turns whose cart change is not the customer's to undo: a payment took the paid lines
# out, or the turn was itself an undo (a second "not what I meant" does not redo).
NOT_UNDONE_INTENTS = frozenset(
    {
        "payment_approved",
        "payment_cancelled",
        "payment_update",
        "payment_requested",
        "pay_with_bank",
        "checkout",
        "undo_cart_change",
    }
)


def cart_before_last_change(tracker: Tracker) -> Optional[cart_rules.Cart]:
    """The cart as it was before the previous turn, when that turn was the customer's and
    changed the cart; else None. Only the turn right before this message counts."""
    events = list(tracker.events)
    turns = [i for i, event in enumerate(events) if event.get("event") == "user"]
    if len(turns) < 2:
        return None
    previous, current = turns[-2], turns[-1]
    intent = ((events[previous].get("parse_data") or {}).get("intent") or {}).get("name")
    if intent in NOT_UNDONE_INTENTS:
        return None
    if not any(_sets_cart(event) for event in events[previous:current]):
        return None
    before = next((event.get("value") for event in reversed(events[:previous]) if _sets_cart(event)), None)
    cart_before = cart_rules.from_slot(before or {})
    return None if cart_before == current_cart(tracker) else cart_before


def _sets_cart(event: Any) -> bool:
    return event.get("event") == "slot" and event.get("name") == "cart"


def price_ranking(tracker: Tracker) -> ranking.Ranking:
    """What this message asks the shop to choose by: "the cheapest light", "locks over 40"."""
    return ranking.read(typed_text(tracker) or "", language(tracker), max_price(tracker))


def slot_number(tracker: Tracker, name: str) -> int:
    value: Any = tracker.get_slot(name)
    try:
        return int(Decimal(str(value)))
    except (InvalidOperation, ValueError, TypeError):
        return 0
