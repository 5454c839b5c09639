"""Personal data out of customers' messages before a designer reads them.

Masked, each kind with its own placeholder so that the message still reads as it
was written:
- e-mail addresses;
- IBANs, in any case and with spaces or hyphens (schwifty knows each country's
  length and checks the digits; a mistyped one of the right shape is masked too);
- PayPal order and capture ids;
- phone numbers (libphonenumber): valid ones anywhere, possible ones after a word
  that announces a number ("bel me op", "my number is");
- addresses: a street with its house number (Dutch, Belgian and English street
  words), Dutch and Belgian postcodes with the town after them, and whatever
  follows "my address is", "adres:", "ship to", "woon op" and the like;
- names: those the conversation knows (the Messenger profile, the account holder
  of a bank payment, the PayPal payer), names introduced in English or Dutch ("my
  name is", "I’m", "ik heet", "naam:", "dit is", "t.n.v."), in lower case after an
  introduction that cannot mean anything else, and names signed under "kind
  regards", "met vriendelijke groet", "mvg", "groetjes" and their kin.

When in doubt it masks: a designer loses a word of context, a customer nothing.
"""

from __future__ import annotations

import functools
import re
from typing import Iterable, List, Optional, Tuple

import phonenumbers
from schwifty import IBAN as ParsedIban
from schwifty import registry as iban_registry
from schwifty.exceptions import SchwiftyException

EMAIL = "<email>"
PHONE = "<phone>"
NAME = "<name>"
ORDER_ID = "<order id>"
IBAN = "<iban>"
ADDRESS = "<address>"
POSTCODE = "<postcode>"

APOSTROPHE = "['’]"
EMAIL_PATTERN = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# PayPal order and capture ids: 17 letters and digits, with at least one digit.
PAYPAL_ID_PATTERN = re.compile(r"\b(?=[A-Za-z0-9]*\d)(?=[A-Za-z0-9]*[A-Za-z])[A-Za-z0-9]{17}\b")

# --- IBANs ------------------------------------------------------------------------------

# Where an IBAN may start: a country code and two check digits, in any case.
IBAN_START = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}")
IBAN_SEPARATORS = " -"

# --- phone numbers ----------------------------------------------------------------------

# The shop's markets first; "ZZ" lets a number with its own +country code through. Only
# numbers valid for their country count anywhere: a price such as 14.50 is no phone number.
PHONE_REGIONS = ("NL", "BE", "GB", "US", "ZZ")
# After these words a number that is merely possible (a mistyped or unallocated one) counts too.
PHONE_CUE = re.compile(
    r"(?i)\b(?:call|ring|phone|number|nummer|tel|telefoon|telefoonnummer|mobiel|mobile|gsm|whatsapp|bel|bellen|"
    r"reach me|bereikbaar)\b"
)

# --- addresses --------------------------------------------------------------------------

STREET_WORDS_NL = (
    "straat|str|laan|weg|plein|gracht|kade|dijk|singel|dreef|hof|steeg|pad|markt|baan|plantsoen|park|wal|"
    "boulevard|lei|steenweg|dam|veld|erf|burgwal|haven|kaai|vest|kerkhof|berg|oord|akker|hoeve"
)
HOUSE_NUMBER = r"\d{1,5}(?:\s?[A-Za-z]{1,2}\b|[-/]\d{1,4}\b)?"
STREET_NL = re.compile(rf"(?i)\b(?:[a-zà-ÿ'’.-]+\s+){{0,2}}[a-zà-ÿ'’.-]*(?:{STREET_WORDS_NL})\.?\s+{HOUSE_NUMBER}")
STREET_WORDS_EN = (
    "street|st|road|rd|avenue|ave|lane|ln|drive|dr|close|way|court|ct|place|pl|square|sq|crescent|terrace|"
    "gardens|grove|hill|row|walk|mews|parade"
)
STREET_EN = re.compile(rf"(?i)\b\d{{1,5}}[A-Za-z]?,?\s+(?:[a-z'’-]+\s+){{1,3}}(?:{STREET_WORDS_EN})\b\.?")
# Dutch postcodes are four digits and two letters; the letters of units are not.
POSTCODE_NL = re.compile(r"\b[1-9]\d{3}\s?(?P<letters>[A-Za-z]{2})\b(?:\s+[A-Z][\w'’-]+)?")
NOT_POSTCODE_LETTERS = frozenset("sa sd ss lm mm cm km kg mg ml mb gb kb mp hz kw wh ah".split())
# Belgian postcodes are four digits; counted as one only with a town after it.
POSTCODE_BE = re.compile(r"\b(?:B-)?[1-9]\d{3}\s+[A-Z][a-zà-ÿ'’-]+(?:[\s-][A-Z][a-zà-ÿ'’-]+)?")
# After these, the rest of the sentence is taken to be an address.
ADDRESS_CUE = re.compile(
    r"(?i)\b(?:my address is|address:|address is|adres:|adres is|i live at|we live at|ship (?:it )?to|send it to|"
    r"deliver (?:it )?to|woon op|wonen op|woon aan|leveren op|lever op|bezorgen op|sturen naar|stuur naar|"
    r"huisnummer|house number)\s*"
)
SENTENCE_END = re.compile(r"(?:[.!?](?:\s|$)|\n|$)")

