"""Short phrases that actions and channels put inside messages and pages: button
titles, labels, the PayPal return pages, the Messenger menu.

Whole answers live in domain/responses/ as responses; these are the pieces that are
assembled per product, per cart line or per page, so they cannot be a response of
their own. They are data, in texts/phrases.yml, English and Dutch.
"""

from __future__ import annotations

import functools
import string
from pathlib import Path
from typing import Any, Dict, List

import yaml

from shop.catalog import PROJECT_ROOT

PHRASES_PATH = PROJECT_ROOT / "texts" / "phrases.yml"
LANGUAGES = ("en", "nl")
BUTTON_SUFFIX = "_button"
BUTTON_TITLE_MAX = 20


class PhrasesError(ValueError):
    """texts/phrases.yml is not usable; the message says where."""


@functools.lru_cache(maxsize=None)
def phrases(path: Path = PHRASES_PATH) -> Dict[str, Dict[str, str]]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise PhrasesError(f"{path}: {error}") from error
    if not isinstance(document, dict) or not all(isinstance(document.get(lang), dict) for lang in LANGUAGES):
        raise PhrasesError(f"{path}: expected a mapping of phrases for each of {', '.join(LANGUAGES)}")
    return {lang: {str(key): str(text) for key, text in document[lang].items()} for lang in LANGUAGES}


def phrase(key: str, language: str = "en", **values: Any) -> str:
    table = phrases()
    return table.get(language, table["en"]).get(key, table["en"][key]).format(**values)


def placeholders(text: str) -> List[str]:
    return sorted({field for _, field, _, _ in string.Formatter().parse(text) if field})


def problems(path: Path = PHRASES_PATH) -> List[str]:
    """What `make validate` reports: a key missing in a language, different placeholders
    between languages, a button title longer than Messenger allows."""
    try:
        table = phrases(path)
    except PhrasesError as error:
        return [str(error)]
    found = []
    for key in sorted(set(table["en"]) | set(table["nl"])):
        missing = [lang for lang in LANGUAGES if key not in table[lang]]
        if missing:
            found.append(f"texts/phrases.yml: {key} has no {', '.join(missing)} text")
            continue
        if placeholders(table["en"][key]) != placeholders(table["nl"][key]):
            found.append(
                f"texts/phrases.yml: {key} uses {placeholders(table['en'][key])} in en but {placeholders(table['nl'][key])} in nl"
            )
        for lang in LANGUAGES:
            sample = table[lang][key].format(**{name: "€ 999,99" for name in placeholders(table[lang][key])})
            if key.endswith(BUTTON_SUFFIX) and len(sample) > BUTTON_TITLE_MAX:
                found.append(
                    f"texts/phrases.yml: {key} ({lang}) is {len(sample)} characters with a long value; buttons take {BUTTON_TITLE_MAX}"
                )
    return found
