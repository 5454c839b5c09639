"""Run work per sender in arrival order, one item at a time; senders in parallel."""

from __future__ import annotations

import logging
from collections import deque
from typing import Awaitable, Callable, Deque, Dict, Generic, TypeVar

from channels.background import BackgroundTasks

logger = logging.getLogger(__name__)
Item = TypeVar("Item")


class SenderQueues(Generic[Item]):
    def __init__(self, handle: Callable[[Item], Awaitable[None]]) -> None:
        self._handle = handle
        self._queues: Dict[str, Deque[Item]] = {}
        self._tasks = BackgroundTasks()

    def submit(self, sender_id: str, item: Item) -> None:
        queue = self._queues.get(sender_id)
        if queue is not None:
            queue.append(item)  # a worker for this sender is running and will take it
            return
        self._queues[sender_id] = deque([item])
        self._tasks.spawn(self._drain(sender_id))

    async def _drain(self, sender_id: str) -> None:
        queue = self._queues[sender_id]
        try:
            while queue:
                item = queue.popleft()
                try:
                    await self._handle(item)
                except Exception:  # one failed event must not stop this sender's next ones
                    logger.exception("Handling an event of sender %s failed", sender_id)
        finally:
            del self._queues[sender_id]

    async def wait_idle(self) -> None:
        await self._tasks.wait()
