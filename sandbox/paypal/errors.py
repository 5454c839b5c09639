"""PayPal's error bodies: name, message, debug_id, details[] and an information link."""

from __future__ import annotations

import json
import secrets
from typing import Dict, List, Optional

from aiohttp import web

MESSAGES = {
    "INVALID_REQUEST": "Request is not well-formed, syntactically incorrect, or violates schema.",
    "UNPROCESSABLE_ENTITY": "The requested action could not be performed, semantically incorrect, or failed business validation.",
    "RESOURCE_NOT_FOUND": "The specified resource does not exist.",
    "AUTHENTICATION_FAILURE": "Authentication failed due to invalid authentication credentials or a missing Authorization header.",
    "INTERNAL_SERVER_ERROR": "An internal server error has occurred.",
    "RATE_LIMIT_REACHED": "Too many requests. Blocked due to rate limiting.",
    "SERVICE_UNAVAILABLE": "Service Unavailable.",
}
STATUS_NAMES = {
    400: "INVALID_REQUEST",
    401: "AUTHENTICATION_FAILURE",
    404: "RESOURCE_NOT_FOUND",
    422: "UNPROCESSABLE_ENTITY",
    429: "RATE_LIMIT_REACHED",
    500: "INTERNAL_SERVER_ERROR",
    503: "SERVICE_UNAVAILABLE",
}


def debug_id() -> str:
    return secrets.token_hex(7)


def error_body(name: str, details: Optional[List[Dict[str, str]]] = None) -> Dict[str, object]:
    body: Dict[str, object] = {"name": name, "message": MESSAGES.get(name, name), "debug_id": debug_id()}
    if details:
        body["details"] = details
    body["links"] = [
        {
            "href": f"https://developer.paypal.com/docs/api/orders/v2/#error-{(details or [{}])[0].get('issue', name)}",
            "rel": "information_link",
            "method": "GET",
        }
    ]
    return body


def error_response(status: int, name: str, details: Optional[List[Dict[str, str]]] = None) -> web.Response:
    body = error_body(name, details)
    return web.json_response(body, status=status, headers={"Paypal-Debug-Id": str(body["debug_id"])})


def issue(issue_name: str, description: str, field: Optional[str] = None, location: str = "body") -> Dict[str, str]:
    detail = {"issue": issue_name, "description": description}
    if field:
        detail.update(field=field, location=location)
    return detail


def json_body(body: object, status: int = 200) -> web.Response:
    return web.Response(text=json.dumps(body), status=status, content_type="application/json")
