"""Rich message pieces that Rasa's channels render: buttons, carousel elements, lists.

Elements follow Messenger's generic template (title, subtitle, image_url,
buttons), which Rasa's channels pass on as they are. Button payloads are
``/intent{"entity": "value"}`` strings, so a tap reaches the right intent with
the product id and skips NLU.
"""

from __future__ import annotations

import json
from typing import Any, Dict, Iterable, List, Sequence

from shop import fulfilment as fulfilments
from shop import locale_format, money, shipping, variants
from shop.cart import CartLine
from shop.catalog import Catalog, Product, in_language
from shop.payment_methods import BankMethod
from shop.phrases import phrase
from shop.terms import Terms

# Channels page long carousels themselves (Messenger: 10 cards and "Show more").
MAX_RESULTS = 30
TITLE_LIMIT = 80
SUBTITLE_LIMIT = 80
LOW_STOCK = 5


def intent_payload(intent: str, **entities: Any) -> str:
    if not entities:
        return f"/{intent}"
    return f"/{intent}{json.dumps(entities, ensure_ascii=False)}"


def postback_button(title: str, payload: str) -> Dict[str, str]:
    return {"title": title, "payload": payload}


def add_one_or_not(product: Product, language: str) -> List[Dict[str, str]]:
    """Quick replies "Yes, add it" (one of ``product`` into the cart) and "No thanks"."""
    return [
        postback_button(
            phrase("suggestion_yes_button", language),
            intent_payload("add_to_cart", product=product.sku, quantity="1"),
        ),
        postback_button(phrase("suggestion_no_button", language), "/deny"),
    ]


def url_button(title: str, url: str) -> Dict[str, str]:
    return {"title": title, "url": url, "type": "web_url"}


# Messenger cuts button titles at 20 characters; "Pay €29.00 with PayPal" is 22.
SHORT_BUTTON_CHANNELS = ("facebook",)
BUTTON_TITLE_LIMIT = 20


def pay_button(total: str, url: str, language: str, channel: str | None) -> Dict[str, str]:
    """The PayPal button: "Pay €X with PayPal", or "Pay €X" where titles are short."""
    title = phrase("pay_with_paypal", language, total=total)
    if channel in SHORT_BUTTON_CHANNELS and len(title) > BUTTON_TITLE_LIMIT:
        title = phrase("pay_short", language, total=total)
    return url_button(title, url)


def bank_method_button(method: BankMethod, language: str) -> Dict[str, str]:
    """A postback that starts paying with iDEAL or Bancontact (the title is the method's name,
    which fits Messenger's 20 characters in both languages)."""
    return postback_button(method.label, intent_payload("pay_with_bank", payment_method=method.key))


def bank_pay_button(method: BankMethod, url: str, language: str) -> Dict[str, str]:
    return url_button(phrase("pay_with_method_button", language, method=method.label), url)


def method_list(methods: Sequence[BankMethod], language: str) -> str:
    """ "iDEAL", "iDEAL or Bancontact"."""
    labels = [method.label for method in methods]
    return f" {phrase('or', language)} ".join(labels)


def price_text(product: Product, catalog: Catalog, language: str) -> str:
    return money.format_money(product.price, catalog.currency, language)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def product_element(product: Product, catalog: Catalog, language: str) -> Dict[str, Any]:
    """A product's card; a sold-out one says so first."""
    sold_out = f"{phrase('out_of_stock', language)} · " if product.stock == 0 else ""
    return {
        "title": _shorten(product.name(language), TITLE_LIMIT),
        "subtitle": _shorten(
            f"{sold_out}{price_text(product, catalog, language)} · {product.description(language)}", SUBTITLE_LIMIT
        ),
        "image_url": catalog.image_url(product),
        "buttons": card_buttons(product, language),
    }


def card_buttons(product: Product, language: str) -> List[Dict[str, str]]:
    """A product card's buttons: Add to cart (not when it is sold out), Details."""
    add = postback_button(phrase("add_to_cart_button", language), intent_payload("add_to_cart", product=product.sku))
    details = postback_button(
        phrase("details_button", language), intent_payload("product_details", product=product.sku)
    )
    return [details] if product.stock == 0 else [add, details]


