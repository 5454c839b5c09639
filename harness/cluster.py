"""Rasa's own production topology on one machine: PostgreSQL (tracker store and order
ledger), Redis (lock store, connector state, webhook intake), N Rasa replicas, N
webhook acceptors, M action servers, and HAProxy in front, with the PayPal sandbox
and the Messenger page playing PayPal and Facebook. Real servers from Debian's
packages (`make system-packages` installs them).

`make cluster` runs it on fixed ports until Ctrl-C; the cluster tests and the
benchmark's cluster door start it on free ports (``start_cluster``).
"""

from __future__ import annotations

import concurrent.futures
import glob
import hashlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

from harness import local_env
from harness.servers import (
    PROJECT_ROOT,
    RASA_STARTUP_SECONDS,
    TEST_LOGS,
    Process,
    RedisServer,
    Server,
    free_port,
    need,
    start_sandbox,
    wait_until_stopped,
)
from harness.stack import BIN, MODEL, WEBHOOK_ID, Stack, testing_environment
from shop import settings

ENDPOINTS = "deploy/endpoints.yml"
DB_NAME = "kassa"
DB_USER = "kassa"
# A local password for a database that listens on 127.0.0.1 only; a deployment sets its own.
LOCAL_DB_PASSWORD = "kassa-local-db-password"
# How long a dead replica's events wait for another (KASSA_INTAKE_LEASE_SECONDS) and how
# long its conversation locks outlive it (Rasa's TICKET_LOCK_LIFETIME): short, so that a
# takeover costs seconds; a turn takes far less than the lock's lifetime.
LEASE_SECONDS = "5"
LOCK_LIFETIME = "20"


@dataclass(frozen=True)
class ClusterPorts:
    """Fixed ports for `make cluster`; free ones where None."""

    balancer: Optional[int] = None
    actions_balancer: Optional[int] = None
    postgres: Optional[int] = None
    redis: Optional[int] = None
    messenger_page: Optional[int] = None
    sandbox: Optional[int] = None
    first_rasa: Optional[int] = None  # replica i listens on first_rasa + i, its acceptor on first_rasa + 100 + i
    first_actions: Optional[int] = None


MAKE_CLUSTER_PORTS = ClusterPorts(
    balancer=5005,
    actions_balancer=5055,
    postgres=55432,
    redis=56379,
    messenger_page=8080,
    sandbox=8090,
    first_rasa=5105,
    first_actions=5155,
)


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def postgres_bin(name: str) -> str:
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    if candidates:
        return candidates[-1]
    return need(name, "postgresql")


def postgres_home(directory: Path) -> Path:
    """Where PostgreSQL keeps its files. PostgreSQL refuses to run as root, so as root it
    runs as the postgres user, who may not reach the project's directory (a clone in a
    private temporary directory): its files then live in /var/tmp, one directory per
    project directory."""
    if os.geteuid() != 0:
        return directory
    digest = hashlib.sha1(str(directory.resolve()).encode()).hexdigest()[:12]
    return Path("/var/tmp") / f"kassa-postgres-{digest}"


