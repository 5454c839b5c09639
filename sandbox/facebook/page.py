"""The local Messenger page: a chat UI that sends signed webhooks to Rasa and
shows what the bot sent to the fake Graph API.

Run ``python -m sandbox.facebook``; settings from the environment:
MESSENGER_PAGE_PORT (8080), RASA_WEBHOOK_URL
(http://localhost:5005/webhooks/facebook/webhook), FB_APP_SECRET,
FB_PAGE_ACCESS_TOKEN, FAKE_GRAPH_LATENCY_MS, FAKE_GRAPH_FAULT_RATE,
FAKE_GRAPH_REQUIRE_APPSECRET_PROOF (1; 0 lets calls without a proof in).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict

import aiohttp
from aiohttp import web

from sandbox import settings
from sandbox.facebook import images, webhooks
from sandbox.facebook.graph import GRAPH, GraphSettings, add_routes, set_user
from sandbox.facebook.platform import PAGE_INBOX_APP_ID

STATIC = Path(__file__).parent / "static"
WEBHOOK_URL = web.AppKey("webhook_url", str)
APP_SECRET = web.AppKey("app_secret", str)
CLIENT = web.AppKey("client", aiohttp.ClientSession)
CATALOG = web.AppKey("catalog", Path)


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def index(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(STATIC / "index.html")


async def send(request: web.Request) -> web.Response:
    """The customer typed or tapped: deliver it to Rasa as Facebook would."""
    body: Dict[str, Any] = await request.json()
    psid = str(body.get("psid") or "")
    if not psid:
        return web.json_response({"error": "psid is required"}, status=400)
    if body.get("postback"):
        event = webhooks.postback_event(psid, body["postback"]["title"], body["postback"]["payload"])
    elif body.get("quick_reply"):
        event = webhooks.quick_reply_event(psid, body["quick_reply"]["title"], body["quick_reply"]["payload"])
    elif body.get("text"):
        event = webhooks.text_event(psid, str(body["text"]))
    else:
        return web.json_response({"error": "text, quick_reply or postback is required"}, status=400)
    locale = str(body.get("locale") or "").replace("-", "_")
    if locale and psid not in request.app[GRAPH].users:
        set_user(request.app[GRAPH], psid, locale=locale)  # the browser's language plays the customer's Facebook locale
    # conversation routing: while the Page Inbox owns the thread, the app gets the customer in standby
    standby = request.app[GRAPH].thread_owner.get(psid) == PAGE_INBOX_APP_ID
    return await _deliver(request.app, webhooks.delivery(event, standby=standby))


async def _deliver(app: web.Application, body: Dict[str, Any]) -> web.Response:
    """Sign and post one webhook body to Rasa as Facebook would."""
    raw, headers = webhooks.signed(body, app[APP_SECRET])
    try:
        async with app[CLIENT].post(app[WEBHOOK_URL], data=raw, headers=headers) as answer:
            status = answer.status
    except aiohttp.ClientError as error:
        return web.json_response({"error": f"Rasa is not reachable: {error}"}, status=502)
    return web.json_response({"delivered": status == 200, "status": status})


async def inbox_send(request: web.Request) -> web.Response:
    """A person writes in the Page Inbox: the customer sees it, the app gets the echo."""
    body: Dict[str, Any] = await request.json()
    psid, text = str(body["psid"]), str(body["text"])
    state = request.app[GRAPH]
    mid = webhooks.new_mid()
    state.record(
        psid,
        {
            "kind": "message",
            "message": {"text": text},
            "messaging_type": "RESPONSE",
            "tag": None,
            "mid": mid,
            "from_app": PAGE_INBOX_APP_ID,
        },
    )
    return await _deliver(request.app, webhooks.delivery(webhooks.echo_event(psid, text, PAGE_INBOX_APP_ID, mid)))


async def inbox_done(request: web.Request) -> web.Response:
    """The person marks the conversation done: the Page Inbox passes the thread back to the app."""
    psid = str((await request.json())["psid"])
    request.app[GRAPH].thread_owner[psid] = "kassa"
    return await _deliver(
        request.app, webhooks.delivery(webhooks.pass_thread_control_event(psid, PAGE_INBOX_APP_ID, "done"))
    )


async def _template_status_to_rasa(app: web.Application, value: Dict[str, Any]) -> None:
    await _deliver(app, webhooks.template_status_delivery(value))


async def image(request: web.Request) -> web.Response:
    picture = images.product_image(request.app[CATALOG], request.match_info["name"])
    if picture is None:
        raise web.HTTPNotFound()
    return web.Response(body=picture, content_type="image/png", headers={"Cache-Control": "max-age=3600"})


async def _client(app: web.Application):
    app[CLIENT] = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
    yield
    await app[CLIENT].close()


def create_app() -> web.Application:
    app = web.Application()
    given = settings.messenger_page()
    app[WEBHOOK_URL] = given.rasa_webhook_url
    app[APP_SECRET] = given.app_secret
    app[CATALOG] = given.catalog
    add_routes(
        app,
        GraphSettings(
            page_access_token=given.page_access_token,
            app_secret=given.app_secret,
            latency_ms=given.latency_ms,
            fault_rate=given.fault_rate,
            require_appsecret_proof=given.require_appsecret_proof,
        ),
    )
    app[GRAPH].on_template_status = lambda value: _template_status_to_rasa(app, value)
    app.cleanup_ctx.append(_client)
    app.router.add_post("/_fake/inbox/send", inbox_send)
    app.router.add_post("/_fake/inbox/done", inbox_done)
    app.router.add_get("/", index)
    app.router.add_static("/static", STATIC)
    app.router.add_post("/chat/send", send)
    app.router.add_get("/images/{name}", image)
    app.router.add_get("/_fake/health", health)
    return app
