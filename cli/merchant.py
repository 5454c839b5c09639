"""What the merchant commands share: the token, an Idempotency-Key kept across
retries, the POST to Rasa's paypal channel, and clear errors."""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from typing import Any, Dict, Optional, Tuple, Union

import requests

from shop import settings


def add_connection_arguments(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--rasa-url", default=settings.merchant().rasa_url)
    parser.add_argument(
        "--idempotency-key",
        help=f"send the same key again to get the same {what} back (default: a new key, kept across retries)",
    )


def post(
    args: argparse.Namespace, path: str, body: Dict[str, Any], expected_status: Union[int, Tuple[int, ...]]
) -> Optional[Dict[str, Any]]:
    """POST ``body`` to /webhooks/paypal/<path> as the merchant; the answer, or None after printing why."""
    token = settings.merchant().api_token
    if not token:
        print("error: set MERCHANT_API_TOKEN", file=sys.stderr)
        return None
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": args.idempotency_key or uuid.uuid4().hex}
    answer = post_with_retries(f"{args.rasa_url.rstrip('/')}/webhooks/paypal/{path}", body, headers)
    if answer is None:
        print(f"error: Rasa is not reachable at {args.rasa_url}", file=sys.stderr)
        return None
    expected = expected_status if isinstance(expected_status, tuple) else (expected_status,)
    if answer.status_code not in expected:
        print(f"error: {answer.status_code}: {answer.text}", file=sys.stderr)
        return None
    return answer.json()


def post_with_retries(
    url: str, body: Dict[str, Any], headers: Dict[str, str], attempts: int = 3
) -> Optional[requests.Response]:
    """POST, trying again on a network error or a 5xx under the same Idempotency-Key: at most one effect."""
    answer = None
    for attempt in range(attempts):
        try:
            answer = requests.post(url, json=body, headers=headers, timeout=30)
            if answer.status_code < 500:
                return answer
        except requests.RequestException as error:
            print(f"warning: attempt {attempt + 1} failed: {error}", file=sys.stderr)
        if attempt + 1 < attempts:
            time.sleep(2**attempt)
    return answer
