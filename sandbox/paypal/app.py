"""The PayPal emulator's HTTP side: OAuth2, Orders v2, approval page, test controls.

Run it with ``python -m sandbox.paypal``. Settings (environment):
  SANDBOX_PORT (8090), SANDBOX_PUBLIC_URL (http://localhost:<port>),
  SANDBOX_CLIENT_ID / SANDBOX_CLIENT_SECRET (the credentials it accepts),
  SANDBOX_LATENCY_MS (added to every API call), SANDBOX_FAULT_RATE (share of API
  calls answered 500), SANDBOX_TIMEOUT_RATE (share answered only after
  SANDBOX_TIMEOUT_SECONDS, after the work is done, like a lost response).
Tests steer it through /_sandbox/: queued faults, declines, counters.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import html
import json
import logging
import random
import secrets
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, List, Optional, Tuple
from urllib.parse import urlencode

from aiohttp import web

from sandbox import settings
from sandbox.paypal import openapi
from sandbox.paypal import orders as order_rules
from sandbox.paypal import refunds as refund_rules
from sandbox.paypal.errors import STATUS_NAMES, error_body, error_response, issue, json_body
from sandbox.paypal.webhooks import WebhookSender

logger = logging.getLogger("sandbox.paypal")

TOKEN_LIFETIME_SECONDS = 32400
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Fault:
    """One queued fault: the next matching call fails this way."""

    method: str
    path_prefix: str
    status: int = 500
    timeout: bool = False


@dataclass
class SandboxSettings:
    """What one sandbox runs with; the tests' control endpoint changes the fault knobs."""

    client_id: str
    client_secret: str
    public_url: str
    webhook_id: str
    latency_ms: float = 0.0
    fault_rate: float = 0.0
    timeout_rate: float = 0.0
    timeout_seconds: float = 30.0
    validate_schema: bool = True
    webhook_url: Optional[str] = None
    webhook_retry_seconds: float = 1.0

    @classmethod
    def from_env(cls) -> "SandboxSettings":
        given = settings.paypal_sandbox()
        return cls(
            client_id=given.client_id,
            client_secret=given.client_secret,
            public_url=given.public_url,
            latency_ms=given.latency_ms,
            fault_rate=given.fault_rate,
            timeout_rate=given.timeout_rate,
            timeout_seconds=given.timeout_seconds,
            webhook_url=given.webhook_url,
            webhook_id=given.webhook_id,
            webhook_retry_seconds=given.webhook_retry_seconds,
        )


@dataclass
class SandboxState:
    settings: SandboxSettings
    tokens: Dict[str, str] = field(default_factory=dict)
    orders: Dict[str, order_rules.Order] = field(default_factory=dict)
    idempotent: Dict[Tuple[str, str], Tuple[int, Dict[str, Any]]] = field(default_factory=dict)
    faults: List[Fault] = field(default_factory=list)
    counters: Dict[str, int] = field(default_factory=dict)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    webhooks: Optional[WebhookSender] = None

    def __post_init__(self) -> None:
        self.webhooks = WebhookSender(
            self.settings.webhook_url,
            self.settings.webhook_id,
            self.settings.public_url,
            retry_seconds=self.settings.webhook_retry_seconds,
        )

    def emit(self, event_type: str, resource: Dict[str, Any]) -> None:
        assert self.webhooks is not None
        self.webhooks.emit(event_type, resource)

    def count(self, name: str) -> None:
        self.counters[name] = self.counters.get(name, 0) + 1


STATE = web.AppKey("state", SandboxState)


# --- middleware: latency and faults --------------------------------------------


def _take_fault(state: SandboxState, request: web.Request) -> Optional[Fault]:
    for fault in state.faults:
        if fault.method == request.method and request.path.startswith(fault.path_prefix):
            state.faults.remove(fault)
            return fault
    settings = state.settings
    roll = random.random()
    if roll < settings.fault_rate:
        return Fault(request.method, request.path, status=500)
    if roll < settings.fault_rate + settings.timeout_rate:
        return Fault(request.method, request.path, timeout=True)
    return None


