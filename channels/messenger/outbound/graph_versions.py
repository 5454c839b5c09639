"""Graph API versions and the day Meta stops serving each.

Source: Meta's Graph API changelog, "Versions"
(https://developers.facebook.com/docs/graph-api/changelog/versions/), read
2026-11-28. v26.0 (2026-07-29) had no end date announced yet.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Optional

from shop import settings

# The default lives with the variable (shop/settings.py, FB_GRAPH_VERSION); v25.0 was
# released 2026-02-18 and is served until 2028-07-29.
DEFAULT_GRAPH_VERSION = settings.DEFAULTS["FB_GRAPH_VERSION"]
END_OF_LIFE = {
    "v20.0": date(2026, 9, 24),
    "v21.0": date(2027, 1, 21),
    "v22.0": date(2027, 5, 20),
    "v23.0": date(2027, 10, 8),
    "v24.0": date(2028, 2, 18),
    "v25.0": date(2028, 7, 29),
}
OLDEST_LISTED = 20
WARN_DAYS = 90
VERSION = re.compile(r"v(\d+)\.(\d+)")


def lifetime_warning(version: str, today: Optional[date] = None) -> Optional[str]:
    """A warning when ``version`` has stopped working or will within WARN_DAYS; None otherwise."""
    today = today or date.today()
    match = VERSION.fullmatch(version)
    if match is None:
        return f"FB_GRAPH_VERSION {version!r} is not a Graph API version such as {DEFAULT_GRAPH_VERSION}"
    end = END_OF_LIFE.get(version)
    if end is None:
        if int(match.group(1)) < OLDEST_LISTED:
            return f"Graph API {version} is no longer served; use {DEFAULT_GRAPH_VERSION} or later"
        return None
    days_left = (end - today).days
    if days_left < 0:
        return f"Graph API {version} stopped working on {end.isoformat()}; use {DEFAULT_GRAPH_VERSION} or later"
    if days_left <= WARN_DAYS:
        return f"Graph API {version} stops working on {end.isoformat()} (in {days_left} days); move to {DEFAULT_GRAPH_VERSION} or later"
    return None
