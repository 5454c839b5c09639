"""Start the project's own servers as real processes (on free local ports unless told)."""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Set

import requests

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEST_LOGS = PROJECT_ROOT / ".run" / "tests"


# Ports for the servers come from below Linux's ephemeral range (32768-60999): a port the
# kernel hands out from that range can be taken by an outgoing connection before the
# server binds it (a cluster replica once failed with "address already in use").
PORT_RANGE = (20000, 32000)
_handed_out: Set[int] = set()


def free_port() -> int:
    """A port nobody listens on, never handed out twice by this process."""
    for _ in range(1000):
        port = random.randint(*PORT_RANGE)
        if port in _handed_out:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise RuntimeError(f"no free port in {PORT_RANGE}")


# How long a server may take to answer its health check. The integration tests'
# pytest timeouts are derived from these (tests/integration/conftest.py), so a
# slow start fails as "did not start" with its log, never as a timeout mid-wait.
SERVER_STARTUP_SECONDS = 60
RASA_STARTUP_SECONDS = 240
# The whole local stack: sandbox, Messenger page, action server, Rasa.
STACK_STARTUP_SECONDS = 3 * SERVER_STARTUP_SECONDS + RASA_STARTUP_SECONDS


def http_answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=1).ok
    except requests.RequestException:
        return False


class Process:
    """A child process, ready once ``ready()`` says so: a server, a database, a proxy.
    Stopped by ``stop`` (``stop_signal``, then a kill), and also when its start fails or is
    interrupted (a pytest timeout, Ctrl-C), so that no test leaves one running."""

    def __init__(
        self,
        args: List[str],
        ready: Callable[[], bool],
        log_path: Path,
        env: Optional[Dict[str, str]] = None,
        startup_seconds: float = SERVER_STARTUP_SECONDS,
        user: Optional[str] = None,
        stop_signal: int = signal.SIGTERM,
        what: str = "",
        own_session: bool = False,
    ) -> None:
        """``own_session``: a Ctrl-C in the terminal does not reach it; the harness stops
        it, after the servers that use it (the cluster's databases and proxy)."""
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self.args, self.ready, self.log_path, self.stop_signal = args, ready, log_path, stop_signal
        self.what = what or args[0]
        self.process = subprocess.Popen(
            args,
            cwd=PROJECT_ROOT,
            env={**os.environ, **(env or {})},
            user=user,
            start_new_session=own_session,
            stdout=log_path.open("a"),
            stderr=subprocess.STDOUT,
        )
        try:
            self._wait_until_ready(startup_seconds)
        except BaseException:
            self.stop()
            raise

    def _wait_until_ready(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.ready():
            if self.process.poll() is not None or time.monotonic() > deadline:
                why = (
                    f"exited with {self.process.returncode}"
                    if self.process.poll() is not None
                    else f"not ready within {seconds}s"
                )
                raise RuntimeError(f"{self.what} did not start ({why}):\n{self.log_path.read_text()[-3000:]}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(self.stop_signal)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


class Server(Process):
    """One of the project's HTTP servers, ready when ``health_url`` answers 2xx."""

    def __init__(
        self,
        args: List[str],
        health_url: str,
        env: Optional[Dict[str, str]] = None,
        log_name: str = "server",
        startup_seconds: float = SERVER_STARTUP_SECONDS,
        log_dir: Path = TEST_LOGS,
    ) -> None:
        log_path = log_dir / f"{log_name}.log"
        log_path.unlink(missing_ok=True)  # one run per log
        super().__init__(args, lambda: http_answers(health_url), log_path, env, startup_seconds, what=health_url)


def need(binary: str, package: str) -> str:
    found = shutil.which(binary) or shutil.which(binary, path="/usr/sbin:/sbin")
    if found is None:
        raise RuntimeError(f"{binary} is not installed: `make system-packages` installs the Debian package {package}")
    return found


def redis_answers(port: int) -> bool:
    import redis

    try:
        return bool(redis.Redis(port=port, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


class RedisServer(Process):
    """Debian's redis-server on 127.0.0.1, its append-only file written to disk before
    each answer (appendfsync always): what it acknowledged survives a restart and a kill
    -9. With everysec, a kill -9 (or a crash of the machine) loses up to the last second
    of writes: events the acceptor had answered 200 for (lost messages), acknowledgements
    (events run again), marks of replies sent (replies sent twice) and leases. ``url`` is
    database 1, where Kassa keeps its keys."""

    def __init__(self, directory: Path, port: Optional[int] = None, log_dir: Path = TEST_LOGS) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/1"
        args = [
            need("redis-server", "redis-server"),
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(directory),
            "--appendonly",
            "yes",
            "--appendfsync",
            "always",
            "--save",
            "",
        ]
        super().__init__(
            args,
            lambda: redis_answers(self.port),
            log_dir / f"redis-{self.port}.log",
            what="redis-server",
            own_session=True,
        )


def start_sandbox(
    log_name: str = "sandbox", port: Optional[int] = None, log_dir: Path = TEST_LOGS, **settings: str
) -> tuple[Server, str]:
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    env = {"SANDBOX_PORT": str(port), "SANDBOX_PUBLIC_URL": url, **settings}
    server = Server([sys.executable, "-m", "sandbox.paypal"], f"{url}/_sandbox/health", env, log_name, log_dir=log_dir)
    return server, url


def wait_until_stopped() -> None:
    """Block until Ctrl-C or SIGTERM (SIGINT handled too: a shell may start us with it ignored)."""
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop_signal, lambda *_: sys.exit(0))
    try:
        signal.pause()
    except (KeyboardInterrupt, SystemExit):
        pass
