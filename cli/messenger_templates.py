"""Create the project's utility templates on the Page and show their status:
`kassa messenger-templates`.

Reads texts/utility_templates.yml, lists the Page's templates, creates the
missing ones (each language) and waits briefly for Meta's review. A template that
exists with another text is reported, not changed: an approved template keeps
working while a new version is reviewed, so changing one is a choice for the
merchant (a new name in the YAML file). Reads FB_PAGE_ACCESS_TOKEN, FB_APP_SECRET,
FB_GRAPH_URL, FB_GRAPH_VERSION and PUBLIC_URL (the pay buttons open its
/webhooks/paypal/pay/ page); `--print` shows the bodies without sending.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from typing import Dict, List, Tuple

from channels.messenger.outbound import utility_messages
from channels.messenger.outbound.send_api import SendApiClient
from cli.page import call_page
from shop import settings

REVIEW_WAIT_SECONDS = 30.0


def bodies(public_url: str) -> List[Dict[str, object]]:
    templates = utility_messages.load_templates()
    return [
        utility_messages.creation_body(t, code, public_url)
        for t in templates.values()
        for code in utility_messages.LANGUAGE_CODES.values()
    ]


async def sync(
    client: SendApiClient, wanted: List[Dict[str, object]], wait_seconds: float
) -> Dict[Tuple[str, str], str]:
    """Create what the Page lacks; the status of every wanted template once none is PENDING (or time is up)."""
    known = {
        (str(r.get("name")), str(r.get("language"))): str(r.get("status"))
        for r in await client.list_message_templates()
    }
    for body in wanted:
        key = (str(body["name"]), str(body["language"]))
        if key not in known:
            answer = await client.create_message_template(body)
            known[key] = str(answer.get("status") or "PENDING")
            print(f"created {key[0]} ({key[1]})")
    deadline = time.monotonic() + wait_seconds
    keys = [(str(b["name"]), str(b["language"])) for b in wanted]
    while any(known.get(k) == "PENDING" for k in keys) and time.monotonic() < deadline:
        await asyncio.sleep(1.0)
        known.update(
            {
                (str(r.get("name")), str(r.get("language"))): str(r.get("status"))
                for r in await client.list_message_templates()
            }
        )
    return {key: known.get(key, "MISSING") for key in keys}


def main(argv: List[str] = sys.argv[1:]) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--print", action="store_true", help="print the template bodies instead of sending them")
    parser.add_argument("--wait", type=float, default=REVIEW_WAIT_SECONDS, help="seconds to wait for Meta's review")
    args = parser.parse_args(argv)
    try:
        wanted = bodies(settings.shop().public_url)
    except utility_messages.TemplateError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.print:
        print(json.dumps(wanted, indent=2, ensure_ascii=False))
        return 0
    statuses = call_page(
        lambda client: sync(client, wanted, args.wait), "the templates (does the app have page_utility_messaging?)"
    )
    if statuses is None:
        return 1
    for (name, language), status in sorted(statuses.items()):
        print(f"{name:28} {language:6} {status}")
    return 0 if all(status == utility_messages.APPROVED for status in statuses.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
