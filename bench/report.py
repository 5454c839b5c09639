"""The benchmark's results: JSON, a Markdown table, and two charts."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path
from typing import Any, Dict, List, Optional

DOOR_NAMES = {
    "kassa": "Kassa connector",
    "acceptor": "Kassa, separate acceptor",
    "builtin": "Rasa built-in facebook",
    "rest": "Rasa REST channel",
    "cluster-1": "Cluster, 1 Rasa replica",
    "cluster-2": "Cluster, 2 Rasa replicas",
}


def machine() -> Dict[str, Any]:
    memory_kb = 0
    try:
        memory_kb = int(
            next(
                line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
            ).split()[1]
        )
    except (OSError, StopIteration):
        pass
    cpu = ""
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        pass
    return {
        "cores": os.cpu_count(),
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "cpu": cpu,
        "python": platform.python_version(),
    }


def paypal_calls(before: Dict[str, int], after: Dict[str, int], checkouts: int) -> Dict[str, Any]:
    created = after.get("orders_created", 0) - before.get("orders_created", 0)
    replayed = after.get("create_replayed", 0) - before.get("create_replayed", 0)
    return {
        "checkouts": checkouts,
        "orders_created": created,
        "order_creations_per_checkout": round(created / checkouts, 2) if checkouts else None,
        "idempotent_replays": replayed,
        "token_requests_during_run": after.get("tokens", 0) - before.get("tokens", 0),
        "faults_injected": after.get("faults", 0) - before.get("faults", 0),
        "timeouts_injected": after.get("timeouts", 0) - before.get("timeouts", 0),
    }


def _ms(value: Optional[float]) -> str:
    return "-" if value is None else f"{value:.0f}"


def line(row: Dict[str, Any]) -> str:
    return (
        f"{DOOR_NAMES.get(row['door'], row['door']):<24} users={row['users']:>3} turns={row['turns']:>5} "
        f"{row['throughput']:>6.2f} turns/s webhook p99={_ms(row['webhook_p99_ms'])} ms turn p50={_ms(row['turn_p50_ms'])} "
        f"p99={_ms(row['turn_p99_ms'])} ms errors={row['errors']} lost={row['lost']} dup={row.get('duplicated', 0)}"
    )


def _row(rows: List[Dict[str, Any]], door: str, users: int) -> Optional[Dict[str, Any]]:
    return next((r for r in rows if r["door"] == door and r["users"] == users), None)


def targets(results: Dict[str, Any]) -> List[str]:
    rows = results["rows"]
    top = max(results["settings"]["users"])
    kassa, rest, builtin = (_row(rows, d, top) for d in ("kassa", "rest", "builtin"))
    lines = []
    if kassa:
        lines.append(f"- {top} users: Kassa webhook answer p99 {_ms(kassa['webhook_p99_ms'])} ms (target <= 50 ms)")
        if rest and rest["throughput"]:
            ratio = kassa["throughput"] / rest["throughput"]
            lines.append(
                f"- {top} users: Kassa throughput {kassa['throughput']:.2f} turns/s = {ratio:.2f} x REST (target >= 0.8)"
            )
        if builtin and builtin["throughput"]:
            lines.append(
                f"- {top} users: Kassa throughput = {kassa['throughput'] / builtin['throughput']:.1f} x built-in facebook (target >= 10)"
            )
        lines.append(f"- {top} users: Kassa lost {kassa['lost']}, duplicated {kassa['duplicated']} (target 0)")
    for door in ("acceptor", "cluster-1", "cluster-2"):
        row = _row(rows, door, top)
        if row is None:
            continue
        name = DOOR_NAMES[door]
        lines.append(
            f"- {top} users: {name}: webhook answer p99 {_ms(row['webhook_p99_ms'])} ms (target <= 50 ms), "
            f"lost {row['lost']}, duplicated {row['duplicated']}"
        )
        if rest and rest["throughput"]:
            lines.append(
                f"- {top} users: {name}: throughput {row['throughput']:.2f} turns/s = {row['throughput'] / rest['throughput']:.2f} x REST "
                "(target >= 0.9)"
            )
    one, two = _row(rows, "cluster-1", top), _row(rows, "cluster-2", top)
    if one and two and one["throughput"]:
        lines.append(
            f"- {top} users: the second Rasa replica gives {two['throughput'] / one['throughput']:.2f} x the throughput of one "
            "(on this machine's cores; shared PostgreSQL and Redis in the path)"
        )
    one_kassa, one_rest = _row(rows, "kassa", 1), _row(rows, "rest", 1)
    if one_kassa and one_rest and one_kassa["turn_p50_ms"] is not None and one_rest["turn_p50_ms"] is not None:
        budget = one_rest["turn_p50_ms"] + results["settings"]["send_api_latency_ms"] + 20
        lines.append(
            f"- 1 user: Kassa turn p50 {_ms(one_kassa['turn_p50_ms'])} ms (target <= REST p50 + Send API + 20 = {budget:.0f} ms)"
        )
    return lines


def markdown(results: Dict[str, Any]) -> str:
    settings, m = results["settings"], results["machine"]
    out = [
        "# Benchmark",
        "",
        f"{results['started']} UTC, {m['cores']} cores, {m['memory_gb']} GB, {m['cpu']}, Python {m['python']}.",
        f"Scenario `{settings['scenario']}`, {settings['seconds']:.0f} s per door and load, Send API latency "
        f"{settings['send_api_latency_ms']:.0f} ms, PayPal latency {settings['paypal_latency_ms']:.0f} ms, faults: {'on' if settings['faults'] else 'off'}.",
        "Turn latency: webhook in to the last reply at the fake Graph API (REST: the HTTP answer).",
        "",
        "| door | users | turns | turns/s | webhook p50 ms | webhook p99 ms | turn p50 ms | turn p95 ms | turn p99 ms | errors | lost | duplicated |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results["rows"]:
        out.append(
            f"| {DOOR_NAMES.get(r['door'], r['door'])} | {r['users']} | {r['turns']} | {r['throughput']:.2f} | {_ms(r['webhook_p50_ms'])} "
            f"| {_ms(r['webhook_p99_ms'])} | {_ms(r['turn_p50_ms'])} | {_ms(r['turn_p95_ms'])} | {_ms(r['turn_p99_ms'])} "
            f"| {r['errors']} | {r['lost']} | {r['duplicated']} |"
        )
    out += ["", "## Targets (read, not asserted)", "", *targets(results), "", "## Peak memory (VmHWM, MB)", ""]
    out += [f"- {name}: {mb}" for name, mb in results["memory_peak_mb"].items()]
    out += ["", "## PayPal calls", "", *(f"- {k}: {v}" for k, v in results["paypal"].items())]
    if settings["faults"]:
        out += [
            "",
            "## Faults injected",
            "",
            *(f"- {k}: {v}" for k, v in results["faults"].items()),
            f"- Send API faults at the fake Graph API: {results['graph'].get('faults', 0)}",
        ]
    out += ["", f"Run took {results['duration_seconds']} s. Charts: `throughput.png`, `latency.png`.", ""]
    return "\n".join(out)


def charts(results: Dict[str, Any], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = results["rows"]
    doors = list(dict.fromkeys(r["door"] for r in rows))
    figure, axis = plt.subplots(figsize=(7, 4))
    for door in doors:
        points = [(r["users"], r["throughput"]) for r in rows if r["door"] == door]
        axis.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=DOOR_NAMES.get(door, door))
    axis.set_xlabel("concurrent customers")
    axis.set_ylabel("turns per second")
    axis.set_title("Throughput against customers")
    axis.legend()
    axis.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(out / "throughput.png", dpi=110)
    plt.close(figure)

    top = max(results["settings"]["users"])
    data = [
        (DOOR_NAMES.get(r["door"], r["door"]), r["latencies"]) for r in rows if r["users"] == top and r["latencies"]
    ]
    figure, axis = plt.subplots(figsize=(7, 4))
    if data:
        axis.boxplot([d[1] for d in data], labels=[d[0] for d in data], showfliers=True)
        axis.set_yscale("log")
    axis.set_ylabel("turn latency, ms (log)")
    axis.set_title(f"Turn latency at {top} customers")
    axis.grid(alpha=0.3, axis="y")
    figure.tight_layout()
    figure.savefig(out / "latency.png", dpi=110)
    plt.close(figure)


def write(results: Dict[str, Any], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    charts(results, out)
    slim = {**results, "rows": [{k: v for k, v in r.items() if k != "latencies"} for r in results["rows"]]}
    (out / "results.json").write_text(json.dumps(slim, indent=2))
    (out / "results.md").write_text(markdown(results))
