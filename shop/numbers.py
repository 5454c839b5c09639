"""Numbers in shoppers' own words, English and Dutch.

"three guardian locks", "vier stuks", "a pair of", "make it five", "onder de
dertig euro", "the second one", "die van 12,95". Number words become digits
through text2num (``alpha2digit``), which knows both languages, compound forms
("vijfentwintig") and ordinals ("2nd", "2e"); this module only says which of
the numbers in a message is a quantity, a price limit, a price or a position.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import List, Optional, Tuple

from text_to_num import alpha2digit

LANGUAGES = ("en", "nl")

# "a pair of" / "een paar" mean two; text2num leaves them alone. ("a dozen" is left
# out on purpose: nobody buys twelve bike locks by that word, and "dozens" is not 12.)
PAIR = re.compile(r"\b(?:a\s+(?:pair|couple)\s+of|(?:een|'n)\s+(?:paar|stel|tweetal)(?:\s+van)?)\b", re.IGNORECASE)

# Words that put a number in the role of a price limit, before or after it.
LIMIT_BEFORE = (
    r"under|below|beneath|less\s+than|cheaper\s+than|no\s+more\s+than|not\s+more\s+than|at\s+most|max(?:imum)?|"
    r"up\s+to|within|budget(?:\s+of|\s+is)?|onder|beneden|minder\s+dan|goedkoper\s+dan|niet\s+meer\s+dan|hooguit|"
    r"hoogstens|maximaal|max\.?|tot|budget\s+van|mag\s+(?:maar\s+)?(?:max(?:imaal)?\s+)?"
)
CURRENCY = r"(?:€|eur(?:o|os)?\b|euries\b)"
AMOUNT = r"(\d+(?:[.,]\d{1,2})?)"
LIMIT = re.compile(
    rf"\b(?:{LIMIT_BEFORE})\s+(?:de\s+|the\s+|een\s+|a\s+)?{CURRENCY}?\s*{AMOUNT}(?!\s*(?:st|nd|rd|th|e|ste|de)\b)"
    rf"|{CURRENCY}?\s*{AMOUNT}\s*{CURRENCY}?\s+(?:max(?:imum|imaal)?|at\s+most|or\s+less|of\s+minder|tops)\b",
    re.IGNORECASE,
)
# Words that put a number in the role of the least a customer wants to pay.
FLOOR_BEFORE = (
    r"over|above|more\s+than|at\s+least|min(?:imum)?|pricier\s+than|starting\s+at|"
    r"boven|meer\s+dan|minstens|minimaal|duurder\s+dan|vanaf"
)
FLOOR = re.compile(
    rf"\b(?:{FLOOR_BEFORE})\s+(?:de\s+|the\s+|een\s+|a\s+)?{CURRENCY}?\s*{AMOUNT}(?!\s*(?:st|nd|rd|th|e|ste|de)\b)"
    rf"|{CURRENCY}?\s*{AMOUNT}\s*{CURRENCY}?\s+(?:or\s+more|of\s+meer|and\s+up|en\s+hoger)\b",
    re.IGNORECASE,
)
# Both ends: "between 20 and 40", "tussen de 20 en 40 euro", "from €20 to €40", "van 20 tot 40", "€20-€40".
RANGE = re.compile(
    rf"\b(?:between|tussen|from|van)\s+(?:de\s+|the\s+)?{CURRENCY}?\s*{AMOUNT}\s*{CURRENCY}?\s*"
    rf"(?:and|en|to|tot|-)\s*{CURRENCY}?\s*{AMOUNT}"
    rf"|{CURRENCY}\s*{AMOUNT}\s*(?:-|to|tot)\s*{CURRENCY}?\s*{AMOUNT}"
    rf"|{AMOUNT}\s*(?:-|to|tot)\s*{AMOUNT}\s*{CURRENCY}",
    re.IGNORECASE,
)
# A price said as such: "€12.95", "12,95 euro", "12.95" (two decimals: a price, never a quantity).
PRICE = re.compile(rf"{CURRENCY}\s*{AMOUNT}|{AMOUNT}\s*{CURRENCY}|(?<![\d.,])(\d+[.,]\d{{2}})(?![\d.,])", re.IGNORECASE)
ORDINAL = re.compile(r"(?<![\w.,])(\d{1,2})\s*(?:st|nd|rd|th|e|ste|de)\b", re.IGNORECASE)
LAST = re.compile(r"\b(?:last|laatste|onderste)\b", re.IGNORECASE)
# "the second one", "that one please", "the beacon one": "one" standing for a product, not a number.
PRONOUN_ONE = re.compile(
    r"\bones?\b(?=\s*(?:$|[?!.,;)]|please|pls|thanks|too|also|as\s+well|instead|for|in|with|then|there|here|on|you))",
    re.IGNORECASE,
)
NUMBER_OF = re.compile(r"\b(?:number|nummer|nr\.?|no\.?)\s*(\d{1,2})\b", re.IGNORECASE)
# A whole number standing on its own ("co2" and "u-lock" are names, not numbers); a sign or decimals kept.
STANDALONE = re.compile(r"(?<![\w.,])(-\s?)?(\d+(?:[.,]\d+)?)(?![\w]|[.,]\d)")


def to_digits(text: str, language: Optional[str] = None) -> str:
    """The message with number words as digits, in the language given, else both."""
    text = PRONOUN_ONE.sub("", PAIR.sub("2", text or ""))
    for lang in (language,) if language in LANGUAGES else LANGUAGES:
        text = alpha2digit(text, lang, threshold=0)
    return text


def _decimal(raw: str) -> Optional[Decimal]:
    try:
        return Decimal(raw.replace(",", "."))
    except InvalidOperation:
        return None


def _amount(match: Optional["re.Match[str]"]) -> Optional[Decimal]:
    """The amount a LIMIT, FLOOR or PRICE match found (whichever of its groups matched)."""
    return _decimal(next(group for group in match.groups() if group)) if match else None


def price_limit(text: str, language: Optional[str] = None) -> Optional[Decimal]:
    """The most a customer wants to pay: "under 30", "onder de dertig euro", "max €25", "€25 max"."""
    return _amount(LIMIT.search(to_digits(text, language)))


def price_bounds(text: str, language: Optional[str] = None) -> Tuple[Optional[Decimal], Optional[Decimal]]:
    """The least and the most a customer wants to pay, each None when not said:
    "between 20 and 40" -> (20, 40), "over €50" -> (50, None), "onder de 30" -> (None, 30)."""
    digits = to_digits(text, language)
    both = RANGE.search(digits)
    if both:
        low, high = (_decimal(group) for group in both.groups() if group)
        if low is not None and high is not None and low > high:
            low, high = high, low
        return low, high
    return _amount(FLOOR.search(digits)), _amount(LIMIT.search(digits))


def prices(text: str, language: Optional[str] = None) -> List[Decimal]:
    """Prices named in a message ("die van 12,95", "the €24.95 one")."""
    found = []
    for match in PRICE.finditer(to_digits(text, language)):
        value = _amount(match)
        if value is not None:
            found.append(value)
    return found


def ordinal(text: str, language: Optional[str] = None) -> Optional[int]:
    """A position in what the bot showed: 1 for "the first", -1 for "the last", None if none."""
    digits = to_digits(text, language)
    match = ORDINAL.search(digits) or NUMBER_OF.search(digits)
    if match:
        return int(match.group(1))
    return -1 if LAST.search(digits) else None


def _spans_taken(digits: str) -> List[Tuple[int, int]]:
    taken = [m.span() for m in LIMIT.finditer(digits)]
    taken += [m.span() for m in FLOOR.finditer(digits)]
    taken += [m.span() for m in RANGE.finditer(digits)]
    taken += [m.span() for m in PRICE.finditer(digits)]
    taken += [m.span() for m in ORDINAL.finditer(digits)]
    taken += [m.span() for m in NUMBER_OF.finditer(digits)]
    return taken


def quantity(text: str, language: Optional[str] = None) -> Optional[str]:
    """The quantity a message asks for, as the customer wrote it once in digits.

    "add three guardian locks" -> "3", "vier stuks" -> "4", "a pair of rear lights" -> "2",
    "-3" -> "-3" (so it can be refused), "2.5" -> "2.5". Price limits, prices and
    positions are not quantities. None when the message has no number: the caller
    decides the default.
    """
    digits = to_digits(text, language)
    taken = _spans_taken(digits)
    for match in STANDALONE.finditer(digits):
        if any(start <= match.start(2) < end for start, end in taken):
            continue
        sign = "-" if match.group(1) else ""
        return sign + match.group(2)
    return None
