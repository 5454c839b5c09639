"""python -m sandbox.paypal: run the local PayPal emulator."""
import logging
import os

from aiohttp import web

from sandbox.paypal import openapi
from sandbox.paypal.app import create_app

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
if not openapi.available():
    logging.getLogger("sandbox.paypal").warning(
        "PayPal's OpenAPI spec not found at %s: request bodies are not schema-checked", openapi.spec_path()
    )
web.run_app(create_app(), host=os.environ.get("SANDBOX_HOST", "127.0.0.1"), port=int(os.environ.get("SANDBOX_PORT", 8090)), access_log=None)
