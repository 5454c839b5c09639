"""What the customer is told, once each: receipts (claimed by one sender, again after a
growing pause until Facebook took one, for a day), the thanks for a payment, a payment
request's pay button, each refund."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import List, Optional

import sqlalchemy as sa

from shop import settings
from shop.ledger.orders import OPEN_STATUSES, OrderBook
from shop.ledger.tables import OrderRecord, _later, now, order_notices_table, orders_table, receipt_claims_table

# A receipt not delivered is tried again after this pause (doubling), for at most a day:
# after that Messenger's 24-hour window has closed anyway.
RECEIPT_MAX_AGE = timedelta(days=1)
# Notices told once per order: the thanks for a payment, a payment request's pay button
# (noted once Facebook accepted it), and each refund (``refund_notice``).
PAYMENT_RECEIVED = "payment received"
PAY_BUTTON_DELIVERED = "pay button delivered"


def refund_notice(refund_id: str) -> str:
    """The notice that the customer was told of this refund."""
    return f"refund {refund_id}"


class ReceiptBook(OrderBook):
    def claim_notice(self, order_id: str, notice: str) -> bool:
        """True for the one caller that tells the customer ``notice`` about the order."""
        return self._insert_new(order_notices_table, order_id=order_id, notice=notice, told_at=now())

    def notice_claimed(self, order_id: str, notice: str) -> bool:
        with self.engine.connect() as connection:
            return (
                connection.execute(
                    sa.select(order_notices_table.c.order_id).where(
                        order_notices_table.c.order_id == order_id, order_notices_table.c.notice == notice
                    )
                ).first()
                is not None
            )

    def forget_notice(self, order_id: str, notice: str) -> None:
        """Give a notice back when it could not be delivered, so that a later attempt tells it."""
        with self.engine.begin() as connection:
            connection.execute(
                order_notices_table.delete().where(
                    order_notices_table.c.order_id == order_id, order_notices_table.c.notice == notice
                )
            )

    def claim_receipt(self, order_id: str, first_retry_seconds: Optional[float] = None) -> bool:
        """True for the one caller that sends the receipt now: no receipt delivered yet and
        no other attempt within its pause (first_retry_seconds, doubling, at most an hour)."""
        pause_seconds = settings.shop().receipt_retry_seconds if first_retry_seconds is None else first_retry_seconds
        record = self.order(order_id)
        if record is None or record.receipt_sent_at:
            return False
        stamp = datetime.now(timezone.utc)
        first = self._insert_new(
            receipt_claims_table,
            order_id=order_id,
            attempts=1,
            claimed_at=stamp.isoformat(timespec="seconds"),
            retry_after=_later(stamp, pause_seconds),
        )
        if first:
            return True
        with self.engine.begin() as connection:
            row = connection.execute(
                sa.select(receipt_claims_table).where(receipt_claims_table.c.order_id == order_id)
            ).first()
            pause = min(pause_seconds * 2**row.attempts, 3600)
            result = connection.execute(
                receipt_claims_table.update()
                .where(
                    receipt_claims_table.c.order_id == order_id,
                    receipt_claims_table.c.attempts == row.attempts,
                    receipt_claims_table.c.retry_after <= stamp.isoformat(timespec="seconds"),
                )
                .values(
                    attempts=row.attempts + 1,
                    claimed_at=stamp.isoformat(timespec="seconds"),
                    retry_after=_later(stamp, pause),
                )
            )
        return result.rowcount == 1

    def receipt_claimed(self, order_id: str) -> bool:
        with self.engine.connect() as connection:
            return (
                connection.execute(
                    sa.select(receipt_claims_table.c.order_id).where(receipt_claims_table.c.order_id == order_id)
                ).first()
                is not None
            )

    def receipt_delivered(self, order_id: str) -> bool:
        """Record that the receipt reached the customer; True the first time."""
        with self.engine.begin() as connection:
            result = connection.execute(
                orders_table.update()
                .where(orders_table.c.order_id == order_id, orders_table.c.receipt_sent_at.is_(None))
                .values(receipt_sent_at=now())
            )
        return result.rowcount == 1

    def receipts_due(self, max_age: timedelta = RECEIPT_MAX_AGE) -> List[OrderRecord]:
        """Completed orders whose receipt was tried, not delivered, and may be tried again now."""
        stamp = datetime.now(timezone.utc)
        query = (
            sa.select(orders_table)
            .join(receipt_claims_table, receipt_claims_table.c.order_id == orders_table.c.order_id)
            .where(
                orders_table.c.status == "COMPLETED",
                orders_table.c.receipt_sent_at.is_(None),
                receipt_claims_table.c.retry_after <= stamp.isoformat(timespec="seconds"),
                orders_table.c.updated_at >= (stamp - max_age).isoformat(timespec="seconds"),
            )
        )
        with self.engine.connect() as connection:
            return [OrderRecord.from_row(row) for row in connection.execute(query)]

    def undelivered_requests(self, max_age: timedelta = RECEIPT_MAX_AGE) -> List[OrderRecord]:
        """Open payment requests of the last ``max_age`` whose pay button never reached the customer."""
        since = (datetime.now(timezone.utc) - max_age).isoformat(timespec="seconds")
        delivered = sa.select(order_notices_table.c.order_id).where(
            order_notices_table.c.notice == PAY_BUTTON_DELIVERED
        )
        query = (
            sa.select(orders_table)
            .where(
                orders_table.c.kind == "merchant_request",
                orders_table.c.status.in_(OPEN_STATUSES),
                orders_table.c.created_at >= since,
                orders_table.c.order_id.not_in(delivered),
            )
            .order_by(orders_table.c.created_at)
        )
        with self.engine.connect() as connection:
            return [OrderRecord.from_row(row) for row in connection.execute(query)]
