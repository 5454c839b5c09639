"""Work the channels start and do not await: tasks kept referenced until they end."""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Set


class BackgroundTasks:
    """asyncio keeps only weak references to tasks; this set keeps them alive while they run."""

    def __init__(self) -> None:
        self._tasks: Set[asyncio.Task] = set()

    def spawn(self, work: Awaitable[Any]) -> asyncio.Task:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def wait(self) -> None:
        """Until every task, including those started meanwhile, has ended."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