def start_postgres(directory: Path, port: int, log_dir: Path, fresh: bool = False) -> Process:
    """A PostgreSQL of its own for ``directory`` (made on first use; empty again when
    ``fresh``), with the kassa database."""
    user = "postgres" if os.geteuid() == 0 else None
    directory = postgres_home(directory)
    if fresh:
        shutil.rmtree(directory, ignore_errors=True)
    data = directory / "data"
    if not (data / "PG_VERSION").exists():
        data.mkdir(parents=True, exist_ok=True)
        password_file = directory / "password"
        password_file.write_text(LOCAL_DB_PASSWORD)
        if user:
            entry = pwd.getpwnam(user)
            for path in (directory, data, password_file):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        data.chmod(0o700)
        subprocess.run(
            [
                postgres_bin("initdb"),
                "-D",
                str(data),
                "-U",
                DB_USER,
                "--pwfile",
                str(password_file),
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "-E",
                "UTF8",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            user=user,
        )
        password_file.unlink()
    args = [
        postgres_bin("postgres"),
        "-D",
        str(data),
        "-p",
        str(port),
        "-k",
        str(data),
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        "max_connections=300",
        "-c",
        "shared_buffers=128MB",
    ]
    # SIGINT: PostgreSQL's fast shutdown, which does not wait for clients to leave
    daemon = Process(
        args,
        lambda: _database_answers(port, "postgres"),
        log_dir / "postgres.log",
        user=user,
        stop_signal=signal.SIGINT,
        what="postgres",
        own_session=True,
    )
    import psycopg2

    connection = psycopg2.connect(
        host="127.0.0.1", port=port, user=DB_USER, password=LOCAL_DB_PASSWORD, dbname="postgres"
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("select 1 from pg_database where datname = %s", (DB_NAME,))
        if cursor.fetchone() is None:
            cursor.execute(f"create database {DB_NAME}")
    connection.close()
    return daemon


def _database_answers(port: int, dbname: str) -> bool:
    import psycopg2

    try:
        psycopg2.connect(
            host="127.0.0.1", port=port, user=DB_USER, password=LOCAL_DB_PASSWORD, dbname=dbname, connect_timeout=1
        ).close()
        return True
    except psycopg2.OperationalError:
        return False


def haproxy_config(
    balancer: str,
    actions_balancer: str,
    rasa: List[str],
    acceptors: List[str],
    actions: List[str],
    dns: Optional[str] = None,
) -> str:
    """Webhooks from Facebook go to the acceptors; everything else Rasa serves (PayPal's
    return URL and webhooks, the API) to the Rasa replicas; action calls to the action
    servers. A request refused by a server that died is tried on another, and the server
    counts as down from its first refused connection, not only after three failed health
    checks (the next check that passes brings it back). Addresses are
    host:port; deploy/haproxy.cfg is this with the compose service names."""

    def servers(name: str, addresses: List[str]) -> str:
        return "\n".join(
            f"  server {name}{i + 1} {address} check inter 2s fall 3 rise 1 observe layer4 error-limit 1 on-error mark-down"
            for i, address in enumerate(addresses)
        )

    resolvers = (
        f"""
resolvers dns
  nameserver dns {dns}
  hold valid 10s
"""
        if dns
        else ""
    )
    return f"""# Generated by harness/cluster.py (haproxy_config); make cluster writes the same with local ports.
global
  maxconn 4096
{resolvers}
defaults
  mode http
  timeout connect 2s
  timeout client 90s
  timeout server 90s
  timeout check 5s
  retries 3
  option redispatch 1
  option http-buffer-request
  retry-on conn-failure empty-response response-timeout
  default-server init-addr last,libc,none{" resolvers dns" if dns else ""}

frontend kassa
  bind {balancer}
  # the client's address for the servers' per-client limits: whatever the client sent is
  # dropped, and HAProxy's own X-Forwarded-For names the peer (SANIC_PROXIES_COUNT=1)
  http-request del-header X-Forwarded-For
  option forwardfor
  acl facebook_webhook path /webhooks/facebook/webhook
  use_backend acceptors if facebook_webhook METH_POST
  default_backend rasa

backend acceptors
  balance roundrobin
  option httpchk GET /
{servers("acceptor", acceptors)}

backend rasa
  balance roundrobin
  option httpchk GET /
{servers("rasa", rasa)}

frontend actions
  bind {actions_balancer}
  default_backend actions

backend actions
  balance leastconn
  option httpchk GET /health
{servers("actions", actions)}
"""


@dataclass
class Cluster(Stack):
    """The cluster seen as one stack (the balancer is its Rasa URL), plus its parts."""

    parts: Dict[str, Any] = field(default_factory=dict)
    commands: Dict[str, Any] = field(default_factory=dict)

    def stop(self) -> None:
        for name in reversed(list(self.parts)):
            self.parts[name].stop()

    def kill(self, name: str) -> None:
        """``kill -9`` one part (rasa-1, actions-2, acceptor-1...), as a crash would."""
        part = self.parts[name]
        part.process.send_signal(signal.SIGKILL)
        part.process.wait(timeout=10)

    def restart(self, name: str) -> None:
        self.parts[name].stop()
        self.start(name)

    def start(self, name: str) -> None:
        make = self.commands[name]
        self.parts[name] = make()

    def replica_urls(self) -> List[str]:
        return [f"http://127.0.0.1:{port}" for port in self.extra["rasa_ports"]]


def start_cluster(
    workdir: Path,
    replicas: int = 2,
    action_servers: int = 2,
    env: Optional[Dict[str, str]] = None,
    ports: ClusterPorts = ClusterPorts(),
    fresh: bool = True,
    log_dir: Path = TEST_LOGS,
    rasa_api: bool = True,
) -> Cluster:
    if not MODEL.exists():
        raise RuntimeError(f"{MODEL} is missing: run `make train` first")
    need("haproxy", "haproxy")
    env = dict(env or {})
    log_dir.mkdir(parents=True, exist_ok=True)
    if fresh and workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    pick = lambda given: given or free_port()  # noqa: E731
    balancer, actions_balancer = pick(ports.balancer), pick(ports.actions_balancer)
    pg_port, redis_port = pick(ports.postgres), pick(ports.redis)
    rasa_ports = [ports.first_rasa + i if ports.first_rasa else free_port() for i in range(replicas)]
    acceptor_ports = [ports.first_rasa + 100 + i if ports.first_rasa else free_port() for i in range(replicas)]
    actions_ports = [ports.first_actions + i if ports.first_actions else free_port() for i in range(action_servers)]
    public = f"http://127.0.0.1:{balancer}"
    parts: Dict[str, Any] = {}
    commands: Dict[str, Callable[[], Any]] = {}

    def add(name: str, make: Callable[[], Any]) -> None:
        commands[name] = make
        parts[name] = make()

    try:
        add("postgres", lambda: start_postgres(workdir / "postgres", pg_port, log_dir, fresh=fresh))
        commands["postgres"] = lambda: start_postgres(
            workdir / "postgres", pg_port, log_dir
        )  # a restart keeps the data
        add("redis", lambda: RedisServer(workdir / "redis", redis_port, log_dir))
        database = f"postgresql://{DB_USER}:{LOCAL_DB_PASSWORD}@127.0.0.1:{pg_port}/{DB_NAME}"
        sandbox_settings = {
            "SANDBOX_WEBHOOK_URL": f"{public}/webhooks/paypal/webhook",
            "SANDBOX_WEBHOOK_ID": WEBHOOK_ID,
            "SANDBOX_WEBHOOK_RETRY_SECONDS": "0.5",
            **{k: v for k, v in env.items() if k.startswith("SANDBOX_")},
        }
        sandbox, paypal_url = start_sandbox("sandbox", ports.sandbox, log_dir, **sandbox_settings)
        parts["sandbox"] = sandbox
        graph_port = pick(ports.messenger_page)
        graph_url = f"http://127.0.0.1:{graph_port}"
        actions_url = f"http://127.0.0.1:{actions_balancer}"
        common = {
            **testing_environment(local_env.Addresses(public, actions_url, graph_url, paypal_url), workdir),
            "PAYPAL_TIMEOUT_SECONDS": "5",
            "DATABASE_URL": database,
            "KASSA_STATE_DATABASE_URL": database,
            "RASA_ENDPOINTS": ENDPOINTS,
            "TRACKER_STORE_DIALECT": "postgresql",
            "TRACKER_STORE_URL": "127.0.0.1",
            "TRACKER_STORE_PORT": str(pg_port),
            "TRACKER_STORE_USERNAME": DB_USER,
            "TRACKER_STORE_PASSWORD": LOCAL_DB_PASSWORD,
            "TRACKER_STORE_DB": DB_NAME,
            "REDIS_HOST": "127.0.0.1",
            "REDIS_PORT": str(redis_port),
            "REDIS_PASSWORD": "",
            "REDIS_DB": "1",
            "KASSA_INTAKE_LEASE_SECONDS": LEASE_SECONDS,
            "TICKET_LOCK_LIFETIME": LOCK_LIFETIME,
            "SANIC_PROXIES_COUNT": "1",
            **env,
        }
        parts["messenger"] = Server(
            [sys.executable, "-m", "sandbox.facebook"],
            f"{graph_url}/_fake/health",
            {
                **common,
                "MESSENGER_PAGE_PORT": str(graph_port),
                "RASA_WEBHOOK_URL": f"{public}/webhooks/facebook/webhook",
            },
            "messenger",
            log_dir=log_dir,
        )
        config = workdir / "haproxy.cfg"
        local = lambda ports: [f"127.0.0.1:{port}" for port in ports]  # noqa: E731
        config.write_text(
            haproxy_config(
                f"127.0.0.1:{balancer}",
                f"127.0.0.1:{actions_balancer}",
                local(rasa_ports),
                local(acceptor_ports),
                local(actions_ports),
            )
        )
        add(
            "haproxy",
            lambda: Process(
                [need("haproxy", "haproxy"), "-f", str(config), "-db"],
                lambda: port_open(balancer),
                log_dir / "haproxy.log",
                what="haproxy",
                own_session=True,
            ),
        )

        def actions_server(port: int, name: str) -> Callable[[], Server]:
            command = [str(BIN / "rasa"), "run", "actions", "--actions", "actions", "--port", str(port)]
            actions_env = {**common, "SANIC_HOST": settings.text("ACTION_SERVER_HOST", common)}
            return lambda: Server(command, f"http://127.0.0.1:{port}/health", actions_env, name, log_dir=log_dir)

        def rasa_server(port: int, name: str) -> Callable[[], Server]:
            command = [
                str(BIN / "rasa"),
                "run",
                "--model",
                str(MODEL),
                "--endpoints",
                ENDPOINTS,
                "--credentials",
                "credentials.yml",
                "--port",
                str(port),
                *(["--enable-api"] if rasa_api else []),
            ]
            return lambda: Server(
                command,
                f"http://127.0.0.1:{port}/",
                common,
                name,
                startup_seconds=RASA_STARTUP_SECONDS,
                log_dir=log_dir,
            )

        def acceptor(port: int, name: str) -> Callable[[], Server]:
            command = [sys.executable, "-m", "channels.messenger.inbound.acceptor"]
            return lambda: Server(
                command,
                f"http://127.0.0.1:{port}/",
                {**common, "KASSA_ACCEPTOR_PORT": str(port)},
                name,
                log_dir=log_dir,
            )

        makers = {f"actions-{i + 1}": actions_server(p, f"actions-{i + 1}") for i, p in enumerate(actions_ports)}
        makers.update({f"acceptor-{i + 1}": acceptor(p, f"acceptor-{i + 1}") for i, p in enumerate(acceptor_ports)})
        makers.update({f"rasa-{i + 1}": rasa_server(p, f"rasa-{i + 1}") for i, p in enumerate(rasa_ports)})
        commands.update(makers)
        with concurrent.futures.ThreadPoolExecutor(len(makers)) as pool:  # the replicas load their models side by side
            futures = {name: pool.submit(make) for name, make in makers.items()}
            errors = []
            for name, future in futures.items():
                try:
                    parts[name] = future.result()
                except Exception as error:
                    errors.append(f"{name}: {error}")
            if errors:
                raise RuntimeError("\n".join(errors))
        extra = {"rasa": (None, common), "rasa_ports": rasa_ports, "database": database, "redis_port": redis_port}
        rasa_log = parts["rasa-1"].log_path
        return Cluster(
            public,
            graph_url,
            paypal_url,
            f"http://127.0.0.1:{actions_balancer}",
            rasa_log,
            [],
            extra,
            "",
            log_dir,
            parts=parts,
            commands=commands,
        )
    except BaseException:
        for part in reversed(list(parts.values())):
            part.stop()
        raise


def compose_haproxy_config(replicas: int = 2, action_servers: int = 2) -> str:
    """deploy/haproxy.cfg: the same balancer for deploy/compose.yml's services."""
    return haproxy_config(
        "*:5005",
        "*:5055",
        [f"rasa-{i + 1}:5005" for i in range(replicas)],
        [f"acceptor-{i + 1}:5006" for i in range(replicas)],
        [f"actions-{i + 1}:5055" for i in range(action_servers)],
        dns="127.0.0.11:53",
    )  # Docker's DNS: a container that restarts on a new address is found again


def main() -> int:
    run = PROJECT_ROOT / ".run" / "cluster"
    print(
        "Starting PostgreSQL, Redis, HAProxy, the sandboxes, 2 action servers, 2 acceptors and 2 Rasa replicas "
        "(a few minutes)...",
        flush=True,
    )
    try:
        cluster = start_cluster(run, ports=MAKE_CLUSTER_PORTS, fresh=False, log_dir=run, rasa_api=False)
    except RuntimeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    try:
        print(
            f"\n  Shop in Messenger: {cluster.graph_url}/\n  Load balancer:     {cluster.rasa_url} (webhooks), "
            f"{cluster.actions_url} (actions)\n  PayPal sandbox:    {cluster.paypal_url}\n  Logs:              {run}/*.log"
            "\n  Stop:              Ctrl-C\n",
            flush=True,
        )
        wait_until_stopped()
    finally:
        cluster.stop()
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--haproxy-config"]:
        print(compose_haproxy_config(), end="")
        sys.exit(0)
    sys.exit(main())
