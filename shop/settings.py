"""Every environment variable Kassa's own code reads, in one place.

Each concern gets a frozen dataclass built from the environment by one function
(``shop()``, ``paypal()``, ``messenger()``...). A value that cannot be used fails
there, with a message that names the variable, so a server stops at start instead
of failing on the first customer. ``VARIABLES`` lists every variable with its
default and meaning; ``.env.example`` and the README's table are checked against it
(tests/unit/shop/test_settings.py), and no other module reads ``os.environ``.

Variables that Rasa itself reads through ``${VAR}`` in credentials.yml and
endpoints.yml are listed too (``read_by="rasa"``), so the list is complete.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple

PROJECT_ROOT = Path(__file__).resolve().parent.parent
Env = Mapping[str, str]


class SettingsError(ValueError):
    """A variable holds a value Kassa cannot use; the message names it."""


@dataclass(frozen=True)
class Variable:
    name: str
    default: str
    meaning: str
    read_by: str = "kassa"  # kassa | rasa | local (the sandboxes, the Messenger page, the benchmark)


VARIABLES: Tuple[Variable, ...] = (
    Variable(
        "PUBLIC_URL",
        "http://localhost:5005",
        "where PayPal sends the buyer back; the base of the pay page in utility templates",
    ),
    Variable("SHOP_NAME", "Kassa Bike Shop", "brand name on PayPal's page"),
    Variable("KASSA_CATALOG", "catalog/catalog.yml", "the catalog file"),
    Variable("KASSA_TERMS", "catalog/terms.yml", "the shop's terms: shipping, delivery, pickup, returns"),
    Variable("CATALOG_IMAGE_BASE_URL", "", "prefix for catalog image file names"),
    Variable("DATABASE_URL", "sqlite:///.run/orders.db", "the order ledger (postgresql://... in production)"),
    Variable(
        "KASSA_RECEIPT_RETRY_SECONDS",
        "30",
        "first pause before a receipt Facebook did not accept is sent again (doubling, for a day)",
    ),
    Variable(
        "KASSA_CART_REMINDER_HOURS",
        "3",
        "hours of quiet after which a cart left without a checkout gets its one reminder (0: never)",
    ),
    Variable(
        "KASSA_CART_REMINDER_CHECK_SECONDS",
        "60",
        "how often the Rasa server looks for carts due a reminder",
    ),
    Variable("PAYPAL_CLIENT_ID", "", "your PayPal app's client id"),
    Variable("PAYPAL_CLIENT_SECRET", "", "your PayPal app's secret"),
    Variable(
        "PAYPAL_BASE_URL",
        "https://api-m.sandbox.paypal.com",
        "PayPal API (the local environment points it at the sandbox)",
    ),
    Variable(
        "PAYPAL_SHIPPING_PREFERENCE",
        "GET_FROM_FILE",
        "PayPal's shipping_preference: GET_FROM_FILE, NO_SHIPPING or SET_PROVIDED_ADDRESS",
    ),
    Variable("PAYPAL_TIMEOUT_SECONDS", "10", "per-call timeout of the PayPal client"),
    Variable("PAYPAL_MAX_ATTEMPTS", "4", "attempts per PayPal call"),
    Variable("FB_PAGE_ACCESS_TOKEN", "", "the Page's access token"),
    Variable("FB_APP_SECRET", "", "the Facebook app's secret (webhook signatures, appsecret_proof)"),
    Variable("FB_GRAPH_URL", "https://graph.facebook.com", "Graph API (the local environment points it at the fake)"),
    Variable("FB_GRAPH_VERSION", "v25.0", "Graph API version; a warning at start within 90 days of its end"),
    Variable(
        "RASA_ENDPOINTS",
        "endpoints.yml",
        "where the connector finds Rasa's lock store (Redis there: connector state in Redis)",
    ),
    Variable("KASSA_TURN_THREAD", "true", "run dialogue turns on their own event loop in a thread (see Performance)"),
    Variable(
        "KASSA_STATE_DATABASE_URL",
        "sqlite:///.run/connector.db",
        "the connector's state and webhook intake when Rasa's lock store is not Redis (postgresql://... for a server)",
    ),
    Variable(
        "KASSA_INTAKE_SHARDS",
        "16",
        "Redis intake: streams the customers are spread over (the most replicas that share the work)",
    ),
    Variable(
        "KASSA_INTAKE_LEASE_SECONDS",
        "10",
        "how long a dead replica's accepted events wait before another replica takes them",
    ),
    Variable(
        "SANIC_PROXIES_COUNT",
        "",
        "proxies in front of Rasa and the acceptor (1 behind HAProxy): the client's address is then "
        "X-Forwarded-For's, for the per-client limits",
        read_by="rasa",
    ),
    Variable(
        "KASSA_ACCEPTOR_HOST",
        "127.0.0.1",
        "the separate webhook acceptor's address (python -m channels.messenger.inbound.acceptor)",
    ),
    Variable("KASSA_ACCEPTOR_PORT", "5006", "the separate webhook acceptor's port"),
    Variable("RASA_URL", "http://localhost:5005", "the Rasa server the merchant commands talk to"),
    Variable(
        "MERCHANT_API_TOKEN", "", "bearer token of the payment-request and refund endpoints (unset: they refuse all)"
    ),
    Variable("FB_VERIFY_TOKEN", "", "the webhook verify token", "rasa"),
    Variable("FB_PAGE_ID", "", "the Page id, for the m.me link on the return page", "rasa"),
    Variable("REST_API_TOKEN", "", "bearer token of the REST channel (unset: the channel refuses all)", "rasa"),
    Variable("PAYPAL_WEBHOOK_ID", "", "the id of your PayPal webhook, for signature verification", "rasa"),
    Variable(
        "PAYPAL_WEBHOOK_RETRY_DELAYS",
        "1,2,5,10,30,60,120,300,600,1800",
        "seconds between attempts at a payment event not yet in effect, and at a pay button not yet delivered",
    ),
    Variable("ACTION_ENDPOINT_URL", "http://localhost:5055/webhook", "the action server", "rasa"),
    Variable("TRACKER_STORE_DIALECT", "sqlite", "Rasa's SQL tracker store dialect (postgresql in production)", "rasa"),
    Variable("TRACKER_STORE_URL", "", "Rasa's tracker store host or URL", "rasa"),
    Variable("TRACKER_STORE_DB", ".run/tracker.db", "Rasa's tracker store database", "rasa"),
    Variable("TRACKER_STORE_PORT", "5432", "PostgreSQL's port (deploy/endpoints.yml)", "rasa"),
    Variable("TRACKER_STORE_USERNAME", "kassa", "PostgreSQL user of the tracker store (deploy/endpoints.yml)", "rasa"),
    Variable("TRACKER_STORE_PASSWORD", "", "PostgreSQL password of the tracker store (deploy/endpoints.yml)", "rasa"),
    Variable(
        "REDIS_HOST",
        "localhost",
        "Redis: Rasa's lock store, the connector's state and intake (deploy/endpoints.yml)",
        "rasa",
    ),
    Variable("REDIS_PORT", "6379", "Redis's port (deploy/endpoints.yml)", "rasa"),
    Variable("REDIS_PASSWORD", "", "Redis's password (deploy/endpoints.yml)", "rasa"),
    Variable("REDIS_DB", "1", "the Redis database number (deploy/endpoints.yml)", "rasa"),
    Variable(
        "TICKET_LOCK_LIFETIME",
        "60",
        "Rasa: seconds a conversation lock outlives a replica that died holding it",
        "rasa",
    ),
    Variable("POSTGRES_PASSWORD", "", "deploy/compose.yml: the password of PostgreSQL's kassa user (set it)", "deploy"),
    Variable("ACTION_SERVER_HOST", "127.0.0.1", "the address the action server listens on (harness/stack.py)", "local"),
)
DEFAULTS = {variable.name: variable.default for variable in VARIABLES}


def _env(env: Optional[Env]) -> Env:
    return os.environ if env is None else env


def environment(env: Optional[Env] = None) -> Env:
    """``env``, or the process's environment: for the tools' own settings (bench/settings.py)."""
    return _env(env)


def expand(value: str, env: Optional[Env] = None) -> str:
    """``${VAR}`` in a value from Rasa's endpoints.yml replaced as Rasa does; an unset
    variable is an error that names it."""

    def replace(match: "re.Match[str]") -> str:
        name = match.group(1)
        if name not in _env(env):
            raise SettingsError(f"{name} is not set (used as ${{{name}}} in endpoints.yml)")
        return _env(env)[name]

    return re.sub(r"\$\{([^}]+)\}", replace, value)


def text(name: str, env: Optional[Env] = None) -> str:
    """The variable's value, or its listed default when unset or empty."""
    if name not in DEFAULTS:
        raise KeyError(f"{name} is not in shop/settings.py's VARIABLES")
    return (_env(env).get(name) or DEFAULTS[name]).strip()


