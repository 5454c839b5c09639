"""The review loop and the sales funnel, on a tracker store written by Rasa's own
SQLTrackerStore and a ledger written by the project's Ledger, built here."""

from __future__ import annotations

import asyncio
import shutil
import time
from decimal import Decimal
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest
import yaml

from analytics import conversations, insights, review, review_apply
from analytics.masking import mask
from shop.catalog import get_catalog
from shop.ledger import Ledger

ROOT = Path(__file__).resolve().parents[3]
DAY_1 = time.time() - 3 * 86400
DAY_2 = time.time() - 2 * 86400


# --- masking -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, masked",
    [
        ("my name is Tom Baker and I want a lamp", "my name is <name> and I want a lamp"),
        ("Hello, I'm Sarah Connor", "Hello, I'm <name>"),
        ("ik heet Jan de Vries", "ik heet <name>"),
        ("mijn naam is Sanne Janssens, groetjes", "mijn naam is <name>, groetjes"),
        ("Groeten, Pieter van den Berg", "Groeten, <name>"),
        ("mail me at tom.baker@example.com", "mail me at <email>"),
        ("mijn mail is jan.devries@example.nl", "mijn mail is <email>"),
        ("call me on +44 20 7946 0958 please", "call me on <phone> please"),
        ("bel me op 06-12345678", "bel me op <phone>"),
        ("mijn nummer is 0470 12 34 56", "mijn nummer is <phone>"),
        ("order 5O190127TN364715T never arrived", "order <order id> never arrived"),
        ("waar blijft bestelling 8MC585209K746392H", "waar blijft bestelling <order id>"),
        ("mijn iban is NL91 ABNA 0417 1643 00", "mijn iban is <iban>"),
        # shopping words are not personal data
        ("I'm looking for 2 lights under 25 euro", "I'm looking for 2 lights under 25 euro"),
        ("ik ben op zoek naar een helm voor mijn dochter", "ik ben op zoek naar een helm voor mijn dochter"),
        ("add two ember rear lights to my cart", "add two ember rear lights to my cart"),
    ],
)
def test_personal_data_is_masked_in_both_languages(text: str, masked: str) -> None:
    assert mask(text) == masked


def test_names_the_conversation_knows_are_masked_wherever_they_appear() -> None:
    assert (
        mask("thanks, this is for sam. BUYER here", known_names=["Sam Buyer"])
        == "thanks, this is for <name>. <name> here"
    )


# --- a tracker store and a ledger built for the tests ------------------------------------------------


def user(
    text: str,
    intent: str,
    at: float,
    confidence: float = 0.95,
    entities: Optional[List[Dict[str, Any]]] = None,
    ranking: Optional[List[Dict[str, Any]]] = None,
    metadata: Optional[Dict[str, Any]] = None,
) -> Any:
    from rasa.shared.core.events import UserUttered

    parse = {
        "intent": {"name": intent, "confidence": confidence},
        "entities": entities or [],
        "intent_ranking": ranking or [{"name": intent, "confidence": confidence}],
        "text": text,
    }
    return UserUttered(text, parse["intent"], entities or [], parse, timestamp=at, metadata=metadata or {})


def bot(text: str, at: float) -> Any:
    from rasa.shared.core.events import BotUttered

    return BotUttered(text, timestamp=at)


def action(name: str, at: float) -> Any:
    from rasa.shared.core.events import ActionExecuted

    return ActionExecuted(name, timestamp=at)


def slot(name: str, value: Any, at: float) -> Any:
    from rasa.shared.core.events import SlotSet

    return SlotSet(name, value, timestamp=at)


