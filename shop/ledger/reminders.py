"""When a cart left without a checkout is due its one reminder.

The Messenger channel notes each customer message (``customer_wrote``); a quiet
conversation becomes due a set time later, and one sender claims it
(``claim_reminder``) before the conversation decides whether a reminder fits. A
reminder sent is noted (``reminder_sent``) and none follows it, whatever the
customer writes after."""

from __future__ import annotations

from typing import List, Tuple

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from shop.ledger.store import LedgerStore
from shop.ledger.tables import cart_reminders_table as reminders

WAITING, CLAIMED, SENT = "waiting", "claimed", "sent"


class ReminderBook(LedgerStore):
    def customer_wrote(self, conversation_id: str, at: float, due_at: float) -> None:
        """The customer wrote at ``at``: the conversation is due at ``due_at`` unless they write again."""
        update = (
            reminders.update()
            .where(reminders.c.conversation_id == conversation_id, reminders.c.state != SENT)
            .values(last_message_at=at, due_at=due_at, state=WAITING)
        )
        with self.engine.begin() as connection:
            if connection.execute(update).rowcount:
                return
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    reminders.insert().values(
                        conversation_id=conversation_id, last_message_at=at, due_at=due_at, state=WAITING
                    )
                )
        except IntegrityError:  # a row already there: sent (kept), or written meanwhile
            with self.engine.begin() as connection:
                connection.execute(update)

    def reminders_due(self, now: float, window_seconds: float) -> List[Tuple[str, float]]:
        """(conversation, when the customer last wrote) of the quiet conversations due now
        whose customer wrote within ``window_seconds``."""
        query = sa.select(reminders.c.conversation_id, reminders.c.last_message_at).where(
            reminders.c.state == WAITING,
            reminders.c.due_at <= now,
            reminders.c.last_message_at > now - window_seconds,
        )
        with self.engine.connect() as connection:
            return [(str(row[0]), float(row[1])) for row in connection.execute(query)]

    def claim_reminder(self, conversation_id: str, last_message_at: float) -> bool:
        """True for the one sender that looks at this quiet spell; False when another did,
        or the customer wrote meanwhile."""
        claim = (
            reminders.update()
            .where(
                reminders.c.conversation_id == conversation_id,
                reminders.c.state == WAITING,
                reminders.c.last_message_at == last_message_at,
            )
            .values(state=CLAIMED)
        )
        with self.engine.begin() as connection:
            return connection.execute(claim).rowcount == 1

    def reminder_sent(self, conversation_id: str) -> None:
        """Never another reminder in this conversation."""
        mark = reminders.update().where(reminders.c.conversation_id == conversation_id).values(state=SENT)
        with self.engine.begin() as connection:
            if connection.execute(mark).rowcount:
                return
        if not self._insert_new(reminders, conversation_id=conversation_id, last_message_at=0, due_at=0, state=SENT):
            with self.engine.begin() as connection:
                connection.execute(mark)

    def reminder_state(self, conversation_id: str) -> str:
        with self.engine.connect() as connection:
            row = connection.execute(
                sa.select(reminders.c.state).where(reminders.c.conversation_id == conversation_id)
            ).first()
        return str(row[0]) if row else ""
