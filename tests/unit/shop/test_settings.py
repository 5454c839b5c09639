"""One place for settings: every variable read in shop/settings.py (the sandboxes': in
sandbox/settings.py), listed in .env.example and docs/configuration.md, with clear
errors for values that cannot be used."""

from __future__ import annotations

import re

import pytest

from bench import settings as bench_settings
from harness import local_env
from harness.servers import PROJECT_ROOT
from sandbox import settings as sandbox_settings
from scripts.settings_files import ALL_VARIABLES
from shop import settings

CODE = ("shop", "actions", "channels", "cli", "harness", "sandbox", "scripts", "bench", "analytics")
# deployment.py scans the raw environment for any value of local-tokens.env, by design;
# harness/servers.py hands the whole environment on to the servers it starts, and
# harness/local_env.py fills in the local defaults; the sandboxes read their own.
RAW_ENVIRONMENT_READERS = {
    "shop/settings.py",
    "shop/deployment.py",
    "harness/servers.py",
    "harness/local_env.py",
    "sandbox/settings.py",
}


def test_no_module_but_settings_reads_the_environment() -> None:
    readers = sorted(
        str(path.relative_to(PROJECT_ROOT))
        for folder in CODE
        for path in (PROJECT_ROOT / folder).rglob("*.py")
        if re.search(r"os\.environ|os\.getenv", path.read_text())
        and str(path.relative_to(PROJECT_ROOT)) not in RAW_ENVIRONMENT_READERS
    )
    assert readers == []


def test_env_example_and_readme_table_are_generated_from_the_list() -> None:
    assert (PROJECT_ROOT / ".env.example").read_text() == settings.env_example(ALL_VARIABLES), (
        "run python -m scripts.settings_files"
    )
    page = (PROJECT_ROOT / settings.CONFIGURATION_PAGE).read_text()
    assert settings.readme_table(ALL_VARIABLES) in page, "run python -m scripts.settings_files"


def test_every_variable_rasa_or_the_local_environment_sets_is_listed() -> None:
    listed = {variable.name for variable in ALL_VARIABLES}
    used = set()
    for name in ("credentials.yml", "endpoints.yml", "deploy/endpoints.yml"):
        text = "\n".join(
            line for line in (PROJECT_ROOT / name).read_text().splitlines() if not line.lstrip().startswith("#")
        )
        used |= set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)\}", text))
    used |= set(local_env.environment()) - {
        "RASA_TELEMETRY_ENABLED",
        "SQLALCHEMY_SILENCE_UBER_WARNING",
    }  # Rasa's and SQLAlchemy's own
    assert used - listed == set()


def test_every_variable_the_code_names_is_listed() -> None:
    for module in (settings, sandbox_settings, bench_settings):
        listed = {variable.name for variable in module.VARIABLES}
        source = (PROJECT_ROOT / (module.__name__.replace(".", "/") + ".py")).read_text()
        named = set(
            re.findall(r'(?:text|number|whole|flag|url|one_of|_get|_number|_port|_value)\("([A-Z_][A-Z0-9_]*)"', source)
        )
        outside = {  # the shop's variables a tool reads too
            sandbox_settings: {"FB_APP_SECRET", "FB_PAGE_ACCESS_TOKEN", "KASSA_CATALOG"},
            bench_settings: {"FB_GRAPH_URL"},
        }.get(module, set())
        assert named and named - listed - outside == set(), module.__name__


@pytest.mark.parametrize(
    "env, message",
    [
        ({"PAYPAL_TIMEOUT_SECONDS": "ten"}, "PAYPAL_TIMEOUT_SECONDS must be a number, not 'ten'"),
        ({"PAYPAL_MAX_ATTEMPTS": "0"}, "PAYPAL_MAX_ATTEMPTS must be a whole number of at least 1"),
        ({"PAYPAL_SHIPPING_PREFERENCE": "BY_BIKE"}, "PAYPAL_SHIPPING_PREFERENCE must be one of GET_FROM_FILE"),
        ({"PUBLIC_URL": "shop.example.com"}, "PUBLIC_URL must be an http(s) URL"),
        ({"FB_GRAPH_VERSION": "25"}, "FB_GRAPH_VERSION must look like v25.0"),
        ({"KASSA_TURN_THREAD": "maybe"}, "KASSA_TURN_THREAD must be true or false"),
        ({"KASSA_RECEIPT_RETRY_SECONDS": "0"}, "KASSA_RECEIPT_RETRY_SECONDS must be at least 0.1"),
    ],
)
def test_a_value_that_cannot_be_used_stops_the_server_with_its_name(env, message) -> None:
    with pytest.raises(settings.SettingsError, match=re.escape(message)):
        settings.check_server(env)


def test_defaults_and_given_values() -> None:
    assert settings.paypal({}).max_attempts == 4 and settings.paypal({"PAYPAL_MAX_ATTEMPTS": "2"}).max_attempts == 2
    shop = settings.shop({"PUBLIC_URL": "https://shop.example.com/", "KASSA_CATALOG": "/srv/catalog.yml"})
    assert shop.public_url == "https://shop.example.com" and str(shop.catalog_path) == "/srv/catalog.yml"
    assert settings.shop({}).database_url == f"sqlite:///{PROJECT_ROOT / '.run' / 'orders.db'}"
    assert not settings.runtime({"KASSA_TURN_THREAD": "off"}).turn_thread
