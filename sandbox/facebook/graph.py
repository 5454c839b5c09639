"""The fake Graph API: records Send API calls per PSID and answers like Facebook.

Routes: POST /{version}/me/messages, /me/pass_thread_control,
/me/take_thread_control, /me/messenger_profile, POST and GET /me/message_templates
(utility templates: reviewed after ``template_review_seconds``, the result sent to
the connector as a message_template_status_update webhook). Test controls under /_fake/.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import random
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, List, Optional, Tuple

from aiohttp import web

from sandbox.facebook.checks import PARAMETER, check_send
from sandbox.facebook.platform import appsecret_proof


@dataclass
class Fault:
    status: int
    code: int
    psid: Optional[str] = None


@dataclass
class GraphSettings:
    page_access_token: str
    app_secret: str
    latency_ms: float = 0.0
    fault_rate: float = 0.0
    # a message taken, and its answer late by this much (a lost or slow answer, for tests)
    answer_delay_ms: float = 0.0
    # Facebook checks appsecret_proof when the app requires it; Rasa's built-in connector never sends one.
    require_appsecret_proof: bool = True
    # Meta reviews a new utility template "within seconds".
    template_review_seconds: float = 0.5


@dataclass
class GraphState:
    settings: GraphSettings
    sequence: int = 0
    records: Dict[str, List[Dict[str, Any]]] = field(default_factory=dict)
    profile: Dict[str, Any] = field(default_factory=dict)
    users: Dict[str, Dict[str, str]] = field(default_factory=dict)
    thread_owner: Dict[str, str] = field(default_factory=dict)
    faults: List[Fault] = field(default_factory=list)
    counters: Dict[str, int] = field(default_factory=dict)
    errors: List[Dict[str, Any]] = field(default_factory=list)
    changed: Optional[asyncio.Condition] = None
    templates: Dict[Tuple[str, str], Dict[str, Any]] = field(default_factory=dict)
    # set by the page: delivers a template's new status to the connector as Facebook would
    on_template_status: Optional[Callable[[Dict[str, Any]], Awaitable[None]]] = None

    def count(self, name: str) -> None:
        self.counters[name] = self.counters.get(name, 0) + 1

    def record(self, psid: str, entry: Dict[str, Any]) -> Dict[str, Any]:
        self.sequence += 1
        entry = {"seq": self.sequence, "time": time.time(), **entry}
        self.records.setdefault(psid, []).append(entry)
        if self.changed is not None:
            asyncio.get_running_loop().create_task(self._notify())
        return entry

    async def _notify(self) -> None:
        assert self.changed is not None
        async with self.changed:
            self.changed.notify_all()

    def message_count(self, psid: str) -> int:
        return sum(1 for r in self.records.get(psid, []) if r["kind"] == "message")


GRAPH = web.AppKey("graph", GraphState)


def fb_error(
    status: int, code: int, message: str, subcode: Optional[int] = None, kind: str = "OAuthException"
) -> web.Response:
    error: Dict[str, Any] = {"message": message, "type": kind, "code": code, "fbtrace_id": secrets.token_urlsafe(8)}
    if subcode is not None:
        error["error_subcode"] = subcode
    return web.json_response({"error": error}, status=status)


def _authorized(request: web.Request, state: GraphState) -> Optional[web.Response]:
    token = request.query.get("access_token", "")
    if not hmac.compare_digest(token, state.settings.page_access_token):
        return fb_error(400, 190, "Invalid OAuth access token - Cannot parse access token")
    proof = request.query.get("appsecret_proof")
    if proof is None and not state.settings.require_appsecret_proof:
        return None
    if not hmac.compare_digest(proof or "", appsecret_proof(state.settings.app_secret, token)):
        return fb_error(400, 100, "Invalid appsecret_proof provided in the API argument", kind="GraphMethodException")
    return None


# Faults queued with this in place of a PSID hit the listing of the Page's message templates.
LISTING = "message_templates"


def _take_fault(state: GraphState, psid: str) -> Optional[Fault]:
    for fault in state.faults:
        if fault.psid in (None, psid):
            state.faults.remove(fault)
            return fault
    if random.random() < state.settings.fault_rate:
        return Fault(500, 2)
    return None


async def _body(request: web.Request) -> Any:
    try:
        return await request.json()
    except (ValueError, json.JSONDecodeError):
        return None


async def send_message(request: web.Request) -> web.Response:
    state = request.app[GRAPH]
    state.count("calls")
    if state.settings.latency_ms:
        await asyncio.sleep(state.settings.latency_ms / 1000)
    refusal = _authorized(request, state)
    if refusal is not None:
        return refusal
    body = await _body(request)
    psid = str(((body or {}).get("recipient") or {}).get("id", ""))
    # faults hit messages; sender actions (typing, seen) are not what tests and the benchmark measure
    fault = None if "sender_action" in (body or {}) else _take_fault(state, psid)
    if fault is not None:
        state.count("faults")
        return fb_error(
            fault.status,
            fault.code,
            "An unexpected error has occurred. Please retry your request later.",
            kind="OAuthException",
        )
    problem = check_send(body, state.templates)
    if problem is not None:
        state.count("rejected")
        state.errors.append({"psid": psid, "problem": problem[1], "body": body})
        return fb_error(400, problem[0], problem[1])
    if "sender_action" in body:
        state.record(psid, {"kind": "sender_action", "action": body["sender_action"]})
        state.count("sender_actions")
        return web.json_response({"recipient_id": psid})
    entry = state.record(
        psid,
        {
            "kind": "message",
            "message": body["message"],
            "messaging_type": body["messaging_type"],
            "tag": body.get("tag"),
            "mid": "m_" + secrets.token_urlsafe(24),
        },
    )
    state.count("messages")
    if state.settings.answer_delay_ms:
        await asyncio.sleep(state.settings.answer_delay_ms / 1000)
    return web.json_response({"recipient_id": psid, "message_id": entry["mid"]})


async def _authorized_body(request: web.Request) -> Tuple[GraphState, Any, Optional[web.Response]]:
    """The fake's state, the JSON body, and Facebook's refusal when the token or proof is wrong."""
    state = request.app[GRAPH]
    refusal = _authorized(request, state)
    return state, (None if refusal is not None else await _body(request)), refusal


async def thread_control(request: web.Request) -> web.Response:
    state, body, refusal = await _authorized_body(request)
    if refusal is not None:
        return refusal
    body = body or {}
    psid = str((body.get("recipient") or {}).get("id", ""))
    if not psid:
        return fb_error(400, 100, "(#100) param recipient must be non-empty")
    action = request.match_info["action"]
    owner = str(body.get("target_app_id", "")) if action == "pass_thread_control" else "kassa"
    state.thread_owner[psid] = owner
    state.record(psid, {"kind": action, "target_app_id": body.get("target_app_id"), "metadata": body.get("metadata")})
    return web.json_response({"success": True})


async def messenger_profile(request: web.Request) -> web.Response:
    state, body, refusal = await _authorized_body(request)
    if refusal is not None:
        return refusal
    if not isinstance(body, dict) or not body:
        return fb_error(
            400, 100, "(#100) Requires one of the params: get_started, greeting, persistent_menu, whitelisted_domains"
        )
    state.profile.update(body)
    return web.json_response({"result": "success"})


async def user_profile(request: web.Request) -> web.Response:
    """The User Profile API: the fields asked for that this customer has; a field the
    Page may not read (locale needs a permission) is simply not in the answer."""
    state = request.app[GRAPH]
    if state.settings.latency_ms:  # the Graph API's latency, as for the Send API
        await asyncio.sleep(state.settings.latency_ms / 1000)
    refusal = _authorized(request, state)
    if refusal is not None:
        return refusal
    psid = request.match_info["psid"]
    known = state.users.get(psid, {})
    fields = [name.strip() for name in request.query.get("fields", "").split(",") if name.strip()]
    state.count("user_profile")
    return web.json_response({**{name: known[name] for name in fields if name in known}, "id": psid})


# Words that make Meta file a "utility" template as marketing: the fake rejects them.
MARKETING_WORDS = ("discount", "sale", "offer", "coupon", "korting", "aanbieding", "actie")


async def create_template(request: web.Request) -> web.Response:
    """POST /me/message_templates: a utility template, PENDING until reviewed."""
    state, body, refusal = await _authorized_body(request)
    if refusal is not None:
        return refusal
    problem = _template_problem(body)
    if problem:
        return fb_error(400, 100, f"(#100) {problem}", kind="GraphMethodException")
    key = (str(body["name"]), str(body["language"]))
    if key in state.templates:
        return fb_error(
            400,
            100,
            f"(#100) Content in this language already exists for template {key[0]} ({key[1]})",
            subcode=2388024,
        )
    template = {
        "id": str(10**15 + len(state.templates) + 1),
        "name": key[0],
        "language": key[1],
        "status": "PENDING",
        "category": "UTILITY",
        "components": body["components"],
    }
    state.templates[key] = template
    state.count("templates_created")
    asyncio.get_running_loop().create_task(_review(state, template))
    return web.json_response({"id": template["id"], "status": "PENDING", "category": "UTILITY"})


def _template_problem(body: Any) -> Optional[str]:
    if not isinstance(body, dict) or not all(body.get(k) for k in ("name", "language", "category", "components")):
        return "name, language, category and components are required"
    if body["category"] != "UTILITY":
        return "category must be UTILITY for utility messages"
    bodies = [c for c in body["components"] if isinstance(c, dict) and c.get("type") == "BODY"]
    if len(bodies) != 1 or not isinstance(bodies[0].get("text"), str) or len(bodies[0]["text"]) > 1024:
        return "one BODY component with a text of at most 1024 characters is required"
    named = set(PARAMETER.findall(bodies[0]["text"]))
    examples = {e.get("param_name") for e in (bodies[0].get("example") or {}).get("body_text_named_params") or []}
    if named != examples:
        return f"every body parameter needs an example: {sorted(named)}"
    return None


async def _review(state: GraphState, template: Dict[str, Any]) -> None:
    await asyncio.sleep(state.settings.template_review_seconds)
    text = next(c["text"] for c in template["components"] if c["type"] == "BODY").lower()
    marketing = any(word in text for word in MARKETING_WORDS)
    await set_template_status(
        state, template, "REJECTED" if marketing else "APPROVED", "INCORRECT_CATEGORY" if marketing else "NONE"
    )


async def set_template_status(state: GraphState, template: Dict[str, Any], status: str, reason: str = "NONE") -> None:
    template["status"] = status
    if state.on_template_status is not None:
        await state.on_template_status(
            {
                "event": status,
                "message_template_id": int(template["id"]),
                "message_template_name": template["name"],
                "message_template_language": template["language"],
                "reason": reason,
            }
        )


async def list_templates(request: web.Request) -> web.Response:
    state = request.app[GRAPH]
    refusal = _authorized(request, state)
    if refusal is not None:
        return refusal
    fault = _take_fault(state, LISTING)
    if fault is not None:
        state.count("faults")
        return fb_error(
            fault.status,
            fault.code,
            "An unexpected error has occurred. Please retry your request later.",
            kind="OAuthException",
        )
    rows = [{k: t[k] for k in ("id", "name", "language", "status", "category")} for t in state.templates.values()]
    return web.json_response({"data": rows, "paging": {"cursors": {"before": "MAZDZD", "after": "MjQZD"}}})


async def template_control(request: web.Request) -> web.Response:
    """Tests: set a template's status (PAUSED, DISABLED, REJECTED...) as Meta might."""
    body = await request.json()
    state = request.app[GRAPH]
    template = state.templates.get((str(body["name"]), str(body["language"])))
    if template is None:
        return web.json_response({"error": "no such template"}, status=404)
    await set_template_status(state, template, str(body["status"]), str(body.get("reason", "NONE")))
    return web.json_response({"status": template["status"]})