# --- names ------------------------------------------------------------------------------

NAME_WORD = r"(?:[A-ZÀ-Ý][\w'’-]+|[A-Z]\.)"
LOWER_NAME_WORD = r"[a-zà-ÿ][a-zà-ÿ'’-]+"
PARTICLE = r"(?:van|de|der|den|ter|ten|te|la|le|du|von|da|di|el|al|'t|’t)"
FULL_NAME = rf"{NAME_WORD}(?:\s+(?:{PARTICLE}\s+)*{NAME_WORD}){{0,3}}"
ANY_CASE_NAME = rf"(?i:{LOWER_NAME_WORD}|[a-z]\.)(?:\s+(?i:{LOWER_NAME_WORD}|[a-z]\.)){{0,3}}"
# Introductions after which the next words can only be a name: lower case counts too.
STRONG_INTRODUCTIONS = (
    rf"my name{APOSTROPHE}?s",
    r"my name is",
    r"name is",
    r"name:",
    r"naam:",
    r"mijn naam is",
    r"ik heet",
    r"call me",
    r"je spreekt met",
    r"u spreekt met",
    r"spreekt met",
    rf"you{APOSTROPHE}re speaking (?:to|with)",
    r"t\.?n\.?v\.?",
    r"ten name van",
    r"op naam van",
    r"in the name of",
)
# Introductions that may also start a sentence about something else ("I'm lost", "ik ben
# weg"): a capitalised name only, or after "this is" / "dit is" a lower-case word that
# ends the clause and is no common word.
WEAK_INTRODUCTIONS = (
    r"i am",
    rf"i{APOSTROPHE}m",
    r"im",
    r"hier is",
    r"here is",
    r"ik ben",
    rf"it{APOSTROPHE}s",
    r"its",
)
WEAK_LOWER_INTRODUCTIONS = (r"this is", r"dit is")
# Closings a signature follows: with these a lower-case name may follow without a comma.
SIGN_OFFS = (
    r"kind regards",
    r"best regards",
    r"warm regards",
    r"regards",
    r"best wishes",
    r"kr",
    r"br",
    r"met vriendelijke groet(?:en)?",
    r"vriendelijke groet(?:en)?",
    r"hartelijke groet(?:en)?",
    r"m\.?v\.?g\.?",
    r"groet(?:en|jes)?",
    r"gr\.?",
    r"vr\.? ?gr\.?",
    r"--",
)
# Thanks that may end a message without a name ("thanks hoor", "cheers mate"): a
# lower-case name after them needs a comma or a new line first.
THANKS = (
    r"thanks",
    r"thank you",
    r"many thanks",
    r"thx",
    r"cheers",
    r"bedankt",
    r"dank(?:je| je|jewel| je wel|u)?",
    r"best",
)
STRONG = re.compile(rf"(?i:\b(?:{'|'.join(STRONG_INTRODUCTIONS)}))[:,]?\s+(?P<name>{FULL_NAME}|{ANY_CASE_NAME})")
AFTER_WORD = r"(?:^|(?<=[\s,.!?(]))"
WEAK = re.compile(rf"(?i:{AFTER_WORD}(?:{'|'.join(WEAK_INTRODUCTIONS)}))[:,]?\s+(?P<name>{FULL_NAME})")
WEAK_LOWER = re.compile(
    rf"(?i:{AFTER_WORD}(?:{'|'.join(WEAK_LOWER_INTRODUCTIONS)}))[:,]?\s+(?P<name>{FULL_NAME}|{ANY_CASE_NAME})"
)
# "met Daan, ..." (a Dutch telephone greeting), at the start and closed by a comma
MET = re.compile(rf"^(?i:met)\s+(?P<name>{FULL_NAME})(?=\s*[,.!])")
# "Sophie here", "Femke hier"
HERE = re.compile(rf"(?P<name>{FULL_NAME})\s+(?:here|hier)\b")
SIGNED_FROM = r"(?:\s+(?i:uit|from)\s+[A-Z][\w'’-]+)?"
SIGN_OFF = re.compile(
    rf"(?i:{AFTER_WORD}(?:{'|'.join(SIGN_OFFS)})){SIGNED_FROM}[,.:!]?\s+(?P<name>{FULL_NAME}|{ANY_CASE_NAME})\s*[.!]?\s*$"
)
SIGNED_THANKS = re.compile(
    rf"(?i:{AFTER_WORD}(?:{'|'.join(THANKS)})){SIGNED_FROM}(?:[,.:!]?\s+(?P<name>{FULL_NAME})|[,.:!]\s+(?P<lower>{ANY_CASE_NAME}))"
    rf"\s*[.!]?\s*$"
)
# Words that follow an introduction or a closing without being a name.
NOT_NAMES = frozenset(
    """looking interested just still not so here back new a an the from in at on with ok okay fine good done ready sure
    for to too very really quite always also after about again already and but or if is are was be it that this these
    those there what which who how when where why my your our their his her me you we they us them please pls thanks
    thank great nice perfect wrong broken sorry happy glad sad confused waiting trying going asking wondering ordering
    calling writing hoping planning buying paying curious lot all any some more less much many one two three
    order orders ordered payment paid refund return cart lock lights light helmet pump same right left
    op opzoek aan niet nog al er hier een de het van blij tevreden klaar benieuwd bezig voor om te met naar uit bij
    en of maar als dan dat die dit deze wat wie hoe waar waarom mijn je jij u uw wij ze zij ik ben zijn graag
    alvast nogmaals zo erg heel echt wel ook even weer eens snel laat vandaag morgen gisteren bestelling betaling
    retour winkelwagen slot lamp helm pomp dank bedankt oké goed prima top super
    """.split()
)