def conversations_for_tests() -> Dict[str, List[Any]]:
    d1, d2 = DAY_1, DAY_2
    return {
        "c1": [
            slot("language", "en", d1),
            user("hi", "greet", d1),
            action("utter_greet", d1 + 1),
            bot("Hi! What are you looking for?", d1 + 1),
        ],
        "c2": [
            user("show me your lights", "browse_catalog", d1 + 10),
            slot("shown_products", ["LGT-001", "LGT-002"], d1 + 11),
            slot("language", "en", d1 + 11),
        ],
        "c3": [
            slot("language", "nl", d1 + 20),
            user("laat lampen zien", "browse_catalog", d1 + 20),
            slot("shown_products", ["LGT-002"], d1 + 21),
            user("doe er een in mijn mandje", "add_to_cart", d1 + 22, confidence=0.45),
            slot("cart", {"LGT-002": 1}, d1 + 23),
            slot("cart_reminder_sent", d1 + 9000, d1 + 9000),
        ],
        "c4": [
            slot("language", "en", d2),
            user("show me locks", "browse_catalog", d2),
            slot("shown_products", ["LCK-001"], d2 + 1),
            user("add the coil lock", "add_to_cart", d2 + 2),
            slot("cart", {"LCK-001": 1}, d2 + 3),
            slot("suggested_product", "LCK-002", d2 + 3),
            slot("cart_reminder_sent", d2 + 3.5, d2 + 3.5),
            user("checkout", "checkout", d2 + 4),
        ],
        "c5": [
            slot("language", "nl", d2 + 10),
            user("twee achterlichten", "add_to_cart", d2 + 10),
            slot("shown_products", ["LGT-002"], d2 + 11),
            slot("cart", {"LGT-002": 2}, d2 + 11),
            slot("suggested_product", "LGT-001", d2 + 11),
            user("ja", "affirm", d2 + 11.5),
            slot("cart", {"LGT-002": 2, "LGT-001": 1}, d2 + 11.5),
            user("afrekenen", "checkout", d2 + 12),
            slot("cart", {}, d2 + 600),
        ],
        "c6": [
            slot("language", "en", d2 + 20),
            user("show me helmets", "browse_catalog", d2 + 20),
            slot("last_product", "HLM-001", d2 + 21),
            slot("suggested_product", "LGT-003", d2 + 21.6),
            slot("cart", {"HLM-001:M": 1, "LGT-003": 1}, d2 + 22),
            user("pay", "checkout", d2 + 23),
            slot("cart", {}, d2 + 900),
        ],
        "c7": [
            slot("language", "en", d2 + 30),
            user("do you sell unicycles", "nlu_fallback", d2 + 30, confidence=0.3),
            action("action_answer_out_of_scope", d2 + 31),
            bot("Sorry, I can only help with the shop.", d2 + 31),
            user(
                "my email is tom@example.com, can I talk to a person",
                "human_handoff",
                d2 + 32,
                confidence=0.55,
                ranking=[{"name": "human_handoff", "confidence": 0.55}, {"name": "order_status", "confidence": 0.5}],
            ),
        ],
    }


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def stores(request, tmp_path_factory) -> Iterator[Dict[str, Any]]:
    """The same conversations and orders in SQLite files, or in a real PostgreSQL."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    from harness.cluster import DB_NAME, DB_USER, LOCAL_DB_PASSWORD, start_postgres
    from harness.servers import free_port

    directory = tmp_path_factory.mktemp("analytics")
    domain = Domain.load(str(ROOT / "domain"))
    postgres = None
    if request.param == "sqlite":
        store = SQLTrackerStore(domain, dialect="sqlite", db=str(directory / "tracker.db"))
        tracker_url, ledger_url = f"sqlite:///{directory / 'tracker.db'}", f"sqlite:///{directory / 'orders.db'}"
    else:
        port = free_port()
        postgres = start_postgres(directory / "postgres", port, directory, fresh=True)
        store = SQLTrackerStore(
            domain,
            dialect="postgresql",
            host="127.0.0.1",
            port=port,
            db=DB_NAME,
            username=DB_USER,
            password=LOCAL_DB_PASSWORD,
        )
        tracker_url = ledger_url = f"postgresql://{DB_USER}:{LOCAL_DB_PASSWORD}@127.0.0.1:{port}/{DB_NAME}"

    async def save_all() -> None:
        for sender, events in conversations_for_tests().items():
            await store.save(DialogueStateTracker.from_events(sender, events, domain.slots))

    try:
        asyncio.run(save_all())
        yield {"tracker": tracker_url, "ledger": fill_ledger(Ledger(ledger_url)), "directory": directory}
    finally:
        store.engine.dispose()
        if postgres is not None:
            postgres.stop()


def fill_ledger(ledger: Ledger) -> Ledger:
    ledger.record_order("ORDER-C4", "c4", [{"sku": "LCK-001", "quantity": 1}], "39.00", "EUR", "CREATED", None)
    ledger.record_order(
        "ORDER-C5",
        "c5",
        [{"sku": "LGT-002", "quantity": 2}, {"sku": "LGT-001", "quantity": 1}],
        "29.00",
        "EUR",
        "CREATED",
        None,
    )
    ledger.update("ORDER-C5", "COMPLETED", capture_id="CAP-C5")
    ledger.record_order("ORDER-C6", "c6", [{"sku": "HLM-001", "quantity": 1}], "45.00", "EUR", "CREATED", None)
    ledger.update("ORDER-C6", "COMPLETED", capture_id="CAP-C6")
    ledger.record_refund("REFUND-C6", "ORDER-C6", "5.00", "EUR", "COMPLETED")
    return ledger


def test_the_funnel_counts_and_converts_exactly(stores: Dict[str, Any]) -> None:
    result = insights.compute(conversations.read(stores["tracker"]), stores["ledger"], get_catalog())
    assert result.total.counts == {
        "conversations": 7,
        "shown_products": 5,
        "filled_cart": 4,
        "checked_out": 3,
        "paid": 2,
    }
    assert result.total.conversions() == {
        "conversations->shown_products": 5 / 7,
        "shown_products->filled_cart": 4 / 5,
        "filled_cart->checked_out": 3 / 4,
        "checked_out->paid": 2 / 3,
    }
    assert result.total.revenue == Decimal("69.00") and result.average_order_value == Decimal("34.50")
    day_1, day_2 = (time.strftime("%Y-%m-%d", time.gmtime(day)) for day in (DAY_1, DAY_2))
    assert {key: funnel.counts for key, funnel in result.by_day_language.items()} == {
        (day_1, "en"): {"conversations": 2, "shown_products": 1, "filled_cart": 0, "checked_out": 0, "paid": 0},
        (day_1, "nl"): {"conversations": 1, "shown_products": 1, "filled_cart": 1, "checked_out": 0, "paid": 0},
        (day_2, "en"): {"conversations": 3, "shown_products": 2, "filled_cart": 2, "checked_out": 2, "paid": 1},
        (day_2, "nl"): {"conversations": 1, "shown_products": 1, "filled_cart": 1, "checked_out": 1, "paid": 1},
    }
    assert result.by_day_language[(day_2, "nl")].revenue == Decimal("29.00")
    assert result.viewed["LGT-002"] == 3 and result.bought == {"LGT-002": 2, "LGT-001": 1, "HLM-001": 1}
    assert result.handovers == 1
    # c4 ignored its suggestion; c5 took it and paid for it; c6 took it (variant line) and paid without it
    assert result.suggestions == {"shown": 3, "accepted": 2, "paid": 1}
    # c3 was reminded and never came back; c4 was reminded, then checked out (not paid)
    assert result.reminders == {"sent": 2, "checked_out": 1}
    assert [(language, message) for language, message, _ in result.unanswered] == [("en", "do you sell unicycles")]
    assert len(result.minutes_to_pay) == 2 and all(minutes > 60 * 24 for minutes in result.minutes_to_pay)


def test_insights_writes_its_summary_csv_and_charts(stores: Dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "insights"
    assert (
        insights.main(["--out", str(out), "--tracker-store", stores["tracker"], "--ledger", stores["ledger"].url]) == 0
    )
    summary = (out / "summary.md").read_text()
    assert "- Suggestions: 3 shown, 2 accepted (66.7%), 1 paid for" in summary
    assert "- Cart reminders: 2 sent, 1 carts brought back to a checkout, 0 of them paid" in summary
    assert "| paid | 2 | 66.7% |" in summary and "EUR 69.00 from 2 paid order(s)" in summary
    funnel = (out / "funnel.csv").read_text().splitlines()
    assert (
        funnel[0] == "day,language,conversations,shown_products,filled_cart,checked_out,paid,paid_orders,revenue"
        and len(funnel) == 5
    )
    assert (out / "funnel.png").stat().st_size > 1000 and (out / "daily.png").stat().st_size > 1000


def test_review_lists_what_a_designer_should_see_masked(stores: Dict[str, Any]) -> None:
    items = review.collect(conversations.read(stores["tracker"]), get_catalog())
    by_message = {item.message: item for item in items}
    assert "fallback or out of scope" in by_message["do you sell unicycles"].reasons
    handoff = by_message["my email is <email>, can I talk to a person"]
    assert "asked for a person" in handoff.reasons and "low confidence 0.55" in handoff.reasons
    assert any(reason.startswith("close to order_status") for reason in handoff.reasons)
    assert handoff.bot_before == "Sorry, I can only help with the shop."
    assert "last message before an abandoned cart" in by_message["checkout"].reasons  # c4 never paid
    assert "low confidence 0.45" in by_message["doe er een in mijn mandje"].reasons
    assert by_message["doe er een in mijn mandje"].language == "nl"
    assert "hi" not in by_message and "afrekenen" not in by_message  # understood, and paid
    assert [item.last_seen for item in items] == sorted((item.last_seen for item in items), reverse=True)


# --- applying a review ----------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for part in ("domain", "data/nlu", "tests/nlu"):
        shutil.copytree(ROOT / part, tmp_path / part)
    return tmp_path


def write_review(path: Path, items: Dict[str, List[Dict[str, Any]]]) -> Path:
    path.write_text(yaml.safe_dump({"languages": items}, allow_unicode=True))
    return path


def test_review_apply_adds_corrections_and_refuses_what_it_must(project: Path) -> None:
    review_file = write_review(
        project / "review.yml",
        {
            "en": [
                {
                    "message": "stick a beacon front light in the basket",
                    "intent": "add_to_cart",
                    "entities": [{"text": "beacon front light", "entity": "product", "value": "LGT-001"}],
                },
                {"message": "do you sell unicycles", "intent": "out_of_scope", "entities": []},
                {"message": "hey hey", "intent": "greet", "entities": []},  # held out
                {"message": "what do you sell?", "intent": "browse_catalog", "entities": []},  # already trained
                {"message": "teleport me", "intent": "teleport", "entities": []},  # unknown intent
                {"message": "call <name> please", "intent": "human_handoff", "entities": []},  # masked data
                {"message": "hi\n- intent: greet", "intent": "greet", "entities": []},  # two lines
                {"message": "something odd", "intent": "skip"},
                {"message": "undecided", "intent": ""},
            ],
            "nl": [
                {
                    "message": "heb je een bel",
                    "intent": "browse_catalog",
                    "entities": [{"text": "bel", "entity": "category"}],
                }
            ],
        },
    )
    outcome = review_apply.apply(review_file, project)
    assert [(path, intent) for path, intent, _ in outcome.added] == [
        ("data/nlu/en/shop.yml", "add_to_cart"),
        ("data/nlu/en/conversation.yml", "out_of_scope"),
        ("data/nlu/nl/shop.yml", "browse_catalog"),
    ]
    assert outcome.added[0][2] == 'stick a [beacon front light]{"entity": "product", "value": "LGT-001"} in the basket'
    assert len(outcome.skipped) == 2 and len(outcome.refused) == 4
    refusals = " | ".join(outcome.refused)
    assert "held-out" in refusals and "unknown intent 'teleport'" in refusals and "masked personal data" in refusals
    assert "several lines" in refusals
    trained = dict((example, intent) for intent, example in review_apply.examples_in(project / "data/nlu/en/shop.yml"))
    assert (
        trained['stick a [beacon front light]{"entity": "product", "value": "LGT-001"} in the basket'] == "add_to_cart"
    )
    assert ("browse_catalog", "heb je een [bel](category)") in review_apply.examples_in(
        project / "data/nlu/nl/shop.yml"
    )
    again = review_apply.apply(review_file, project)  # applying twice adds nothing twice
    assert again.added == [] and len(again.skipped) == 5


def test_an_entity_not_in_the_message_or_domain_is_refused(project: Path) -> None:
    review_file = write_review(
        project / "review.yml",
        {
            "en": [
                {
                    "message": "two locks please",
                    "intent": "add_to_cart",
                    "entities": [{"text": "three", "entity": "quantity"}],
                },
                {"message": "a red helmet", "intent": "add_to_cart", "entities": [{"text": "red", "entity": "colour"}]},
            ]
        },
    )
    outcome = review_apply.apply(review_file, project)
    assert outcome.added == [] and len(outcome.refused) == 2
    assert "not in the message" in outcome.refused[0] and "unknown entity 'colour'" in outcome.refused[1]
