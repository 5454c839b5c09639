"""The deployment files stay in step with `make cluster` (harness/cluster.py): the same
balancer, commands, files and variables. Docker and helm do not run here; what can be
checked without them is checked."""

from __future__ import annotations

import re
import shutil
import subprocess
from typing import Any, Dict, List, Set

import pytest
import yaml

from harness.cluster import compose_haproxy_config
from shop import settings

DEPLOY = settings.PROJECT_ROOT / "deploy"
# Variables the deployment files set that belong to the images or services, not to Kassa.
FOREIGN = {"SANIC_HOST", "POSTGRES_USER", "POSTGRES_DB", "RASA_TELEMETRY_ENABLED"}


def listed() -> Set[str]:
    return {variable.name for variable in settings.VARIABLES} | FOREIGN


def compose() -> Dict[str, Any]:
    return yaml.safe_load((DEPLOY / "compose.yml").read_text())


def dockerfile(name: str) -> str:
    return (DEPLOY / f"Dockerfile.{name}").read_text()


def cmd(name: str) -> List[str]:
    text = dockerfile(name)
    entrypoint = yaml.safe_load(re.search(r"^ENTRYPOINT (\[.*\])$", text, re.M).group(1))
    return entrypoint + yaml.safe_load(re.search(r"^CMD (\[.*\])$", text, re.M).group(1))


def test_the_compose_balancer_is_make_clusters_and_haproxy_accepts_it() -> None:
    config = DEPLOY / "haproxy.cfg"
    assert config.read_text() == compose_haproxy_config(), (
        "run python -m harness.cluster --haproxy-config > deploy/haproxy.cfg"
    )
    haproxy = shutil.which("haproxy")
    assert haproxy, "haproxy is not installed: make system-packages"
    check = subprocess.run([haproxy, "-c", "-f", str(config)], capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stdout + check.stderr


def test_compose_has_the_clusters_topology_and_only_known_variables() -> None:
    services = compose()["services"]
    assert set(services) == {
        "postgres",
        "redis",
        "haproxy",
        "rasa-1",
        "rasa-2",
        "acceptor-1",
        "acceptor-2",
        "actions-1",
        "actions-2",
    }
    assert services["acceptor-1"]["entrypoint"] == ["python", "-m", "channels.messenger.inbound.acceptor"]
    assert "--appendonly" in services["redis"]["command"]
    for name in ("rasa-1", "acceptor-1", "actions-1"):
        assert set(services[name]["environment"]) <= listed(), name
    referenced = set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)", (DEPLOY / "compose.yml").read_text()))
    assert referenced <= listed()


def test_the_images_run_what_make_cluster_runs_as_a_user_with_a_health_check() -> None:
    rasa = cmd("rasa")
    assert rasa[:2] == ["rasa", "run"] and rasa[rasa.index("--endpoints") + 1] == "deploy/endpoints.yml"
    assert (
        rasa[rasa.index("--credentials") + 1] == "credentials.yml"
        and rasa[rasa.index("--model") + 1] == "models/kassa.tar.gz"
    )
    assert cmd("actions")[:3] == ["rasa", "run", "actions"]
    cluster = (settings.PROJECT_ROOT / "harness" / "cluster.py").read_text()
    assert re.search(r'"--endpoints",\s*ENDPOINTS', cluster) and 'ENDPOINTS = "deploy/endpoints.yml"' in cluster
    for name in ("rasa", "actions"):
        text = dockerfile(name)
        assert re.search(r"^USER (?!root|0\b)\S+", text, re.M), name
        assert "HEALTHCHECK" in text and "python:3.10" in text
        assert "-r requirements.txt -c constraints.txt" in text  # the pins of make install
        assert (
            "PYTHONPATH" not in text and "pip install --no-deps -e ." in text
        )  # the project installed, as make install does
        for needed in ("shop", "catalog", "texts", "local-tokens.env"):  # imported or read at run time
            assert re.search(rf"^COPY {re.escape(needed)} ", text, re.M), (name, needed)
    assert re.search(r"^COPY channels ", dockerfile("rasa"), re.M) and not re.search(
        r"^COPY actions ", dockerfile("rasa"), re.M
    )
    assert re.search(r"^COPY actions ", dockerfile("actions"), re.M) and not re.search(
        r"^COPY channels ", dockerfile("actions"), re.M
    )


def test_helm_values_use_the_image_command_and_known_variables() -> None:
    values = yaml.safe_load((DEPLOY / "helm" / "values.yml").read_text())
    assert values["args"] == cmd("rasa")[1:]
    assert values["replicaCount"] >= 2 and values["rasa-action-server"]["replicaCount"] >= 2
    assert values["postgresql"]["install"] and values["redis"]["install"]
    names = {entry["name"] for entry in values["extraEnv"]}
    assert names <= listed()
    assert {"RASA_ENDPOINTS", "TRACKER_STORE_URL", "DATABASE_URL"} <= names


@pytest.mark.parametrize("path", ["deploy/endpoints.yml", "deploy/compose.yml", "deploy/helm/values.yml"])
def test_every_deployment_yaml_parses(path: str) -> None:
    assert yaml.safe_load((settings.PROJECT_ROOT / path).read_text())
