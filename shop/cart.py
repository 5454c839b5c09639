"""The cart: a mapping of line key to quantity kept in the ``cart`` slot.

A line key is the SKU, or "<SKU>:<variant>" for a chosen size or colour
(shop/variants.py). Only keys and quantities are stored. Prices and totals are computed from the
catalog every time, so nothing a customer sends can change what they pay.
Every operation returns a new cart and leaves the old one untouched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Dict, List, Mapping, Optional

from shop import numbers, variants
from shop.catalog import Catalog, Product

MAX_QUANTITY_PER_LINE = 20
MAX_LINES = 30

# Words for a quantity that are not number words: the rest goes through numbers.to_digits.
QUANTITY_WORDS = {"a": 1, "an": 1, "single": 1, "eentje": 1, "pair": 2, "couple": 2, "paar": 2, "dozen": 12}

Cart = Dict[str, int]


class CartError(ValueError):
    """A cart change that was refused; ``code`` picks the answer for the customer."""

    def __init__(self, code: str, **details: Any) -> None:
        super().__init__(code)
        self.code = code
        self.details = details


@dataclass(frozen=True)
class CartLine:
    product: Product
    quantity: int
    variant: Optional[str] = None

    @property
    def total(self) -> Decimal:
        return self.product.price * self.quantity

    @property
    def key(self) -> str:
        return variants.line_key(self.product.sku, self.variant)

    def name(self, language: str = "en") -> str:
        """The product's name, with the chosen variant: "Urban Helmet (M / black)"."""
        name = self.product.name(language)
        return f"{name} ({variants.display(self.variant, language)})" if self.variant else name


def parse_quantity(value: Any) -> int:
    """A whole number of at least 1, from an entity value or a slot.

    Accepts 2, "2", "2x", "two", "twee", "vier stuks", "twenty". Refuses 0, -3, 2.5 and
    words it does not know.
    """
    if value is None or value == "":
        return 1
    if isinstance(value, bool):
        raise CartError("invalid_quantity", quantity=value)
    if isinstance(value, (int, float, Decimal)):
        number = Decimal(str(value))
    else:
        text = str(value).strip().lower()
        if text in QUANTITY_WORDS:
            return QUANTITY_WORDS[text]
        text = numbers.to_digits(text).strip()
        match = re.fullmatch(r"[x×]?\s*(-?\d+(?:[.,]\d+)?)\s*(?:x|×|pcs|stuks?)?", text)
        if not match:
            raise CartError("invalid_quantity", quantity=value)
        number = Decimal(match.group(1).replace(",", "."))
    if number != number.to_integral_value() or number < 1:
        raise CartError("invalid_quantity", quantity=value)
    return int(number)


def check_quantity(product: Product, quantity: int, in_other_lines: int = 0) -> None:
    """``quantity`` on one line, with ``in_other_lines`` of the same product on others
    (other sizes or colours): at most 20 per line, and never more than the stock."""
    limit = min(product.stock - in_other_lines, MAX_QUANTITY_PER_LINE)
    if product.stock == 0:
        raise CartError("out_of_stock", product=product.sku)
    if quantity > limit:
        raise CartError("too_many", product=product.sku, quantity=quantity, limit=max(limit, 0))


def from_slot(value: Any) -> Cart:
    """The cart from its slot value; anything malformed is dropped, not trusted."""
    if not isinstance(value, Mapping):
        return {}
    cart: Cart = {}
    for key, quantity in value.items():
        try:
            cart[str(key)] = parse_quantity(quantity)
        except CartError:
            continue
    return cart


def product_lines(cart: Cart, product: Product) -> Dict[str, int]:
    """The lines of ``product`` in the cart (one per variant), by key."""
    return {key: quantity for key, quantity in cart.items() if variants.split_key(key)[0] == product.sku}


def in_other_lines_of(cart: Cart, product: Product, key: str) -> int:
    """How many of ``product`` the cart holds on lines other than ``key`` (other sizes or colours)."""
    return sum(quantity for other, quantity in product_lines(cart, product).items() if other != key)


def line_of(cart: Cart, product: Product, variant: Optional[str]) -> str:
    """The key of the product's line to change: the variant's, or the product's only line."""
    if variant:
        key = variants.line_key(product.sku, variant)
        if key not in cart:
            raise CartError("not_in_cart", product=product.sku)
        return key
    keys = list(product_lines(cart, product))
    if not keys:
        raise CartError("not_in_cart", product=product.sku)
    if len(keys) > 1:
        raise CartError("which_variant", product=product.sku, choices=[variants.split_key(key)[1] for key in keys])
    return keys[0]


def variant_in_cart(cart: Cart, product: Product, variant: Optional[str]) -> Optional[str]:
    """The variant of the product's line to change: ``variant`` if that line is in the cart,
    else the variant of the product's only line (CartError when there are several or none)."""
    return variants.split_key(line_of(cart, product, variant))[1]


def add(cart: Cart, product: Product, quantity: int, variant: Optional[str] = None) -> Cart:
    key = variants.line_key(product.sku, variant)
    new_quantity = cart.get(key, 0) + quantity
    check_quantity(product, new_quantity, in_other_lines_of(cart, product, key))
    if key not in cart and len(cart) >= MAX_LINES:
        raise CartError("cart_full", limit=MAX_LINES)
    return {**cart, key: new_quantity}


def set_quantity(cart: Cart, product: Product, quantity: int, variant: Optional[str] = None) -> Cart:
    key = line_of(cart, product, variant)
    check_quantity(product, quantity, in_other_lines_of(cart, product, key))
    return {**cart, key: quantity}


def remove(cart: Cart, product: Product, quantity: Optional[int] = None, variant: Optional[str] = None) -> Cart:
    """Remove the whole line, or ``quantity`` items of it."""
    key = line_of(cart, product, variant)
    remaining = 0 if quantity is None else cart[key] - quantity
    if remaining > 0:
        return {**cart, key: remaining}
    return {other: qty for other, qty in cart.items() if other != key}


def without(cart: Cart, paid: Mapping[str, int]) -> Cart:
    """The cart once ``paid`` quantities are taken out (what was added since stays)."""
    remaining = {key: quantity - paid.get(key, 0) for key, quantity in cart.items()}
    return {key: quantity for key, quantity in remaining.items() if quantity > 0}


def lines(cart: Cart, catalog: Catalog) -> List[CartLine]:
    """Priced lines from the catalog; products the catalog no longer has, or variants
    it no longer offers, are skipped."""
    result = []
    for key, quantity in cart.items():
        sku, variant = variants.split_key(key)
        product = catalog.product(sku)
        if product is None or (variant is not None and variants.checked(product, variant) != variant):
            continue
        result.append(CartLine(product, quantity, variant))
    return result


def total(cart_lines: List[CartLine]) -> Decimal:
    return sum((line.total for line in cart_lines), Decimal(0))