def number(name: str, env: Optional[Env] = None, minimum: float = 0.0) -> float:
    raw = text(name, env)
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, not {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum:g}, not {raw!r}")
    return value


def whole(name: str, env: Optional[Env] = None, minimum: int = 0) -> int:
    raw = text(name, env)
    if not raw.isdigit() or int(raw) < minimum:
        raise SettingsError(f"{name} must be a whole number of at least {minimum}, not {raw!r}")
    return int(raw)


def flag(name: str, env: Optional[Env] = None) -> bool:
    raw = text(name, env).lower()
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name} must be true or false (1/0, yes/no, on/off), not {raw!r}")


def url(name: str, env: Optional[Env] = None) -> str:
    raw = text(name, env).rstrip("/")
    if raw and not raw.startswith(("http://", "https://")):
        raise SettingsError(f"{name} must be an http(s) URL, not {raw!r}")
    return raw


def one_of(name: str, choices: Tuple[str, ...], env: Optional[Env] = None) -> str:
    raw = text(name, env)
    if raw not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}, not {raw!r}")
    return raw


@dataclass(frozen=True)
class ShopSettings:
    public_url: str
    shop_name: str
    catalog_path: Path
    terms_path: Path
    image_base_url: str
    database_url: str
    receipt_retry_seconds: float
    cart_reminder_seconds: float  # 0: no reminders
    cart_reminder_check_seconds: float