@web.middleware
async def api_conditions(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not request.path.startswith(("/v1/", "/v2/")):
        return await handler(request)
    state = request.app[STATE]
    state.count("calls")
    if state.settings.latency_ms:
        await asyncio.sleep(state.settings.latency_ms / 1000)
    fault = _take_fault(state, request)
    if fault is None:
        return await handler(request)
    if fault.timeout:
        state.count("timeouts")
        response = await handler(request)  # the work is done, the answer is late
        await asyncio.sleep(state.settings.timeout_seconds)
        return response
    state.count("faults")
    return error_response(fault.status, STATUS_NAMES.get(fault.status, "INTERNAL_SERVER_ERROR"))


# --- OAuth2 ----------------------------------------------------------------------


def _basic_credentials(request: web.Request) -> Optional[Tuple[str, str]]:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return user, password


async def oauth_token(request: web.Request) -> web.Response:
    state = request.app[STATE]
    credentials = _basic_credentials(request)
    expected = (state.settings.client_id, state.settings.client_secret)
    if credentials is None or not all(secrets.compare_digest(a, b) for a, b in zip(credentials, expected, strict=True)):
        return web.json_response(
            {"error": "invalid_client", "error_description": "Client Authentication failed"}, status=401
        )
    form = await request.post()
    if form.get("grant_type") != "client_credentials":
        return web.json_response(
            {"error": "unsupported_grant_type", "error_description": "Grant Type is NULL"}, status=400
        )
    token = "A21AA" + secrets.token_urlsafe(48)
    state.tokens[token] = credentials[0]
    state.count("tokens")
    return web.json_response(
        {
            "scope": "https://uri.paypal.com/services/payments/payment",
            "access_token": token,
            "token_type": "Bearer",
            "app_id": "APP-KASSA-SANDBOX",
            "expires_in": TOKEN_LIFETIME_SECONDS,
            "nonce": secrets.token_hex(16),
        }
    )


def _authorized(request: web.Request) -> bool:
    header = request.headers.get("Authorization", "")
    return header.startswith("Bearer ") and header[7:] in request.app[STATE].tokens


# --- Orders v2 -------------------------------------------------------------------


async def _json(request: web.Request) -> Tuple[Any, Optional[web.Response]]:
    """The parsed JSON body (any JSON value; {} when empty), or the 400 PayPal answers."""
    raw = await request.text()
    if not raw.strip():
        return {}, None
    try:
        return json.loads(raw), None
    except ValueError:
        return None, error_response(
            400, "INVALID_REQUEST", [issue("MALFORMED_REQUEST_JSON", "The request JSON is not well formed.")]
        )


def _schema_failure(schema_name: str, body: Any) -> Optional[web.Response]:
    if not openapi.available():
        return None
    details = openapi.schema_errors(schema_name, body)
    return error_response(400, "INVALID_REQUEST", details) if details else None


def _order_response(order: order_rules.Order, request: web.Request, status: int) -> Tuple[int, Dict[str, Any]]:
    full = request.headers.get("Prefer", "").strip() == "return=representation"
    return status, order.representation() if full else order.minimal()


async def _idempotent(
    request: web.Request, kind: str, work: Callable[[], Awaitable[Tuple[int, Dict[str, Any]]]]
) -> web.Response:
    """Replays the first answer to a PayPal-Request-Id instead of doing the work again."""
    state = request.app[STATE]
    request_id = request.headers.get("PayPal-Request-Id")
    async with state.lock:
        key = (kind, request_id or "")
        if request_id and key in state.idempotent:
            state.count(f"{kind}_replayed")
            status, body = state.idempotent[key]
            return json_body(body, status)
        status, body = await work()
        if request_id and status < 300:
            state.idempotent[key] = (status, body)
        return json_body(body, status)


async def create_order(request: web.Request) -> web.Response:
    if not _authorized(request):
        return error_response(401, "AUTHENTICATION_FAILURE")
    body, failure = await _json(request)
    if failure is None:
        failure = _schema_failure("order_request", body)
    if failure is not None:
        return failure
    request_id = request.headers.get("PayPal-Request-Id")
    if request_id is not None and not 1 <= len(request_id) <= 108:
        return error_response(
            400,
            "INVALID_REQUEST",
            [
                issue(
                    "INVALID_PARAMETER_VALUE",
                    "PayPal-Request-Id is 1 to 108 characters.",
                    "PayPal-Request-Id",
                    "header",
                )
            ],
        )
    state = request.app[STATE]

    async def work() -> Tuple[int, Dict[str, Any]]:
        try:
            order = order_rules.create(body, state.settings.public_url)
        except order_rules.OrderRuleError as error:
            return 422, error_body("UNPROCESSABLE_ENTITY", error.details)
        except (KeyError, TypeError, ValueError, ArithmeticError) as error:
            # only reached without the OpenAPI schema, which rejects such bodies first
            detail = issue(
                "MISSING_REQUIRED_PARAMETER", f"A required field or parameter is missing or malformed: {error}"
            )
            return 400, error_body("INVALID_REQUEST", [detail])
        state.orders[order.id] = order
        state.count("orders_created")
        return _order_response(order, request, 201)

    return await _idempotent(request, "create", work)


def _find(request: web.Request) -> Optional[order_rules.Order]:
    return request.app[STATE].orders.get(request.match_info["order_id"])


def _not_found(order_id: str) -> web.Response:
    return error_response(
        404,
        "RESOURCE_NOT_FOUND",
        [
            issue(
                "INVALID_RESOURCE_ID",
                "Specified resource ID does not exist. Please check the resource ID and try again.",
                "order_id",
                "path",
            )
        ],
    )


async def get_order(request: web.Request) -> web.Response:
    if not _authorized(request):
        return error_response(401, "AUTHENTICATION_FAILURE")
    order = _find(request)
    if order is None:
        return _not_found(request.match_info["order_id"])
    request.app[STATE].count("orders_fetched")
    return json_body(order.representation())


async def _on_order(
    request: web.Request,
    schema_name: str,
    kind: str,
    act: Callable[[order_rules.Order, Dict[str, Any]], Tuple[int, Dict[str, Any]]],
) -> web.Response:
    """A POST on an order: authorised, its body valid against ``schema_name``, the order
    found, then ``act`` once per PayPal-Request-Id (a business rule it breaks: 422)."""
    if not _authorized(request):
        return error_response(401, "AUTHENTICATION_FAILURE")
    body, failure = await _json(request)
    if failure is None:
        failure = _schema_failure(schema_name, body)
    if failure is not None:
        return failure
    order = _find(request)
    if order is None:
        return _not_found(request.match_info["order_id"])

    async def work() -> Tuple[int, Dict[str, Any]]:
        try:
            return act(order, body)
        except order_rules.OrderRuleError as error:
            return 422, error_body("UNPROCESSABLE_ENTITY", error.details)

    return await _idempotent(request, f"{kind}:{order.id}", work)


async def capture_order(request: web.Request) -> web.Response:
    state = request.app[STATE]

    def capture(order: order_rules.Order, body: Dict[str, Any]) -> Tuple[int, Dict[str, Any]]:
        order.capture()
        state.count("captures")
        capture = order.captures[-1]
        state.emit(f"PAYMENT.CAPTURE.{capture['status']}", order_rules.capture_resource(order, capture))
        return _order_response(order, request, 201)

    return await _on_order(request, "order_capture_request", "capture", capture)


async def track_order(request: web.Request) -> web.Response:
    """Tracking for a captured order: the order with its trackers (201), the same answer
    again for the same PayPal-Request-Id."""
    state = request.app[STATE]

    def track(order: order_rules.Order, body: Dict[str, Any]) -> Tuple[int, Dict[str, Any]]:
        order_rules.add_tracker(order, body)
        state.count("trackers_added")
        return 201, order.representation()

    return await _on_order(request, "order_tracker_request", "track", track)


# --- webhooks --------------------------------------------------------------------------


async def verify_webhook_signature(request: web.Request) -> web.Response:
    if not _authorized(request):
        return error_response(401, "AUTHENTICATION_FAILURE")
    body, failure = await _json(request)
    if failure is None and openapi.available(openapi.WEBHOOKS_SPEC):
        details = openapi.schema_errors("verify_webhook_signature", body, openapi.WEBHOOKS_SPEC)
        failure = error_response(400, "INVALID_REQUEST", details) if details else None
    if failure is not None:
        return failure
    required = (
        "auth_algo",
        "cert_url",
        "transmission_id",
        "transmission_sig",
        "transmission_time",
        "webhook_id",
        "webhook_event",
    )
    missing = [name for name in required if not body.get(name)]
    if missing:
        return error_response(
            400, "INVALID_REQUEST", [issue("MISSING_REQUIRED_PARAMETER", f"{missing[0]} is required", f"/{missing[0]}")]
        )
    state = request.app[STATE]
    state.count("webhook_verifications")
    verified = state.webhooks is not None and state.webhooks.verify(body, await request.text())
    return web.json_response({"verification_status": "SUCCESS" if verified else "FAILURE"})


# --- the buyer's approval page -----------------------------------------------------


BANK_LABELS = {"ideal": "iDEAL", "bancontact": "Bancontact"}


def _page(title: str, body: str, status: int = 200) -> web.Response:
    document = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{html.escape(title)}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;color:#142c8e}}
.card{{border:1px solid #ccd;border-radius:12px;padding:1rem 1.25rem}}table{{width:100%;border-collapse:collapse}}
td{{padding:.25rem 0}}td.amount{{text-align:right}}button{{width:100%;padding:.8rem;margin:.4rem 0;border-radius:24px;border:0;font-size:1rem;cursor:pointer}}
.pay{{background:#ffc439;color:#111}}.cancel{{background:#eee;color:#333}}.note{{color:#666;font-size:.85rem}}</style>
</head><body><h1>PayPal <small class="note">sandbox</small></h1><div class="card">{body}</div></body></html>"""
    return web.Response(text=document, status=status, content_type="text/html")


def _order_table(order: order_rules.Order) -> str:
    unit = order.request["purchase_units"][0]
    currency = unit["amount"]["currency_code"]
    rows = "".join(
        f"<tr><td>{html.escape(item['name'])} × {html.escape(item['quantity'])}</td>"
        f"<td class='amount'>{html.escape(item['unit_amount']['value'])} {currency}</td></tr>"
        for item in unit.get("items", [])
    )
    shipping = (unit["amount"].get("breakdown") or {}).get("shipping")
    if shipping:
        rows += f"<tr><td>Shipping</td><td class='amount'>{html.escape(shipping['value'])} {currency}</td></tr>"
    total = f"<tr><td><b>Total</b></td><td class='amount'><b>{html.escape(unit['amount']['value'])} {currency}</b></td></tr>"
    return f"<table>{rows}{total}</table>"


async def approval_page(request: web.Request) -> web.Response:
    order = request.app[STATE].orders.get(request.query.get("token", ""))
    if order is None:
        return _page("Order not found", "<p>This payment link is not valid.</p>", 404)
    brand = html.escape(order.experience_context.get("brand_name", "the merchant"))
    if order.status not in ("CREATED", "PAYER_ACTION_REQUIRED"):
        return _page("Already paid", f"<p>This order is {order.status.lower()}.</p>")
    token = html.escape(order.id)
    if order.bank_method:
        label = BANK_LABELS[order.bank_method]
        return _page(
            f"{label}: pay {brand}",
            f"""<p><b>{label}</b> for <b>{brand}</b>, account of {html.escape(order.request["payment_source"][order.bank_method]["name"])}</p>
{_order_table(order)}<p class="note">Sandbox bank: approve or decline as your bank app would.</p>
<form method="post" action="/checkoutnow/approve"><input type="hidden" name="token" value="{token}">
<button class="pay" id="pay" type="submit">Approve at the bank</button></form>
<form method="post" action="/checkoutnow/cancel"><input type="hidden" name="token" value="{token}">
<button class="cancel" id="cancel" type="submit">Decline and return to {brand}</button></form>""",
        )
    return _page(
        f"Pay {brand}",
        f"""<p>Pay <b>{brand}</b> as <b>{order_rules.SANDBOX_BUYER["email_address"]}</b></p>{_order_table(order)}
<form method="post" action="/checkoutnow/approve"><input type="hidden" name="token" value="{token}">
{_address_choice(order)}<button class="pay" id="pay" type="submit">Pay Now</button></form>
<form method="post" action="/checkoutnow/cancel"><input type="hidden" name="token" value="{token}">
<button class="cancel" id="cancel" type="submit">Cancel and return to {brand}</button></form>""",
    )


def _address_choice(order: order_rules.Order) -> str:
    """Where to ship, from the buyer's saved addresses, when the order asks for one."""
    unit = order.request["purchase_units"][0]
    wants_address = (unit.get("shipping") or {}).get("type", "SHIPPING") == "SHIPPING" and (
        order.experience_context.get("shipping_preference", "GET_FROM_FILE") == "GET_FROM_FILE"
    )
    if not wants_address:
        return ""
    options = "".join(
        f'<option value="{code}">{html.escape(address["address_line_1"])}, {html.escape(address["admin_area_2"])}'
        f" ({code})</option>"
        for code, address in order_rules.SANDBOX_ADDRESSES.items()
    )
    return f'<p><label>Ship to <select name="ship_to" id="ship_to">{options}</select></label></p>'


def _redirect(target: Optional[str], params: Dict[str, str], fallback: str) -> web.Response:
    if not target:
        return _page("Done", f"<p>{html.escape(fallback)}</p>")
    separator = "&" if "?" in target else "?"
    raise web.HTTPSeeOther(f"{target}{separator}{urlencode(params)}")


async def approve(request: web.Request) -> web.Response:
    form = await request.post()
    state = request.app[STATE]
    order = state.orders.get(str(form.get("token", "")))
    if order is None:
        return _page("Order not found", "<p>This payment link is not valid.</p>", 404)
    try:
        completed = order.approve_at_bank() if order.bank_method else None
        if completed is None:
            order.approve(ship_to=str(form.get("ship_to") or order_rules.DEFAULT_ADDRESS))
    except order_rules.OrderRuleError as error:
        return _page("Cannot pay", f"<p>{html.escape(error.details[0]['description'])}</p>", 422)
    state.count("approvals")
    if completed:  # PayPal captured it on approval (ORDER_COMPLETE_ON_PAYMENT_APPROVAL)
        state.emit("PAYMENT.CAPTURE.COMPLETED", order_rules.capture_resource(order, order.captures[-1]))
    else:  # approved; for a bank method, the bank's confirmation is still to come
        # (PayPal's alternative payment methods send CHECKOUT.ORDER.APPROVED too:
        # developer.paypal.com/payment-methods/webhooks, last updated 2026-07-08, read 2026-12-01)
        state.emit("CHECKOUT.ORDER.APPROVED", order.representation())
    params = {"token": order.id, "PayerID": (order.payer or order_rules.SANDBOX_BUYER)["payer_id"]}
    return _redirect(order.experience_context.get("return_url"), params, "Payment approved.")


async def cancel(request: web.Request) -> web.Response:
    form = await request.post()
    order = request.app[STATE].orders.get(str(form.get("token", "")))
    if order is None:
        return _page("Order not found", "<p>This payment link is not valid.</p>", 404)
    return _redirect(order.experience_context.get("cancel_url"), {"token": order.id}, "Payment cancelled.")


# --- controls for tests and the benchmark -------------------------------------------


async def control_faults(request: web.Request) -> web.Response:
    body = await request.json()
    fault = Fault(
        method=body.get("method", "POST"),
        path_prefix=body.get("path_prefix", "/v2/"),
        status=int(body.get("status", 500)),
        timeout=bool(body.get("timeout", False)),
    )
    state = request.app[STATE]
    state.faults.extend([fault] * int(body.get("count", 1)))
    return web.json_response({"queued": len(state.faults)})


async def control_settings(request: web.Request) -> web.Response:
    settings = request.app[STATE].settings
    for name, value in (await request.json()).items():
        if name in ("latency_ms", "fault_rate", "timeout_rate", "timeout_seconds"):
            setattr(settings, name, float(value))
    return web.json_response(
        {k: getattr(settings, k) for k in ("latency_ms", "fault_rate", "timeout_rate", "timeout_seconds")}
    )


async def control_next_capture(request: web.Request) -> web.Response:
    """Make the order's next capture decline (422 INSTRUMENT_DECLINED) or stay PENDING."""
    order = _find(request)
    if order is None:
        return _not_found(request.match_info["order_id"])
    flag = f"{request.match_info['outcome']}_next_capture"
    setattr(order, flag, True)
    return web.json_response({"id": order.id, flag: True})


async def control_bank_approval(request: web.Request) -> web.Response:
    """Bank methods: ``hold`` the bank's confirmation of the next approval, then
    ``complete`` it (PayPal captures, PAYMENT.CAPTURE.COMPLETED) or ``reverse`` it
    (nothing captured, CHECKOUT.PAYMENT-APPROVAL.REVERSED)."""
    order = _find(request)
    if order is None or not order.bank_method:
        return _not_found(request.match_info["order_id"])
    state = request.app[STATE]
    step = request.match_info["step"]
    try:
        if step == "hold":
            order.hold_completion = True
        elif step == "complete":
            order.capture(by_paypal=True)
            state.emit("PAYMENT.CAPTURE.COMPLETED", order_rules.capture_resource(order, order.captures[-1]))
        else:
            order.reverse()
            state.emit("CHECKOUT.PAYMENT-APPROVAL.REVERSED", order.representation())
    except order_rules.OrderRuleError as error:
        return web.json_response(error_body("UNPROCESSABLE_ENTITY", error.details), status=422)
    return web.json_response({"id": order.id, "status": order.status})


def _capture(request: web.Request) -> Tuple[Optional[order_rules.Order], Optional[Dict[str, Any]]]:
    for order in request.app[STATE].orders.values():
        for capture in order.captures:
            if capture["id"] == request.match_info["capture_id"]:
                return order, capture
    return None, None


async def control_capture(request: web.Request) -> web.Response:
    """Move a capture on as PayPal would later: complete, deny or refund it (with its webhook)."""
    order, capture = _capture(request)
    if order is None or capture is None:
        raise web.HTTPNotFound()
    state = request.app[STATE]
    change = request.match_info["change"]
    if change == "complete":
        capture["status"] = "COMPLETED"
        capture.pop("status_details", None)
        state.emit("PAYMENT.CAPTURE.COMPLETED", order_rules.capture_resource(order, capture))
    elif change == "deny":
        capture["status"] = "DECLINED"
        state.emit("PAYMENT.CAPTURE.DENIED", order_rules.capture_resource(order, capture))
    else:  # a refund made in PayPal's dashboard: the whole capture, or {"amount": "5.00"}
        body, failure = await _json(request)
        if failure is not None:
            return failure
        wanted = (
            {"amount": {"currency_code": capture["amount"]["currency_code"], "value": body["amount"]}}
            if body.get("amount")
            else {}
        )
        try:
            made = refund_rules.refund(capture, order.refunds, wanted, state.settings.public_url)
        except refund_rules.RefundRuleError as error:
            return web.json_response(error_body("UNPROCESSABLE_ENTITY", error.details), status=422)
        state.emit("PAYMENT.CAPTURE.REFUNDED", made)
    return web.json_response({"capture": capture["id"], "status": capture["status"]})


async def refund_capture(request: web.Request) -> web.Response:
    """POST /v2/payments/captures/{capture_id}/refund: the whole rest, or ``amount``."""
    if not _authorized(request):
        return error_response(401, "AUTHENTICATION_FAILURE")
    body, failure = await _json(request)
    if failure is None and not isinstance(body, dict):
        failure = error_response(
            400, "INVALID_REQUEST", [issue("MALFORMED_REQUEST_JSON", "The request body must be a JSON object.")]
        )
    if failure is not None:
        return failure
    order, capture = _capture(request)
    if order is None or capture is None:
        return error_response(
            404, "RESOURCE_NOT_FOUND", [issue("INVALID_RESOURCE_ID", "Specified resource ID does not exist.")]
        )
    state = request.app[STATE]

    async def work() -> Tuple[int, Dict[str, Any]]:
        try:
            made = refund_rules.refund(capture, order.refunds, body, state.settings.public_url)
        except refund_rules.RefundRuleError as error:
            return 422, error_body("UNPROCESSABLE_ENTITY", error.details)
        state.count("refunds")
        state.emit("PAYMENT.CAPTURE.REFUNDED", made)
        return 201, made

    return await _idempotent(request, f"refund:{capture['id']}", work)


async def control_webhooks(request: web.Request) -> web.Response:
    state = request.app[STATE]
    assert state.webhooks is not None
    if request.method == "POST":
        body = await request.json()
        if "paused" in body:
            state.webhooks.paused = bool(body["paused"])
        if body.get("resend"):
            if body["resend"] not in state.webhooks.deliveries:
                raise web.HTTPNotFound()
            state.webhooks.schedule(body["resend"])
        if "target_url" in body:
            state.webhooks.target_url = body["target_url"]
    return web.json_response(
        {"paused": state.webhooks.paused, "webhook_id": state.webhooks.webhook_id, "deliveries": state.webhooks.log()}
    )


async def control_stats(request: web.Request) -> web.Response:
    state = request.app[STATE]
    return web.json_response({"counters": state.counters, "orders": {k: o.status for k, o in state.orders.items()}})


async def control_reset(request: web.Request) -> web.Response:
    state = request.app[STATE]
    state.faults.clear()
    state.counters.clear()
    return web.json_response({"reset": True})


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def create_app(settings: Optional[SandboxSettings] = None) -> web.Application:
    app = web.Application(middlewares=[api_conditions])
    app[STATE] = SandboxState(settings or SandboxSettings.from_env())
    app.router.add_post("/v1/oauth2/token", oauth_token)
    app.router.add_post("/v2/checkout/orders", create_order)
    app.router.add_get("/v2/checkout/orders/{order_id}", get_order)
    app.router.add_post("/v2/checkout/orders/{order_id}/capture", capture_order)
    app.router.add_post("/v2/checkout/orders/{order_id}/track", track_order)
    app.router.add_post("/v2/payments/captures/{capture_id}/refund", refund_capture)
    app.router.add_post("/v1/notifications/verify-webhook-signature", verify_webhook_signature)
    app.router.add_get("/checkoutnow", approval_page)
    app.router.add_post("/checkoutnow/approve", approve)
    app.router.add_post("/checkoutnow/cancel", cancel)
    app.router.add_get("/_sandbox/health", health)
    app.router.add_get("/_sandbox/stats", control_stats)
    app.router.add_post("/_sandbox/faults", control_faults)
    app.router.add_post("/_sandbox/settings", control_settings)
    app.router.add_post("/_sandbox/reset", control_reset)
    app.router.add_post("/_sandbox/orders/{order_id}/{outcome:(decline|pending)}-next-capture", control_next_capture)
    app.router.add_post("/_sandbox/captures/{capture_id}/{change:(complete|deny|refund)}", control_capture)
    app.router.add_post(
        "/_sandbox/orders/{order_id}/bank-approval/{step:(hold|complete|reverse)}", control_bank_approval
    )
    app.router.add_route("*", "/_sandbox/webhooks", control_webhooks)
    return app
