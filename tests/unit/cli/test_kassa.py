"""The installed ``kassa`` command (the console script ``make install`` puts in the venv),
run as a process the way an operator runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Dict, List

from cli.main import SUBCOMMANDS
from harness.servers import PROJECT_ROOT
from shop.ledger import Ledger

KASSA = Path(sys.executable).parent / "kassa"


def kassa(args: List[str], env: Dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([str(KASSA), *args], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120, env=env)


def test_kassa_lists_every_subcommand_and_refuses_an_unknown_one(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path / 'orders.db'}"}
    listed = kassa(["--help"], env)
    assert listed.returncode == 0 and all(name in listed.stdout for name in SUBCOMMANDS)
    wrong = kassa(["refunds"], env)
    assert wrong.returncode == 2 and "no subcommand 'refunds'" in wrong.stderr


def test_kassa_orders_reads_the_ledger_named_in_the_environment(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'orders.db'}"
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": database}
    assert "no orders yet" in kassa(["orders"], env).stdout
    item = {"sku": "PUMP-FLOOR", "name": "Floor pump", "quantity": 2, "unit_amount": "34.95"}
    Ledger(database).record_order("5O190127TN364715T", "psid-1", [item], "69.90", "EUR", "CREATED", None)
    listed = kassa(["orders"], env)
    assert listed.returncode == 0 and "5O190127TN364715T" in listed.stdout and "69.90" in listed.stdout
    exported = tmp_path / "orders.csv"
    assert kassa(["orders", "--csv", str(exported)], env).returncode == 0
    assert "5O190127TN364715T" in exported.read_text()


def test_a_subcommand_explains_its_arguments_under_the_kassa_name(tmp_path: Path) -> None:
    shown = kassa(["refund", "--help"], {"PATH": "/usr/bin:/bin"})
    assert shown.returncode == 0 and shown.stdout.startswith("usage: kassa refund") and "--order" in shown.stdout
