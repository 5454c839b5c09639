"""The small pages a buyer sees after PayPal sends them back."""
from __future__ import annotations

import html
from typing import Optional

from sanic import response
from sanic.response import HTTPResponse


def page(title: str, text: str, page_id: Optional[str], status: int = 200) -> HTTPResponse:
    link = (
        f'<p><a href="https://m.me/{html.escape(page_id)}">Back to Messenger</a></p>' if page_id else ""
    )
    body = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{html.escape(title)}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:26rem;margin:3rem auto;padding:0 1rem;text-align:center}}
a{{display:inline-block;margin-top:1rem;padding:.7rem 1.2rem;border-radius:1.5rem;background:#0084ff;color:#fff;text-decoration:none}}</style>
</head><body><h1>{html.escape(title)}</h1><p>{html.escape(text)}</p>{link}</body></html>"""
    return response.html(body, status=status)


def received(page_id: Optional[str]) -> HTTPResponse:
    return page("Payment received", "Thank you! You can go back to Messenger; your receipt is on its way there.", page_id)


def cancelled(page_id: Optional[str]) -> HTTPResponse:
    return page("Payment cancelled", "Nothing was charged. Your cart is still in the chat, where you can try again.", page_id)


def unknown(page_id: Optional[str]) -> HTTPResponse:
    return page("Payment not found", "We could not find this payment. Please go back to the chat and check out again.", page_id, 404)


def pending(page_id: Optional[str]) -> HTTPResponse:
    return page("Confirming your payment", "PayPal is not answering right now. We'll confirm your payment in the chat shortly.", page_id, 202)
