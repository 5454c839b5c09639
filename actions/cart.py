"""The cart: add, change, remove, show, clear, and the forms that ask what is missing."""

from __future__ import annotations

from typing import Any, Callable, Collection, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import replies
from actions.product_questions import answer_detail_question
from actions.showing import browse_catalog, show_details, suggest_products
from actions.suggestions import suggest_accessory
from actions.tracker import (
    CART_PHRASE,
    asks_availability,
    asks_question,
    current_cart,
    language,
    latest_entity,
    latest_text,
    ordered_product,
    orders,
    product_entities,
    product_in_message,
    replaces_quantity,
    signed_quantity,
    suggested_just_now,
    typed_text,
)
from shop import cart as cart_rules
from shop import money, variants
from shop.catalog import Catalog, Product
from shop.order_lines import RequestedLine, several_requests
from shop.stock import current_catalog

RESET_ITEM_SLOTS = [SlotSet("product", None), SlotSet("quantity", None)]
REFUSAL_RESPONSES = {
    "invalid_quantity": "utter_invalid_quantity",
    "too_many": "utter_too_many",
    "out_of_stock": "utter_out_of_stock",
    "not_in_cart": "utter_not_in_cart",
    "cart_full": "utter_cart_full",
}


def total_text(cart: cart_rules.Cart, catalog: Catalog, lang: str) -> str:
    return money.format_money(cart_rules.total(cart_rules.lines(cart, catalog)), catalog.currency, lang)


def explain_refusal(dispatcher: CollectingDispatcher, error: cart_rules.CartError, catalog: Catalog, lang: str) -> None:
    """Tell the customer why the cart did not change."""
    product = catalog.product(error.details.get("product"))
    values = {
        "product_name": product.name(lang) if product else "",
        "quantity": error.details.get("quantity", ""),
        "limit": error.details.get("limit", cart_rules.MAX_QUANTITY_PER_LINE),
    }
    dispatcher.utter_message(response=REFUSAL_RESPONSES[error.code], **values)


def wanted_quantity(tracker: Tracker) -> Optional[str]:
    """The quantity from this message (sign kept), else the one the form collected."""
    return signed_quantity(tracker) or tracker.get_slot("quantity")


def chosen_variant(tracker: Tracker, product: Product) -> Optional[str]:
    """The size/colour picked with a button, or named in the message; None if not (fully) named."""
    if not product.variants:
        return None
    text = latest_text(tracker)
    return variants.checked(product, latest_entity(tracker, "variant")) or (
        None if text.startswith("/") else variants.from_text(product, text)
    )


def ask_variant(
    dispatcher: CollectingDispatcher, product: Product, labels: List[str], intent: str, lang: str, **entities: Any
) -> List[Dict[Text, Any]]:
    dispatcher.utter_message(
        response="utter_ask_variant",
        product_name=product.name(lang),
        quick_replies=replies.variant_quick_replies(product, labels, intent, lang, **entities),
    )
    return RESET_ITEM_SLOTS


