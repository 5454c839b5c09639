"""Orders kept in memory with PayPal's statuses, links and business rules."""

from __future__ import annotations

import copy
import secrets
import string
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, Dict, List, Optional

from sandbox.paypal import currencies
from sandbox.paypal.errors import issue

SANDBOX_BUYER: Dict[str, Any] = {
    "name": {"given_name": "Sam", "surname": "Buyer"},
    "email_address": "sam.buyer@example.com",
    "payer_id": "KASSABUYER01",
}


# The addresses the sandbox buyer keeps in their PayPal account, one per country; the
# approval page lets the tester pick one, as a real buyer picks a shipping address there.
# Fields of address_portable (checkout_orders_v2.json); made-up streets.
SANDBOX_ADDRESSES: Dict[str, Dict[str, str]] = {
    "NL": {
        "address_line_1": "Kerkstraat 12",
        "admin_area_2": "Utrecht",
        "postal_code": "3511 LK",
        "country_code": "NL",
    },
    "BE": {"address_line_1": "Veldstraat 8", "admin_area_2": "Gent", "postal_code": "9000", "country_code": "BE"},
    "DE": {"address_line_1": "Hauptstrasse 5", "admin_area_2": "Aachen", "postal_code": "52062", "country_code": "DE"},
}
DEFAULT_ADDRESS = "NL"
# shipping_preference values under which PayPal shows an address and returns it on the order
ADDRESS_PREFERENCES = ("GET_FROM_FILE", "SET_PROVIDED_ADDRESS")


class OrderRuleError(Exception):
    """A business rule PayPal enforces with 422 UNPROCESSABLE_ENTITY."""

    def __init__(self, *details: Dict[str, str]) -> None:
        super().__init__(details[0]["issue"])
        self.details = list(details)


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_id(length: int = 17) -> str:
    alphabet = string.ascii_uppercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(length))


def _check_amounts(unit: Dict[str, Any], index: int) -> None:
    amount = unit["amount"]
    currency = amount["currency_code"]
    where = f"/purchase_units/@reference_id=='{unit.get('reference_id', 'default')}'/amount"
    values = [amount["value"]] + [
        item["unit_amount"]["value"] for item in unit.get("items", []) if "unit_amount" in item
    ]
    for value in values:
        if not currencies.has_valid_precision(Decimal(value), currency):
            raise OrderRuleError(
                issue(
                    "DECIMAL_PRECISION",
                    "If the currency supports decimals, only two decimal place precision is supported.",
                    f"{where}/value",
                )
            )
    if Decimal(amount["value"]) <= 0:
        raise OrderRuleError(issue("AMOUNT_NOT_POSITIVE", "Amount must be greater than zero.", f"{where}/value"))
    items = unit.get("items") or []
    breakdown = amount.get("breakdown") or {}
    if items:
        if "item_total" not in breakdown:
            raise OrderRuleError(
                issue(
                    "ITEM_TOTAL_REQUIRED",
                    "If item details are specified (items.unit_amount and items.quantity) corresponding "
                    "amount.breakdown.item_total is required.",
                    f"{where}/breakdown/item_total",
                )
            )
        item_sum = sum(Decimal(i["unit_amount"]["value"]) * int(i["quantity"]) for i in items)
        if Decimal(breakdown["item_total"]["value"]) != item_sum:
            raise OrderRuleError(
                issue(
                    "ITEM_TOTAL_MISMATCH",
                    "Should equal sum of (unit_amount * quantity) across all items for a given purchase_unit.",
                    f"{where}/breakdown/item_total/value",
                )
            )
        for item in items:
            if item["unit_amount"]["currency_code"] != currency:
                raise OrderRuleError(
                    issue(
                        "ITEM_CURRENCY_MISMATCH",
                        "The currency code of the item must match the purchase unit currency.",
                        f"{where}/items",
                    )
                )
    if breakdown:
        parts = {key: Decimal(value["value"]) for key, value in breakdown.items()}
        expected = (
            parts.get("item_total", 0)
            + parts.get("tax_total", 0)
            + parts.get("shipping", 0)
            + parts.get("handling", 0)
            + parts.get("insurance", 0)
            - parts.get("shipping_discount", 0)
            - parts.get("discount", 0)
        )
        if Decimal(amount["value"]) != expected:
            raise OrderRuleError(
                issue(
                    "AMOUNT_MISMATCH",
                    "Should equal item_total + tax_total + shipping + handling + insurance - shipping_discount "
                    "- discount.",
                    f"{where}/value",
                )
            )


