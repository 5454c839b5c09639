"""Addresses typed in the chat: Dutch and Belgian postcodes, street and number, town."""

from __future__ import annotations

import pytest

from shop import addresses
from shop.addresses import Address, AddressError


@pytest.mark.parametrize(
    "text,country,expected",
    [
        ("Kerkstraat 12, 3511 LK Utrecht", "NL", Address("Kerkstraat 12", "3511 LK", "Utrecht", "NL")),
        ("kerkstraat 12 3511lk utrecht", "NL", Address("kerkstraat 12", "3511 LK", "utrecht", "NL")),
        (
            "Laan van Meerdervoort 1020-A\n2564 AW Den Haag",
            "NL",
            Address("Laan van Meerdervoort 1020-A", "2564 AW", "Den Haag", "NL"),
        ),
        ("Veldstraat 8, 9000 Gent", "BE", Address("Veldstraat 8", "9000", "Gent", "BE")),
        ("Avenue Louise 1200, 1050 Brussel", "BE", Address("Avenue Louise 1200", "1050", "Brussel", "BE")),
    ],
)
def test_a_typed_address_is_read(text: str, country: str, expected: Address) -> None:
    assert addresses.parse(text, country) == expected


def test_paypal_fields() -> None:
    assert addresses.parse("Veldstraat 8, 9000 Gent", "BE").paypal() == {
        "address_line_1": "Veldstraat 8",
        "admin_area_2": "Gent",
        "postal_code": "9000",
        "country_code": "BE",
    }


@pytest.mark.parametrize(
    "text,country,reason",
    [
        ("Kerkstraat 12, Utrecht", "NL", addresses.NO_POSTCODE),
        ("Kerkstraat 12, 3511 SS Utrecht", "NL", addresses.NO_POSTCODE),  # SS, SA, SD are never used
        ("Kerkstraat 12, 0511 LK Utrecht", "NL", addresses.NO_POSTCODE),  # no postcode starts with 0
        ("Veldstraat 8, 0900 Gent", "BE", addresses.NO_POSTCODE),
        ("Veldstraat 8, 9000 Gent", "NL", addresses.NO_POSTCODE),  # a Belgian address for the Netherlands
        ("Kerkstraat, 3511 LK Utrecht", "NL", addresses.NO_HOUSE_NUMBER),
        ("3511 LK Utrecht", "NL", addresses.NO_STREET),
        ("Kerkstraat 12, 3511 LK", "NL", addresses.NO_CITY),
        ("Hauptstrasse 5, 52062 Aachen", "DE", addresses.NOT_SHIPPED),
    ],
)
def test_what_is_wrong_is_said(text: str, country: str, reason: str) -> None:
    with pytest.raises(AddressError) as error:
        addresses.parse(text, country)
    assert error.value.reason == reason
