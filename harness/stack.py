"""The whole local stack as real processes: PayPal sandbox, Messenger page with the
fake Graph API, action server, and Rasa with the project's connector. The one way
to start it, for the integration tests and the conversation tests (free ports, fresh
stores, test tokens), the benchmark, and `make demo` (fixed ports, the stores kept,
the environment's values: harness/demo.py)."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import requests

from harness import local_env
from harness.servers import PROJECT_ROOT, RASA_STARTUP_SECONDS, TEST_LOGS, Server, free_port, start_sandbox
from shop import settings

MODEL = PROJECT_ROOT / "models" / "kassa.tar.gz"
APP_SECRET = "integration-app-secret"
PAGE_TOKEN = "integration-page-token"
VERIFY_TOKEN = "integration-verify-token"
WEBHOOK_ID = "4JH86294D6297924G"
MERCHANT_TOKEN = "integration-merchant-token"
REST_TOKEN = "integration-rest-token"
# The tests' own tokens, so that a test never passes on the demo's; PayPal's are the
# sandbox's (it accepts one client).
TEST_TOKENS = {
    "FB_APP_SECRET": APP_SECRET,
    "FB_PAGE_ACCESS_TOKEN": PAGE_TOKEN,
    "FB_VERIFY_TOKEN": VERIFY_TOKEN,
    "MERCHANT_API_TOKEN": MERCHANT_TOKEN,
    "REST_API_TOKEN": REST_TOKEN,
    "PAYPAL_CLIENT_ID": local_env.local_defaults()["PAYPAL_CLIENT_ID"],
    "PAYPAL_CLIENT_SECRET": local_env.local_defaults()["PAYPAL_CLIENT_SECRET"],
}
BIN = Path(sys.executable).parent


def testing_environment(where: local_env.Addresses, workdir: Path) -> Dict[str, str]:
    """The local environment with the tests' tokens and short pauses: what a test stack
    and the test cluster start from."""
    return {
        **local_env.environment(where, workdir, TEST_TOKENS),
        "PAYPAL_WEBHOOK_ID": WEBHOOK_ID,
        "PAYPAL_WEBHOOK_RETRY_DELAYS": "0.5,1,1,2,2,3,5",
        "KASSA_RECEIPT_RETRY_SECONDS": "1",
    }


@dataclass(frozen=True)
class Ports:
    """Fixed ports (the demo's); free ones where None."""

    rasa: Optional[int] = None
    actions: Optional[int] = None
    messenger_page: Optional[int] = None
    sandbox: Optional[int] = None


@dataclass
class Stack:
    rasa_url: str
    graph_url: str
    paypal_url: str
    actions_url: str
    rasa_log: Path
    servers: List[Server] = field(default_factory=list)
    extra: Dict[str, Any] = field(default_factory=dict)
    log_prefix: str = ""
    log_dir: Path = TEST_LOGS

    @property
    def webhook_url(self) -> str:
        return f"{self.rasa_url}/webhooks/facebook/webhook"

    def stop(self) -> None:
        for server in reversed(self.servers):
            server.stop()

    def _server(self, name: str) -> Server:
        return next(s for s in self.servers if s.log_path.stem == self.log_prefix + name)

    def set_catalog(self, text: str) -> None:
        """Write the stack's catalog and restart the action server, which reads it once."""
        Path(self.extra["actions"][1]["KASSA_CATALOG"]).write_text(text, encoding="utf-8")
        self.stop_service("actions")
        self.start_service("actions")

    def stop_service(self, name: str) -> None:
        """Stop the action server ("actions") or Rasa ("rasa")."""
        self._server(name).stop()

    def kill_service(self, name: str) -> None:
        """``kill -9`` the action server or Rasa: a crash, with nothing finished or saved."""
        process = self._server(name).process
        process.kill()
        process.wait(timeout=10)

    def start_service(self, name: str) -> None:
        command, env = self.extra[name]
        health = f"{self.rasa_url}/" if name == "rasa" else f"{self.actions_url}/health"
        replacement = Server(
            command, health, env, self.log_prefix + name, startup_seconds=RASA_STARTUP_SECONDS, log_dir=self.log_dir
        )
        self.servers[self.servers.index(self._server(name))] = replacement
        if name == "rasa":
            self.rasa_log = replacement.log_path

    # --- what the tests look at -----------------------------------------------------
    def records(self, psid: str) -> List[Dict[str, Any]]:
        return requests.get(f"{self.graph_url}/_fake/messages", params={"psid": psid}, timeout=5).json()

    def messages(self, psid: str) -> List[Dict[str, Any]]:
        return [r["message"] for r in self.records(psid) if r["kind"] == "message"]

    def graph(self, path: str, **body: Any) -> Dict[str, Any]:
        return requests.post(f"{self.graph_url}/_fake/{path}", json=body, timeout=5).json()

    def graph_stats(self) -> Dict[str, Any]:
        return requests.get(f"{self.graph_url}/_fake/stats", timeout=5).json()

    def tracker(self, conversation_id: str) -> Dict[str, Any]:
        return requests.get(f"{self.rasa_url}/conversations/{conversation_id}/tracker", timeout=10).json()

    def user_events(self, conversation_id: str) -> List[Dict[str, Any]]:
        return [e for e in self.tracker(conversation_id).get("events", []) if e["event"] == "user"]


def wait_for(check: Callable[[], Any], seconds: float = 30, interval: float = 0.1) -> Any:
    """Poll until ``check`` returns something truthy; its last value otherwise."""
    deadline = time.monotonic() + seconds
    value = check()
    while not value and time.monotonic() < deadline:
        time.sleep(interval)
        value = check()
    return value


def start_stack(
    workdir: Path,
    env: Optional[Dict[str, str]] = None,
    rasa_args: Optional[List[str]] = None,
    log_prefix: str = "",
    ports: Ports = Ports(),
    fresh: bool = True,
    log_dir: Path = TEST_LOGS,
    rasa_api: bool = True,
    acceptor: bool = False,
) -> Stack:
    """``env`` overrides the test values; ``log_prefix`` names the log files, for a second
    stack beside the first. ``fresh`` starts from empty stores and a copy of the catalog
    (tests); the demo keeps its orders and conversations."""
    if not MODEL.exists():
        raise RuntimeError(f"{MODEL} is missing: run `make train` first")
    env = dict(env or {})
    servers: List[Server] = []
    rasa_port = ports.rasa or free_port()
    rasa_url = f"http://127.0.0.1:{rasa_port}"
    workdir.mkdir(parents=True, exist_ok=True)
    catalog = PROJECT_ROOT / "catalog" / "catalog.yml"
    if fresh:
        # a run starts from empty stores: no orders of sandboxes long gone
        for leftover in ("orders.db", "tracker.db", "connector.db", "connector.db-wal", "connector.db-shm"):
            (workdir / leftover).unlink(missing_ok=True)
        catalog = workdir / "catalog.yml"  # a copy the tests may reprice (Stack.set_catalog)
        catalog.write_text((PROJECT_ROOT / "catalog" / "catalog.yml").read_text(encoding="utf-8"), encoding="utf-8")
    try:
        sandbox_settings = {
            "SANDBOX_WEBHOOK_URL": f"{rasa_url}/webhooks/paypal/webhook",
            "SANDBOX_WEBHOOK_ID": env.get("PAYPAL_WEBHOOK_ID") or WEBHOOK_ID,
            "SANDBOX_WEBHOOK_RETRY_SECONDS": "0.5",
            **{k: v for k, v in env.items() if k.startswith("SANDBOX_")},
        }
        sandbox, paypal_url = start_sandbox(log_prefix + "sandbox", ports.sandbox, log_dir, **sandbox_settings)
        servers.append(sandbox)
        graph_port = ports.messenger_page or free_port()
        graph_url = f"http://127.0.0.1:{graph_port}"
        actions_port = ports.actions or free_port()
        actions_url = f"http://127.0.0.1:{actions_port}"
        common = {
            **testing_environment(local_env.Addresses(rasa_url, actions_url, graph_url, paypal_url), workdir),
            "PAYPAL_TIMEOUT_SECONDS": "2",
            "SANDBOX_TIMEOUT_SECONDS": "3",
            "KASSA_CATALOG": str(catalog),
            **env,
        }
        servers.append(
            Server(
                [sys.executable, "-m", "sandbox.facebook"],
                f"{graph_url}/_fake/health",
                {
                    **common,
                    "MESSENGER_PAGE_PORT": str(graph_port),
                    "RASA_WEBHOOK_URL": f"{rasa_url}/webhooks/facebook/webhook",
                },
                log_prefix + "messenger",
                log_dir=log_dir,
            )
        )
        actions_command = [str(BIN / "rasa"), "run", "actions", "--actions", "actions", "--port", str(actions_port)]
        # the action server trusts whoever calls it: only this machine (ACTION_SERVER_HOST for another)
        actions_env = {**common, "SANIC_HOST": settings.text("ACTION_SERVER_HOST", common)}
        servers.append(
            Server(actions_command, f"{actions_url}/health", actions_env, log_prefix + "actions", log_dir=log_dir)
        )
        rasa_env = common
        rasa_command = [
            str(BIN / "rasa"),
            "run",
            "--model",
            str(MODEL),
            "--endpoints",
            "endpoints.yml",
            "--credentials",
            "credentials.yml",
            "--port",
            str(rasa_port),
            *(["--enable-api"] if rasa_api else []),
            *(rasa_args or []),
        ]
        rasa = Server(
            rasa_command,
            f"{rasa_url}/",
            rasa_env,
            log_prefix + "rasa",
            startup_seconds=RASA_STARTUP_SECONDS,
            log_dir=log_dir,
        )
        servers.append(rasa)
        extra: Dict[str, Any] = {"rasa": (rasa_command, rasa_env), "actions": (actions_command, actions_env)}
        if acceptor:  # the webhook acceptor as its own process, storing into the same intake Rasa consumes
            acceptor_port = free_port()
            extra["acceptor_url"] = f"http://127.0.0.1:{acceptor_port}"
            servers.append(
                Server(
                    [sys.executable, "-m", "channels.messenger.inbound.acceptor"],
                    f"{extra['acceptor_url']}/",
                    {**rasa_env, "KASSA_ACCEPTOR_PORT": str(acceptor_port)},
                    log_prefix + "acceptor",
                    log_dir=log_dir,
                )
            )
        return Stack(rasa_url, graph_url, paypal_url, actions_url, rasa.log_path, servers, extra, log_prefix, log_dir)
    except BaseException:  # also a pytest timeout or Ctrl-C: nothing started is left running
        for server in reversed(servers):
            server.stop()
        raise