COMPLETE_ON_APPROVAL = "ORDER_COMPLETE_ON_PAYMENT_APPROVAL"
BANK_COUNTRIES = {"ideal": "NL", "bancontact": "BE"}
BANK_MINIMUMS = {"ideal": Decimal("0.01"), "bancontact": Decimal("1.00")}
SANDBOX_BANK_BIC = "INGBNL2A"


@dataclass
class Order:
    id: str
    request: Dict[str, Any]
    base_url: str
    status: str = "CREATED"
    create_time: str = field(default_factory=now)
    update_time: str = field(default_factory=now)
    payer: Optional[Dict[str, Any]] = None
    ship_to: Optional[Dict[str, str]] = None  # the address the buyer chose on approval
    captures: List[Dict[str, Any]] = field(default_factory=list)
    refunds: List[Dict[str, Any]] = field(default_factory=list)
    trackers: List[Dict[str, Any]] = field(default_factory=list)
    decline_next_capture: bool = False
    pending_next_capture: bool = False
    # bank methods: the bank's confirmation held back, to test completion later or reversal
    hold_completion: bool = False

    @property
    def bank_method(self) -> Optional[str]:
        """'ideal' or 'bancontact' when the order is paid with a bank method."""
        source = self.request.get("payment_source") or {}
        return next((key for key in BANK_MINIMUMS if key in source), None)

    @property
    def completes_on_approval(self) -> bool:
        return self.request.get("processing_instruction") == COMPLETE_ON_APPROVAL

    @property
    def experience_context(self) -> Dict[str, Any]:
        source = self.request.get("payment_source") or {}
        return (source.get(self.bank_method or "paypal") or {}).get("experience_context") or {}

    @property
    def approval_url(self) -> str:
        return f"{self.base_url}/checkoutnow?token={self.id}"

    def links(self) -> List[Dict[str, str]]:
        self_link = {"href": f"{self.base_url}/v2/checkout/orders/{self.id}", "rel": "self", "method": "GET"}
        if self.status == "PAYER_ACTION_REQUIRED":
            return [self_link, {"href": self.approval_url, "rel": "payer-action", "method": "GET"}]
        if self.status == "CREATED":
            return [
                self_link,
                {"href": self.approval_url, "rel": "approve", "method": "GET"},
                {"href": f"{self.base_url}/v2/checkout/orders/{self.id}", "rel": "update", "method": "PATCH"},
                {"href": f"{self.base_url}/v2/checkout/orders/{self.id}/capture", "rel": "capture", "method": "POST"},
            ]
        if self.status == "APPROVED":
            return [
                self_link,
                {"href": f"{self.base_url}/v2/checkout/orders/{self.id}/capture", "rel": "capture", "method": "POST"},
            ]
        return [self_link]

    def shipping(self, unit: Dict[str, Any]) -> Optional[Dict[str, Any]]:
        """purchase_units[].shipping as PayPal returns it once approved: the type asked for,
        and the name and address the buyer ships to (the merchant's, for SET_PROVIDED_ADDRESS)."""
        asked = dict(unit.get("shipping") or {})
        if self.ship_to is None or asked.get("type", "SHIPPING") != "SHIPPING":
            return asked or None
        preference = self.experience_context.get("shipping_preference", "GET_FROM_FILE")
        if preference not in ADDRESS_PREFERENCES or self.bank_method:
            return asked or None
        if preference == "GET_FROM_FILE" or "address" not in asked:
            name = (self.payer or SANDBOX_BUYER)["name"]
            asked["name"] = {"full_name": f"{name['given_name']} {name['surname']}"}
            asked["address"] = dict(self.ship_to)
        return asked

    def representation(self) -> Dict[str, Any]:
        units = copy.deepcopy(self.request["purchase_units"])
        for unit in units:
            unit.setdefault("reference_id", "default")
            shipping = self.shipping(unit)
            if self.trackers:
                shipping = {**(shipping or {}), "trackers": copy.deepcopy(self.trackers)}
            if shipping:
                unit["shipping"] = shipping
            unit["payee"] = {"email_address": "merchant@kassa.example", "merchant_id": "KASSAMERCHANT"}
            if self.captures:
                unit["payments"] = {"captures": copy.deepcopy(self.captures)}
                if self.refunds:
                    unit["payments"]["refunds"] = copy.deepcopy(self.refunds)
        body: Dict[str, Any] = {
            "id": self.id,
            "intent": self.request["intent"],
            "status": self.status,
            "purchase_units": units,
            "create_time": self.create_time,
            "links": self.links(),
        }
        if self.completes_on_approval:
            body["processing_instruction"] = COMPLETE_ON_APPROVAL
        if self.bank_method:
            given = self.request["payment_source"][self.bank_method]
            body["payment_source"] = {self.bank_method: {"name": given["name"], "country_code": given["country_code"]}}
            if self.status in ("APPROVED", "COMPLETED"):
                body["payment_source"][self.bank_method].update({"bic": SANDBOX_BANK_BIC, "iban_last_chars": "4300"})
        elif self.payer:
            body["payer"] = copy.deepcopy(self.payer)
            body["payment_source"] = {
                "paypal": {
                    "email_address": self.payer["email_address"],
                    "account_id": self.payer["payer_id"],
                    "account_status": "VERIFIED",
                    "name": self.payer["name"],
                }
            }
        if self.status != "CREATED":
            body["update_time"] = self.update_time
        return body

    def minimal(self) -> Dict[str, Any]:
        body = {"id": self.id, "status": self.status, "links": self.links()}
        if self.payer or self.bank_method:
            body["payment_source"] = self.representation()["payment_source"]
        return body

    def approve(self, payer: Optional[Dict[str, Any]] = None, ship_to: str = DEFAULT_ADDRESS) -> None:
        if self.status not in ("CREATED", "PAYER_ACTION_REQUIRED", "APPROVED"):
            raise OrderRuleError(
                issue("ORDER_NOT_APPROVABLE", f"The order is {self.status} and can no longer be approved.")
            )
        self.status = "APPROVED"
        self.payer = copy.deepcopy(payer or SANDBOX_BUYER)
        self.ship_to = dict(SANDBOX_ADDRESSES.get(ship_to.upper(), SANDBOX_ADDRESSES[DEFAULT_ADDRESS]))
        self.update_time = now()

    def approve_at_bank(self) -> bool:
        """The buyer approved at their bank: PayPal completes the order itself, unless the
        bank's confirmation is held back (``hold_completion``). True when it completed."""
        self.approve()
        if self.hold_completion:
            return False
        self.capture(by_paypal=True)
        return True

    def reverse(self) -> None:
        """The approval is reversed: the bank did not confirm in time, nothing is captured."""
        if self.status != "APPROVED" or not self.bank_method:
            raise OrderRuleError(
                issue("ORDER_NOT_APPROVED", "Only an approved bank payment that is not completed can be reversed.")
            )
        self.status = "VOIDED"
        self.update_time = now()

    def capture(self, by_paypal: bool = False) -> None:
        if self.completes_on_approval and not by_paypal and self.status == "APPROVED":
            raise OrderRuleError(
                issue(
                    "ORDER_COMPLETION_IN_PROGRESS",
                    "The order was created with processing_instruction of ORDER_COMPLETE_ON_PAYMENT_APPROVAL. "
                    "The customer has approved the payment and PayPal is still in the process of capturing the "
                    "order on your behalf.",
                )
            )
        if self.status == "COMPLETED":
            raise OrderRuleError(
                issue(
                    "ORDER_ALREADY_CAPTURED",
                    "Order already captured.If 'intent=CAPTURE' only one capture per order is allowed.",
                )
            )
        if self.status != "APPROVED":
            raise OrderRuleError(
                issue(
                    "ORDER_NOT_APPROVED",
                    "Payer has not yet approved the Order for payment. Please redirect the payer to the "
                    "'rel':'approve' url returned as part of the HATEOAS links within the Create Order call or "
                    "provide a valid payment_source in the request.",
                )
            )
        if self.decline_next_capture:
            self.decline_next_capture = False
            raise OrderRuleError(
                issue(
                    "INSTRUMENT_DECLINED",
                    "The instrument presented  was either declined by the processor or bank, or it can't be "
                    "used for this payment.",
                )
            )
        unit = self.request["purchase_units"][0]
        capture_id = new_id()
        status = "PENDING" if self.pending_next_capture else "COMPLETED"
        self.pending_next_capture = False
        self.captures.append(
            {
                "id": capture_id,
                "status": status,
                "amount": {"currency_code": unit["amount"]["currency_code"], "value": unit["amount"]["value"]},
                "final_capture": True,
                "seller_protection": {
                    "status": "ELIGIBLE",
                    "dispute_categories": ["ITEM_NOT_RECEIVED", "UNAUTHORIZED_TRANSACTION"],
                },
                "custom_id": unit.get("custom_id"),
                "create_time": now(),
                "update_time": now(),
                "links": [
                    {"href": f"{self.base_url}/v2/payments/captures/{capture_id}", "rel": "self", "method": "GET"}
                ],
            }
        )
        if status == "PENDING":
            self.captures[-1]["status_details"] = {"reason": "PENDING_REVIEW"}
        self.status = "COMPLETED"
        self.update_time = now()


