"""Kassa's ``paypal`` channel: PayPal's return and cancel URLs, its webhooks, and the
merchant API, under /webhooks/paypal/. This module is the routes; each job has its own
module (``buyer_return``, ``webhooks``, ``receipts``, ``merchant_api``) over one shared
``context``.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels import rasa_changes
from channels.paypal.buyer_return import BuyerReturn
from channels.paypal.context import get_context
from channels.paypal.merchant_api import MerchantApi, get_payment_requests
from channels.paypal.receipts import resend_receipts
from channels.paypal.webhooks import WebhookReceiver
from channels.request_limits import ClientLimits, cap_body_size, shared_limits
from shop import settings, startup
from shop.paypal.events import PAYMENT_APPROVED, PAYMENT_CANCELLED

rasa_changes.install()  # Rasa loads the channels before the first turn


class PayPalInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "paypal"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        startup.check_server()
        credentials = credentials or {}
        return cls(
            webhook_id=str(credentials.get("webhook-id") or ""),
            merchant_api_token=str(credentials.get("merchant-api-token") or ""),
            page_id=str(credentials.get("page-id") or "") or None,
            limits=shared_limits(
                settings.runtime().rasa_endpoints, credentials.get("rate-limit"), credentials.get("failure-rate-limit")
            ),
        )

    def __init__(
        self,
        webhook_id: str,
        merchant_api_token: str,
        page_id: Optional[str] = None,
        limits: Optional[ClientLimits] = None,
    ) -> None:
        limits = limits or ClientLimits()
        self.context = get_context()
        self.returns = BuyerReturn(self.context, page_id, limits)
        self.webhooks = WebhookReceiver(self.context, webhook_id, limits)
        self.payment_requests = get_payment_requests()
        self.merchant = MerchantApi(self.payment_requests, merchant_api_token, limits)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        paypal = Blueprint(f"kassa_paypal_{id(self)}", __name__)

        @paypal.listener("before_server_start")
        async def limit_bodies(app: Any, loop: Any) -> None:
            cap_body_size(app)

        @paypal.listener("after_server_start")
        async def resume(app: Any, loop: Any) -> None:
            await self.webhooks.resume(app)
            await self.payment_requests.resume(app)
            self.context.tasks.spawn(resend_receipts(self.context, app))

        @paypal.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @paypal.route("/return", methods=["GET"])
        async def buyer_returned(request: Request) -> HTTPResponse:
            return await self.returns.buyer_back(request, PAYMENT_APPROVED)

        @paypal.route("/cancel", methods=["GET"])
        async def buyer_cancelled(request: Request) -> HTTPResponse:
            return await self.returns.buyer_back(request, PAYMENT_CANCELLED)

        @paypal.route("/pay/<order_id>", methods=["GET"])
        async def pay_page(request: Request, order_id: str) -> HTTPResponse:
            return await self.returns.forward_to_paypal(request, order_id)

        @paypal.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            return await self.webhooks.receive_webhook(request)

        @paypal.route("/payment-requests", methods=["POST"])
        async def payment_request(request: Request) -> HTTPResponse:
            return await self.merchant.create_payment_request(request)

        @paypal.route("/refunds", methods=["POST"])
        async def refund(request: Request) -> HTTPResponse:
            return await self.merchant.create_refund(request)

        @paypal.route("/shipments", methods=["POST"])
        async def shipment(request: Request) -> HTTPResponse:
            return await self.merchant.create_shipment(request)

        return paypal
