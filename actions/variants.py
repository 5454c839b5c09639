"""Product variants (size, colour): the choices a product offers, and how a
chosen variant is kept in the cart.

A variant is one option of each kind the product has, written as a label in
the catalog's order of kinds: "M / black". A cart line of a variant is keyed
"<SKU>:<label>", so two sizes of one helmet are two lines. Labels always come
from the catalog: one sent back by a button is checked against it, and typed
text is only searched for the catalog's own options.
"""
from __future__ import annotations

import itertools
import re
from typing import Dict, List, Optional, Tuple

from actions.catalog import Product

SEPARATOR = " / "
KEY_MARK = ":"  # the catalog refuses options containing ":" or "/"

# How customers write the options, per option as the catalog spells it.
OPTION_WORDS: Dict[str, Tuple[str, ...]] = {
    "S": ("s", "small", "klein", "kleine"),
    "M": ("m", "medium", "middel", "middelgrote"),
    "L": ("l", "large", "groot", "grote"),
    "black": ("black", "zwart", "zwarte"),
    "white": ("white", "wit", "witte"),
    "grey": ("grey", "gray", "grijs", "grijze"),
    "blue": ("blue", "blauw", "blauwe"),
    "green": ("green", "groen", "groene"),
    "rainbow": ("rainbow", "regenboog"),
    "pink": ("pink", "roze"),
    "yellow": ("yellow", "geel", "gele"),
}
DISPLAY_NL = {"black": "zwart", "white": "wit", "grey": "grijs", "blue": "blauw", "green": "groen",
              "rainbow": "regenboog", "pink": "roze", "yellow": "geel"}


def choices(product: Product) -> List[str]:
    """Every combination the product comes in, as labels; [] when it has no variants."""
    if not product.variants:
        return []
    return [SEPARATOR.join(combination) for combination in itertools.product(*product.variants.values())]


def checked(product: Product, label: Optional[str]) -> Optional[str]:
    """``label`` when it is one of the product's choices (compared without case), else None."""
    if not label:
        return None
    wanted = str(label).strip().lower()
    return next((choice for choice in choices(product) if choice.lower() == wanted), None)


def from_text(product: Product, text: str) -> Optional[str]:
    """The variant named in a message ("a large one in black", "maat M, zwart"), when the
    message names exactly one option of every kind."""
    words = " " + re.sub(r"[^\w']+", " ", text.lower()) + " "  # "it's" stays one word, not "it" and "s"
    picked = []
    for options in product.variants.values():
        named = [option for option in options if any(f" {word} " in words for word in OPTION_WORDS.get(option, (option.lower(),)))]
        if len(named) != 1:
            return None
        picked.append(named[0])
    return SEPARATOR.join(picked)


def display(label: str, language: str) -> str:
    if language != "nl":
        return label
    return SEPARATOR.join(DISPLAY_NL.get(part, part) for part in label.split(SEPARATOR))


def line_key(sku: str, label: Optional[str]) -> str:
    return f"{sku}{KEY_MARK}{label}" if label else sku


def split_key(key: str) -> Tuple[str, Optional[str]]:
    sku, mark, label = key.partition(KEY_MARK)
    return sku, (label if mark else None)
