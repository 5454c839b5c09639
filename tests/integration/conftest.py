"""A running Rasa with the Messenger connector, shared by the integration tests."""
from __future__ import annotations

import uuid
from typing import Iterator

import pytest

from tests.stack import Stack, start_stack
from tests.servers import PROJECT_ROOT


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    running = start_stack(PROJECT_ROOT / ".run" / "tests" / "integration")
    yield running
    running.stop()


@pytest.fixture
def psid() -> str:
    """A fresh customer for each test."""
    return "it" + uuid.uuid4().hex[:14]
