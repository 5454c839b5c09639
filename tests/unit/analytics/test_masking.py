"""The review loop's masking on a corpus of shop messages with personal data in them
(tests/data/personal_data.yml): every marked piece must be masked."""

from __future__ import annotations

import re
from pathlib import Path
from typing import List, Set, Tuple

import pytest
import yaml

from analytics.masking import mask

CORPUS = Path(__file__).resolve().parents[2] / "data" / "personal_data.yml"
MARKED = re.compile(r"⟦(.*?)⟧", re.DOTALL)
TOKEN = re.compile(r"[^\W_]+")


def corpus() -> List[str]:
    return list(yaml.safe_load(CORPUS.read_text(encoding="utf-8"))["messages"])


def unmarked(message: str) -> Tuple[str, List[str]]:
    """The message as the customer wrote it, and its marked pieces."""
    return MARKED.sub(lambda m: m.group(1), message), MARKED.findall(message)


def leaks(message: str) -> Set[str]:
    """The words of marked pieces still readable after masking (a word that also stands
    outside the marked pieces, such as "de", does not count)."""
    text, pieces = unmarked(message)
    elsewhere = {t.lower() for t in TOKEN.findall(MARKED.sub(" ", message))}
    left = {t.lower() for t in TOKEN.findall(mask(text))}
    found = set()
    for piece in pieces:
        for token in TOKEN.findall(piece):
            if (len(token) >= 2 or token.isdigit()) and token.lower() in left and token.lower() not in elsewhere:
                found.add(token)
    return found


def test_the_corpus_is_large_enough_and_marks_something_in_every_message() -> None:
    messages = corpus()
    assert len(messages) >= 60 and all(unmarked(m)[1] for m in messages)


@pytest.mark.parametrize("message", corpus())
def test_every_marked_piece_of_personal_data_is_masked(message: str) -> None:
    assert leaks(message) == set(), mask(unmarked(message)[0])


def test_the_text_around_the_personal_data_mostly_survives() -> None:
    """Masking in doubt is right, but a review a designer cannot read is no review:
    most of the words outside the marked pieces stay."""
    kept = total = 0
    for message in corpus():
        text, _ = unmarked(message)
        outside = [t.lower() for t in TOKEN.findall(MARKED.sub(" ", message))]
        left = {t.lower() for t in TOKEN.findall(mask(text))}
        kept += sum(1 for token in outside if token in left)
        total += len(outside)
    assert kept / total >= 0.85, f"{kept} of {total} words outside the personal data kept"
