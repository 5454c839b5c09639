"""Which country a customer means, and what shipping costs them."""

from decimal import Decimal
from typing import Optional

import pytest

from shop import locale_format, shipping
from shop.catalog import PROJECT_ROOT
from shop.terms import load_terms

TERMS = load_terms(PROJECT_ROOT / "catalog" / "terms.yml")


@pytest.mark.parametrize(
    ("text", "country"),
    [
        ("do you ship to Belgium?", "BE"),
        ("verzenden jullie naar België", "BE"),
        ("verzenden naar belgie", "BE"),
        ("what does it cost to the Netherlands", "NL"),
        ("naar nederland", "NL"),
        ("and to holland?", "NL"),
        ("kunnen jullie naar Duitsland sturen", "DE"),
        ("shipping to the United Kingdom", "GB"),
        ("what are the shipping costs", None),
        ("do you ship to my house", None),
    ],
)
def test_country_in_text(text: str, country: Optional[str]) -> None:
    assert shipping.country_in_text(text, TERMS) == country


def test_a_named_country_wins_over_the_locale() -> None:
    found = shipping.destination("and to belgium?", "nl_NL", TERMS)
    assert found is not None and (found.country, found.source) == ("BE", shipping.NAMED)
    from_locale = shipping.destination("how much is shipping", "nl_BE", TERMS)
    assert from_locale is not None and (from_locale.country, from_locale.source) == ("BE", shipping.LOCALE)
    assert shipping.destination("how much is shipping", None, TERMS) is None
    elsewhere = shipping.destination("to germany?", None, TERMS)
    assert elsewhere is not None and elsewhere.zone is None


def test_quote_tells_how_far_from_free() -> None:
    quote = shipping.quote(TERMS.zones["NL"], Decimal("34.90"))
    assert quote.shipping == Decimal("4.95") and quote.short_of_free == Decimal("15.10")
    free = shipping.quote(TERMS.zones["NL"], Decimal("50.00"))
    assert free.shipping == 0 and free.short_of_free is None


def test_locale_formats_come_from_cldr() -> None:
    from datetime import date, time

    assert locale_format.format_day(date(2026, 12, 3), "en") == "Thursday 3 December"
    assert locale_format.format_day(date(2026, 12, 3), "nl") == "donderdag 3 december"
    assert locale_format.format_clock(time(16, 0), "nl") == "16:00"
    assert locale_format.join_words(["PayPal", "iDEAL", "Bancontact"], "nl") == "PayPal, iDEAL en Bancontact"
    assert locale_format.country_name("BE", "nl") == "België"
    assert locale_format.format_weekday(1, "en") == "Tuesday"
