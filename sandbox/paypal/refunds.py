"""Refunds of a capture as PayPal's Payments v2 makes them.

Contract (developer.paypal.com, "Payments v2: captures refund" and its error
pages, read 2026-11-28): POST /v2/payments/captures/{capture_id}/refund with an
empty body refunds what is left of the capture, with ``amount`` that much;
several partial refunds may follow each other up to the captured amount; more
is REFUND_AMOUNT_EXCEEDED, a capture refunded in full CAPTURE_FULLY_REFUNDED
(both 422). The capture's status becomes PARTIALLY_REFUNDED, then REFUNDED, and
each refund sends PAYMENT.CAPTURE.REFUNDED with the refund as its resource.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, Dict, List, Mapping

from sandbox.paypal import currencies
from sandbox.paypal import orders as order_rules
from sandbox.paypal.errors import issue

REFUNDABLE = ("COMPLETED", "PARTIALLY_REFUNDED")


class RefundRuleError(Exception):
    def __init__(self, details: List[Dict[str, str]]) -> None:
        super().__init__(details[0]["issue"])
        self.details = details


def of_capture(capture: Mapping[str, Any], refunds: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    up = f"/v2/payments/captures/{capture['id']}"
    return [r for r in refunds if any(link["rel"] == "up" and link["href"].endswith(up) for link in r["links"])]


def remaining(capture: Mapping[str, Any], refunds: List[Dict[str, Any]]) -> Decimal:
    taken = sum((Decimal(r["amount"]["value"]) for r in of_capture(capture, refunds)), Decimal(0))
    return Decimal(capture["amount"]["value"]) - taken


def refund(
    capture: Dict[str, Any], refunds: List[Dict[str, Any]], body: Mapping[str, Any], base_url: str
) -> Dict[str, Any]:
    """Refund ``capture`` (changing its status), append the refund to the order's ``refunds``
    and return it; RefundRuleError when PayPal would not."""
    if capture.get("status") == "REFUNDED":
        raise RefundRuleError([issue("CAPTURE_FULLY_REFUNDED", "The capture has already been fully refunded.")])
    if capture.get("status") not in REFUNDABLE:
        raise RefundRuleError(
            [issue("REFUND_NOT_ALLOWED", f"A capture that is {capture.get('status')} cannot be refunded.")]
        )
    left = remaining(capture, refunds)
    currency = capture["amount"]["currency_code"]
    amount = body.get("amount")
    if amount is None:
        value = left
    else:
        if amount.get("currency_code") != currency:
            raise RefundRuleError(
                [issue("CURRENCY_MISMATCH", f"The refund must be in {currency}.", "/amount/currency_code")]
            )
        try:
            value = Decimal(str(amount.get("value")))
        except InvalidOperation:
            raise RefundRuleError(
                [issue("INVALID_PARAMETER_VALUE", "amount.value is not a number.", "/amount/value")]
            ) from None
        if value <= 0 or value > left:
            raise RefundRuleError(
                [
                    issue(
                        "REFUND_AMOUNT_EXCEEDED",
                        "The refund amount must be less than or equal to the capture amount that has not yet been refunded.",
                        "/amount/value",
                    )
                ]
            )
    refund_id = order_rules.new_id()
    made = {
        "id": refund_id,
        "status": "COMPLETED",
        "amount": {"currency_code": currency, "value": currencies.value(value, currency)},
        "custom_id": capture.get("custom_id"),
        "create_time": order_rules.now(),
        "update_time": order_rules.now(),
        "links": [
            {"href": f"{base_url}/v2/payments/refunds/{refund_id}", "rel": "self", "method": "GET"},
            {"href": f"{base_url}/v2/payments/captures/{capture['id']}", "rel": "up", "method": "GET"},
        ],
    }
    if body.get("note_to_payer") is not None:
        made["note_to_payer"] = body["note_to_payer"]
    refunds.append(made)
    capture["status"] = "REFUNDED" if remaining(capture, refunds) == 0 else "PARTIALLY_REFUNDED"
    return made