def change_cart(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    change: Callable[..., cart_rules.Cart],
    raw_quantity: Any,
    ask: str,
    done: str,
    intent: str,
    ask_variant_first: bool = False,
    product: Optional[Product] = None,
) -> List[Dict[Text, Any]]:
    """Apply ``change`` for the product, variant and quantity asked; a refusal leaves the cart as it was.

    With ``ask_variant_first`` (adding), a product that comes in sizes or colours
    needs one chosen; otherwise (changing) the variant is the one in the cart, or asked
    when the cart holds several."""
    catalog, lang = current_catalog(), language(tracker)
    product = product or catalog.product(tracker.get_slot("product"))
    if product is None:
        dispatcher.utter_message(response=ask)
        return RESET_ITEM_SLOTS
    try:
        quantity = cart_rules.parse_quantity(raw_quantity)
        cart = current_cart(tracker)
        variant = chosen_variant(tracker, product)
        if ask_variant_first and product.variants and variant is None:
            cart_rules.check_quantity(product, quantity, sum(cart_rules.product_lines(cart, product).values()))
            return ask_variant(dispatcher, product, variants.choices(product), intent, lang, quantity=str(quantity))
        if not ask_variant_first:
            variant = cart_rules.variant_in_cart(cart, product, variant)
        cart = change(cart, product, quantity, variant)
    except cart_rules.CartError as error:
        if error.code == "which_variant":
            return ask_variant(dispatcher, product, error.details["choices"], intent, lang, quantity=str(quantity))
        error.details.setdefault("product", product.sku)
        explain_refusal(dispatcher, error, catalog, lang)
        return RESET_ITEM_SLOTS
    line = cart_rules.CartLine(product, quantity, variant)
    dispatcher.utter_message(
        response=done, quantity=quantity, product_name=line.name(lang), total=total_text(cart, catalog, lang)
    )
    suggestion = suggest_accessory(dispatcher, tracker, [product], cart) if change is cart_rules.add else []
    return [SlotSet("cart", cart), SlotSet("last_product", line.key), *RESET_ITEM_SLOTS, *suggestion]


def add_ordered_product(dispatcher: CollectingDispatcher, tracker: Tracker, product: Product) -> List[Dict[Text, Any]]:
    """Add what a message ordered ("two floor pumps please") whichever intent NLU gave it;
    "3 saddle pouches instead of one" for a product in the cart sets its quantity."""
    if replaces_quantity(tracker) and cart_rules.product_lines(current_cart(tracker), product):
        return set_line_quantity(dispatcher, tracker, wanted_quantity(tracker), product)
    return change_cart(
        dispatcher,
        tracker,
        cart_rules.add,
        wanted_quantity(tracker),
        "utter_ask_add_to_cart_form_product",
        "utter_added_to_cart",
        "add_to_cart",
        ask_variant_first=True,
        product=product,
    )


def several_ordered(tracker: Tracker, catalog: Catalog) -> Optional[List[RequestedLine]]:
    """The products a typed message orders when it orders two or more ("two floor pumps
    and a rear light"); None for one, a question about availability, or a button."""
    typed = typed_text(tracker)
    if not typed or asks_availability(tracker):
        return None
    _, cart_words = product_entities(tracker)
    spans = [
        (str(entity.get("entity")), str(entity.get("value")), entity["start"], entity["end"])
        for entity in (tracker.latest_message or {}).get("entities", [])
        if isinstance(entity.get("start"), int)
        and isinstance(entity.get("end"), int)
        and not (entity.get("entity") == "product" and str(entity.get("value")) in cart_words)
    ]
    without_cart = CART_PHRASE.sub(lambda match: " " * len(match.group()), typed)  # offsets kept
    return several_requests(without_cart, spans, catalog, language(tracker))


def add_several(
    dispatcher: CollectingDispatcher, tracker: Tracker, lines: List[RequestedLine]
) -> List[Dict[Text, Any]]:
    """Each line that names one product goes in the cart with its own quantity, confirmed
    in one reply; a line that does not (a category, a size or colour not said) is asked
    about, one question at a time, and never guessed."""
    catalog, lang = current_catalog(), language(tracker)
    cart = current_cart(tracker)
    added: List[cart_rules.CartLine] = []
    pending: List[RequestedLine] = []
    for line in lines:
        if line.product is None or line.needs_variant:
            pending.append(line)
            continue
        try:
            quantity = cart_rules.parse_quantity(line.quantity)
            cart = cart_rules.add(cart, line.product, quantity, line.variant)
        except cart_rules.CartError as error:
            error.details.setdefault("product", line.product.sku)
            explain_refusal(dispatcher, error, catalog, lang)
            continue
        added.append(cart_rules.CartLine(line.product, quantity, line.variant))
    events: List[Dict[Text, Any]] = list(RESET_ITEM_SLOTS)
    if added:
        items = "\n".join(f"{line.quantity} × {line.name(lang)}" for line in added)
        dispatcher.utter_message(
            response="utter_added_several_to_cart", items=items, total=total_text(cart, catalog, lang)
        )
        events += [SlotSet("cart", cart), SlotSet("last_product", added[-1].key)]
    if pending:
        events += ask_about(dispatcher, pending, lang)
    else:
        events += suggest_accessory(dispatcher, tracker, [line.product for line in added], cart)
    return events


