"""Set the Page's Messenger Profile: `kassa messenger-profile`.

Get Started button, greeting in English and Dutch, the persistent menu
(Browse, Cart, Help) and the whitelisted domains (PUBLIC_URL's and
CATALOG_IMAGE_BASE_URL's). Reads FB_PAGE_ACCESS_TOKEN, FB_APP_SECRET,
FB_GRAPH_URL and FB_GRAPH_VERSION; `--print` shows the body without sending.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Dict, List, Mapping, Optional
from urllib.parse import urlsplit

from channels.messenger.connector import GET_STARTED_PAYLOAD
from cli.page import call_page
from shop import settings
from shop.phrases import phrase, phrases

# Messenger's profile locales and the shop's language for each; texts from texts/phrases.yml.
PROFILE_LOCALES = {"default": "en", "nl_NL": "nl", "nl_BE": "nl"}
MENU = (("menu_browse_button", "/browse_catalog"), ("menu_cart_button", "/view_cart"), ("menu_help_button", "/help"))


def whitelisted_domains(env: Optional[Mapping[str, str]] = None) -> List[str]:
    shop = settings.shop(env)
    domains = []
    for address in (shop.public_url, shop.image_base_url):
        parts = urlsplit(address)
        if parts.scheme == "https" and parts.netloc:
            domains.append(f"{parts.scheme}://{parts.netloc}")
    return sorted(set(domains))


def profile(env: Optional[Mapping[str, str]] = None) -> Dict[str, Any]:
    body: Dict[str, Any] = {
        "get_started": {"payload": GET_STARTED_PAYLOAD},
        "greeting": [
            {"locale": locale, "text": phrases()[lang]["greeting"]} for locale, lang in PROFILE_LOCALES.items()
        ],
        "persistent_menu": [
            {
                "locale": locale,
                "composer_input_disabled": False,
                "call_to_actions": [
                    {"type": "postback", "title": phrase(key, lang), "payload": payload} for key, payload in MENU
                ],
            }
            for locale, lang in PROFILE_LOCALES.items()
        ],
    }
    domains = whitelisted_domains(env)
    if domains:
        body["whitelisted_domains"] = domains
    return body


def main(argv: List[str] = sys.argv[1:]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--print", action="store_true", help="print the profile instead of sending it")
    args = parser.parse_args(argv)
    body = profile()
    if args.print:
        print(json.dumps(body, indent=2, ensure_ascii=False))
        return 0
    answer = call_page(lambda client: client.set_messenger_profile(body), "the profile")
    if answer is None:
        return 1
    print(f"Messenger Profile set: {answer}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