def add_tracker(order: Order, request: Dict[str, Any]) -> Dict[str, Any]:
    """POST /v2/checkout/orders/{id}/track: a shipment's tracking number on a COMPLETED
    capture of the order (its 422 issues as the spec lists them). The same number for the
    same capture again changes nothing."""
    capture = next((c for c in order.captures if c["id"] == request["capture_id"]), None)
    if capture is None:
        raise OrderRuleError(
            issue(
                "CAPTURE_ID_NOT_FOUND",
                "Specified capture ID does not exist. Check the capture ID and try again.",
                "/capture_id",
            )
        )
    if capture["status"] != "COMPLETED":
        raise OrderRuleError(
            issue(
                "CAPTURE_STATUS_NOT_VALID",
                "Invalid capture status. Tracker information can only be added to captures in `COMPLETED` state.",
                "/capture_id",
            )
        )
    skus = {item.get("sku") for item in order.request["purchase_units"][0].get("items", [])}
    if any(item.get("sku") not in skus for item in request.get("items", [])):
        raise OrderRuleError(
            issue(
                "ITEM_SKU_MISMATCH",
                "Item sku must match one of the items sku that was provided during order creation.",
                "/items",
            )
        )
    tracker_id = f"{capture['id']}-{request['tracking_number']}"
    known = next((t for t in order.trackers if t["id"] == tracker_id), None)
    if known is None:
        known = {
            "id": tracker_id,
            "status": request.get("status", "SHIPPED"),
            "tracking_number": request["tracking_number"],
            "carrier": request.get("carrier", "OTHER"),
            "items": copy.deepcopy(request.get("items", [])),
            "create_time": now(),
            "update_time": now(),
        }
        order.trackers.append(known)
    return known


