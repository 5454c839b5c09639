"""The local environment: the one set of values every process Kassa starts on this
machine begins from (the demo, the integration stack, the cluster) and that plain
``rasa`` commands see in the dev venv.

Rasa reads ``${VAR}`` in credentials.yml and endpoints.yml and stops when one is unset,
so ``make install`` writes a one-line ``.pth`` hook into the venv that calls
:func:`apply_defaults` as Python starts: ``rasa shell``, ``rasa interactive`` and
``rasa run actions`` then work from the project root without flags. A variable set in
the environment always wins; nothing of this is installed outside the dev venv.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Mapping, MutableMapping, Optional

from shop import settings
from shop.deployment import local_defaults

PROJECT_ROOT = settings.PROJECT_ROOT
RUN_DIR = PROJECT_ROOT / ".run"
WEBHOOK_ID = "8PT597110X687430L"  # the webhook id the local PayPal sandbox signs for
PAGE_ID = "100000000000001"


@dataclass(frozen=True)
class Addresses:
    """Where the local servers listen; the demo's fixed ports by default."""

    rasa_url: str = "http://localhost:5005"
    actions_url: str = "http://localhost:5055"
    graph_url: str = "http://localhost:8080"
    paypal_url: str = "http://localhost:8090"


def environment(
    where: Addresses = Addresses(), run_dir: Path = RUN_DIR, tokens: Optional[Mapping[str, str]] = None
) -> Dict[str, str]:
    """Every variable a local Kassa needs: the local tokens (or ``tokens``), the local
    servers' addresses and stores under ``run_dir``."""
    return {
        **(local_defaults() if tokens is None else tokens),
        "RASA_TELEMETRY_ENABLED": "false",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "PUBLIC_URL": where.rasa_url,
        "ACTION_ENDPOINT_URL": f"{where.actions_url}/webhook",
        "TRACKER_STORE_DIALECT": "sqlite",
        "TRACKER_STORE_URL": "",
        "TRACKER_STORE_DB": str(run_dir / "tracker.db"),
        "DATABASE_URL": f"sqlite:///{run_dir / 'orders.db'}",
        "KASSA_STATE_DATABASE_URL": f"sqlite:///{run_dir / 'connector.db'}",
        "PAYPAL_BASE_URL": where.paypal_url,
        "PAYPAL_WEBHOOK_ID": WEBHOOK_ID,
        "SANDBOX_WEBHOOK_URL": f"{where.rasa_url}/webhooks/paypal/webhook",
        "SANDBOX_WEBHOOK_ID": WEBHOOK_ID,
        "FB_GRAPH_URL": where.graph_url,
        "FB_GRAPH_VERSION": settings.DEFAULTS["FB_GRAPH_VERSION"],
        "FB_PAGE_ID": PAGE_ID,
        "RASA_WEBHOOK_URL": f"{where.rasa_url}/webhooks/facebook/webhook",
        "CATALOG_IMAGE_BASE_URL": f"{where.graph_url}/images",
    }


def apply_defaults(environ: MutableMapping[str, str] = os.environ) -> None:
    """Fill in what the environment does not set (the dev venv's start-up hook)."""
    for name, value in environment().items():
        environ.setdefault(name, value)
    RUN_DIR.mkdir(exist_ok=True)


def pth_line() -> str:
    """The venv hook's one line (``make install``)."""
    return "import harness.local_env as kassa_local_env; kassa_local_env.apply_defaults()\n"


if __name__ == "__main__":
    print(pth_line(), end="")
