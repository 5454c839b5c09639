"""The webhook acceptor on its own: checks the signature, stores the events in the
durable intake and answers Facebook. The Rasa replicas consume what it stores.

Run beside Rasa when the webhook answer must not wait for the interpreter that
runs NLU and the policies: ``python -m channels.messenger.inbound.acceptor``, behind the
load balancer's route for ``POST /webhooks/facebook/webhook``. It reads the same
environment and endpoints.yml as Rasa (the intake is Redis when Rasa's lock store
is, else the SQL database) and loads no model.
"""

from __future__ import annotations

import logging
from typing import Any

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.messenger.inbound.front_door import accept_delivery, verify_subscription
from channels.messenger.state.factories import intake_store
from channels.request_limits import cap_body_size, shared_limits
from shop import settings, startup

logger = logging.getLogger(__name__)
WEBHOOK_PATH = "/webhooks/facebook/webhook"


def create_app(env: Any = None) -> Sanic:
    facebook = settings.messenger(env)
    verify_token = settings.text("FB_VERIFY_TOKEN", env)
    if not facebook.app_secret or not verify_token:
        raise settings.SettingsError("the acceptor needs FB_APP_SECRET and FB_VERIFY_TOKEN")
    intake = intake_store(settings.runtime(env))
    limits = shared_limits(settings.runtime(env).rasa_endpoints)
    app = Sanic("kassa_acceptor")

    async def limit_bodies(app: Any, loop: Any) -> None:
        cap_body_size(app)

    app.register_listener(limit_bodies, "before_server_start")

    @app.route("/", methods=["GET"])
    async def health(request: Request) -> HTTPResponse:
        return response.json({"status": "ok", "role": "acceptor"})

    @app.route(WEBHOOK_PATH, methods=["GET"])
    async def verify(request: Request) -> HTTPResponse:
        return verify_subscription(request, verify_token, limits)

    @app.route(WEBHOOK_PATH, methods=["POST"])
    async def receive(request: Request) -> HTTPResponse:
        return await accept_delivery(
            facebook.app_secret, intake, request.body, request.headers.get("X-Hub-Signature-256")
        )

    return app


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    startup.check_server()
    where = settings.acceptor()
    create_app().run(host=where.host, port=where.port, access_log=False, workers=1)


if __name__ == "__main__":
    main()
