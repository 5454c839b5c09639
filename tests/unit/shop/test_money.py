from decimal import Decimal

import pytest

from shop import money


@pytest.mark.parametrize(
    "amount, currency, expected",
    [
        ("12.5", "EUR", "12.50"),
        ("12.345", "EUR", "12.35"),
        ("1250", "JPY", "1250"),
        ("1249.5", "HUF", "1250"),
        ("7", "TWD", "7"),
        ("0.1", "USD", "0.10"),
    ],
)
def test_paypal_value_has_the_currency_decimals(amount: str, currency: str, expected: str) -> None:
    assert money.paypal_value(Decimal(amount), currency) == expected


def test_paypal_money_shape() -> None:
    assert money.paypal_money(Decimal("3"), "eur") == {"currency_code": "EUR", "value": "3.00"}


@pytest.mark.parametrize(
    "amount, language, expected",
    [
        ("12.5", "en", "€12.50"),
        ("12.5", "nl", "€ 12,50"),
        ("1234.5", "en", "€1,234.50"),
        ("1234.5", "nl", "€ 1.234,50"),
    ],
)
def test_format_money_per_language(amount: str, language: str, expected: str) -> None:
    assert money.format_money(Decimal(amount), "EUR", language) == expected


def test_format_money_of_other_currencies_follows_cldr() -> None:
    assert money.format_money(Decimal("5"), "CHF", "en") == "CHF5.00"
    assert money.format_money(Decimal("5"), "CHF", "nl") == "CHF 5,00"
    assert money.format_money(Decimal("1250"), "JPY", "en") == "JP¥1,250"


def test_format_money_rounds_half_up_like_paypal() -> None:
    assert money.format_money(Decimal("0.125"), "EUR", "en") == "€0.13"


def test_floats_are_refused() -> None:
    with pytest.raises(money.MoneyError, match="exact decimal"):
        money.to_decimal(0.1)


@pytest.mark.parametrize("value", ["abc", "", "NaN", "Infinity", None])
def test_non_numbers_are_refused(value: object) -> None:
    with pytest.raises(money.MoneyError):
        money.to_decimal(value)


def test_precision_check() -> None:
    assert money.has_valid_precision(Decimal("1.25"), "EUR")
    assert not money.has_valid_precision(Decimal("1.255"), "EUR")
    assert not money.has_valid_precision(Decimal("1.5"), "JPY")
