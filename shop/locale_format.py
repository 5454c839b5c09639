"""Dates, times, lists and country names in the customer's language, from Babel's
CLDR data rather than formats of our own."""

from __future__ import annotations

from datetime import date, time
from functools import lru_cache
from typing import Dict, Optional, Sequence

from babel import Locale
from babel.dates import format_date, format_time
from babel.lists import format_list

# Kassa's languages as Babel locales. English is written the British way ("Thursday
# 3 December"), the way English-speaking customers in the Netherlands and Belgium read it.
LOCALES = {"en": "en_GB", "nl": "nl_NL"}
DAY_PATTERN = "EEEE d MMMM"  # donderdag 3 december
CLOCK_PATTERN = "HH:mm"


def babel_locale(language: str) -> str:
    return LOCALES.get(language, LOCALES["en"])


def format_day(day: date, language: str) -> str:
    """'Thursday 3 December', 'donderdag 3 december'."""
    return format_date(day, DAY_PATTERN, locale=babel_locale(language))


def format_weekday(weekday: int, language: str) -> str:
    """Monday is 0: 'Tuesday', 'dinsdag'."""
    return Locale.parse(babel_locale(language)).days["format"]["wide"][weekday]


def format_clock(moment: time, language: str) -> str:
    return format_time(moment, CLOCK_PATTERN, locale=babel_locale(language))


def join_words(words: Sequence[str], language: str) -> str:
    """'PayPal, iDEAL and Bancontact', 'PayPal, iDEAL en Bancontact'."""
    return format_list(list(words), locale=babel_locale(language)) if words else ""


def country_name(code: str, language: str) -> str:
    """'Belgium', 'België'; the code itself when CLDR has no name for it."""
    return country_names(language).get(code.upper(), code.upper())


@lru_cache(maxsize=None)
def country_names(language: str) -> Dict[str, str]:
    """Every country's name in ``language``, by ISO 3166 alpha-2 code."""
    territories = Locale.parse(babel_locale(language)).territories
    return {code: name for code, name in territories.items() if len(code) == 2 and code.isalpha()}


def country_code(name: str, languages: Sequence[str] = tuple(LOCALES)) -> Optional[str]:
    """The code of a country named in any of ``languages`` ('belgië' -> 'BE')."""
    wanted = name.strip().casefold()
    for language in languages:
        for code, known in country_names(language).items():
            if known.casefold() == wanted:
                return code
    return None
