"""Delivery addresses typed in the chat ("Kerkstraat 12, 3511 LK Utrecht"), for the
bank methods, where PayPal collects none. Read into PayPal's address_portable fields.

Dutch postcodes are four digits and two letters (checked by python-stdnum's
nl.postcode, which also knows the letter pairs PostNL never uses); Belgian ones are
four digits from 1000 (bpost).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Dict, Optional

from stdnum.exceptions import ValidationError
from stdnum.nl import postcode as nl_postcode

STREET_MAX = 300  # address_portable.address_line_1
CITY_MAX = 120  # address_portable.admin_area_2


class AddressError(ValueError):
    """What is wrong with a typed address, as a reason code the bot can explain."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


NO_POSTCODE = "no_postcode"
NO_STREET = "no_street"
NO_HOUSE_NUMBER = "no_house_number"
NO_CITY = "no_city"
NOT_SHIPPED = "not_shipped"


@dataclass(frozen=True)
class Address:
    street: str  # street and house number
    postcode: str
    city: str
    country: str

    def paypal(self) -> Dict[str, str]:
        """PayPal's address_portable (checkout_orders_v2.json)."""
        return {
            "address_line_1": self.street,
            "admin_area_2": self.city,
            "postal_code": self.postcode,
            "country_code": self.country,
        }

    def one_line(self) -> str:
        return f"{self.street}, {self.postcode} {self.city}"


def _dutch(found: str) -> Optional[str]:
    try:
        return str(nl_postcode.validate(found))
    except ValidationError:
        return None


def _belgian(found: str) -> Optional[str]:
    return found if 1000 <= int(found) <= 9999 else None


# Per country: where a postcode may stand in the text, and its check (None: not one).
POSTCODES: Dict[str, tuple["re.Pattern[str]", Callable[[str], Optional[str]]]] = {
    "NL": (re.compile(r"(?<!\d)(\d{4}\s?[A-Za-z]{2})(?![A-Za-z])"), _dutch),
    "BE": (re.compile(r"(?<![\d-])(\d{4})(?!\d)"), _belgian),
}


def _clean(part: str) -> str:
    return " ".join(part.replace("\n", " ").strip(" ,.;").split())


def _around(text: str, start: int, end: int, postcode: str, country: str) -> Address:
    street, city = _clean(text[:start]), _clean(text[end:])
    if not re.search(r"[^\W\d_]", street):
        raise AddressError(NO_STREET)
    if not re.search(r"\d", street):
        raise AddressError(NO_HOUSE_NUMBER)
    if not re.search(r"[^\W\d_]", city):
        raise AddressError(NO_CITY)
    return Address(street[:STREET_MAX], postcode, city[:CITY_MAX], country)


def parse(text: str, country: str) -> Address:
    """The address in ``text`` (street and number, postcode, town), for delivery in
    ``country``. A house number that looks like a postcode ("Avenue Louise 1200, 1050
    Brussel") is passed over. AddressError says what is missing."""
    if country not in POSTCODES:
        raise AddressError(NOT_SHIPPED)
    pattern, check = POSTCODES[country]
    first_error: Optional[AddressError] = None
    for match in pattern.finditer(text):
        postcode = check(match.group(1))
        if postcode is None:
            continue
        try:
            return _around(text, match.start(), match.end(), postcode, country)
        except AddressError as error:
            first_error = first_error or error
    raise first_error or AddressError(NO_POSTCODE)
