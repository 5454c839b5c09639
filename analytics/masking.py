"""Personal data out of customers' messages before a designer reads them.

Masked: e-mail addresses, phone numbers (libphonenumber, for the shop's markets and
international numbers), PayPal order and capture ids, IBANs, and names: the names
the conversation knows (the Messenger profile, the account holder of a bank
payment) and names introduced the usual ways in English and Dutch ("my name is",
"ik heet", "mijn naam is", "this is", "met"). Each kind has its own placeholder,
so that the message still reads as it was written.
"""
from __future__ import annotations

import re
from typing import Iterable, List, Tuple

import phonenumbers

EMAIL = "<email>"
PHONE = "<phone>"
NAME = "<name>"
ORDER_ID = "<order id>"
IBAN = "<iban>"

# The shop's markets first; "ZZ" lets a number with its own +country code through. Only
# numbers valid for their country count: a price such as 14.50 is not a phone number.
PHONE_REGIONS = ("NL", "BE", "GB", "US", "ZZ")
EMAIL_PATTERN = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# PayPal order and capture ids: 17 capitals and digits, with at least one digit.
PAYPAL_ID_PATTERN = re.compile(r"\b(?=[A-Z0-9]*\d)[A-Z0-9]{17}\b")
IBAN_PATTERN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")
NAME_WORD = r"[A-ZÀ-Ý][\w'’-]+"
PARTICLE = r"(?:van|de|der|den|ter|ten|te|la|le|du|von|da|di|'t)"
FULL_NAME = rf"{NAME_WORD}(?:\s+(?:{PARTICLE}\s+)*{NAME_WORD}){{0,3}}"
INTRODUCTIONS = (
    r"my name is", r"my name's", r"name is", r"name's", r"i am", r"i'm", r"this is", r"call me", r"regards",
    r"mijn naam is", r"ik heet", r"ik ben", r"groeten", r"groetjes", r"gr\.",
)
# The introduction in any case; the name itself capitalised, as names are written.
INTRODUCED_NAME = re.compile(rf"(?i:\b(?:{'|'.join(INTRODUCTIONS)}))[:,]?\s+(?P<name>{FULL_NAME})")
# Words that follow "I am" / "ik ben" without being a name.
NOT_NAMES = frozenset(
    "looking interested just still not so here back new a an the from in at on with ok okay fine good done ready sure "
    "op opzoek aan niet nog al er hier een de het van blij tevreden klaar benieuwd bezig".split()
)


def mask(text: str, known_names: Iterable[str] = ()) -> str:
    """The text with personal data replaced by placeholders."""
    text = EMAIL_PATTERN.sub(EMAIL, text)
    text = IBAN_PATTERN.sub(IBAN, text)
    text = PAYPAL_ID_PATTERN.sub(ORDER_ID, text)
    text = _mask_phones(text)
    text = _mask_known_names(text, known_names)
    return _mask_introduced_names(text)


def _mask_phones(text: str) -> str:
    spans: List[Tuple[int, int]] = []
    for region in PHONE_REGIONS:
        for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID):
            if not any(start <= match.start < end for start, end in spans):
                spans.append((match.start, match.end))
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + PHONE + text[end:]
    return text


def _mask_known_names(text: str, names: Iterable[str]) -> str:
    """Every known name, whole or its parts of three letters or more, in any case."""
    parts = set()
    for name in names:
        name = (name or "").strip()
        if not name:
            continue
        parts.add(name)
        parts.update(part for part in re.split(r"\s+", name) if len(part) >= 3 and part.lower() not in NOT_NAMES)
    for part in sorted(parts, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(part)}(?!\w)", NAME, text, flags=re.IGNORECASE)
    return re.sub(rf"{re.escape(NAME)}(?:\s+{re.escape(NAME)})+", NAME, text)


def _mask_introduced_names(text: str) -> str:
    def replace(match: "re.Match[str]") -> str:
        name = match.group("name")
        words = name.split()
        if words[0].lower() in NOT_NAMES:
            return match.group(0)
        return match.group(0)[: match.start("name") - match.start(0)] + NAME

    return INTRODUCED_NAME.sub(replace, text)
