"""The small pages a buyer sees after PayPal sends them back, in the browser's
language (Accept-Language), texts from texts/phrases.yml."""

from __future__ import annotations

import html
from typing import Optional

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from shop.phrases import LANGUAGES, phrase


def language_of(request: Optional[Request]) -> str:
    """The first of the browser's languages that the shop speaks; English otherwise."""
    accepted = (request.headers.get("Accept-Language", "") if request is not None else "").lower()
    for part in accepted.split(","):
        code = part.split(";")[0].strip()[:2]
        if code in LANGUAGES:
            return code
    return "en"


def page(kind: str, page_id: Optional[str], request: Optional[Request], status: int = 200) -> HTTPResponse:
    lang = language_of(request)
    title, text = phrase(f"page_{kind}_title", lang), phrase(f"page_{kind}_text", lang)
    link = (
        f'<p><a href="https://m.me/{html.escape(page_id)}">{html.escape(phrase("page_back_to_messenger", lang))}</a></p>'
        if page_id
        else ""
    )
    body = f"""<!doctype html><html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{html.escape(title)}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:26rem;margin:3rem auto;padding:0 1rem;text-align:center}}
a{{display:inline-block;margin-top:1rem;padding:.7rem 1.2rem;border-radius:1.5rem;background:#0084ff;color:#fff;text-decoration:none}}</style>
</head><body><h1>{html.escape(title)}</h1><p>{html.escape(text)}</p>{link}</body></html>"""
    return response.html(body, status=status)


def received(page_id: Optional[str], request: Optional[Request] = None) -> HTTPResponse:
    return page("received", page_id, request)


def cancelled(page_id: Optional[str], request: Optional[Request] = None) -> HTTPResponse:
    return page("cancelled", page_id, request)


def unknown(page_id: Optional[str], request: Optional[Request] = None) -> HTTPResponse:
    return page("unknown", page_id, request, 404)


def pending(page_id: Optional[str], request: Optional[Request] = None) -> HTTPResponse:
    return page("pending", page_id, request, 202)


def elsewhere(page_id: Optional[str], request: Optional[Request] = None) -> HTTPResponse:
    """Approved with an address outside the zone the order paid shipping for: not charged."""
    return page("elsewhere", page_id, request)
