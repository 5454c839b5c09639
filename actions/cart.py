"""The cart: a mapping of SKU to quantity kept in the ``cart`` slot.

Only SKUs and quantities are stored. Prices and totals are computed from the
catalog every time, so nothing a customer sends can change what they pay.
Every operation returns a new cart and leaves the old one untouched.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Dict, List, Mapping, Optional

from actions.catalog import Catalog, Product

MAX_QUANTITY_PER_LINE = 20
MAX_LINES = 30

NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "single": 1, "two": 2, "couple": 2, "pair": 2, "three": 3,
    "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "dozen": 12,
    "een": 1, "één": 1, "eentje": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6,
    "zeven": 7, "acht": 8, "negen": 9, "tien": 10, "elf": 11, "twaalf": 12,
}

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

    @property
    def total(self) -> Decimal:
        return self.product.price * self.quantity


def parse_quantity(value: Any) -> int:
    """A whole number of at least 1, from an entity value or a slot.

    Accepts 2, "2", "2x", "two", "twee". Refuses 0, -3, 2.5 and words it does not know.
    """
    if value is None or value == "":
        return 1
    if isinstance(value, bool):
        raise CartError("invalid_quantity", quantity=value)
    if isinstance(value, (int, float, Decimal)):
        number = Decimal(str(value))
    else:
        text = str(value).strip().lower()
        if text in NUMBER_WORDS:
            return NUMBER_WORDS[text]
        match = re.fullmatch(r"[x×]?\s*(-?\d+(?:[.,]\d+)?)\s*(?:x|×|pcs|stuks?)?", text)
        if not match:
            raise CartError("invalid_quantity", quantity=value)
        number = Decimal(match.group(1).replace(",", "."))
    if number != number.to_integral_value() or number < 1:
        raise CartError("invalid_quantity", quantity=value)
    return int(number)


def check_quantity(product: Product, quantity: int) -> None:
    limit = min(product.stock, MAX_QUANTITY_PER_LINE)
    if product.stock == 0:
        raise CartError("out_of_stock", product=product.sku)
    if quantity > limit:
        raise CartError("too_many", product=product.sku, quantity=quantity, limit=limit)


def from_slot(value: Any) -> Cart:
    """The cart from its slot value; anything malformed is dropped, not trusted."""
    if not isinstance(value, Mapping):
        return {}
    cart: Cart = {}
    for sku, quantity in value.items():
        try:
            cart[str(sku)] = parse_quantity(quantity)
        except CartError:
            continue
    return cart


def add(cart: Cart, product: Product, quantity: int) -> Cart:
    new_quantity = cart.get(product.sku, 0) + quantity
    check_quantity(product, new_quantity)
    if product.sku not in cart and len(cart) >= MAX_LINES:
        raise CartError("cart_full", limit=MAX_LINES)
    return {**cart, product.sku: new_quantity}


def set_quantity(cart: Cart, product: Product, quantity: int) -> Cart:
    if product.sku not in cart:
        raise CartError("not_in_cart", product=product.sku)
    check_quantity(product, quantity)
    return {**cart, product.sku: quantity}


def remove(cart: Cart, product: Product, quantity: Optional[int] = None) -> Cart:
    """Remove the whole line, or ``quantity`` items of it."""
    if product.sku not in cart:
        raise CartError("not_in_cart", product=product.sku)
    remaining = 0 if quantity is None else cart[product.sku] - quantity
    if remaining > 0:
        return {**cart, product.sku: remaining}
    return {sku: qty for sku, qty in cart.items() if sku != product.sku}


def without(cart: Cart, paid: Mapping[str, int]) -> Cart:
    """The cart once ``paid`` quantities are taken out (what was added since stays)."""
    remaining = {sku: quantity - paid.get(sku, 0) for sku, quantity in cart.items()}
    return {sku: quantity for sku, quantity in remaining.items() if quantity > 0}


def lines(cart: Cart, catalog: Catalog) -> List[CartLine]:
    """Priced lines from the catalog; SKUs the catalog no longer has are skipped."""
    result = []
    for sku, quantity in cart.items():
        product = catalog.product(sku)
        if product is not None:
            result.append(CartLine(product, quantity))
    return result


def total(cart_lines: List[CartLine]) -> Decimal:
    return sum((line.total for line in cart_lines), Decimal(0))