def carousel(products: Sequence[Product], catalog: Catalog, language: str) -> List[Dict[str, Any]]:
    return [product_element(p, catalog, language) for p in products[:MAX_RESULTS]]


def detail_lines(product: Product, kinds: Iterable[str], language: str) -> str:
    """ "Weight: 1.4 kg" lines, one per detail the catalog has for the product."""
    return "\n".join(
        f"{phrase('detail_' + kind, language)}: {text}"
        for kind in kinds
        for text in [product.detail(kind, language)]
        if text
    )


def product_buttons(products: Iterable[Product], intent: str, language: str, **entities: Any) -> List[Dict[str, str]]:
    return [postback_button(p.name(language), intent_payload(intent, product=p.sku, **entities)) for p in products]


def variant_quick_replies(
    product: Product, labels: Iterable[str], intent: str, language: str, **entities: Any
) -> List[Dict[str, str]]:
    """One quick reply per size/colour (the catalog allows at most 13); the payload
    carries the catalog's label, checked again when it comes back."""
    return [
        postback_button(
            variants.display(label, language), intent_payload(intent, product=product.sku, variant=label, **entities)
        )
        for label in labels
    ]


def category_quick_replies(catalog: Catalog, language: str) -> List[Dict[str, str]]:
    return [
        {"title": c.name(language), "payload": intent_payload("browse_catalog", category=c.id)}
        for c in catalog.categories.values()
    ]


def availability(product: Product, language: str) -> str:
    if product.stock == 0:
        return phrase("out_of_stock", language)
    if product.stock <= LOW_STOCK:
        return phrase("few_left", language, count=product.stock)
    return phrase("in_stock", language)


def variant_list(product: Product, language: str) -> str:
    return "".join(
        f"\n{phrase(kind, language)}: {', '.join(variants.display(option, language) for option in options)}"
        for kind, options in product.variants.items()
    )


def cart_lines_text(lines: Sequence[CartLine], currency: str, language: str) -> str:
    return "\n".join(
        f"{line.quantity} × {line.name(language)}, {money.format_money(line.total, currency, language)}"
        for line in lines
    )


def shipping_line(fulfilment: fulfilments.Fulfilment, bill: fulfilments.Bill, terms: Terms, language: str) -> str:
    """The summary's shipping line: "Shipping to the Netherlands with PostNL: €4.95",
    "Pick up at <the shop's address>: free"."""
    price = (
        phrase("shipping_free", language)
        if bill.shipping == 0
        else money.format_money(bill.shipping, terms.currency, language)
    )
    if fulfilment.zone is None:
        return phrase(
            "shipping_line_pickup", language, address=in_language(terms.pickup.address, language), price=price
        )
    return phrase(
        "shipping_line_delivery",
        language,
        country=shipping.zone_name(fulfilment.zone, language),
        carrier=fulfilment.zone.carrier.name,
        price=price,
    )


def fulfilment_button(option: fulfilments.Fulfilment, language: str) -> Dict[str, str]:
    """ "Pick up instead", "Send to Belgium": checking out again that way."""
    if option.zone is None:
        title = phrase("pickup_instead_button", language)
    else:
        title = phrase("send_to_button", language, country=locale_format.country_name(option.zone.country, language))
    return postback_button(title, intent_payload("checkout", delivery_choice=option.choice))


def utility_update(
    channel: str | None,
    template: str,
    language: str,
    values: Dict[str, str],
    order_id: str | None = None,
    receipt_of: str | None = None,
) -> Dict[str, Any] | None:
    """The custom JSON that marks a payment update with its Messenger utility template
    (texts/utility_templates.yml): sent in its place when the customer last wrote
    more than 24 hours ago. None on other channels, which have no such window."""
    if channel != "facebook":
        return None
    update: Dict[str, Any] = {"template": template, "language": language, "values": values}
    if order_id:
        update["order_id"] = order_id
    if receipt_of:
        update["receipt_of"] = receipt_of
    return {"utility": update}
