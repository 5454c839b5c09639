"""python -m sandbox.facebook: the local Messenger page and fake Graph API."""

import logging
import sys

from aiohttp import web

from sandbox import settings
from sandbox.facebook.page import create_app

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
try:
    given = settings.messenger_page()
except settings.SandboxSettingsError as error:
    sys.exit(f"error: {error}")
web.run_app(create_app(), host=given.host, port=given.port, access_log=None)
