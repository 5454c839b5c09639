"""Rasa with its built-in `facebook` connector, its Graph API URL pointed at FB_GRAPH_URL.

Rasa 3.6's connector (through the fbmessenger library) always calls
https://graph.facebook.com/v2.12; the benchmark points it at the local fake
Graph API so that it can be measured. Nothing else about the connector is changed.
"""

import sys
from typing import Any

import fbmessenger

from bench import settings as bench_settings

_original_init = fbmessenger.MessengerClient.__init__


def _init(self: fbmessenger.MessengerClient, page_access_token: str, **kwargs: Any) -> None:
    _original_init(self, page_access_token, **kwargs)
    self.graph_url = f"{bench_settings.bench().graph_url}/v{self.api_version}"


fbmessenger.MessengerClient.__init__ = _init

# The same speed-up of Rasa's action-response check as the Kassa process has,
# so that the comparison measures the connectors and nothing else.
from channels import rasa_speedups  # noqa: E402 - after the client patch above, which must come first

rasa_speedups.install()

if __name__ == "__main__":
    from rasa.__main__ import main

    sys.argv = ["rasa", *sys.argv[1:]]
    main()
