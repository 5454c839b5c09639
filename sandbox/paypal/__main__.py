"""python -m sandbox.paypal: run the local PayPal emulator."""

import logging

from aiohttp import web

from sandbox import settings
from sandbox.paypal import openapi
from sandbox.paypal.app import create_app

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
if not openapi.available():
    logging.getLogger("sandbox.paypal").warning(
        "PayPal's OpenAPI spec not found at %s: request bodies are not schema-checked", openapi.spec_path()
    )
given = settings.paypal_sandbox()
web.run_app(create_app(), host=given.host, port=given.port, access_log=None)