def set_user(state: GraphState, psid: str, **fields: str) -> None:
    state.users.setdefault(psid, {}).update({name: value for name, value in fields.items() if value})


# --- controls for tests and the page ---------------------------------------------------


async def users(request: web.Request) -> web.Response:
    body = await request.json()
    set_user(
        request.app[GRAPH],
        str(body["psid"]),
        **{name: str(body.get(name) or "") for name in ("locale", "first_name", "last_name")},
    )
    return web.json_response({"psid": body["psid"]})


async def recorded(request: web.Request) -> web.Response:
    state = request.app[GRAPH]
    after = int(request.query.get("after", 0))
    psid = request.query.get("psid")
    if psid is None:
        return web.json_response({psid: [r for r in rows if r["seq"] > after] for psid, rows in state.records.items()})
    return web.json_response([r for r in state.records.get(psid, []) if r["seq"] > after])


async def wait_for_messages(request: web.Request) -> web.Response:
    """Long poll for tests and the benchmark: answers when a PSID has ``count`` messages, or at ``timeout``."""
    state = request.app[GRAPH]
    if state.changed is None:
        state.changed = asyncio.Condition()
    psid, count = request.query["psid"], int(request.query.get("count", 1))
    deadline = time.monotonic() + float(request.query.get("timeout", 30))
    async with state.changed:
        while state.message_count(psid) < count and time.monotonic() < deadline:
            try:
                await asyncio.wait_for(state.changed.wait(), timeout=max(0.0, deadline - time.monotonic()))
            except asyncio.TimeoutError:
                break
    messages = [r for r in state.records.get(psid, []) if r["kind"] == "message"]
    return web.json_response({"count": len(messages), "times": [r["time"] for r in messages]})


