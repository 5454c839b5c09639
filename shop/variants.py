"""Product variants (size, colour): the choices a product offers, and how a
chosen variant is kept in the cart.

A variant is one option of each kind the product has, written as a label in
the catalog's order of kinds: "M / black". A cart line of a variant is keyed
"<SKU>:<label>", so two sizes of one helmet are two lines. Labels always come
from the catalog: one sent back by a button is checked against it, and typed
text is only searched for the catalog's own options.
"""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

import yaml

from shop.catalog import PROJECT_ROOT, Product

SEPARATOR = " / "
KEY_MARK = ":"  # the catalog refuses options containing ":" or "/"

OPTIONS_PATH = PROJECT_ROOT / "catalog" / "options.yml"


@dataclass(frozen=True)
class Option:
    words: Tuple[str, ...]  # how customers write it, lower case, both languages
    names: Dict[str, str]  # its name per language where it differs from the catalog's


@functools.lru_cache(maxsize=None)
def options(path: Path = OPTIONS_PATH) -> Dict[str, Option]:
    """catalog/options.yml: the words and Dutch names of each variant option (data for designers)."""
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    raw = document.get("options") if isinstance(document, dict) else None
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: expected 'options:' with one entry per option")
    return {
        str(name): Option(
            tuple(str(w).lower() for w in (spec or {}).get("words") or ()),
            {k: str(v) for k, v in (spec or {}).items() if k != "words"},
        )
        for name, spec in raw.items()
    }


def option_problems(catalog_options: Iterable[str], path: Path = OPTIONS_PATH) -> List[str]:
    """For `make validate`: every option the catalog uses is listed with at least one word."""
    try:
        known = options(path)
    except (OSError, ValueError, yaml.YAMLError) as error:
        return [str(error)]
    return [
        f"catalog/options.yml: option {name!r} of the catalog has no words"
        for name in sorted(set(catalog_options))
        if not (known.get(name) and known[name].words)
    ]


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
    known = options()
    for choices_of_kind in product.variants.values():
        named = [option for option in choices_of_kind if any(f" {word} " in words for word in _words(known, option))]
        if len(named) != 1:
            return None
        picked.append(named[0])
    return SEPARATOR.join(picked)


def display(label: str, language: str) -> str:
    """A variant label in the conversation's language ("M / zwart")."""
    known = options()
    return SEPARATOR.join(
        known[part].names.get(language, part) if part in known else part for part in label.split(SEPARATOR)
    )


def _words(known: Dict[str, Option], option: str) -> Tuple[str, ...]:
    return known[option].words if option in known else (option.lower(),)


def line_key(sku: str, label: Optional[str]) -> str:
    return f"{sku}{KEY_MARK}{label}" if label else sku


def split_key(key: str) -> Tuple[str, Optional[str]]:
    sku, mark, label = key.partition(KEY_MARK)
    return sku, (label if mark else None)