def shop(env: Optional[Env] = None) -> ShopSettings:
    database = text("DATABASE_URL", env)
    if database == DEFAULTS["DATABASE_URL"]:
        database = f"sqlite:///{PROJECT_ROOT / '.run' / 'orders.db'}"
    return ShopSettings(
        public_url=url("PUBLIC_URL", env),
        shop_name=text("SHOP_NAME", env),
        catalog_path=PROJECT_ROOT / text("KASSA_CATALOG", env),  # an absolute path stays itself
        terms_path=PROJECT_ROOT / text("KASSA_TERMS", env),
        image_base_url=text("CATALOG_IMAGE_BASE_URL", env),
        database_url=database,
        receipt_retry_seconds=number("KASSA_RECEIPT_RETRY_SECONDS", env, minimum=0.1),
        cart_reminder_seconds=number("KASSA_CART_REMINDER_HOURS", env) * 3600,
        cart_reminder_check_seconds=number("KASSA_CART_REMINDER_CHECK_SECONDS", env, minimum=0.1),
    )


@dataclass(frozen=True)
class PayPalSettings:
    client_id: str
    client_secret: str
    base_url: str
    shipping_preference: str
    timeout_seconds: float
    max_attempts: int


def paypal(env: Optional[Env] = None) -> PayPalSettings:
    return PayPalSettings(
        client_id=text("PAYPAL_CLIENT_ID", env),
        client_secret=text("PAYPAL_CLIENT_SECRET", env),
        base_url=url("PAYPAL_BASE_URL", env),
        shipping_preference=one_of(
            "PAYPAL_SHIPPING_PREFERENCE", ("GET_FROM_FILE", "NO_SHIPPING", "SET_PROVIDED_ADDRESS"), env
        ),
        timeout_seconds=number("PAYPAL_TIMEOUT_SECONDS", env, minimum=0.1),
        max_attempts=whole("PAYPAL_MAX_ATTEMPTS", env, minimum=1),
    )


def paypal_retry_delays(env: Optional[Env] = None) -> Tuple[float, ...]:
    raw = text("PAYPAL_WEBHOOK_RETRY_DELAYS", env)
    try:
        delays = tuple(float(part) for part in raw.split(",") if part.strip())
    except ValueError:
        raise SettingsError(f"PAYPAL_WEBHOOK_RETRY_DELAYS must be seconds separated by commas, not {raw!r}") from None
    if not delays or min(delays) < 0:
        raise SettingsError(f"PAYPAL_WEBHOOK_RETRY_DELAYS must list seconds (none negative), not {raw!r}")
    return delays


@dataclass(frozen=True)
class MessengerSettings:
    page_access_token: str
    app_secret: str
    graph_url: str
    graph_version: str


def messenger(env: Optional[Env] = None) -> MessengerSettings:
    version = text("FB_GRAPH_VERSION", env)
    if not (version.startswith("v") and version[1:].replace(".", "", 1).isdigit()):
        raise SettingsError(f"FB_GRAPH_VERSION must look like v25.0, not {version!r}")
    return MessengerSettings(
        text("FB_PAGE_ACCESS_TOKEN", env), text("FB_APP_SECRET", env), url("FB_GRAPH_URL", env), version
    )