async def stats(request: web.Request) -> web.Response:
    state = request.app[GRAPH]
    return web.json_response(
        {
            "counters": state.counters,
            "errors": state.errors[-20:],
            "profile": state.profile,
            "thread_owner": state.thread_owner,
        }
    )


async def queue_fault(request: web.Request) -> web.Response:
    body = await request.json()
    fault = Fault(status=int(body.get("status", 500)), code=int(body.get("code", 2)), psid=body.get("psid"))
    state = request.app[GRAPH]
    state.faults.extend([fault] * int(body.get("count", 1)))
    return web.json_response({"queued": len(state.faults)})


async def settings(request: web.Request) -> web.Response:
    state = request.app[GRAPH]
    for name, value in (await request.json()).items():
        if name in ("latency_ms", "fault_rate", "answer_delay_ms"):
            setattr(state.settings, name, float(value))
    return web.json_response(
        {name: getattr(state.settings, name) for name in ("latency_ms", "fault_rate", "answer_delay_ms")}
    )


async def reset(request: web.Request) -> web.Response:
    state = request.app[GRAPH]
    state.records.clear()
    state.faults.clear()
    state.counters.clear()
    state.errors.clear()
    state.users.clear()
    return web.json_response({"reset": True})


def add_routes(app: web.Application, settings_: GraphSettings) -> None:
    app[GRAPH] = GraphState(settings_)
    app.router.add_post("/{version}/me/messages", send_message)
    app.router.add_post("/{version}/me/{action:(pass|take)_thread_control}", thread_control)
    app.router.add_post("/{version}/me/messenger_profile", messenger_profile)
    app.router.add_post("/{version}/me/message_templates", create_template)
    app.router.add_get("/{version}/me/message_templates", list_templates)
    app.router.add_post("/_fake/templates", template_control)
    app.router.add_get("/_fake/messages", recorded)
    app.router.add_get("/_fake/stats", stats)
    app.router.add_get("/_fake/wait", wait_for_messages)
    app.router.add_post("/_fake/faults", queue_fault)
    app.router.add_post("/_fake/settings", settings)
    app.router.add_post("/_fake/reset", reset)
    app.router.add_post("/_fake/users", users)
    app.router.add_get(r"/{version:v\d+\.\d+}/{psid:[A-Za-z0-9_-]+}", user_profile)
