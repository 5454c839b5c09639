"""`make review-apply`: the messages a designer corrected in the review file, added to
the training data of their language, then `make validate`.

For each item with an `intent` (not empty, not `skip`): the intent and its entities
must be in the domain, each entity's `text` must be words of the message, the
message must not hold masked personal data, and it must be neither a held-out test
phrasing (tests/nlu/) nor already in the training data. An accepted message is
appended, with its entity annotations, to the examples of its intent in
data/nlu/<language>/ (the first file that has the intent; reviewed.yml if none).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Set, Tuple

import yaml

from analytics.review import REVIEW_FILE, SKIP, normalised

ROOT = Path(__file__).resolve().parent.parent
APPLIED_FILE = REVIEW_FILE.parent / "applied.yml"
PLACEHOLDER = re.compile(r"<(?:name|email|phone|order id|iban)>")
ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


class ReviewError(ValueError):
    """The review file cannot be read."""


@dataclass
class Outcome:
    added: List[Tuple[str, str, str]] = field(default_factory=list)  # (file, intent, example)
    entities: List[List[Dict[str, str]]] = field(default_factory=list)  # the entities of each added example
    skipped: List[str] = field(default_factory=list)
    refused: List[str] = field(default_factory=list)


def plain(example: str) -> str:
    """A training example without its entity annotations, normalised."""
    return normalised(ANNOTATION.sub(r"\1", example))


def examples_in(path: Path) -> List[Tuple[str, str]]:
    """(intent, example) of an NLU file."""
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    found = []
    for block in document.get("nlu") or []:
        if "intent" in block:
            for line in str(block.get("examples") or "").splitlines():
                if line.strip().startswith("- "):
                    found.append((str(block["intent"]), line.strip()[2:]))
    return found


def annotate(message: str, entities: List[Dict[str, Any]]) -> str:
    """The message with each entity's words marked, Rasa's way."""
    annotated = message
    for entity in entities:
        words = str(entity["text"])
        start = annotated.lower().find(words.lower())
        original = annotated[start : start + len(words)]
        value = entity.get("value")
        if value is not None and str(value) != original:
            mark = f"[{original}]" + json.dumps({"entity": entity["entity"], "value": str(value)}, ensure_ascii=False)
        else:
            mark = f"[{original}]({entity['entity']})"
        annotated = annotated[:start] + mark + annotated[start + len(words) :]
    return annotated


def problems(item: Dict[str, Any], intents: Set[str], entity_names: Set[str]) -> List[str]:
    found = []
    message = str(item.get("message") or "")
    if str(item["intent"]) not in intents:
        found.append(f"unknown intent {item['intent']!r} (domain/shop.yml lists the intents)")
    if PLACEHOLDER.search(message):
        found.append("holds masked personal data: write the message without it")
    if any(mark in message for mark in ("\n", "\r", "\u2028", "\u2029")):
        found.append("spans several lines: an NLU example is one line, so write it on one line")
    for entity in item.get("entities") or []:
        if not isinstance(entity, dict) or not entity.get("text") or not entity.get("entity"):
            found.append(f"an entity needs text and entity: {entity!r}")
        elif entity["entity"] not in entity_names:
            found.append(f"unknown entity {entity['entity']!r}")
        elif str(entity["text"]).lower() not in message.lower():
            found.append(f"entity text {entity['text']!r} is not in the message")
    return found


def insert_example(path: Path, intent: str, example: str) -> None:
    """Append an example to the intent's block, keeping the file as the designers wrote it."""
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else ['version: "3.1"', "nlu:"]
    header = next((i for i, line in enumerate(lines) if re.fullmatch(rf"- intent: {re.escape(intent)}\s*", line)), None)
    if header is None:
        lines += [f"- intent: {intent}", "  examples: |", f"    - {example}"]
    else:
        end = header + 1
        while end < len(lines) and not lines[end].startswith("- "):
            end += 1
        while end > header + 1 and not lines[end - 1].strip():
            end -= 1
        lines.insert(end, f"    - {example}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def apply(review_path: Path, root: Path = ROOT) -> Outcome:
    try:
        document = yaml.safe_load(review_path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise ReviewError(f"{review_path}: {error}") from None
    domain = yaml.safe_load((root / "domain" / "shop.yml").read_text(encoding="utf-8"))
    intents, entity_names = set(domain["intents"]), set(domain["entities"])
    outcome = Outcome()
    for language, items in (document.get("languages") or {}).items():
        folder = root / "data" / "nlu" / language
        files = sorted(folder.glob("*.yml"))
        training = {plain(example): path for path in files for _, example in examples_in(path)}
        held_out_path = root / "tests" / "nlu" / f"{language}.yml"
        held_out = {plain(example) for _, example in examples_in(held_out_path)} if held_out_path.exists() else set()
        for item in items or []:
            intent = str(item.get("intent") or "").strip()
            message = str(item.get("message") or "").lstrip("\u2060").strip()
            if not intent:
                continue
            if intent == SKIP:
                outcome.skipped.append(message)
                continue
            item = {**item, "intent": intent, "message": message}
            found = problems(item, intents, entity_names)
            if plain(message) in held_out:
                found.append(f"is a held-out test phrasing in tests/nlu/{language}.yml: never train on it")
            if found:
                outcome.refused.append(f"({language}) {message!r}: " + "; ".join(found))
                continue
            if plain(message) in training:
                outcome.skipped.append(f"{message} (already in {training[plain(message)].relative_to(root)})")
                continue
            target = next((p for p in files if any(i == intent for i, _ in examples_in(p))), folder / "reviewed.yml")
            example = annotate(message, list(item.get("entities") or []))
            insert_example(target, intent, example)
            training[plain(message)] = target
            outcome.added.append((str(target.relative_to(root)), intent, example))
            outcome.entities.append(
                [
                    {"entity": str(e["entity"]), "value": str(e.get("value") or e["text"])}
                    for e in item.get("entities") or []
                ]
            )
    return outcome


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Add the corrected messages of the review file to the training data")
    parser.add_argument("--review", type=Path, default=REVIEW_FILE)
    parser.add_argument("--no-validate", action="store_true", help="skip `make validate` afterwards")
    args = parser.parse_args(argv)
    try:
        outcome = apply(args.review)
    except ReviewError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for path, intent, example in outcome.added:
        print(f"added to {path} ({intent}): {example}")
    if outcome.added:  # what `make review-check` asks the next model about
        applied = [
            {"message": ANNOTATION.sub(r"\1", example), "intent": intent, "entities": entities, "file": path}
            for (path, intent, example), entities in zip(outcome.added, outcome.entities, strict=True)
        ]
        APPLIED_FILE.parent.mkdir(parents=True, exist_ok=True)
        APPLIED_FILE.write_text(
            yaml.safe_dump({"applied": applied}, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
    for message in outcome.skipped:
        print(f"skipped: {message}")
    for refusal in outcome.refused:
        print(f"refused: {refusal}", file=sys.stderr)
    print(f"{len(outcome.added)} added, {len(outcome.skipped)} skipped, {len(outcome.refused)} refused")
    if outcome.added and not args.no_validate:
        validated = subprocess.run([sys.executable, "-m", "scripts.validate"], cwd=ROOT)
        if validated.returncode != 0:
            print("make validate failed on the new examples: fix them in data/nlu/ or the review file", file=sys.stderr)
            return validated.returncode
        print("make validate passed; `make train` to learn them, then `make review-check`")
    return 1 if outcome.refused else 0


if __name__ == "__main__":
    sys.exit(main())
