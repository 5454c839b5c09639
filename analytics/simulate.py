"""`make simulate`: a few hundred scripted customers (analytics/customers.yml) shop
through the local stack in Messenger, in English and Dutch, so that `make review`
and `make insights` have real conversations and orders to work on.

The stack runs as in `make demo`, on free ports, with its stores in .run/ (the
tracker store and the ledger that `make review` and `make insights` read). Each
customer writes a step, waits until the bot has answered and gone quiet, and goes
on; paying customers approve (or cancel) on the PayPal sandbox's page.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import parse_qs, urlsplit

import aiohttp
import yaml

from harness.servers import PROJECT_ROOT
from harness.stack import Stack, start_stack
from sandbox.facebook import webhooks
from sandbox.facebook.platform import webhook_signature

SCRIPTS = Path(__file__).resolve().parent / "customers.yml"
RUN = PROJECT_ROOT / ".run"
QUIET_SECONDS = 0.8
FIRST_REPLY_SECONDS = 60.0


def load_scripts(path: Path = SCRIPTS) -> Dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def plan(scripts: Dict[str, Any], customers: int, seed: int) -> List[Tuple[str, str, List[str]]]:
    """(language, kind, steps) per customer, the same for the same seed."""
    chooser = random.Random(seed)
    kinds = list(scripts["share"])
    weights = [scripts["share"][k] for k in kinds]
    planned = []
    for _ in range(customers):
        language = chooser.choice(["en", "nl"])
        kind = chooser.choices(kinds, weights)[0]
        steps = [chooser.choice([part.strip() for part in line.split(" | ")]) for line in scripts[language][kind]]
        planned.append((language, kind, steps))
    return planned


class Customer:
    def __init__(self, stack: Stack, session: aiohttp.ClientSession, language: str) -> None:
        self.stack = stack
        self.session = session
        self.psid = f"sim{uuid.uuid4().hex[:12]}"
        self.locale = "nl_NL" if language == "nl" else "en_US"
        self.seen = 0

    async def say(self, text: str) -> None:
        raw = json.dumps(webhooks.delivery(webhooks.text_event(self.psid, text))).encode()
        secret = self.stack.extra["rasa"][1]["FB_APP_SECRET"]  # the stack's, whatever the environment set
        headers = {"Content-Type": "application/json", "X-Hub-Signature-256": webhook_signature(secret, raw)}
        async with self.session.post(self.stack.webhook_url, data=raw, headers=headers) as answer:
            answer.raise_for_status()
        await self.replies(FIRST_REPLY_SECONDS)

    async def replies(self, first_wait: float) -> None:
        """Wait for a reply, then until no more come for a moment."""
        wait = first_wait
        while True:
            params = {"psid": self.psid, "count": str(self.seen + 1), "timeout": str(wait)}
            async with self.session.get(f"{self.stack.graph_url}/_fake/wait", params=params) as answer:
                count = (await answer.json())["count"]
            if count <= self.seen:
                return
            self.seen, wait = count, QUIET_SECONDS

    async def pay_url(self) -> Optional[str]:
        async with self.session.get(f"{self.stack.graph_url}/_fake/messages", params={"psid": self.psid}) as answer:
            records = await answer.json()
        for record in reversed(records):
            payload = ((record.get("message") or {}).get("attachment") or {}).get("payload") or {}
            for button in payload.get("buttons") or []:
                if button.get("type") == "web_url" and "checkoutnow" in button.get("url", ""):
                    return str(button["url"])
        return None

    async def on_paypal(self, choice: str) -> bool:
        url = await self.pay_url()
        if url is None:
            return False
        token = parse_qs(urlsplit(url).query)["token"][0]
        async with self.session.post(
            f"{self.stack.paypal_url}/checkoutnow/{choice}", data={"token": token}, allow_redirects=False
        ) as answer:
            back = answer.headers.get("Location")
        if back:
            async with self.session.get(back) as page:
                await page.read()
        await self.replies(FIRST_REPLY_SECONDS / 2)
        return True


async def run(stack: Stack, planned: List[Tuple[str, str, List[str]]], concurrency: int) -> Counter:
    outcomes: Counter = Counter()
    gate = asyncio.Semaphore(concurrency)
    timeout = aiohttp.ClientTimeout(total=FIRST_REPLY_SECONDS + 30)

    async def one(session: aiohttp.ClientSession, language: str, kind: str, steps: List[str]) -> None:
        async with gate:
            customer = Customer(stack, session, language)
            try:
                for step in steps:
                    if step in ("<pay>", "<cancel>"):
                        if not await customer.on_paypal("approve" if step == "<pay>" else "cancel"):
                            outcomes[f"{kind}: no pay button"] += 1
                            return
                    else:
                        await customer.say(step)
                outcomes[kind] += 1
            except (aiohttp.ClientError, asyncio.TimeoutError) as error:
                outcomes[f"{kind}: {type(error).__name__}"] += 1

    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=4 * concurrency)) as session:
        await asyncio.gather(*(one(session, *customer) for customer in planned))
    return outcomes


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument(
        "--seed", type=int, default=None, help="the same seed, the same customers (default: a new mix each run)"
    )
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else int(time.time())
    planned = plan(load_scripts(), args.customers, seed)
    print(f"Starting the local stack; {args.customers} customers (seed {seed}) will shop in it ...", flush=True)
    started = time.monotonic()
    # the stack's own test tokens and free ports (the environment's URLs name the demo's fixed ports);
    # its stores are .run/'s, the ones `make review` and `make insights` read
    stack = start_stack(RUN, fresh=False, log_dir=RUN / "simulate", rasa_api=False)
    try:
        outcomes = asyncio.run(run(stack, planned, args.concurrency))
    finally:
        stack.stop()
    print(f"done in {time.monotonic() - started:.0f} s: " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
    print("Conversations are in .run/tracker.db, orders in .run/orders.db: now `make review` and `make insights`.")
    failed = sum(v for k, v in outcomes.items() if ":" in k)
    return 1 if failed > len(planned) // 10 else 0


if __name__ == "__main__":
    sys.exit(main())