@dataclass(frozen=True)
class RuntimeSettings:
    rasa_endpoints: str
    turn_thread: bool
    state_database_url: str
    intake_shards: int
    intake_lease_seconds: float


def runtime(env: Optional[Env] = None) -> RuntimeSettings:
    state_database = text("KASSA_STATE_DATABASE_URL", env)
    if state_database == DEFAULTS["KASSA_STATE_DATABASE_URL"]:
        state_database = f"sqlite:///{PROJECT_ROOT / '.run' / 'connector.db'}"
    return RuntimeSettings(
        text("RASA_ENDPOINTS", env),
        flag("KASSA_TURN_THREAD", env),
        state_database,
        whole("KASSA_INTAKE_SHARDS", env, minimum=1),
        number("KASSA_INTAKE_LEASE_SECONDS", env, minimum=1),
    )


@dataclass(frozen=True)
class AcceptorSettings:
    host: str
    port: int


def acceptor(env: Optional[Env] = None) -> AcceptorSettings:
    return AcceptorSettings(text("KASSA_ACCEPTOR_HOST", env), whole("KASSA_ACCEPTOR_PORT", env, minimum=1))


@dataclass(frozen=True)
class MerchantSettings:
    rasa_url: str
    api_token: str


def merchant(env: Optional[Env] = None) -> MerchantSettings:
    return MerchantSettings(url("RASA_URL", env), text("MERCHANT_API_TOKEN", env))


READERS = {
    "kassa": "Kassa's own code",
    "rasa": "Rasa, through ${VAR} in credentials.yml and endpoints.yml",
    "local": "the local sandboxes, the Messenger page, the harness and the benchmark only",
    "deploy": "deploy/compose.yml only (the PostgreSQL and Redis containers)",
}
README_START = "<!-- variables: generated by `python -m scripts.settings_files`; do not edit by hand -->"
README_END = "<!-- end of variables -->"


def _shell(value: str) -> str:
    return f'"{value}"' if any(c in value for c in " #$'\\") else value


def env_example(variables: Sequence[Any] = VARIABLES) -> str:
    """The text of .env.example: every variable with its default and meaning."""
    lines = [
        "# Every environment variable Kassa reads, with its default. Copy to .env, fill in what",
        "# production needs, and load it before starting (for example `set -a; . ./.env; set +a`).",
        "# Generated from shop/settings.py by `python -m scripts.settings_files`.",
    ]
    for reader, who in READERS.items():
        lines += ["", f"# --- read by {who} ---"]
        for variable in variables:
            if variable.read_by == reader:
                lines += [f"# {variable.meaning}", f"{variable.name}={_shell(variable.default)}"]
    return "\n".join(lines) + "\n"


def readme_table(variables: Sequence[Any] = VARIABLES) -> str:
    """The table of variables in docs/configuration.md, between its markers."""
    rows = [README_START, "", "| variable | default | read by | meaning |", "| --- | --- | --- | --- |"]
    for variable in variables:
        default = f"`{variable.default}`" if variable.default else "(empty)"
        rows.append(f"| `{variable.name}` | {default} | {variable.read_by} | {variable.meaning} |")
    return "\n".join([*rows, "", README_END])


CONFIGURATION_PAGE = Path("docs") / "configuration.md"


def write_files(variables: Sequence[Any] = VARIABLES, root: Path = PROJECT_ROOT) -> None:
    """Rewrite .env.example and the table of docs/configuration.md from ``variables``."""
    (root / ".env.example").write_text(env_example(variables), encoding="utf-8")
    page = (root / CONFIGURATION_PAGE).read_text(encoding="utf-8")
    start, end = page.index(README_START), page.index(README_END) + len(README_END)
    (root / CONFIGURATION_PAGE).write_text(page[:start] + readme_table(variables) + page[end:], encoding="utf-8")


def given(env: Optional[Env] = None) -> Dict[str, str]:
    """The listed variables that are set (for a tool that starts servers with them)."""
    return {name: value for name, value in _env(env).items() if name in DEFAULTS}


def check_server(env: Optional[Env] = None) -> None:
    """What the Rasa server and the action server need: raises SettingsError naming the
    first variable that cannot be used."""
    shop(env)
    paypal(env)
    paypal_retry_delays(env)
    messenger(env)
    runtime(env)
