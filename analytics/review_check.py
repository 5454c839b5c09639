"""`make review-check`: the messages the last `make review-apply` added, read by the
trained model (models/kassa.tar.gz): does it now give each its corrected intent?"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml

from analytics.review_apply import APPLIED_FILE, ROOT

MODEL = ROOT / "models" / "kassa.tar.gz"


async def parse_all(messages: List[str], model: Path = MODEL) -> List[Dict[str, Any]]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    return [await agent.parse_message(message) for message in messages]


def main(argv: Optional[List[str]] = None) -> int:
    if not APPLIED_FILE.exists():
        print(f"nothing to check: {APPLIED_FILE} is written by `make review-apply`", file=sys.stderr)
        return 2
    applied = (yaml.safe_load(APPLIED_FILE.read_text(encoding="utf-8")) or {}).get("applied") or []
    results = asyncio.run(parse_all([str(item["message"]) for item in applied]))
    understood = 0
    for item, result in zip(applied, results, strict=True):
        intent = result.get("intent") or {}
        wanted = {(e["entity"], e["value"]) for e in item.get("entities") or []}
        found = {(str(e.get("entity")), str(e.get("value"))) for e in result.get("entities") or []}
        ok = intent.get("name") == item["intent"] and wanted <= found
        understood += ok
        missing = f"; missing {sorted(wanted - found)}" if wanted - found else ""
        print(
            f"{'understood' if ok else 'NOT YET   '}  {item['message']!r}: {intent.get('name')} "
            f"({float(intent.get('confidence') or 0):.2f}), wanted {item['intent']}{missing}"
        )
    print(f"{understood} of {len(applied)} corrected message(s) understood by {MODEL.relative_to(ROOT)}")
    return 0 if understood == len(applied) else 1


if __name__ == "__main__":
    sys.exit(main())
