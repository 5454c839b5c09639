"""A running Rasa with the Messenger connector, shared by the integration tests."""

from __future__ import annotations

import uuid
from typing import Iterator

import pytest

from harness.servers import PROJECT_ROOT, RASA_STARTUP_SECONDS, STACK_STARTUP_SECONDS
from harness.stack import Stack, start_stack

# What a test itself may take once its servers are up (pytest.ini's timeout for unit tests).
TEST_SECONDS = 120


def pytest_collection_modifyitems(items: list) -> None:
    """Give each integration test the time its fixtures may spend starting servers, plus
    its own: the stack, and for the scale-out tests a second Rasa beside it."""
    for item in items:
        if item.get_closest_marker("integration") is None or item.get_closest_marker("timeout") is not None:
            continue
        restarted = {"instances", "own_stack"} & set(item.fixturenames)  # a second Rasa, or Rasa started again
        startup = STACK_STARTUP_SECONDS + (RASA_STARTUP_SECONDS if restarted else 0)
        item.add_marker(pytest.mark.timeout(startup + TEST_SECONDS))


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    running = start_stack(PROJECT_ROOT / ".run" / "tests" / "integration")
    yield running
    running.stop()


@pytest.fixture
def psid() -> str:
    """A fresh customer for each test."""
    return "it" + uuid.uuid4().hex[:14]
