"""`make nlu-seeds`: does the NLU hold its targets whatever the random seed, and how long
does it take to train?

For each seed, trains an NLU-only model from config.yml with DIETClassifier's
``random_seed`` replaced (optionally also its ``epochs``), timing the training, and runs
the held-out tests of `make nlu-report` on it. Writes results/nlu/seeds.md and
seeds.json. Nothing of the project's model or config is changed.

    python -m scripts.nlu_seeds --seeds 1,2,3 [--epochs 60]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml

from scripts.nlu_report import LANGUAGES, RESULTS, TARGET_ENTITY_F1, TARGET_INTENT_ACCURACY, evaluate, write_results
from shop.catalog import PROJECT_ROOT


def config_with(seed: int, epochs: Optional[int]) -> Dict[str, Any]:
    config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text(encoding="utf-8"))
    diet = [part for part in config["pipeline"] if part["name"] == "DIETClassifier"]
    if len(diet) != 1:
        raise SystemExit("config.yml: expected exactly one DIETClassifier")
    diet[0]["random_seed"] = seed
    if epochs is not None:
        diet[0]["epochs"] = epochs
    return config


def train(config: Dict[str, Any], out: Path, name: str) -> float:
    """Seconds to train the NLU model ``out/name.tar.gz`` (no cache: a fresh directory)."""
    config_path = out / f"{name}.config.yml"
    config_path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    started = time.monotonic()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "rasa",
            "train",
            "nlu",
            "--config",
            str(config_path),
            "--nlu",
            "data/nlu",
            "--out",
            str(out),
            "--fixed-model-name",
            name,
        ],
        cwd=out,  # Rasa's training cache lives in the working directory: a fresh one per run
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.monotonic() - started


def run(seeds: List[int], epochs: Optional[int]) -> List[Dict[str, Any]]:
    rows = []
    for seed in seeds:
        with tempfile.TemporaryDirectory(prefix="kassa-nlu-seed-") as scratch:
            out = Path(scratch)
            (out / "data").symlink_to(PROJECT_ROOT / "data")
            seconds = train(config_with(seed, epochs), out, f"seed{seed}")
            model = out / f"seed{seed}.tar.gz"
            scores = {
                lang: evaluate(lang, model=model, out=RESULTS / "seeds" / f"seed{seed}" / lang) for lang in LANGUAGES
            }
        rows.append({"seed": seed, "epochs": epochs, "train_seconds": round(seconds, 1), "scores": scores})
        print(json.dumps(rows[-1]), flush=True)
    return rows


def report(rows: List[Dict[str, Any]]) -> str:
    lines = [
        "# NLU under several seeds",
        "",
        f"Targets per language: intent accuracy >= {TARGET_INTENT_ACCURACY:.2f}, entity F1 >= {TARGET_ENTITY_F1:.2f}.",
        "Training time: `rasa train nlu` from an empty cache.",
        "",
        "| seed | epochs | NLU training | "
        + " | ".join(f"{LANGUAGES[lang]} intent acc | {LANGUAGES[lang]} entity F1" for lang in LANGUAGES)
        + " |",
        "| ---: | ---: | ---: | " + " | ".join("---: | ---:" for _ in LANGUAGES) + " |",
    ]
    for row in rows:
        cells = " | ".join(
            f"{row['scores'][lang]['intent_accuracy']:.3f} | {row['scores'][lang]['entity_f1']:.3f}"
            for lang in LANGUAGES
        )
        lines.append(f"| {row['seed']} | {row['epochs'] or 'config'} | {row['train_seconds']:.0f} s | {cells} |")
    lowest = {
        lang: (
            min(r["scores"][lang]["intent_accuracy"] for r in rows),
            min(r["scores"][lang]["entity_f1"] for r in rows),
        )
        for lang in LANGUAGES
    }
    met = all(acc >= TARGET_INTENT_ACCURACY and f1 >= TARGET_ENTITY_F1 for acc, f1 in lowest.values())
    lines += ["", f"Lowest over the seeds: targets {'met' if met else 'NOT met'} in every language.", ""]
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1,2,3", help="comma-separated random seeds")
    parser.add_argument("--epochs", type=int, default=None, help="DIET epochs (default: config.yml's)")
    args = parser.parse_args(argv)
    rows = run([int(seed) for seed in args.seeds.split(",")], args.epochs)
    write_results("seeds", report(rows), rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
