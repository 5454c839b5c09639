"""Rasa 3.6's calls to the action server, without losing a turn when the server is away.

Rasa logs a call to the action server that failed (refused, reset, or answered 502,
503 or 504 by the balancer in front) and goes on as if the action had returned
nothing: the turn ends, the tracker is saved without the action's events, and the
customer gets no answer to a message the intake had accepted. Seen in the cluster
test that kills an action server under load: two turns of fifty customers lost.

Here, for an action server that cannot be reached (and only then: an action that
raised still ends as in Rasa):
- the call is tried again after short pauses, long enough for a balancer to notice
  that a server died and send the call to another;
- a call that still fails makes the turn fail (``ActionServerUnreachable``) before
  its tracker is saved. The intake and the paypal channel run a failed turn again
  later, and replies that already went out are not sent twice.

Trying a call again is safe: Rasa applies nothing of an action before its response
came back, and what the actions do elsewhere is idempotent (PayPal calls carry
request ids; a cart lives in the tracker).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from typing import Any, List, Optional, Sequence

import aiohttp
from rasa.core.actions.action import RemoteAction
from rasa.core.processor import MessageProcessor
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import ClientResponseError

logger = logging.getLogger(__name__)

# Pauses between calls to an unreachable action server within one turn: about 7 s in
# all, past HAProxy's health check marking a dead server down (3 checks, 2 s apart).
CALL_PAUSES: Sequence[float] = (0.5, 1.5, 2.0, 3.0)
# What a balancer answers when no server took the call or the one that had it died.
BALANCER_STATUSES = frozenset({502, 503, 504})


class ActionServerUnreachable(RasaException):
    """No action server answered a call of this turn: the turn failed and runs again."""


_unreachable_calls: contextvars.ContextVar[Optional[List[RasaException]]] = contextvars.ContextVar(
    "kassa_unreachable_action_calls", default=None
)
_rasa_run = RemoteAction.run
_rasa_run_action = MessageProcessor._run_action


def unreachable(error: BaseException) -> bool:
    """Whether Rasa's error says the action server was not reached (rather than that an
    action failed): a connection error, or a balancer's 502, 503 or 504."""
    cause = error.__cause__ or error.__context__
    if isinstance(cause, ClientResponseError):
        return cause.status in BALANCER_STATUSES
    return isinstance(cause, (aiohttp.ClientConnectionError, asyncio.TimeoutError))


async def _run(self: RemoteAction, *args: Any, **kwargs: Any) -> Any:
    for pause in (*CALL_PAUSES, None):
        try:
            return await _rasa_run(self, *args, **kwargs)
        except RasaException as error:
            if not unreachable(error):
                raise
            if pause is None:
                noted = _unreachable_calls.get()
                if noted is not None:
                    noted.append(error)
                raise
            logger.warning("The action server was not reached for %s; again in %ss", self.name(), pause)
            await asyncio.sleep(pause)


async def _run_action(self: MessageProcessor, *args: Any, **kwargs: Any) -> bool:
    """Rasa's own step, then the turn fails if an action server call in it was never answered."""
    noted: List[RasaException] = []
    token = _unreachable_calls.set(noted)
    try:
        result = await _rasa_run_action(self, *args, **kwargs)
    finally:
        _unreachable_calls.reset(token)
    if noted:
        raise ActionServerUnreachable(f"the action server was not reached: {noted[0]}") from noted[0]
    return result


def install() -> None:
    RemoteAction.run = _run
    MessageProcessor._run_action = _run_action
