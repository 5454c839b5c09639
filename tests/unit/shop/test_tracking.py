"""Tracking numbers by carrier, and the customer's tracking link."""

from __future__ import annotations

import pytest

from sandbox.paypal import openapi
from shop import tracking
from shop.terms import get_terms


@pytest.mark.parametrize(
    "carrier,typed,expected",
    [
        ("POSTNL", "3SKAAS1234567", "3SKAAS1234567"),  # 13
        ("postnl", "3s kaas 123456789", "3SKAAS123456789"),  # 15, as typed
        ("POSTNL", "RR123456789NL", "RR123456789NL"),  # international (S10)
        ("BPOST", "3232 1234 5678 9012 3456 7890", "323212345678901234567890"),  # 24 digits
        ("BPOST", "323212345678901234", "323212345678901234"),  # 18 digits
        ("BPOST", "CE123456789BE", "CE123456789BE"),
        ("BPOST", "JJBEA" + "1" * 22, "JJBEA" + "1" * 22),
    ],
)
def test_the_carriers_shapes(carrier: str, typed: str, expected: str) -> None:
    assert tracking.normalized(carrier, typed) == expected


@pytest.mark.parametrize(
    "carrier,typed",
    [
        ("POSTNL", "3SKAAS12345"),  # 11: too short
        ("POSTNL", "3SKAAS12345678"),  # 14
        ("POSTNL", "323212345678901234567890"),  # a bpost number
        ("BPOST", "3SKAAS1234567"),  # a PostNL number
        ("BPOST", "1234"),
        ("DHL", "3SKAAS1234567"),  # not a carrier of the shop
    ],
)
def test_a_number_the_carrier_does_not_use_is_refused(carrier: str, typed: str) -> None:
    with pytest.raises(tracking.TrackingError):
        tracking.normalized(carrier, typed)


def test_the_tracking_links_of_the_terms() -> None:
    carriers = get_terms().carriers
    link = tracking.link(carriers["POSTNL"].tracking_url, "3SKAAS1234567", "3511 LK", "NL")
    assert link == "https://jouw.postnl.nl/track-and-trace/3SKAAS1234567-NL-3511LK"
    assert "itemCode=323212345678901234" in tracking.link(carriers["BPOST"].tracking_url, "323212345678901234", "9000")


@pytest.mark.skipif(not openapi.available(), reason="PayPal's OpenAPI spec not found")
def test_the_terms_carriers_are_paypal_carriers() -> None:
    known = openapi._spec(openapi.ORDERS_SPEC)["components"]["schemas"]["shipment_carrier"]["enum"]
    assert {carrier.paypal_carrier for carrier in get_terms().carriers.values()} <= set(known)
