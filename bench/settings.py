"""The benchmark's own settings: the latencies its fakes add, and faults under load."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from shop import settings
from shop.settings import Env, Variable

VARIABLES = (
    Variable("SEND_API_LATENCY_MS", "100", "the benchmark's Send API latency", "local"),
    Variable("PAYPAL_LATENCY_MS", "200", "the benchmark's PayPal latency", "local"),
    Variable("FAULTS", "0", "1: the benchmark adds faults under load", "local"),
)
DEFAULTS = {variable.name: variable.default for variable in VARIABLES}


@dataclass(frozen=True)
class BenchSettings:
    send_api_latency_ms: float
    paypal_latency_ms: float
    faults: bool
    graph_url: str


def _value(name: str, env: Optional[Env]) -> str:
    return (settings.environment(env).get(name) or DEFAULTS[name]).strip()


def bench(env: Optional[Env] = None) -> BenchSettings:
    faults = _value("FAULTS", env).lower() in ("1", "true", "yes", "on")
    try:
        send_api, paypal = float(_value("SEND_API_LATENCY_MS", env)), float(_value("PAYPAL_LATENCY_MS", env))
    except ValueError as error:
        raise settings.SettingsError(f"SEND_API_LATENCY_MS and PAYPAL_LATENCY_MS must be numbers ({error})") from None
    return BenchSettings(send_api, paypal, faults, settings.url("FB_GRAPH_URL", env))
