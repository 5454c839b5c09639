"""`make conversations`: the conversation tests against the whole local stack.

python -m tests.conversations [--only TEXT] [--workers N] [--target 0.95]
Exit 0 when every language reaches the target task success, 1 when one does
not, 2 when a file breaks the format or a message is also a training example.
"""

from __future__ import annotations

import argparse
import sys

from harness.stack import start_stack
from shop.catalog import PROJECT_ROOT
from tests.conversations import format as conversation_format
from tests.conversations.runner import run_all, summary, write_results

OUT = PROJECT_ROOT / "results" / "conversations"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="run the conversations whose id contains this text")
    parser.add_argument("--workers", type=int, default=4, help="customers talking at once")
    parser.add_argument("--target", type=float, default=0.95, help="task success each language must reach")
    args = parser.parse_args()
    try:
        conversations = conversation_format.load_all()
    except conversation_format.FormatError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    leaks = conversation_format.leaked(conversations)
    if leaks:
        for leak in leaks:
            print(f"error: {leak} is also a training example: write the test in new words", file=sys.stderr)
        return 2
    chosen = [c for c in conversations if args.only in c.id]
    print(f"{len(chosen)} conversations ({conversation_format.counts(chosen)}); starting the stack...", flush=True)
    stack = start_stack(PROJECT_ROOT / ".run" / "tests" / "conversations", log_prefix="conversations-")
    try:
        outcomes = run_all(stack, chosen, args.workers)
    finally:
        stack.stop()
    text, rates = summary(outcomes, args.target)
    write_results(OUT, outcomes, text)
    print(text)
    return 0 if all(rate >= args.target for rate in rates.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
