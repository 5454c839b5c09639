"""The return period of a paid order and the line the shop's people read."""

from datetime import date

from shop import returns
from shop.catalog import PROJECT_ROOT
from shop.ledger.tables import OrderRecord
from shop.terms import load_terms

TERMS = load_terms(PROJECT_ROOT / "catalog" / "terms.yml")


def paid_order(order_id: str, paid_at: str, status: str = "COMPLETED") -> OrderRecord:
    return OrderRecord(
        order_id=order_id,
        conversation_id="customer-1",
        kind="cart",
        description="",
        items=[{"sku": "HLM-001:M", "name": "Urban Helmet (M, black)", "quantity": 1, "unit_amount": "59.00"}],
        amount="59.00",
        currency="EUR",
        status=status,
        status_history=[{"status": "CREATED", "at": paid_at}, {"status": "COMPLETED", "at": paid_at}],
    )


def test_the_period_counts_from_the_carriers_delivery_day() -> None:
    # Paid Tuesday 1 December 10:00 (Amsterdam): out that day, PostNL on Wednesday 2.
    found = returns.window(paid_order("A", "2026-12-01T09:00:00+00:00"), TERMS, TERMS.zones["NL"])
    assert found.arrives == date(2026, 12, 2)
    assert found.last_day == date(2027, 1, 1)  # 30 days later
    assert found.open_on(date(2027, 1, 1)) and not found.open_on(date(2027, 1, 2))


def test_with_the_country_unknown_the_latest_zone_counts() -> None:
    found = returns.window(paid_order("A", "2026-12-01T09:00:00+00:00"), TERMS, None)
    assert found.arrives == date(2026, 12, 3)  # bpost's two days, later than PostNL's one


def test_the_newest_paid_order_not_wholly_refunded() -> None:
    older = paid_order("OLD", "2026-11-01T09:00:00+00:00")
    newer = paid_order("NEW", "2026-11-20T09:00:00+00:00")
    refunded = paid_order("GONE", "2026-11-25T09:00:00+00:00", status="REFUNDED")
    unpaid = OrderRecord("OPEN", "customer-1", "cart", "", [], "5.00", "EUR", "CREATED")
    assert returns.latest_returnable([older, newer, refunded, unpaid]).order_id == "NEW"
    assert returns.latest_returnable([unpaid, refunded]) is None


def test_the_summary_is_one_line_with_order_items_and_period() -> None:
    found = returns.window(paid_order("5O1", "2026-12-01T09:00:00+00:00"), TERMS, TERMS.zones["NL"])
    line = returns.handover_summary(found, date(2027, 1, 5), "the helmet\nis too big")
    assert "\n" not in line
    assert "order 5O1 (1 × Urban Helmet (M, black); 59.00 EUR)" in line
    assert "return period ended (last day 2027-01-01)" in line and '"the helmet is too big"' in line
    assert len(returns.handover_summary(found, date(2026, 12, 5), "x" * 2000)) == returns.SUMMARY_MAX
