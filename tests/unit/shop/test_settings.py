"""One place for settings: every variable read in actions/settings.py, listed in
.env.example and the README, with clear errors for values that cannot be used."""
from __future__ import annotations

import re

import pytest

from actions import settings
from scripts.servers import PROJECT_ROOT

CODE = ("actions", "channels", "sandbox", "scripts", "bench")
# deployment.py scans the raw environment for any value of local-defaults.mk, by design;
# scripts/servers.py hands the whole environment on to the servers it starts.
RAW_ENVIRONMENT_READERS = {"actions/settings.py", "actions/deployment.py", "scripts/servers.py"}


def test_no_module_but_settings_reads_the_environment() -> None:
    readers = sorted(
        str(path.relative_to(PROJECT_ROOT)) for folder in CODE for path in (PROJECT_ROOT / folder).rglob("*.py")
        if re.search(r"os\.environ|os\.getenv", path.read_text()) and str(path.relative_to(PROJECT_ROOT)) not in RAW_ENVIRONMENT_READERS
    )
    assert readers == []


def test_env_example_and_readme_table_are_generated_from_the_list() -> None:
    assert (PROJECT_ROOT / ".env.example").read_text() == settings.env_example(), "run python -m scripts.settings_files"
    assert settings.readme_table() in (PROJECT_ROOT / "README.md").read_text(), "run python -m scripts.settings_files"


def test_every_variable_rasa_or_the_makefile_uses_is_listed() -> None:
    listed = {variable.name for variable in settings.VARIABLES}
    used = set()
    for name in ("credentials.yml", "endpoints.yml", "deploy/endpoints.yml"):
        text = "\n".join(line for line in (PROJECT_ROOT / name).read_text().splitlines() if not line.lstrip().startswith("#"))
        used |= set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)\}", text))
    for name in ("Makefile", "local-defaults.mk"):
        used |= set(re.findall(r"^export ([A-Z_][A-Z0-9_]*) \?=", (PROJECT_ROOT / name).read_text(), re.M))
    assert used - listed == set()


def test_every_variable_the_code_names_is_listed() -> None:
    listed = {variable.name for variable in settings.VARIABLES}
    source = (PROJECT_ROOT / "actions" / "settings.py").read_text()
    named = set(re.findall(r'(?:text|number|whole|flag|url|one_of)\("([A-Z_][A-Z0-9_]*)"', source))
    assert named and named - listed == set()


@pytest.mark.parametrize("env, message", [
    ({"PAYPAL_TIMEOUT_SECONDS": "ten"}, "PAYPAL_TIMEOUT_SECONDS must be a number, not 'ten'"),
    ({"PAYPAL_MAX_ATTEMPTS": "0"}, "PAYPAL_MAX_ATTEMPTS must be a whole number of at least 1"),
    ({"PAYPAL_SHIPPING_PREFERENCE": "BY_BIKE"}, "PAYPAL_SHIPPING_PREFERENCE must be one of GET_FROM_FILE"),
    ({"PUBLIC_URL": "shop.example.com"}, "PUBLIC_URL must be an http(s) URL"),
    ({"FB_GRAPH_VERSION": "25"}, "FB_GRAPH_VERSION must look like v25.0"),
    ({"KASSA_TURN_THREAD": "maybe"}, "KASSA_TURN_THREAD must be true or false"),
    ({"KASSA_RECEIPT_RETRY_SECONDS": "0"}, "KASSA_RECEIPT_RETRY_SECONDS must be at least 0.1"),
])
def test_a_value_that_cannot_be_used_stops_the_server_with_its_name(env, message) -> None:
    with pytest.raises(settings.SettingsError, match=re.escape(message)):
        settings.check_server(env)


def test_defaults_and_given_values() -> None:
    assert settings.paypal({}).max_attempts == 4 and settings.paypal({"PAYPAL_MAX_ATTEMPTS": "2"}).max_attempts == 2
    shop = settings.shop({"PUBLIC_URL": "https://shop.example.com/", "KASSA_CATALOG": "/srv/catalog.yml"})
    assert shop.public_url == "https://shop.example.com" and str(shop.catalog_path) == "/srv/catalog.yml"
    assert settings.shop({}).database_url == f"sqlite:///{PROJECT_ROOT / '.run' / 'orders.db'}"
    assert not settings.runtime({"KASSA_TURN_THREAD": "off"}).turn_thread
