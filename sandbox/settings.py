"""The sandboxes' own settings, read from the environment.

The fakes play PayPal and Facebook, so they read nothing of the shop's code, its
settings included: what they check is written from the platforms' documentation, and
a setting of the shop never changes how a fake behaves. The harness starts them with
the values of harness/local_env.py.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional, Tuple

PROJECT_ROOT = Path(__file__).resolve().parent.parent
Env = Mapping[str, str]


class SandboxSettingsError(ValueError):
    """A variable holds a value the sandbox cannot use; the message names it."""


@dataclass(frozen=True)
class Variable:
    name: str
    default: str
    meaning: str
    read_by: str = "local"


VARIABLES: Tuple[Variable, ...] = (
    Variable(
        "PAYPAL_OPENAPI_DIR",
        "../shared/paypal-openapi",
        "PayPal's OpenAPI spec, used by the sandbox and the tests (not part of this repo)",
    ),
    Variable("SANDBOX_HOST", "127.0.0.1", "the PayPal sandbox's address"),
    Variable("SANDBOX_PORT", "8090", "the PayPal sandbox's port"),
    Variable(
        "SANDBOX_PUBLIC_URL",
        "",
        "the sandbox's address in links it gives out (http://localhost:SANDBOX_PORT when empty)",
    ),
    Variable("SANDBOX_CLIENT_ID", "kassa-sandbox-client", "the client id the sandbox accepts"),
    Variable("SANDBOX_CLIENT_SECRET", "kassa-sandbox-secret", "the secret the sandbox accepts"),
    Variable("SANDBOX_LATENCY_MS", "0", "added latency of every sandbox API call"),
    Variable("SANDBOX_FAULT_RATE", "0", "share of sandbox API calls answered 500"),
    Variable("SANDBOX_TIMEOUT_RATE", "0", "share of sandbox API calls that hang"),
    Variable("SANDBOX_TIMEOUT_SECONDS", "30", "how long a hanging call hangs"),
    Variable("SANDBOX_WEBHOOK_URL", "", "where the sandbox delivers signed webhooks (redelivering on failure)"),
    Variable("SANDBOX_WEBHOOK_ID", "8PT597110X687430L", "the webhook id the sandbox signs for"),
    Variable("SANDBOX_WEBHOOK_RETRY_SECONDS", "1", "first pause before the sandbox redelivers a webhook"),
    Variable("MESSENGER_PAGE_HOST", "127.0.0.1", "the local Messenger page's address"),
    Variable("MESSENGER_PAGE_PORT", "8080", "the local Messenger page's port"),
    Variable(
        "RASA_WEBHOOK_URL",
        "http://localhost:5005/webhooks/facebook/webhook",
        "where the local Messenger page delivers webhooks",
    ),
    Variable("FAKE_GRAPH_LATENCY_MS", "0", "added latency of the fake Graph API"),
    Variable("FAKE_GRAPH_FAULT_RATE", "0", "share of fake Graph API sends answered 500"),
    Variable("FAKE_GRAPH_REQUIRE_APPSECRET_PROOF", "1", "the fake Graph API requires appsecret_proof (0: not)"),
    Variable(
        "FAKE_CATALOG",
        "catalog/catalog.yml",
        "the catalog the Messenger page draws placeholder pictures from (KASSA_CATALOG wins)",
    ),
)
DEFAULTS = {variable.name: variable.default for variable in VARIABLES}


def _get(name: str, env: Optional[Env]) -> str:
    environment = os.environ if env is None else env
    return (environment.get(name) or DEFAULTS.get(name, "")).strip()


def _number(name: str, env: Optional[Env]) -> float:
    raw = _get(name, env)
    try:
        value = float(raw)
    except ValueError:
        raise SandboxSettingsError(f"{name} must be a number, not {raw!r}") from None
    if value < 0:
        raise SandboxSettingsError(f"{name} must not be negative, not {raw!r}")
    return value


def _port(name: str, env: Optional[Env]) -> int:
    raw = _get(name, env)
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise SandboxSettingsError(f"{name} must be a port number, not {raw!r}")
    return int(raw)


@dataclass(frozen=True)
class PayPalSandboxSettings:
    host: str
    port: int
    public_url: str
    client_id: str
    client_secret: str
    latency_ms: float
    fault_rate: float
    timeout_rate: float
    timeout_seconds: float
    webhook_url: Optional[str]
    webhook_id: str
    webhook_retry_seconds: float


def paypal_sandbox(env: Optional[Env] = None) -> PayPalSandboxSettings:
    port = _port("SANDBOX_PORT", env)
    return PayPalSandboxSettings(
        host=_get("SANDBOX_HOST", env),
        port=port,
        public_url=_get("SANDBOX_PUBLIC_URL", env).rstrip("/") or f"http://localhost:{port}",
        client_id=_get("SANDBOX_CLIENT_ID", env),
        client_secret=_get("SANDBOX_CLIENT_SECRET", env),
        latency_ms=_number("SANDBOX_LATENCY_MS", env),
        fault_rate=_number("SANDBOX_FAULT_RATE", env),
        timeout_rate=_number("SANDBOX_TIMEOUT_RATE", env),
        timeout_seconds=_number("SANDBOX_TIMEOUT_SECONDS", env),
        webhook_url=_get("SANDBOX_WEBHOOK_URL", env).rstrip("/") or None,
        webhook_id=_get("SANDBOX_WEBHOOK_ID", env),
        webhook_retry_seconds=_number("SANDBOX_WEBHOOK_RETRY_SECONDS", env),
    )


def openapi_dir(env: Optional[Env] = None) -> Path:
    return (PROJECT_ROOT / _get("PAYPAL_OPENAPI_DIR", env)).resolve()


@dataclass(frozen=True)
class MessengerPageSettings:
    host: str
    port: int
    rasa_webhook_url: str
    app_secret: str
    page_access_token: str
    latency_ms: float
    fault_rate: float
    require_appsecret_proof: bool
    catalog: Path


def messenger_page(env: Optional[Env] = None) -> MessengerPageSettings:
    """The page plays Facebook, so it holds the app secret and the Page token that the
    app registered with it: the same FB_APP_SECRET and FB_PAGE_ACCESS_TOKEN the shop has."""
    app_secret, page_token = _get("FB_APP_SECRET", env), _get("FB_PAGE_ACCESS_TOKEN", env)
    if not app_secret or not page_token:
        raise SandboxSettingsError(
            "set FB_APP_SECRET and FB_PAGE_ACCESS_TOKEN (the local environment sets local values)"
        )
    proof = _get("FAKE_GRAPH_REQUIRE_APPSECRET_PROOF", env).lower()
    if proof not in ("0", "1", "true", "false"):
        raise SandboxSettingsError(f"FAKE_GRAPH_REQUIRE_APPSECRET_PROOF must be 1 or 0, not {proof!r}")
    return MessengerPageSettings(
        host=_get("MESSENGER_PAGE_HOST", env),
        port=_port("MESSENGER_PAGE_PORT", env),
        rasa_webhook_url=_get("RASA_WEBHOOK_URL", env),
        app_secret=app_secret,
        page_access_token=page_token,
        latency_ms=_number("FAKE_GRAPH_LATENCY_MS", env),
        fault_rate=_number("FAKE_GRAPH_FAULT_RATE", env),
        require_appsecret_proof=proof in ("1", "true"),
        catalog=PROJECT_ROOT / (_get("KASSA_CATALOG", env) or _get("FAKE_CATALOG", env)),
    )