# After a strong introduction any word is taken for a name until one of these.
ENDS_A_NAME = frozenset(
    """and but or from please pls here again too also with on at in for to is was my i
    en maar of uit aub alstublieft hier weer ook met op voor mijn ik""".split()
)


def mask(text: str, known_names: Iterable[str] = ()) -> str:
    """The text with personal data replaced by placeholders."""
    text = EMAIL_PATTERN.sub(EMAIL, text)
    text = _mask_ibans(text)
    text = PAYPAL_ID_PATTERN.sub(ORDER_ID, text)
    text = _mask_phones(text)
    text = _mask_addresses(text)
    text = _mask_known_names(text, known_names)
    return _mask_introduced_names(text)


# --- IBANs ------------------------------------------------------------------------------


def _mask_ibans(text: str) -> str:
    spans: List[Tuple[int, int]] = []
    for start in IBAN_START.finditer(text):
        if spans and start.start() < spans[-1][1]:
            continue
        end = _iban_end(text, start.start())
        if end is not None:
            spans.append((start.start(), end))
    return _replace(text, spans, IBAN)


def _iban_end(text: str, start: int) -> Optional[int]:
    """Where an IBAN starting at ``start`` ends: its country's length of letters and digits,
    single spaces or hyphens between them; None when there is no IBAN of that shape."""
    country = text[start : start + 2].upper()
    try:
        spec = iban_registry.get_iban_spec(country)
    except SchwiftyException:
        return None
    compact, at = "", start
    while at < len(text) and len(compact) < spec.iban_length:
        char = text[at]
        if char.isalnum() and char.isascii():
            compact += char.upper()
        elif not (char in IBAN_SEPARATORS and compact and at + 1 < len(text) and text[at + 1].isalnum()):
            return None
        at += 1
    if len(compact) < spec.iban_length or (at < len(text) and text[at].isalnum()):
        return None
    try:
        ParsedIban(compact)
    except SchwiftyException:
        if not spec.regex.match(compact[4:]):
            return None  # not even the shape of one: no IBAN
    return at  # a valid IBAN, or one of the right shape with a typo: masked either way


