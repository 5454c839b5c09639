"""`make nlu-thresholds`: what config.yml's FallbackClassifier thresholds do to held-out
messages, so that a designer can move them knowing the cost.

Reads every held-out message of tests/nlu/<language>.yml with the trained model and
takes DIET's own ranking (before the fallback). For each candidate threshold it counts
the messages the bot would ask about (top confidence below the threshold, or the top two
closer than the ambiguity threshold), those it would act on rightly, and those it would
act on wrongly: a wrong action is worse than a question. Writes results/nlu/thresholds.md.
"""

from __future__ import annotations

import asyncio
import re
import sys
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

import yaml

from analytics.review_check import parse_all
from scripts.nlu_report import LANGUAGES, MODEL, write_results
from shop.catalog import PROJECT_ROOT

CANDIDATES = (0.3, 0.4, 0.5, 0.6, 0.7)
FALLBACK = "nlu_fallback"
ENTITY_MARK = re.compile(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})")  # "[two](quantity)" -> "two"


@dataclass(frozen=True)
class Reading:
    wanted: str
    top: str
    confidence: float
    margin: float  # top confidence minus the second's


def configured() -> Tuple[float, float]:
    """config.yml's FallbackClassifier threshold and ambiguity threshold."""
    config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text(encoding="utf-8"))
    fallback = next(part for part in config["pipeline"] if part["name"] == "FallbackClassifier")
    return float(fallback["threshold"]), float(fallback["ambiguity_threshold"])


def held_out(language: str) -> List[Tuple[str, str]]:
    """(text, intent) of the held-out set, entity marks removed."""
    document = yaml.safe_load((PROJECT_ROOT / "tests" / "nlu" / f"{language}.yml").read_text(encoding="utf-8"))
    pairs = []
    for block in document.get("nlu") or []:
        for line in str(block.get("examples", "")).splitlines():
            if line.strip().startswith("- "):
                pairs.append((ENTITY_MARK.sub(r"\1", line.strip()[2:].strip()), str(block["intent"])))
    return pairs


def reading(wanted: str, parsed: Dict[str, Any]) -> Reading:
    ranking: List[Dict[str, Any]] = [r for r in parsed.get("intent_ranking") or [] if r.get("name") != FALLBACK]
    top = str(ranking[0]["name"]) if ranking else ""
    first = float(ranking[0]["confidence"]) if ranking else 0.0
    second = float(ranking[1]["confidence"]) if len(ranking) > 1 else 0.0
    return Reading(wanted, top, first, first - second)


def counts(readings: Sequence[Reading], threshold: float, ambiguity: float) -> Dict[str, int]:
    asked = right = wrong = 0
    for r in readings:
        if r.confidence < threshold or r.margin < ambiguity:
            asked += 1
        elif r.top == r.wanted:
            right += 1
        else:
            wrong += 1
    return {"asked": asked, "right": right, "wrong": wrong}


def report(readings: Dict[str, List[Reading]], threshold: float, ambiguity: float) -> str:
    lines = [
        "# NLU thresholds on held-out messages",
        "",
        f"config.yml: FallbackClassifier threshold {threshold}, ambiguity_threshold {ambiguity}.",
        "Per candidate threshold (ambiguity as configured): messages the bot would ask about,",
        "act on rightly, and act on wrongly (the intent it acts on is not the one meant).",
        "",
        "| threshold | " + " | ".join(f"{LANGUAGES[lang]} asked / right / wrong" for lang in readings) + " |",
        "| ---: | " + " | ".join("---:" for _ in readings) + " |",
    ]
    for candidate in sorted({*CANDIDATES, threshold}):
        cells = []
        for found in readings.values():
            c = counts(found, candidate, ambiguity)
            cells.append(f"{c['asked']} / {c['right']} / {c['wrong']} of {len(found)}")
        mark = " (configured)" if candidate == threshold else ""
        lines.append(f"| {candidate}{mark} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: Optional[List[str]] = None) -> int:
    if not MODEL.exists():
        print(f"error: {MODEL} is missing: run `make train`", file=sys.stderr)
        return 2
    readings: Dict[str, List[Reading]] = {}
    for language in LANGUAGES:
        pairs = held_out(language)
        parsed = asyncio.run(parse_all([text for text, _ in pairs], MODEL))
        readings[language] = [reading(intent, p) for (_, intent), p in zip(pairs, parsed, strict=True)]
    threshold, ambiguity = configured()
    write_results("thresholds", report(readings, threshold, ambiguity))
    return 0


if __name__ == "__main__":
    sys.exit(main())
