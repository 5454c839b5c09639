"""`make review`: the customer messages worth a designer's look, from the tracker store,
written to a review file (YAML) per run that `make review-apply` reads back.

A message is listed when NLU fell back or answered out of scope, was unsure (low
confidence, or two intents close together), named a product or category the
catalog does not know, was a repeat of the customer's previous message, asked for
a person, or was the last word of a conversation that left a filled cart unpaid.
Messages are masked (analytics/masking.py) before anything is written; the same
masked message from several customers is one item with a count; newest first.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional

import yaml

from analytics import conversations
from analytics.conversations import Conversation, UserTurn
from analytics.masking import mask
from shop.catalog import Catalog, get_catalog
from shop.finder import finder_for
from shop.ledger import Ledger

REVIEW_FILE = Path(__file__).resolve().parent.parent / "results" / "review" / "review.yml"
LOW_CONFIDENCE = 0.6
CLOSE_MARGIN = 0.1
FALLBACK_ACTIONS = frozenset(
    {"action_answer_out_of_scope", "action_default_fallback", "utter_default", "utter_out_of_scope"}
)
SKIP = "skip"


@dataclass
class Item:
    message: str
    language: str
    predicted: str
    confidence: float
    reasons: List[str]
    bot_before: str
    last_seen: float
    seen: int = 1
    second: Optional[str] = None
    entities: List[Dict[str, Any]] = field(default_factory=list)

    @property
    def key(self) -> str:
        return hashlib.sha1(f"{self.language}:{normalised(self.message)}".encode()).hexdigest()[:10]


def normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower().rstrip("?!. "))


def typed(turn: UserTurn) -> bool:
    """Written by the customer: not a button payload the bot sent, not an event of the
    paypal channel (Rasa's ``EXTERNAL:`` messages)."""
    return not turn.text.startswith(("/", "EXTERNAL:"))


def reasons_for(turn: UserTurn, previous: Optional[UserTurn], catalog: Catalog, threshold: float) -> List[str]:
    reasons = []
    if turn.intent == "nlu_fallback" or FALLBACK_ACTIONS & set(turn.actions_after):
        reasons.append("fallback or out of scope")
    if turn.intent not in (None, "nlu_fallback") and turn.confidence < threshold:
        reasons.append(f"low confidence {turn.confidence:.2f}")
    ranking = [r for r in turn.ranking if r.get("name") != "nlu_fallback"]
    if (
        len(ranking) > 1
        and float(ranking[0].get("confidence") or 0) - float(ranking[1].get("confidence") or 0) < CLOSE_MARGIN
    ):
        reasons.append(f"close to {ranking[1].get('name')} ({float(ranking[1].get('confidence') or 0):.2f})")
    for entity in turn.entities:
        if not _resolves(entity, catalog):
            reasons.append(f"{entity.get('entity')} not in the catalog: {entity.get('value')}")
    if previous is not None and normalised(previous.text) == normalised(turn.text):
        reasons.append("repeated by the customer")
    if turn.intent == "human_handoff":
        reasons.append("asked for a person")
    return reasons


def _resolves(entity: Dict[str, Any], catalog: Catalog) -> bool:
    value = str(entity.get("value") or "")
    if entity.get("entity") == "product":
        resolution = finder_for(catalog).resolve(value)
        return resolution.product is not None or bool(resolution.candidates)
    if entity.get("entity") == "category":
        return catalog.category(value) is not None or finder_for(catalog).find(value).category is not None
    return True


def abandoned(conversation: Conversation) -> bool:
    """The conversation ended with a filled cart (a paid cart is emptied)."""
    return bool(conversation.slots.get("cart"))


def collect(
    convs: Iterable[Conversation],
    catalog: Catalog,
    threshold: float = LOW_CONFIDENCE,
    more_names: Optional[Dict[str, List[str]]] = None,
) -> List[Item]:
    """The items to review, grouped by masked message and language, newest first.
    ``more_names``: names per conversation known elsewhere (the payer names in the ledger)."""
    items: Dict[str, Item] = {}
    for conversation in convs:
        names = conversation.known_names() + (more_names or {}).get(conversation.sender_id, [])
        written = [t for t in conversation.turns if typed(t)]
        for index, turn in enumerate(written):
            reasons = reasons_for(turn, written[index - 1] if index else None, catalog, threshold)
            if index == len(written) - 1 and abandoned(conversation):
                reasons.append("last message before an abandoned cart")
            if not reasons:
                continue
            ranking = [r for r in turn.ranking if r.get("name") not in (turn.intent, "nlu_fallback")]
            item = Item(
                message=mask(turn.text.lstrip("\u2060"), names),
                language=conversation.language,
                predicted=str(turn.intent),
                confidence=round(turn.confidence, 2),
                reasons=reasons,
                bot_before=mask(turn.bot_before, names)[:200],
                last_seen=turn.timestamp,
                second=str(ranking[0].get("name")) if ranking else None,
                entities=[
                    {"entity": e.get("entity"), "value": mask(str(e.get("value")), names)} for e in turn.entities
                ],
            )
            known = items.get(item.key)
            if known is None:
                items[item.key] = item
            else:
                known.seen += 1
                known.reasons = sorted(set(known.reasons) | set(reasons))
                if item.last_seen > known.last_seen:
                    known.last_seen, known.bot_before = item.last_seen, item.bot_before
    return sorted(items.values(), key=lambda i: -i.last_seen)


def payer_names(ledger: Ledger) -> Dict[str, List[str]]:
    """The payers' names PayPal gave, per conversation: the bot repeats them in its receipts."""
    names: Dict[str, List[str]] = {}
    for order in ledger.orders():
        if order.payer_name:
            names.setdefault(order.conversation_id, []).append(order.payer_name)
    return names


def review_document(items: List[Item]) -> Dict[str, Any]:
    by_language: Dict[str, List[Dict[str, Any]]] = {"en": [], "nl": []}
    for item in items:
        by_language.setdefault(item.language, []).append(
            {
                "id": item.key,
                "message": item.message,
                "seen": item.seen,
                "last_seen": time.strftime("%Y-%m-%d %H:%M", time.gmtime(item.last_seen)),
                "why": item.reasons,
                "bot_before": item.bot_before,
                "predicted": {
                    "intent": item.predicted,
                    "confidence": item.confidence,
                    "next_best": item.second,
                    "entities": item.entities,
                },
                "intent": "",
                "entities": [],
            }
        )
    return {"languages": by_language}


HEADER = """# Kassa review file, written by `make review` on {when}.
# For each message: set `intent` to the intent it should have had (see domain/shop.yml),
# and list its entities as {{text: words in the message, entity: name, value: catalog id}};
# or set `intent: skip`. Leave `intent` empty to decide later.
# Then `make review-apply` adds the corrected messages to data/nlu/<language>/.
# Personal data is masked: <name>, <email>, <phone>, <order id>, <iban>.
"""


def write(items: List[Item], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = HEADER.format(when=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
    text += yaml.safe_dump(review_document(items), allow_unicode=True, sort_keys=False, width=120)
    path.write_text(text, encoding="utf-8")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="List customer messages worth a designer's look")
    parser.add_argument(
        "--threshold", type=float, default=LOW_CONFIDENCE, help="intent confidence below which a message is listed"
    )
    parser.add_argument("--out", type=Path, default=REVIEW_FILE)
    parser.add_argument("--tracker-store", help="a SQLAlchemy URL (default: the one Rasa uses, from the environment)")
    parser.add_argument("--ledger", help="the ledger's URL, for the payers' names to mask (default: DATABASE_URL)")
    args = parser.parse_args(argv)
    url = args.tracker_store or conversations.tracker_store_url()
    items = collect(conversations.read(url), get_catalog(), args.threshold, payer_names(Ledger(args.ledger)))
    write(items, args.out)
    counts = {lang: sum(1 for i in items if i.language == lang) for lang in ("en", "nl")}
    print(f"wrote {args.out}: {counts['en']} English and {counts['nl']} Dutch message(s) to review")
    return 0


if __name__ == "__main__":
    sys.exit(main())
