"""Outcome-level conversation tests: the file format and its checks.

A conversation is what one customer does, step by step, with what must be true
after a step. Files live in tests/conversations/<language>/*.yml:

    conversations:
    - name: three chain locks by number word
      locale: nl_BE                     # optional: Messenger's locale for this customer
      steps:
      - user: do you do chain locks?    # a typed message
        expect:
          shown: [LCK-003]              # product cards shown in this step include these
      - tap: Add to cart                # a button or quick reply, by its title
        card: Guardian Chain Lock       # optional: the carousel card the button is on
      - user: make it three
        expect:
          cart: {LCK-003: 3}            # the cart, exactly (SKU, or "SKU:variant")
          total: "193.50"               # the cart's total from the catalog's prices
      - user: ready to pay
        expect:
          pay_link: true                # a PayPal pay button in this step's replies,
          pay_total: "198.45"           #   for this amount: the items plus shipping
      - pay: true                       # click "Pay Now" on the sandbox's approval page
                                        #   (pay: BE ships to the buyer's Belgian address)
      - ship: 3SKAAS1234567             # the merchant ships the paid order (PostNL), through
                                        #   the merchant API; ship: ready for a pickup order
        expect:
          paid: true                    # a receipt arrived

Other expectations: ``cart_includes`` (these lines, others allowed), ``shown_only``
(exactly these cards), ``shown_first`` (the cards begin with these, in this order), ``says`` (a text in one of this step's replies, any case),
``says_like`` (a regular expression found in the replies, any case: for what depends on today, a date),
``language`` (the conversation's language), ``handover`` (passed to a person),
``handover_says`` (the note the shop's people get with the handover has this text),
``quick_replies`` (this step offers quick replies). Messages are checked not to be
training examples: a conversation test must be new phrasing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Set

import yaml

from shop.catalog import PROJECT_ROOT

CONVERSATIONS = PROJECT_ROOT / "tests" / "conversations"
LANGUAGES = ("en", "nl")
STEP_KINDS = ("user", "tap", "pay", "ship")
STEP_KEYS = {*STEP_KINDS, "card", "expect"}
EXPECTATIONS = {
    "cart",
    "cart_includes",
    "total",
    "shown",
    "shown_only",
    "shown_first",
    "pay_link",
    "pay_total",
    "paid",
    "says",
    "says_not",
    "says_like",
    "language",
    "handover",
    "handover_says",
    "quick_replies",
}
CONVERSATION_KEYS = {"name", "steps", "locale"}


class FormatError(ValueError):
    """A conversation file that does not follow the format; the message says where."""


@dataclass(frozen=True)
class Step:
    kind: str
    value: Any
    card: Optional[str] = None
    expect: Mapping[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        return f"{self.kind}: {self.value}" + (f" (card {self.card})" if self.card else "")


@dataclass(frozen=True)
class Conversation:
    language: str
    file: str
    name: str
    steps: List[Step]
    locale: Optional[str] = None

    @property
    def id(self) -> str:
        return f"{self.language}/{Path(self.file).stem}: {self.name}"

    def asked_products(self) -> Set[str]:
        """The products the customer asks to have: every SKU a step expects in the cart."""
        return {
            str(key).split(":", 1)[0]
            for step in self.steps
            for name in ("cart", "cart_includes")
            for key in (step.expect.get(name) or {})
        }


def _step(raw: Any, where: str) -> Step:
    if not isinstance(raw, Mapping):
        raise FormatError(f"{where}: a step is a mapping with one of {', '.join(STEP_KINDS)}")
    unknown = set(raw) - STEP_KEYS
    kinds = [kind for kind in STEP_KINDS if kind in raw]
    if unknown or len(kinds) != 1:
        raise FormatError(
            f"{where}: a step has exactly one of {', '.join(STEP_KINDS)} (unknown keys: {sorted(unknown)})"
        )
    expect = raw.get("expect") or {}
    if not isinstance(expect, Mapping) or set(expect) - EXPECTATIONS:
        raise FormatError(
            f"{where}: unknown expectation(s) {sorted(set(expect) - EXPECTATIONS)}; known: {sorted(EXPECTATIONS)}"
        )
    if expect.get("pay_link") and "pay_total" not in expect:
        raise FormatError(f"{where}: pay_link: true needs pay_total, what the button asks (items plus shipping)")
    return Step(kinds[0], raw[kinds[0]], raw.get("card"), dict(expect))


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def load_file(path: Path, language: str) -> List[Conversation]:
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(document, Mapping) or not isinstance(document.get("conversations"), list):
        raise FormatError(f"{path}: needs a list 'conversations'")
    result = []
    for index, raw in enumerate(document["conversations"]):
        where = f"{_shown(path)}: conversation #{index + 1}"
        if not isinstance(raw, Mapping) or set(raw) - CONVERSATION_KEYS or not raw.get("name") or not raw.get("steps"):
            raise FormatError(f"{where}: needs 'name' and 'steps' (and optionally 'locale')")
        steps = [_step(step, f"{where} ({raw['name']}), step {n + 1}") for n, step in enumerate(raw["steps"])]
        result.append(Conversation(language, _shown(path), str(raw["name"]), steps, raw.get("locale")))
    return result


def load_all(root: Path = CONVERSATIONS) -> List[Conversation]:
    conversations: List[Conversation] = []
    for language in LANGUAGES:
        for path in sorted((root / language).glob("*.yml")):
            conversations += load_file(path, language)
    names = [c.id for c in conversations]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise FormatError(f"conversation names must be unique: {sorted(duplicates)}")
    return conversations


# --- the training data must not contain the test messages -------------------------------

ANNOTATION = re.compile(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})")


def normalized(text: str) -> str:
    return " ".join(re.sub(r"[?!.,]+$", "", text.strip().lower()).split())


def training_examples(root: Path = PROJECT_ROOT / "data" / "nlu") -> Set[str]:
    found: Set[str] = set()
    for path in root.rglob("*.yml"):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            for line in str(block.get("examples", "")).splitlines():
                line = line.strip()
                if line.startswith("- "):
                    found.add(normalized(ANNOTATION.sub(r"\1", line[2:])))
    return found


def typed_messages(conversations: List[Conversation]) -> Iterator[tuple[Conversation, str]]:
    for conversation in conversations:
        for step in conversation.steps:
            if step.kind == "user":
                yield conversation, str(step.value)


def leaked(conversations: List[Conversation]) -> List[str]:
    """Messages of the conversation tests that are also training examples."""
    training = training_examples()
    return [f"{c.id}: '{text}'" for c, text in typed_messages(conversations) if normalized(text) in training]


def counts(conversations: List[Conversation]) -> Dict[str, int]:
    return {language: sum(1 for c in conversations if c.language == language) for language in LANGUAGES}
