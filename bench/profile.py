"""Where Rasa's time goes under load: py-spy samples of the Rasa process, summed per function."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import List, Optional

PY_SPY = Path(sys.executable).parent / "py-spy"
IDLE_LEAVES = ("_worker", "wait", "_wait_for_tstate_lock")


def start(pid: int, seconds: float, out: Path) -> Optional[subprocess.Popen]:
    binary = str(PY_SPY) if PY_SPY.exists() else shutil.which("py-spy")
    if binary is None:
        print("py-spy is not installed (make install installs it); no profile", file=sys.stderr)
        return None
    out.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [
            binary,
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(int(seconds)),
            "--rate",
            "50",
            "--format",
            "raw",
            "--nonblocking",
            "--output",
            str(out / "profile.raw"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def summarize(raw: Path, top: int = 25) -> str:
    """Inclusive share of samples per function (file), the busiest first."""
    total = 0
    inclusive: Counter = Counter()
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        samples = int(count)
        if stack.rsplit(";", 1)[-1].split(" (")[0] in IDLE_LEAVES:
            continue  # a pool thread waiting for work
        total += samples
        names = {f"{frame.split(' (')[0]} ({frame.rsplit('/', 1)[-1].split(':')[0]})" for frame in stack.split(";")}
        for name in names:
            inclusive[name] += samples
    lines: List[str] = [
        "# Profile of the Rasa process",
        "",
        f"{total} busy samples at 50 Hz (py-spy; idle pool threads left out).",
        "",
        "| share | function (file) |",
        "| ---: | --- |",
    ]
    skip = ("_bootstrap", "run_forever", "_run_once", "_run (events", "<module>", "serve", "start (", "main (", "run (")
    shown = [(name, n) for name, n in inclusive.most_common() if not name.startswith(skip)][:top]
    lines += [f"| {100 * n / max(total, 1):.1f}% | {name} |" for name, n in shown]
    return "\n".join(lines) + "\n"
