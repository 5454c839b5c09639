"""The buyer's way back from PayPal: the return and cancel URLs, and the pay page of a
utility message that forwards to PayPal while the order is open."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any, Dict, Optional

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.paypal import pages
from channels.paypal.context import PaymentContext
from channels.request_limits import ClientLimits
from shop.fulfilment import DELIVERY
from shop.ledger import OPEN_STATUSES
from shop.payment_methods import completes_on_approval
from shop.paypal.checks import ships_where_paid
from shop.paypal.client import PayPalError
from shop.paypal.events import PAYMENT_APPROVED, PAYMENT_CANCELLED

logger = logging.getLogger(__name__)
ORDER_ID = re.compile(r"^[A-Z0-9-]{5,64}$")


class BuyerReturn:
    def __init__(self, context: PaymentContext, page_id: Optional[str], limits: ClientLimits) -> None:
        self.context = context
        self.page_id = page_id
        self.limits = limits

    async def buyer_back(self, request: Request, intent: str) -> HTTPResponse:
        refused = self.limits.refuse(request, "buyer-back")
        if refused is not None:
            return refused
        order_id = request.args.get("token", "")
        if not ORDER_ID.match(order_id):
            self.limits.failed(request, "buyer-back")
            return pages.unknown(self.page_id, request)
        try:
            order = await self.context.call_paypal(self.context.client.get_order, order_id)
        except PayPalError as error:
            if error.status == 404:
                self.limits.failed(request, "buyer-back")
                return pages.unknown(self.page_id, request)
            logger.error("PayPal order %s lookup on return failed: debug_id=%s", order_id, error.debug_id)
            return pages.pending(self.page_id, request)
        conversation_id = ((order.get("purchase_units") or [{}])[0]).get("custom_id")
        if not conversation_id:
            return pages.unknown(self.page_id, request)
        if intent == PAYMENT_CANCELLED and order.get("status") not in OPEN_STATUSES:
            # approved or paid: a cancel link opened later (or by someone else) changes nothing
            return (
                pages.received(self.page_id, request)
                if order.get("status") in ("APPROVED", "COMPLETED")
                else pages.unknown(self.page_id, request)
            )
        self.context.tasks.spawn(
            self.context.trigger_logged(request.app, conversation_id, intent, {"order_id": order_id})
        )
        if intent != PAYMENT_APPROVED:
            return pages.cancelled(self.page_id, request)
        if await asyncio.to_thread(self.ships_elsewhere, order_id, order):
            return pages.elsewhere(self.page_id, request)  # the chat says why and offers the ways left
        return pages.received(self.page_id, request)

    def ships_elsewhere(self, order_id: str, order: Dict[str, Any]) -> bool:
        """A delivery whose PayPal address is outside the zone it paid for: never captured."""
        shipment = self.context.ledger.shipment(order_id)
        return (
            shipment is not None
            and shipment.method == DELIVERY
            and not completes_on_approval(order)
            and not ships_where_paid(order, shipment.country)
        )

    async def forward_to_paypal(self, request: Request, order_id: str) -> HTTPResponse:
        """The pay button of a utility message: its URL is fixed when Meta reviews the
        template, so it opens this page with the order id, which forwards to PayPal's
        approval link while the order is open."""
        refused = self.limits.refuse(request, "buyer-back")
        if refused is not None:
            return refused
        record = await asyncio.to_thread(self.context.ledger.order, order_id) if ORDER_ID.match(order_id) else None
        if record is None:
            self.limits.failed(request, "buyer-back")
            return pages.unknown(self.page_id, request)
        if record.status in OPEN_STATUSES and record.approval_url:
            return response.redirect(record.approval_url)
        return (
            pages.received(self.page_id, request)
            if record.status in ("APPROVED", "COMPLETED")
            else pages.unknown(self.page_id, request)
        )
