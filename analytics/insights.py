"""`make insights`: the shop's sales funnel from the tracker store and the order ledger.

Per day (of a conversation's first message, UTC) and language: conversations, those
shown products, those that filled a cart, checked out (an order was created) and
paid (an order captured), with the conversion from each step to the next; revenue
net of refunds, average order value, time from first message to payment, products
viewed against bought, the most frequent unanswered requests, and handovers.
Writes results/insights/: summary.md, funnel.csv, products.csv, unanswered.csv,
funnel.png and daily.png.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple

from analytics import conversations, review
from analytics.conversations import Conversation
from shop import variants
from shop.catalog import Catalog, get_catalog
from shop.ledger import Ledger, OrderRecord

OUT = Path(__file__).resolve().parent.parent / "results" / "insights"
STEPS = ("conversations", "shown_products", "filled_cart", "checked_out", "paid")
PAID = ("COMPLETED", "PARTIALLY_REFUNDED", "REFUNDED")


@dataclass
class Funnel:
    counts: Dict[str, int] = field(default_factory=lambda: {step: 0 for step in STEPS})
    revenue: Decimal = Decimal("0")
    paid_orders: int = 0

    def add(self, reached: Dict[str, bool], revenue: Decimal, paid_orders: int) -> None:
        for step in STEPS:
            self.counts[step] += int(reached[step])
        self.revenue += revenue
        self.paid_orders += paid_orders

    def conversions(self) -> Dict[str, Optional[float]]:
        """The share of each step's conversations that reached the next."""
        rates: Dict[str, Optional[float]] = {}
        for before, after in zip(STEPS, STEPS[1:], strict=False):
            rates[f"{before}->{after}"] = self.counts[after] / self.counts[before] if self.counts[before] else None
        return rates


@dataclass
class Insights:
    currency: str
    total: Funnel = field(default_factory=Funnel)
    by_day_language: Dict[Tuple[str, str], Funnel] = field(default_factory=dict)
    minutes_to_pay: List[float] = field(default_factory=list)
    viewed: Counter = field(default_factory=Counter)
    bought: Counter = field(default_factory=Counter)
    handovers: int = 0
    suggestions: Counter = field(default_factory=Counter)  # shown, accepted, paid
    reminders: Counter = field(default_factory=Counter)  # sent, checked_out, paid
    unanswered: List[Tuple[str, str, int]] = field(default_factory=list)

    @property
    def average_order_value(self) -> Optional[Decimal]:
        return (
            (self.total.revenue / self.total.paid_orders).quantize(Decimal("0.01")) if self.total.paid_orders else None
        )


def paid_at(order: OrderRecord) -> Optional[float]:
    for entry in order.status_history:
        if entry.get("status") == "COMPLETED":
            return _epoch(entry["at"])
    return None


