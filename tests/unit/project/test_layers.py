"""The layers of docs/architecture.md, checked on the source: nothing imports upward.

- ``shop`` (the rules) imports no Rasa, no rasa_sdk, no web server and no other package
  of the project;
- ``actions`` imports the shop and rasa_sdk, never a channel;
- ``channels`` import the shop and Rasa, never the actions;
- ``sandbox`` (the fakes) imports nothing of the project but itself, so a fake never
  agrees with the code it tests by construction;
- no two modules import each other.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, Set

import pytest

ROOT = Path(__file__).resolve().parents[3]
PACKAGES = ("shop", "actions", "channels", "cli", "harness", "sandbox", "analytics", "bench", "scripts")
SERVERS = ("rasa", "rasa_sdk", "sanic", "aiohttp", "fastapi", "flask")
MAY_IMPORT = {
    "shop": {"shop"},
    "actions": {"actions", "shop"},
    "channels": {"channels", "shop"},
    "sandbox": {"sandbox"},
    "cli": {"cli", "shop", "channels"},
}


def modules() -> Dict[str, Path]:
    """Every module of the project by its dotted name."""
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(path: Path, name: str) -> Set[str]:
    """Every module ``path`` imports, by absolute name (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: Set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else [])
                )
            named = {f"{base}.{alias.name}" for alias in node.names}
            submodules = named & set(MODULES)
            # ``from package import module`` imports the module; names that are not
            # modules are the package's (or module's) own
            found |= submodules | ({base} if named - submodules else set())
    return found


MODULES = modules()
IMPORTS = {name: imports(path, name) for name, path in MODULES.items()}


@pytest.mark.parametrize("package", sorted(MAY_IMPORT))
def test_a_package_imports_only_its_lower_layers(package: str) -> None:
    allowed = MAY_IMPORT[package]
    wrong = sorted(
        f"{name} imports {target}"
        for name, targets in IMPORTS.items()
        if name.split(".")[0] == package
        for target in targets
        if target.split(".")[0] in PACKAGES and target.split(".")[0] not in allowed
    )
    assert wrong == []


def test_the_shop_imports_no_rasa_and_no_server() -> None:
    wrong = sorted(
        f"{name} imports {target}"
        for name, targets in IMPORTS.items()
        if name.split(".")[0] == "shop"
        for target in targets
        if target.split(".")[0] in SERVERS
    )
    assert wrong == []


def test_no_two_modules_import_each_other() -> None:
    project = {name: {t for t in targets if t in MODULES and t != name} for name, targets in IMPORTS.items()}
    circles = sorted(
        {tuple(sorted((a, b))) for a, targets in project.items() for b in targets if a in project.get(b, set())}
    )
    assert circles == []


def test_the_check_can_fail() -> None:
    """The parser sees what a wrong import would look like (no check that cannot fail)."""
    sample = ROOT / "shop" / "catalog.py"
    assert "shop.money" in IMPORTS["shop.catalog"] or "shop" in IMPORTS["shop.catalog"]
    assert "rasa_sdk" in imports(ROOT / "actions" / "browse.py", "actions.browse") or any(
        t.startswith("rasa_sdk") for t in IMPORTS["actions.browse"]
    ), sample
