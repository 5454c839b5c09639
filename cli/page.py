"""What the Page's commands share (`kassa messenger-profile`, `kassa
messenger-templates`): a Graph API client from the settings, and clear errors."""

from __future__ import annotations

import asyncio
import sys
from typing import Awaitable, Callable, Optional, TypeVar

from channels.messenger.outbound.send_api import SendApiClient, SendApiError, config_from_settings
from shop import settings

T = TypeVar("T")


def call_page(work: Callable[[SendApiClient], Awaitable[T]], what: str) -> Optional[T]:
    """Run ``work`` with a client made from FB_* settings; None after printing why it could
    not (credentials missing, or Facebook refused ``what``)."""
    facebook = settings.messenger()
    if not facebook.page_access_token or not facebook.app_secret:
        print("error: set FB_PAGE_ACCESS_TOKEN and FB_APP_SECRET", file=sys.stderr)
        return None

    async def with_client() -> T:
        client = SendApiClient(config_from_settings())
        try:
            return await work(client)
        finally:
            await client.close()

    try:
        return asyncio.run(with_client())
    except SendApiError as error:
        print(f"error: Facebook refused {what}: {error} (fbtrace_id {error.fbtrace_id})", file=sys.stderr)
        return None
