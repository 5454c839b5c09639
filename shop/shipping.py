"""Which shipping zone a customer is in, and what shipping costs them."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Dict, List, Optional, Tuple

from shop import locale_format
from shop.payment_methods import country_of
from shop.terms import Terms, Zone

NAMED = "named"  # the customer named the country
LOCALE = "locale"  # Messenger's locale suggests it


@dataclass(frozen=True)
class Destination:
    country: str  # ISO 3166 alpha-2
    source: str  # NAMED or LOCALE
    zone: Optional[Zone]  # None: the shop does not ship there


@dataclass(frozen=True)
class Quote:
    zone: Zone
    items_total: Decimal
    shipping: Decimal

    @property
    def short_of_free(self) -> Optional[Decimal]:
        """How much more in items would make shipping free; None when it is free already
        or the zone never ships free."""
        if self.shipping == 0 or self.zone.free_from is None:
            return None
        return self.zone.free_from - self.items_total


def _plain(text: str) -> str:
    """Lower case without accents: 'België' and 'belgie' read the same."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@lru_cache(maxsize=8)
def _name_patterns(aliases: Tuple[Tuple[str, str], ...]) -> List[Tuple["re.Pattern[str]", str]]:
    names: Dict[str, str] = {}
    for language in locale_format.LOCALES:
        for code, name in locale_format.country_names(language).items():
            names.setdefault(_plain(name), code)
    names.update((_plain(alias), code) for alias, code in aliases)
    longest_first = sorted(names.items(), key=lambda item: -len(item[0]))
    return [(re.compile(rf"(?<!\w){re.escape(name)}(?!\w)"), code) for name, code in longest_first]


def country_in_text(text: str, terms: Terms) -> Optional[str]:
    """The country a message names, in English or Dutch ('to Belgium', 'naar Duitsland')."""
    plain = _plain(text)
    for pattern, code in _name_patterns(tuple(sorted(terms.country_names.items()))):
        if pattern.search(plain):
            return code
    return None


def destination(text: str, locale: Optional[str], terms: Terms) -> Optional[Destination]:
    """The country named in the message, else the one Messenger's locale suggests."""
    named = country_in_text(text, terms)
    if named:
        return Destination(named, NAMED, terms.zone(named))
    from_locale = country_of(locale)
    if from_locale and from_locale.isalpha() and len(from_locale) == 2:
        return Destination(from_locale, LOCALE, terms.zone(from_locale))
    return None


def quote(zone: Zone, items_total: Decimal) -> Quote:
    return Quote(zone, items_total, zone.shipping_for(items_total))


def zone_name(zone: Zone, language: str) -> str:
    """'the Netherlands' in a sentence: the zone's own name, else the country's."""
    return zone.names.get(language) or locale_format.country_name(zone.country, language)