def capture_resource(order: Order, capture: Dict[str, Any]) -> Dict[str, Any]:
    """A capture as webhooks carry it, with the order it belongs to."""
    return {**copy.deepcopy(capture), "supplementary_data": {"related_ids": {"order_id": order.id}}}


def create(request: Dict[str, Any], base_url: str) -> Order:
    if request["intent"] != "CAPTURE" and request["intent"] != "AUTHORIZE":
        raise OrderRuleError(issue("INVALID_PARAMETER_VALUE", "The value of a field is invalid.", "/intent"))
    for index, unit in enumerate(request["purchase_units"]):
        _check_amounts(unit, index)
    order = Order(id=new_id(), request=copy.deepcopy(request), base_url=base_url)
    if order.bank_method:
        _check_bank_order(order)
    if order.bank_method or "paypal" in (request.get("payment_source") or {}):
        order.status = "PAYER_ACTION_REQUIRED"
    return order


def _check_bank_order(order: Order) -> None:
    """iDEAL and Bancontact: their country, EUR, the minimum amount, and the processing
    instruction PayPal requires for them."""
    method = str(order.bank_method)
    source = order.request["payment_source"][method]
    amount = order.request["purchase_units"][0]["amount"]
    if not order.completes_on_approval:
        raise OrderRuleError(
            issue(
                "ORDER_COMPLETE_ON_PAYMENT_APPROVAL",
                "A processing_instruction of `ORDER_COMPLETE_ON_PAYMENT_APPROVAL` is required for the "
                "specified payment_source.",
                "/processing_instruction",
            )
        )
    if order.request["intent"] != "CAPTURE":
        raise OrderRuleError(
            issue("PAYMENT_SOURCE_CANNOT_BE_USED", f"{method} only supports intent CAPTURE.", "/intent")
        )
    if source.get("country_code") != BANK_COUNTRIES[method]:
        raise OrderRuleError(
            issue(
                "PAYMENT_SOURCE_CANNOT_BE_USED",
                f"{method} is available for country {BANK_COUNTRIES[method]} only.",
                f"/payment_source/{method}/country_code",
            )
        )
    if amount["currency_code"] != "EUR" or Decimal(amount["value"]) < BANK_MINIMUMS[method]:
        raise OrderRuleError(
            issue(
                "PAYMENT_SOURCE_CANNOT_BE_USED",
                f"{method} takes EUR from {BANK_MINIMUMS[method]}.",
                "/purchase_units/0/amount",
            )
        )