def ask_about(dispatcher: CollectingDispatcher, pending: List[RequestedLine], lang: str) -> List[Dict[Text, Any]]:
    """The first line not added is asked about (its quick replies stay the newest); the
    others are named, for the customer to ask again."""
    first, rest = pending[0], pending[1:]
    if rest:
        dispatcher.utter_message(response="utter_several_not_added_yet", items=", ".join(line.words for line in rest))
    if first.product is not None:
        choices = variants.choices(first.product)
        return ask_variant(dispatcher, first.product, choices, "add_to_cart", lang, quantity=first.quantity)
    if first.candidates:
        buttons = replies.product_buttons(first.candidates, "add_to_cart", lang, quantity=first.quantity)
        dispatcher.utter_message(response="utter_which_of_these", query=first.words, buttons=buttons)
    else:
        suggest_products(dispatcher, first.words, [], "add_to_cart", lang)
    return []


def take_order(dispatcher: CollectingDispatcher, tracker: Tracker, catalog: Catalog) -> Optional[List[Dict[Text, Any]]]:
    """A message that orders ("two floor pumps please", "two pumps and a lock") goes in the
    cart, whatever intent NLU gave it."""
    several = several_ordered(tracker, catalog) if orders(tracker) else None
    if several:
        return add_several(dispatcher, tracker, several)
    ordered = ordered_product(tracker, catalog)
    if ordered is None:
        return None
    return add_ordered_product(dispatcher, tracker, ordered)


def set_line_quantity(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    raw_quantity: Any,
    product: Optional[Product] = None,
) -> List[Dict[Text, Any]]:
    return change_cart(
        dispatcher,
        tracker,
        cart_rules.set_quantity,
        raw_quantity,
        "utter_ask_change_quantity_form_product",
        "utter_quantity_changed",
        "change_quantity",
        product=product,
    )


def confirm_adding(dispatcher: CollectingDispatcher, product: Product, lang: str) -> List[Dict[Text, Any]]:
    """Ask with buttons whether ``product`` should go in the cart; the tap adds it."""
    dispatcher.utter_message(
        response="utter_confirm_add",
        product_name=product.name(lang),
        quick_replies=replies.add_one_or_not(product, lang),
    )
    return [SlotSet("last_product", product.sku)]


class ActionAddToCart(Action):
    def name(self) -> Text:
        return "action_add_to_cart"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        several = several_ordered(tracker, current_catalog())
        if several:
            return add_several(dispatcher, tracker, several)
        if asks_question(tracker):  # "does the mini pump fit presta valves?": answered, the cart untouched
            answered = answer_detail_question(dispatcher, tracker)
            if answered is not None:
                return [*answered, *RESET_ITEM_SLOTS]
        product = current_catalog().product(tracker.get_slot("product"))
        if product is not None and asks_availability(tracker):
            # "do you have the guardian lock?" read as an order: show it, let the customer tap Add to cart
            return [*show_details(dispatcher, product, current_catalog(), language(tracker)), *RESET_ITEM_SLOTS]
        if product is not None and asks_question(tracker):
            # a question NLU read as an order, and no detail it asks about: ask, never act
            return [*confirm_adding(dispatcher, product, language(tracker)), *RESET_ITEM_SLOTS]
        if product is not None:
            return add_ordered_product(dispatcher, tracker, product)
        return change_cart(
            dispatcher,
            tracker,
            cart_rules.add,
            wanted_quantity(tracker),
            "utter_ask_add_to_cart_form_product",
            "utter_added_to_cart",
            "add_to_cart",
            ask_variant_first=True,
        )


