"""Refusing to run in public with the local tokens of ``local-tokens.env``.

``make demo``, ``make test`` and the dev venv use fixed tokens that only the local
sandboxes accept. A deployment that kept one (a copied Makefile, a forgotten
variable) would run with a token anyone can read in this repository, so both
servers refuse to start when PUBLIC_URL names a public host and any setting
still holds one of those values.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Dict, List, Mapping, Optional
from urllib.parse import urlsplit

LOCAL_DEFAULTS_FILE = Path(__file__).resolve().parent.parent / "local-tokens.env"
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1", "0.0.0.0")
ASSIGNMENT = re.compile(r"^(\w+)=(\S.*?)\s*$")


class LocalSecretInPublic(RuntimeError):
    """A local default is set while the shop is served on a public address."""


def local_defaults(path: Path = LOCAL_DEFAULTS_FILE) -> Dict[str, str]:
    """The names and values of ``local-tokens.env``; none when the file is not shipped."""
    if not path.exists():
        return {}
    found = (ASSIGNMENT.match(line) for line in path.read_text(encoding="utf-8").splitlines())
    return {match.group(1): match.group(2) for match in found if match}


def is_local(public_url: Optional[str]) -> bool:
    host = (urlsplit(public_url or "http://localhost").hostname or "localhost").lower()
    return host in LOCAL_HOSTS or host.endswith(".localhost") or host.startswith("127.")


def local_values_in_use(environment: Mapping[str, str], defaults: Mapping[str, str]) -> List[str]:
    """The settings of ``defaults`` that hold one of its local values (their own or another's)."""
    known = set(defaults.values())
    return sorted(name for name in defaults if environment.get(name) in known)


def check_deployment(environment: Optional[Mapping[str, str]] = None) -> None:
    """Raise LocalSecretInPublic when PUBLIC_URL is public and a local token is still set."""
    environment = os.environ if environment is None else environment
    if is_local(environment.get("PUBLIC_URL")):
        return
    in_use = local_values_in_use(environment, local_defaults())
    if in_use:
        raise LocalSecretInPublic(
            f"PUBLIC_URL is {environment.get('PUBLIC_URL')!r} but {', '.join(in_use)} "
            f"{'holds a local value' if len(in_use) == 1 else 'hold local values'} of local-tokens.env; "
            "set real values in the environment (see the README's security section)"
        )
