"""Start the project's own servers as real processes (on free local ports unless told)."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional

import requests

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEST_LOGS = PROJECT_ROOT / ".run" / "tests"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# How long a server may take to answer its health check. The integration tests'
# pytest timeouts are derived from these (tests/integration/conftest.py), so a
# slow start fails as "did not start" with its log, never as a timeout mid-wait.
SERVER_STARTUP_SECONDS = 60
RASA_STARTUP_SECONDS = 240
# The whole local stack: sandbox, Messenger page, action server, Rasa.
STACK_STARTUP_SECONDS = 3 * SERVER_STARTUP_SECONDS + RASA_STARTUP_SECONDS


def wait_until_up(url: str, process: subprocess.Popen, seconds: float = SERVER_STARTUP_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the process exited with {process.returncode}")
        try:
            if requests.get(url, timeout=1).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up within {seconds}s")


class Server:
    """A child process serving HTTP; stopped by ``stop``, and also when its start fails
    or is interrupted (a pytest timeout, Ctrl-C)."""

    def __init__(
        self, args: List[str], health_url: str, env: Optional[Dict[str, str]] = None, log_name: str = "server",
        startup_seconds: float = SERVER_STARTUP_SECONDS, log_dir: Path = TEST_LOGS,
    ) -> None:
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = log_dir / f"{log_name}.log"
        self.process = subprocess.Popen(
            args, cwd=PROJECT_ROOT, env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT), **(env or {})},
            stdout=self.log_path.open("w"), stderr=subprocess.STDOUT,
        )
        try:
            wait_until_up(health_url, self.process, startup_seconds)
        except RuntimeError:
            self.stop()
            raise RuntimeError(f"{health_url} did not start:\n{self.log_path.read_text()[-3000:]}") from None
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def start_sandbox(log_name: str = "sandbox", port: Optional[int] = None, log_dir: Path = TEST_LOGS, **settings: str) -> tuple[Server, str]:
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    env = {"SANDBOX_PORT": str(port), "SANDBOX_PUBLIC_URL": url, **settings}
    server = Server([sys.executable, "-m", "sandbox.paypal"], f"{url}/_sandbox/health", env, log_name, log_dir=log_dir)
    return server, url


def start_redis(directory: Path) -> tuple[subprocess.Popen, str]:
    """A throwaway redis-server (Debian's, installed by `make install`) and its URL (db 1)."""
    import redis

    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed: `make install` installs it")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(directory)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/1"
    deadline = time.monotonic() + 10
    while True:
        try:
            redis.Redis.from_url(url).ping()
            return process, url
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                process.kill()
                raise
            time.sleep(0.05)


def wait_until_stopped() -> None:
    """Block until Ctrl-C or SIGTERM (SIGINT handled too: a shell may start us with it ignored)."""
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop_signal, lambda *_: sys.exit(0))
    try:
        signal.pause()
    except (KeyboardInterrupt, SystemExit):
        pass