class ActionAnswerSuggestion(Action):
    """A typed "yes" right after something went in the cart: the suggestion, if one was
    just made, goes in the cart too; otherwise nothing changes and the bot asks."""

    def name(self) -> Text:
        return "action_answer_suggestion"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        accessory = current_catalog().product(suggested_just_now(tracker))
        if accessory is None:
            dispatcher.utter_message(response="utter_anything_else")
            return []
        return add_ordered_product(dispatcher, tracker, accessory)


class ActionChangeQuantity(Action):
    def name(self) -> Text:
        return "action_change_quantity"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        product = current_catalog().product(tracker.get_slot("product"))
        if product is not None and not cart_rules.product_lines(current_cart(tracker), product):
            # "and the frame bag as well", "make it two frame bags": not in the cart yet, so it is an add
            return change_cart(
                dispatcher,
                tracker,
                cart_rules.add,
                tracker.get_slot("quantity"),
                "utter_ask_add_to_cart_form_product",
                "utter_added_to_cart",
                "add_to_cart",
                ask_variant_first=True,
            )
        return set_line_quantity(dispatcher, tracker, tracker.get_slot("quantity"))


class ActionRemoveFromCart(Action):
    def name(self) -> Text:
        return "action_remove_from_cart"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        if asks_availability(tracker):  # "do you have ...?" never takes anything out
            return take_order(dispatcher, tracker, current_catalog()) or browse_catalog(dispatcher, tracker)
        catalog, lang = current_catalog(), language(tracker)
        cart = current_cart(tracker)
        if not cart:
            dispatcher.utter_message(response="utter_cart_empty")
            return RESET_ITEM_SLOTS
        in_cart = list({line.product.sku: line.product for line in cart_rules.lines(cart, catalog)}.values())
        product = product_in_message(tracker, catalog, in_cart=[p.sku for p in in_cart]).product
        if product is None and len(in_cart) == 1:
            product = in_cart[0]
        if product is None:
            dispatcher.utter_message(
                response="utter_which_product_to_remove",
                buttons=replies.product_buttons(in_cart[:3], "remove_from_cart", lang),
            )
            return RESET_ITEM_SLOTS
        try:
            raw_quantity = signed_quantity(tracker)
            quantity = cart_rules.parse_quantity(raw_quantity) if raw_quantity else None
            variant = cart_rules.variant_in_cart(cart, product, chosen_variant(tracker, product))
            cart = cart_rules.remove(cart, product, quantity, variant)
        except cart_rules.CartError as error:
            if error.code == "which_variant":
                return ask_variant(dispatcher, product, error.details["choices"], "remove_from_cart", lang)
            error.details.setdefault("product", product.sku)
            explain_refusal(dispatcher, error, catalog, lang)
            return RESET_ITEM_SLOTS
        removed = cart_rules.CartLine(product, quantity or 0, variant)
        dispatcher.utter_message(
            response="utter_removed_from_cart", product_name=removed.name(lang), total=total_text(cart, catalog, lang)
        )
        return [SlotSet("cart", cart), SlotSet("last_product", removed.key), *RESET_ITEM_SLOTS]


class ActionShowCart(Action):
    def name(self) -> Text:
        return "action_show_cart"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        show_cart(dispatcher, current_cart(tracker), language(tracker))
        return []


def show_cart(dispatcher: CollectingDispatcher, cart: cart_rules.Cart, lang: str) -> None:
    """The cart's lines and total with the checkout buttons, or that it is empty."""
    catalog = current_catalog()
    lines = cart_rules.lines(cart, catalog)
    if not lines:
        dispatcher.utter_message(response="utter_cart_empty")
        return
    dispatcher.utter_message(
        response="utter_cart_contents",
        cart_lines=replies.cart_lines_text(lines, catalog.currency, lang),
        total=money.format_money(cart_rules.total(lines), catalog.currency, lang),
    )


