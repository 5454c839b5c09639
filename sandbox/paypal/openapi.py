"""PayPal's published OpenAPI schemas, read from ../shared/paypal-openapi.

The specification is not part of this project: ``PAYPAL_OPENAPI_DIR`` (see
sandbox/settings.py) points at it and defaults to the shared folder beside the project.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any, Dict, List

import jsonschema

from sandbox import settings

ORDERS_SPEC = "checkout_orders_v2.json"
WEBHOOKS_SPEC = "notifications_webhooks_v1.json"


def spec_dir() -> Path:
    return settings.openapi_dir()


def spec_path(name: str = ORDERS_SPEC) -> Path:
    return spec_dir() / name


def available(name: str = ORDERS_SPEC) -> bool:
    return spec_path(name).is_file()


@functools.lru_cache(maxsize=None)
def _spec(name: str) -> Dict[str, Any]:
    with spec_path(name).open(encoding="utf-8") as handle:
        return json.load(handle)


@functools.lru_cache(maxsize=None)
def _validator(name: str, schema_name: str) -> jsonschema.Draft7Validator:
    spec = _spec(name)
    if schema_name not in spec["components"]["schemas"]:
        raise KeyError(f"{schema_name} is not a schema of {name}")
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": spec["components"]}
    return jsonschema.Draft7Validator(schema)


def schema_errors(schema_name: str, body: Any, name: str = ORDERS_SPEC) -> List[Dict[str, str]]:
    """Schema violations of ``body`` in PayPal's ``details[]`` shape; empty when valid."""
    details = []
    for error in _validator(name, schema_name).iter_errors(body):
        field = "/" + "/".join(str(part) for part in error.absolute_path)
        if error.validator == "required":
            missing = error.message.split("'")[1] if "'" in error.message else ""
            field = field.rstrip("/") + "/" + missing
            issue = "MISSING_REQUIRED_PARAMETER"
        elif error.validator == "type":
            issue = "INVALID_PARAMETER_SYNTAX"
        else:
            issue = "INVALID_PARAMETER_VALUE"
        details.append({"field": field, "location": "body", "issue": issue, "description": error.message[:300]})
    return details
