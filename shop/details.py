"""Which product details a message asks about: "is it waterproof?", "how heavy is the fold
lock?", "past die op een racefiets?".

The words for each detail are data (texts/detail_questions.yml), in English and Dutch;
the answers are the catalog's (``Product.detail``). A word matches as a whole word, a
phrase as written, in any case.
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal
from pathlib import Path
from typing import Dict, List, Optional, Pattern, Tuple

import yaml

from shop.catalog import DETAIL_KINDS, LANGUAGES, PROJECT_ROOT, Product

QUESTIONS_PATH = PROJECT_ROOT / "texts" / "detail_questions.yml"

# "the difference between the U-lock and the chain lock", "vergelijk het vouwslot met het
# beugelslot", "fold lock vs guardian": words that ask to compare, and what separates the products.
COMPARE = re.compile(
    r"\b(?:differences?|differ|compare[ds]?|comparison|vs\.?|versus|which\s+is\s+better|"
    r"verschil(?:len)?|vergelijk(?:en)?|vergeleken|wat\s+is\s+beter)(?!\w)",
    re.IGNORECASE,
)
SEPARATOR = re.compile(r"\s*(?:,|;|/|\b(?:and|or|vs\.?|versus|with|to|en|of|met|tegenover)\b)\s*", re.IGNORECASE)


class DetailQuestionsError(ValueError):
    """texts/detail_questions.yml is not usable; the message says where."""


@functools.lru_cache(maxsize=None)
def question_words(path: Path = QUESTIONS_PATH) -> Dict[str, Dict[str, Tuple[str, ...]]]:
    """Per language, per detail, the words that ask about it."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise DetailQuestionsError(f"{path}: {error}") from error
    if not isinstance(document, dict) or not all(isinstance(document.get(lang), dict) for lang in LANGUAGES):
        raise DetailQuestionsError(
            f"{path}: expected, for each of {', '.join(LANGUAGES)}, a mapping of detail to words"
        )
    table: Dict[str, Dict[str, Tuple[str, ...]]] = {}
    for lang in LANGUAGES:
        table[lang] = {}
        for kind, words in document[lang].items():
            if kind not in DETAIL_KINDS:
                raise DetailQuestionsError(f"{path}: {lang}: unknown detail '{kind}' (use {', '.join(DETAIL_KINDS)})")
            if not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
                raise DetailQuestionsError(f"{path}: {lang}.{kind}: expected a list of words and phrases")
            table[lang][str(kind)] = tuple(w.strip().lower() for w in words)
    return table


@functools.lru_cache(maxsize=None)
def _patterns(path: Path = QUESTIONS_PATH) -> Dict[str, Dict[str, Pattern[str]]]:
    return {
        lang: {
            kind: re.compile(r"\b(?:" + "|".join(re.escape(word) for word in words) + r")\b", re.IGNORECASE)
            for kind, words in kinds.items()
        }
        for lang, kinds in question_words(path).items()
    }


def asked(text: str, language: Optional[str] = None) -> List[str]:
    """The details a message asks about, in the catalog's order of details."""
    languages = (language,) if language in LANGUAGES else LANGUAGES
    found = {kind for lang in languages for kind, pattern in _patterns()[lang].items() if pattern.search(text or "")}
    return [kind for kind in DETAIL_KINDS if kind in found]


def without_question_words(text: str, language: Optional[str] = None) -> str:
    """The message with the detail words taken out: what is left names the product, if anything."""
    languages = (language,) if language in LANGUAGES else LANGUAGES
    for lang in languages:
        for pattern in _patterns()[lang].values():
            text = " ".join(pattern.sub(" ", text).split())
    return text


def compared_parts(text: str) -> List[str]:
    """The parts of a message that asks to compare, each naming one product in the
    customer's words; [] when the message does not ask to compare."""
    if not COMPARE.search(text or ""):
        return []
    parts = (" ".join(COMPARE.sub(" ", part).split()).strip(" ?!.") for part in SEPARATOR.split(text))
    return [part for part in parts if part]


# How a detail's text is measured, to rank by it: grams of a weight ("1.4 kg", "380 g"),
# the level of a security rating ("level 9 of 10"). Read from the English text.
WEIGHT = re.compile(r"(\d+(?:[.,]\d+)?)\s*(kg|g)\b", re.IGNORECASE)
SECURITY_LEVEL = re.compile(r"\blevel\s+(\d+)\b", re.IGNORECASE)
LUMEN = re.compile(r"(\d+)\s*(?:lumen|lm)\b", re.IGNORECASE)  # a set's first figure: its front light


def measure(product: Product, kind: str) -> Optional[Decimal]:
    """The product's detail as a number to rank by, None when the catalog gives none."""
    text = product.detail(kind, "en")
    if not text:
        return None
    if kind == "weight":
        match = WEIGHT.search(text)
        if match:
            grams = Decimal(match.group(1).replace(",", "."))
            return grams * 1000 if match.group(2).lower() == "kg" else grams
    if kind == "security":
        match = SECURITY_LEVEL.search(text)
        if match:
            return Decimal(match.group(1))
    if kind == "brightness":
        match = LUMEN.search(text)
        if match:
            return Decimal(match.group(1))
    return None


def problems(path: Path = QUESTIONS_PATH) -> List[str]:
    """What `make validate` reports: a detail without words in a language."""
    try:
        table = question_words(path)
    except DetailQuestionsError as error:
        return [str(error)]
    shown = path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path
    return [
        f"{shown}: {lang}: no words for detail '{kind}'"
        for lang in LANGUAGES
        for kind in DETAIL_KINDS
        if not table[lang].get(kind)
    ]
