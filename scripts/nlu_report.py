"""`make nlu-report`: NLU quality per language on held-out phrasing.

Runs `rasa test nlu` on tests/nlu/<language>.yml (sentences that are not in the
training data) and writes, per language, Rasa's intent and entity reports, the
confusion matrix and the confidence histogram under results/nlu/<language>/,
plus a one-page results/nlu/summary.md with intent accuracy and entity F1.
Targets (intent accuracy >= 0.95, entity F1 >= 0.90) are reported, not enforced.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Set

import yaml

from shop.catalog import PROJECT_ROOT

LANGUAGES = {"en": "English", "nl": "Dutch"}
TARGET_INTENT_ACCURACY = 0.95
TARGET_ENTITY_F1 = 0.90
RESULTS = PROJECT_ROOT / "results" / "nlu"
MODEL = PROJECT_ROOT / "models" / "kassa.tar.gz"


def examples(path: Path) -> Set[str]:
    found: Set[str] = set()
    for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
        for line in str(block.get("examples", "")).splitlines():
            text = line.strip()[2:].strip() if line.strip().startswith("- ") else ""
            if text:
                found.add(_plain(text))
    return found


def _plain(annotated: str) -> str:
    import re

    return re.sub(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})", r"\1", annotated).lower()


def leaked(language: str) -> List[str]:
    """Test sentences that also stand in the training data (they would not be unseen)."""
    training: Set[str] = set()
    for path in (PROJECT_ROOT / "data" / "nlu").rglob("*.yml"):
        training |= examples(path)
    return sorted(examples(PROJECT_ROOT / "tests" / "nlu" / f"{language}.yml") & training)


def evaluate(language: str, model: Path = MODEL, out: Optional[Path] = None) -> Dict[str, float]:
    out = out or RESULTS / language
    subprocess.run(
        [
            sys.executable,
            "-m",
            "rasa",
            "test",
            "nlu",
            "--model",
            str(model),
            "--nlu",
            f"tests/nlu/{language}.yml",
            "--out",
            str(out),
            "--domain",
            "domain",
        ],
        cwd=PROJECT_ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    intents = json.loads((out / "intent_report.json").read_text())
    entities = json.loads((out / "DIETClassifier_report.json").read_text())
    entity_avg = entities.get("micro avg") or entities.get("weighted avg") or {}
    return {
        "intent_accuracy": intents["accuracy"],
        "intent_macro_f1": intents["macro avg"]["f1-score"],
        "entity_f1": entity_avg.get("f1-score", 0.0),
        "entity_support": entity_avg.get("support", 0),
        "examples": intents["macro avg"]["support"],
    }


def summary(results: Dict[str, Dict[str, float]]) -> str:
    lines = [
        "# NLU report",
        "",
        "Held-out test sets `tests/nlu/en.yml` and `tests/nlu/nl.yml`: phrasings not in the training data.",
        f"Targets: intent accuracy >= {TARGET_INTENT_ACCURACY:.2f}, entity F1 >= {TARGET_ENTITY_F1:.2f}.",
        "",
        "| language | examples | intent accuracy | intent macro F1 | entity F1 (micro) | entities | targets |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for language, figures in results.items():
        met = figures["intent_accuracy"] >= TARGET_INTENT_ACCURACY and figures["entity_f1"] >= TARGET_ENTITY_F1
        lines.append(
            f"| {LANGUAGES[language]} | {figures['examples']:.0f} | {figures['intent_accuracy']:.3f} | {figures['intent_macro_f1']:.3f} "
            f"| {figures['entity_f1']:.3f} | {figures['entity_support']:.0f} | {'met' if met else 'NOT met'} |"
        )
    lines += [
        "",
        "Per language: `intent_report.json`, `DIETClassifier_report.json`, `intent_confusion_matrix.png`,",
        "`intent_histogram.png` and `intent_errors.json` in `results/nlu/<language>/`.",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    if not MODEL.exists():
        print(f"error: {MODEL} is missing: run `make train`", file=sys.stderr)
        return 2
    problems = {language: leaked(language) for language in LANGUAGES}
    if any(problems.values()):
        for language, sentences in problems.items():
            for sentence in sentences:
                print(f"error: tests/nlu/{language}.yml: '{sentence}' is also in the training data", file=sys.stderr)
        return 1
    results = {language: evaluate(language) for language in LANGUAGES}
    write_results("summary", summary(results), results)
    return 0


def write_results(name: str, text: str, data: Any = None) -> None:
    """results/nlu/<name>.md (and .json with ``data``), and the text on the terminal."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.md").write_text(text, encoding="utf-8")
    if data is not None:
        (RESULTS / f"{name}.json").write_text(json.dumps(data, indent=2), encoding="utf-8")
    print(text)


if __name__ == "__main__":
    sys.exit(main())