def _epoch(stamp: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(stamp).timestamp()


def compute(convs: Iterable[Conversation], ledger: Ledger, catalog: Catalog) -> Insights:
    orders_by_conversation: Dict[str, List[OrderRecord]] = {}
    for order in ledger.orders():
        orders_by_conversation.setdefault(order.conversation_id, []).append(order)
    result = Insights(catalog.currency)
    reviewed: List[Conversation] = []
    for conversation in convs:
        if not conversation.turns:
            continue
        reviewed.append(conversation)
        orders = [o for o in orders_by_conversation.get(conversation.sender_id, []) if o.kind == "cart"]
        paid = [o for o in orders if o.status in PAID]
        shown = [sku for value in conversation.slots_ever.get("shown_products", []) for sku in (value or [])]
        reached = {
            "conversations": True,
            "shown_products": bool(shown) or any(conversation.slots_ever.get("last_product", [])),
            "filled_cart": any(conversation.slots_ever.get("cart", [])) or bool(orders),
            "checked_out": bool(orders),
            "paid": bool(paid),
        }
        revenue = sum((net_amount(ledger, o) for o in paid), Decimal("0"))
        day = time.strftime("%Y-%m-%d", time.gmtime(conversation.started or 0))
        result.total.add(reached, revenue, len(paid))
        result.by_day_language.setdefault((day, conversation.language), Funnel()).add(reached, revenue, len(paid))
        result.viewed.update(set(shown))
        for order in paid:
            for item in order.items:
                result.bought[str(item.get("sku") or item.get("id"))] += int(item.get("quantity") or 1)
            at = paid_at(order)
            if at is not None and conversation.started:
                result.minutes_to_pay.append((at - conversation.started) / 60)
        result.handovers += int(any(t.intent == "human_handoff" for t in conversation.turns))
        result.suggestions.update(suggestion_steps(conversation, paid))
        result.reminders.update(reminder_steps(conversation, orders))
    unanswered = [
        i
        for i in review.collect(reviewed, catalog, more_names=review.payer_names(ledger))
        if any(r.startswith("fallback") for r in i.reasons)
    ]
    result.unanswered = [(i.language, i.message, i.seen) for i in sorted(unanswered, key=lambda i: -i.seen)[:10]]
    return result


def suggestion_steps(conversation: Conversation, paid: List[OrderRecord]) -> List[str]:
    """How far the conversation's one suggestion got: shown, then accepted (it went in
    the cart after it was suggested), then paid (a paid order of the conversation has it)."""
    suggested: Optional[str] = None
    accepted = False
    for name, value, _ in conversation.slot_history:
        if name == "suggested_product" and value:
            suggested = str(value)
        elif name == "cart" and suggested and isinstance(value, dict):
            accepted = accepted or any(variants.split_key(str(key))[0] == suggested for key in value)
    if suggested is None:
        return []
    steps = ["shown"] + (["accepted"] if accepted else [])
    if accepted and any(str(item.get("sku")) == suggested for order in paid for item in order.items):
        steps.append("paid")
    return steps


def reminder_steps(conversation: Conversation, orders: List[OrderRecord]) -> List[str]:
    """A cart reminder sent, and whether the cart came back: a checkout after it, then paid."""
    sent = [float(value) for name, value, _ in conversation.slot_history if name == "cart_reminder_sent" and value]
    if not sent:
        return []
    after = [order for order in orders if order.created_at and _epoch(order.created_at) >= sent[0]]
    return ["sent"] + (["checked_out"] if after else []) + (["paid"] if any(o.status in PAID for o in after) else [])


def net_amount(ledger: Ledger, order: OrderRecord) -> Decimal:
    refunded = sum(
        (Decimal(str(r["amount"])) for r in ledger.refunds(order.order_id) if r.get("status") != "FAILED"), Decimal("0")
    )
    return Decimal(order.amount) - refunded


def _duration(minutes: float) -> str:
    return f"{minutes * 60:.0f} s" if minutes < 10 else f"{minutes:.0f} min"


def _percent(value: Optional[float]) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def summary(result: Insights, catalog: Catalog) -> str:
    total = result.total
    lines = [
        "# Sales funnel",
        "",
        f"Written {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} by `make insights`.",
        "",
        "| step | conversations | from the step before |",
        "| --- | ---: | ---: |",
    ]
    rates = [None, *total.conversions().values()]
    for step, rate in zip(STEPS, rates, strict=True):
        lines.append(f"| {step.replace('_', ' ')} | {total.counts[step]} | {_percent(rate)} |")
    aov = result.average_order_value
    lines += [
        "",
        f"- Revenue (net of refunds): {result.currency} {total.revenue:.2f} from {total.paid_orders} paid order(s)",
        f"- Average order value: {'-' if aov is None else f'{result.currency} {aov}'}",
    ]
    if result.minutes_to_pay:
        ordered = sorted(result.minutes_to_pay)
        lines.append(
            f"- First message to payment: median {_duration(statistics.median(ordered))}, "
            f"slowest {_duration(ordered[-1])} ({len(ordered)} payments)"
        )
    lines.append(f"- Conversations handed to a person: {result.handovers}")
    shown = result.suggestions["shown"]
    lines.append(
        f"- Suggestions: {shown} shown, {result.suggestions['accepted']} accepted "
        f"({_percent(result.suggestions['accepted'] / shown if shown else None)}), "
        f"{result.suggestions['paid']} paid for"
    )
    lines.append(
        f"- Cart reminders: {result.reminders['sent']} sent, {result.reminders['checked_out']} carts brought back "
        f"to a checkout, {result.reminders['paid']} of them paid"
    )
    lines += [
        "",
        "## Per day and language",
        "",
        "| day | language | conversations | shown | cart | checkout | paid | revenue |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for (day, language), funnel in sorted(result.by_day_language.items()):
        c = funnel.counts
        lines.append(
            f"| {day} | {language} | {c['conversations']} | {c['shown_products']} | {c['filled_cart']} | "
            f"{c['checked_out']} | {c['paid']} | {funnel.revenue:.2f} |"
        )
    lines += [
        "",
        "## Products: viewed and bought",
        "",
        "| product | conversations that saw it | units bought |",
        "| --- | ---: | ---: |",
    ]
    for sku in sorted(set(result.viewed) | set(result.bought), key=lambda s: (-result.viewed[s], -result.bought[s], s))[
        :15
    ]:
        product = catalog.product(sku)
        lines.append(f"| {product.name('en') if product else sku} | {result.viewed[sku]} | {result.bought[sku]} |")
    lines += ["", "## Most frequent unanswered requests", ""]
    lines += [f'- ({language}) "{message}" x{seen}' for language, message, seen in result.unanswered] or ["- none"]
    return "\n".join(lines) + "\n"


def write(result: Insights, catalog: Catalog, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.md").write_text(summary(result, catalog), encoding="utf-8")
    with (out / "funnel.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["day", "language", *STEPS, "paid_orders", "revenue"])
        for (day, language), funnel in sorted(result.by_day_language.items()):
            writer.writerow(
                [day, language, *(funnel.counts[s] for s in STEPS), funnel.paid_orders, f"{funnel.revenue:.2f}"]
            )
    with (out / "products.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["sku", "viewed_in_conversations", "units_bought"])
        for sku in sorted(set(result.viewed) | set(result.bought)):
            writer.writerow([sku, result.viewed[sku], result.bought[sku]])
    with (out / "unanswered.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["language", "message", "seen"])
        writer.writerows(result.unanswered)
    charts(result, out)


def charts(result: Insights, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(7, 4))
    values = [result.total.counts[s] for s in STEPS]
    axis.barh([s.replace("_", " ") for s in STEPS][::-1], values[::-1], color="#3b7dd8")
    for y, value in enumerate(values[::-1]):
        axis.text(value, y, f" {value}", va="center")
    axis.set_title("Sales funnel (conversations reaching each step)")
    figure.tight_layout()
    figure.savefig(out / "funnel.png", dpi=110)
    plt.close(figure)

    days = sorted({day for day, _ in result.by_day_language})
    figure, axis = plt.subplots(figsize=(7, 4))
    for step in ("conversations", "filled_cart", "paid"):
        axis.plot(
            days,
            [sum(f.counts[step] for (d, _), f in result.by_day_language.items() if d == day) for day in days],
            marker="o",
            label=step.replace("_", " "),
        )
    axis.set_title("Per day")
    axis.legend()
    axis.grid(alpha=0.3)
    figure.autofmt_xdate()
    figure.tight_layout()
    figure.savefig(out / "daily.png", dpi=110)
    plt.close(figure)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="The shop's sales funnel from the tracker store and the ledger")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--tracker-store", help="a SQLAlchemy URL (default: the one Rasa uses, from the environment)")
    parser.add_argument("--ledger", help="the ledger's URL (default: DATABASE_URL)")
    args = parser.parse_args(argv)
    catalog = get_catalog()
    result = compute(
        conversations.read(args.tracker_store or conversations.tracker_store_url()), Ledger(args.ledger), catalog
    )
    write(result, catalog, args.out)
    counts: Dict[str, Any] = result.total.counts
    print(
        f"wrote {args.out}/summary.md: {counts['conversations']} conversations, {counts['paid']} paid, "
        f"{result.currency} {result.total.revenue:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
