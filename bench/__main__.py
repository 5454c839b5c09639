"""`make bench` / `make bench-smoke`: the shop's cost per message through three doors.

Starts the whole local stack (PayPal sandbox, fake Graph API, action server,
Rasa with the project's connector and REST, and a second Rasa with Rasa's
built-in facebook connector), drives it with simulated customers in a closed
loop, and writes results/bench/results.{json,md} and PNG charts. Exits non-zero
only on errors, lost or duplicated replies: timings are reported, not asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional

import aiohttp
import requests

from bench import profile, report
from bench import settings as bench_settings
from bench.doors import Faults, MessengerDoor, RestDoor, Turn
from harness.servers import PROJECT_ROOT, RASA_STARTUP_SECONDS, Server
from harness.stack import APP_SECRET, REST_TOKEN, Stack, start_stack

SCENARIOS = {
    "browse": [
        "hi",
        "what do you sell?",
        "show me your lights",
        "do you have something waterproof?",
        "tell me about the beacon front light",
    ],
}
SCENARIOS["buy"] = SCENARIOS["browse"] + ["add two ember rear lights to my cart", "what's in my cart?", "checkout"]
RESULTS = PROJECT_ROOT / "results" / "bench"


def percentile(values: List[float], share: float) -> Optional[float]:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


async def calibrate(door: Any, steps: List[str]) -> List[int]:
    """How many replies each step gets through this door, from one quiet run."""
    psid = f"cal{uuid.uuid4().hex[:10]}"
    counts: List[int] = []
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
        for text in steps:
            if isinstance(door, RestDoor):
                async with session.post(
                    door.url, json={"sender": psid, "message": text}, headers=door.headers
                ) as answer:
                    answer.raise_for_status()
                    counts.append(len(await answer.json()))
                continue
            before = door.expected.get(psid, 0)
            await door.turn(session, psid, text, 1)  # at least one reply
            total = before + 1
            while True:  # then whatever follows within a quiet second and a half
                params = {"psid": psid, "count": str(total + 1), "timeout": "1.5"}
                async with session.get(f"{door.graph_url}/_fake/wait", params=params) as answer:
                    seen = (await answer.json())["count"]
                if seen <= total:
                    break
                total = seen
            door.expected[psid] = total
            counts.append(total - before)
    return counts


async def run_level(
    door: Any, users: int, seconds: float, scenario: str, counts: Dict[str, List[int]]
) -> Dict[str, Any]:
    turns: List[Turn] = []
    psids: List[str] = []
    start = time.monotonic()
    deadline = start + seconds

    async def customer(index: int, session: aiohttp.ClientSession) -> None:
        kind = scenario if scenario != "mix" else ("buy" if index % 2 else "browse")
        while time.monotonic() < deadline:
            psid = f"b{door.name[:3]}{users}u{index}x{uuid.uuid4().hex[:8]}"
            psids.append(psid)
            for text, expected in zip(SCENARIOS[kind], counts[kind], strict=True):
                if time.monotonic() >= deadline:
                    break
                turns.append(await door.turn(session, psid, text, expected))

    connector = aiohttp.TCPConnector(limit=users * 4 + 10)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=120)) as session:
        await asyncio.gather(*(customer(i, session) for i in range(users)))
    elapsed = time.monotonic() - start
    done = [t for t in turns if t.ok]
    latencies = [t.latency_ms for t in done if t.latency_ms is not None]
    webhook = [t.webhook_ms for t in turns if t.webhook_ms is not None]
    return {
        "door": door.name,
        "users": users,
        "seconds": round(elapsed, 1),
        "turns": len(done),
        "throughput": round(len(done) / elapsed, 2),
        "webhook_p50_ms": percentile(webhook, 0.5),
        "webhook_p99_ms": percentile(webhook, 0.99),
        "turn_p50_ms": percentile(latencies, 0.5),
        "turn_p95_ms": percentile(latencies, 0.95),
        "turn_p99_ms": percentile(latencies, 0.99),
        "errors": sum(1 for t in turns if not t.ok and t.error != "lost reply"),
        "lost": sum(t.expected - t.replies for t in turns if t.error == "lost reply"),
        "checkouts": sum(1 for t in done if t.step == "checkout"),
        "latencies": latencies,
        "psids": psids,
    }


def duplicated_replies(stack: Stack, door: MessengerDoor, psids: List[str]) -> int:
    """Replies beyond what each conversation should have had, counted after the run."""
    extra = 0
    for psid in psids:
        messages = stack.messages(psid)
        surplus = max(0, len(messages) - door.expected.get(psid, 0))
        if surplus:
            print(
                f"  {door.name}: {psid} got {len(messages)} replies, expected {door.expected.get(psid, 0)}: "
                + " | ".join(json.dumps(m, ensure_ascii=False)[:80] for m in messages),
                flush=True,
            )
        extra += surplus
    return extra


def memory_peaks(servers: List[Server]) -> Dict[str, float]:
    peaks = {}
    for server in servers:
        try:
            status = Path(f"/proc/{server.process.pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peaks[server.log_path.stem] = round(int(line.split()[1]) / 1024, 1)
    return peaks


def start_builtin(stack: Stack, workdir: Path) -> tuple[Server, str]:
    from harness.servers import free_port

    command, env = stack.extra["rasa"]
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**env, "TRACKER_STORE_DB": str(workdir / "tracker-builtin.db")}
    args = [
        sys.executable,
        "-m",
        "bench.builtin_rasa",
        "run",
        "--model",
        command[command.index("--model") + 1],
        "--endpoints",
        "endpoints.yml",
        "--credentials",
        "bench/credentials-builtin.yml",
        "--port",
        str(port),
    ]
    return Server(args, f"{url}/", env, "rasa-builtin", startup_seconds=RASA_STARTUP_SECONDS), url


def measure(
    stack: Stack, door: Any, users: int, args: argparse.Namespace, counts: Dict[str, List[int]]
) -> Dict[str, Any]:
    row = asyncio.run(run_level(door, users, args.seconds, args.scenario, counts))
    time.sleep(1.5)
    row["duplicated"] = duplicated_replies(stack, door, row.pop("psids")) if isinstance(door, MessengerDoor) else 0
    print(report.line(row), flush=True)
    return row


def cluster_rows(
    replicas: int, users: List[int], args: argparse.Namespace, env: Dict[str, str], faults: Faults
) -> List[Dict[str, Any]]:
    """The cluster door: webhooks through HAProxy to the acceptors, turns on ``replicas``
    Rasa replicas sharing PostgreSQL and Redis, two action servers."""
    from harness.cluster import start_cluster

    name = f"cluster-{replicas}"
    print(f"starting the cluster with {replicas} Rasa replica(s) ...", flush=True)
    cluster = start_cluster(
        PROJECT_ROOT / ".run" / "bench" / name, replicas=replicas, env=env, log_dir=PROJECT_ROOT / ".run" / "bench"
    )
    try:
        door = MessengerDoor(name, cluster.webhook_url, cluster.graph_url, APP_SECRET, faults)
        counts = {kind: asyncio.run(calibrate(door, steps)) for kind, steps in SCENARIOS.items()}
        rows = []
        for count in users:
            print(f"{report.DOOR_NAMES[name]}, {count} user(s), {args.seconds:.0f} s ...", flush=True)
            rows.append(measure(cluster, door, count, args, counts))
        return rows
    finally:
        cluster.stop()


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", default="1,10,50")
    parser.add_argument("--seconds", type=float, default=15.0, help="measurement time per door and load")
    parser.add_argument(
        "--doors",
        default="kassa,acceptor,builtin,rest,cluster",
        help="kassa, acceptor (the separate webhook acceptor), builtin, rest, cluster (1 then 2 Rasa replicas)",
    )
    parser.add_argument("--scenario", default="mix", choices=["browse", "buy", "mix"])
    given = bench_settings.bench()
    parser.add_argument("--send-latency-ms", type=float, default=given.send_api_latency_ms)
    parser.add_argument("--paypal-latency-ms", type=float, default=given.paypal_latency_ms)
    parser.add_argument("--faults", action="store_true", default=given.faults)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument(
        "--profile", action="store_true", help="py-spy the Rasa process during the Kassa connector's largest load"
    )
    args = parser.parse_args(argv)
    users = [int(u) for u in args.users.split(",")]
    doors_wanted = args.doors.split(",")
    env = {
        "FAKE_GRAPH_LATENCY_MS": str(args.send_latency_ms),
        "SANDBOX_LATENCY_MS": str(args.paypal_latency_ms),
        "FAKE_GRAPH_REQUIRE_APPSECRET_PROOF": "0",
    }
    faults = Faults()
    if args.faults:
        env.update(FAKE_GRAPH_FAULT_RATE="0.05", SANDBOX_FAULT_RATE="0.05", SANDBOX_TIMEOUT_RATE="0.05")
        faults = Faults(duplicate_rate=0.10, batch_rate=0.05)
    workdir = PROJECT_ROOT / ".run" / "bench"
    started = time.time()
    stack = start_stack(workdir, env, acceptor="acceptor" in doors_wanted)
    builtin: Optional[Server] = None
    try:
        doors: Dict[str, Any] = {}
        if "kassa" in doors_wanted:
            doors["kassa"] = MessengerDoor("kassa", stack.webhook_url, stack.graph_url, APP_SECRET, faults)
        if "acceptor" in doors_wanted:
            acceptor_webhook = f"{stack.extra['acceptor_url']}/webhooks/facebook/webhook"
            doors["acceptor"] = MessengerDoor("acceptor", acceptor_webhook, stack.graph_url, APP_SECRET, faults)
        if "builtin" in doors_wanted:
            builtin, builtin_url = start_builtin(stack, workdir)
            stack.servers.append(builtin)
            doors["builtin"] = MessengerDoor(
                "builtin", f"{builtin_url}/webhooks/facebook/webhook", stack.graph_url, APP_SECRET, faults
            )
        if "rest" in doors_wanted:
            doors["rest"] = RestDoor(f"{stack.rasa_url}/webhooks/rest/webhook", REST_TOKEN)
        print(f"stack up in {time.time() - started:.0f} s; calibrating {len(doors)} door(s)", flush=True)
        counts = {
            door: {kind: asyncio.run(calibrate(d, steps)) for kind, steps in SCENARIOS.items()}
            for door, d in doors.items()
        }
        paypal_before = requests.get(f"{stack.paypal_url}/_sandbox/stats", timeout=5).json()["counters"]
        rows = []
        levels = [(name, door, count) for name, door in doors.items() for count in users]
        for step, (name, door, count) in enumerate(levels, start=1):
            print(
                f"[{step}/{len(levels)}] {report.DOOR_NAMES.get(name, name)}, {count} user(s), {args.seconds:.0f} s ...",
                flush=True,
            )
            sampler = None
            if args.profile and name == "kassa" and count == max(users):
                rasa_server = next(s for s in stack.servers if s.log_path.stem == "rasa")
                sampler = profile.start(rasa_server.process.pid, args.seconds, args.out)
            rows.append(measure(stack, door, count, args, counts[name]))
            if sampler is not None:
                sampler.wait(timeout=60)
        noise_psids = [p for p in faults.noise_psids if p.startswith("bkas")]
        kassa_rows = [r for r in rows if r["door"] == "kassa"]
        for psid in noise_psids if kassa_rows else []:
            got, want = len(stack.messages(psid)), counts["kassa"]["browse"][0]
            kassa_rows[-1]["lost"] += max(0, want - got)
            kassa_rows[-1]["duplicated"] += max(0, got - want)
        paypal_after = requests.get(f"{stack.paypal_url}/_sandbox/stats", timeout=5).json()["counters"]
        results = {
            "machine": report.machine(),
            "started": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(started)),
            "settings": {
                "users": users,
                "seconds": args.seconds,
                "scenario": args.scenario,
                "send_api_latency_ms": args.send_latency_ms,
                "paypal_latency_ms": args.paypal_latency_ms,
                "faults": args.faults,
            },
            "replies_per_step": counts,
            "rows": rows,
            "memory_peak_mb": memory_peaks(stack.servers),
            "paypal": report.paypal_calls(paypal_before, paypal_after, sum(r["checkouts"] for r in rows)),
            "faults": {"duplicated_webhooks": faults.duplicated, "batched_deliveries": faults.batched},
            "graph": stack.graph_stats()["counters"],
        }
    finally:
        stack.stop()
    if "cluster" in doors_wanted:  # after the single stack is gone: the cluster has the machine to itself
        rows += [row for replicas in (1, 2) for row in cluster_rows(replicas, users, args, env, faults)]
    results["duration_seconds"] = round(time.time() - started, 1)
    report.write(results, args.out)
    if args.profile and (args.out / "profile.raw").exists():
        (args.out / "profile.md").write_text(profile.summarize(args.out / "profile.raw"))
    failures = sum(r["errors"] + r["lost"] + r["duplicated"] for r in rows if r["door"] != "builtin")
    print(
        f"\nwrote {args.out}/results.md; {failures} error(s), lost or duplicated replies outside the built-in connector"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