# --- phone numbers ------------------------------------------------------------------------


def _mask_phones(text: str) -> str:
    spans: List[Tuple[int, int]] = []
    cues = [cue.end() for cue in PHONE_CUE.finditer(text)]
    for region in PHONE_REGIONS:
        for leniency in (phonenumbers.Leniency.VALID, phonenumbers.Leniency.POSSIBLE):
            for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=leniency):
                cued = any(0 <= match.start - cue <= 25 for cue in cues)
                if leniency == phonenumbers.Leniency.POSSIBLE and not cued:
                    continue
                if not any(start < match.end and match.start < end for start, end in spans):
                    spans.append((match.start, match.end))
    return _replace(text, spans, PHONE)


# --- addresses ------------------------------------------------------------------------------


def _mask_addresses(text: str) -> str:
    text = _mask_after_cues(text)
    text = STREET_NL.sub(ADDRESS, text)
    text = STREET_EN.sub(ADDRESS, text)
    text = POSTCODE_NL.sub(
        lambda m: m.group(0) if m.group("letters").lower() in NOT_POSTCODE_LETTERS else POSTCODE, text
    )
    return POSTCODE_BE.sub(POSTCODE, text)


def _mask_after_cues(text: str) -> str:
    spans: List[Tuple[int, int]] = []
    for cue in ADDRESS_CUE.finditer(text):
        end = SENTENCE_END.search(text, cue.end())
        stop = end.start() if end else len(text)
        if stop > cue.end():
            spans.append((cue.end(), stop))
    return _replace(text, spans, ADDRESS)


# --- names ----------------------------------------------------------------------------------


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
    return _merge_names(text)


def _mask_introduced_names(text: str) -> str:
    for pattern, strict in (
        (STRONG, False),
        (WEAK, True),
        (WEAK_LOWER, True),
        (MET, True),
        (HERE, True),
        (SIGN_OFF, True),
        (SIGNED_THANKS, True),
    ):
        text = pattern.sub(functools.partial(_name_replaced, strict=strict), text)
    return _merge_names(text)


def _name_replaced(match: "re.Match[str]", strict: bool) -> str:
    """The match with its name masked: the name's words up to the first that is no name;
    after a weak introduction a lower-case name must also end its clause."""
    group = "name" if match.group("name") is not None else "lower"
    words = match.group(group).split()
    stop_words = NOT_NAMES if strict else ENDS_A_NAME
    kept: List[str] = []
    for word in words:
        bare = word.strip(".,").lower()
        if bare in stop_words and not (kept and re.fullmatch(PARTICLE, bare)):
            break
        kept.append(word)
    while kept and re.fullmatch(PARTICLE, kept[-1].lower()):
        kept.pop()
    if not kept:
        return match.group(0)
    if strict and kept[0][0].islower():
        after = match.string[match.start(group) + len(" ".join(kept)) :][:1]
        if len(kept) > 1 or after not in ("", ".", ",", "!", "?", "\n", ")"):
            return match.group(0)
    start = match.start(group) - match.start(0)
    return match.group(0)[:start] + NAME + match.group(0)[start + len(" ".join(kept)) :]


def _merge_names(text: str) -> str:
    return re.sub(rf"{re.escape(NAME)}(?:\s+{re.escape(NAME)})+", NAME, text)


def _replace(text: str, spans: List[Tuple[int, int]], placeholder: str) -> str:
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + placeholder + text[end:]
    return text