class ActionClearCart(Action):
    def name(self) -> Text:
        return "action_clear_cart"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        if asks_availability(tracker):  # "do you have a basket for ...?" read as "empty the basket"
            return take_order(dispatcher, tracker, current_catalog()) or browse_catalog(dispatcher, tracker)
        dispatcher.utter_message(response="utter_cart_cleared")
        return [SlotSet("cart", {}), *RESET_ITEM_SLOTS]


def validate_product_choice(
    slot_value: Any, dispatcher: CollectingDispatcher, intent: str, tracker: Tracker
) -> Dict[Text, Any]:
    """The product named, found in the words, or pointed at; else "did you mean" or "we don't sell that"."""
    catalog = current_catalog()
    resolution = product_in_message(tracker, catalog, named=str(slot_value) if slot_value else None)
    if resolution.product is None:
        suggest_products(
            dispatcher, str(slot_value or typed_text(tracker)), resolution.candidates, intent, language(tracker)
        )
        return {"product": None}
    return {"product": resolution.product.sku}


def product_from_context(tracker: Tracker, in_cart: Collection[str] = ()) -> Dict[Text, Any]:
    """Fill the product before the form asks, when the message names or points at one
    that NLU did not mark ("I'll take the second one", "make it five")."""
    if tracker.get_slot("product") or tracker.get_slot("requested_slot") or not typed_text(tracker):
        return {}
    product = product_in_message(tracker, current_catalog(), in_cart=in_cart).product
    return {"product": product.sku} if product else {}


class ValidateAddToCartForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_add_to_cart_form"

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        """Nothing to ask when the message orders several products: action_add_to_cart adds
        each (or asks about the ones it cannot)."""
        return [] if several_ordered(tracker, current_catalog()) else domain_slots

    async def extract_product(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return {} if several_ordered(tracker, current_catalog()) else product_from_context(tracker)

    def validate_product(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if several_ordered(tracker, current_catalog()):
            return {"product": None}  # one product of several: action_add_to_cart takes them all
        return validate_product_choice(slot_value, dispatcher, "add_to_cart", tracker)


class ValidateChangeQuantityForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_change_quantity_form"

    async def extract_product(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        lines = cart_rules.lines(current_cart(tracker), current_catalog())
        found = product_from_context(tracker, in_cart={line.product.sku for line in lines})
        if found or tracker.get_slot("product") or tracker.get_slot("requested_slot"):
            return found
        return {"product": lines[0].product.sku} if len({line.product.sku for line in lines}) == 1 else {}

    async def extract_quantity(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """A number anywhere in the message; one when the product is not in the cart yet
        ("and the frame bag as well" is an add)."""
        if tracker.get_slot("requested_slot") not in (None, "quantity") or not typed_text(tracker):
            return {}
        found = signed_quantity(tracker)
        if found is not None:
            return {"quantity": found}
        product = current_catalog().product(tracker.get_slot("product"))
        if (
            product is not None
            and not cart_rules.product_lines(current_cart(tracker), product)
            and not tracker.get_slot("quantity")
        ):
            return {"quantity": "1"}
        return {}

    def validate_product(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return validate_product_choice(slot_value, dispatcher, "change_quantity", tracker)

    def validate_quantity(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        raw = signed_quantity(tracker) or slot_value
        try:
            return {"quantity": str(cart_rules.parse_quantity(raw))}
        except cart_rules.CartError:
            dispatcher.utter_message(
                response="utter_invalid_quantity", quantity=raw, limit=cart_rules.MAX_QUANTITY_PER_LINE
            )
            return {"quantity": None}
