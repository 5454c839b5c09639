"""python -m sandbox.messenger: the local Messenger page and fake Graph API."""
import logging
import os
import sys

from aiohttp import web

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
missing = [name for name in ("FB_APP_SECRET", "FB_PAGE_ACCESS_TOKEN") if not os.environ.get(name)]
if missing:
    sys.exit(f"error: set {', '.join(missing)} (the Makefile sets local values)")

from sandbox.messenger.page import create_app  # noqa: E402 - only after the settings are checked

web.run_app(create_app(), host=os.environ.get("MESSENGER_PAGE_HOST", "127.0.0.1"), port=int(os.environ.get("MESSENGER_PAGE_PORT", 8080)), access_log=None)
