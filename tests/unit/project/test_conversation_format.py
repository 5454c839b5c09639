"""The conversation tests' files: well formed, enough of them, none a training example.
(The conversations themselves run against the whole stack in `make conversations`.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conversations import format as conversation_format


def test_every_file_follows_the_format_with_sixty_per_language() -> None:
    conversations = conversation_format.load_all()
    counts = conversation_format.counts(conversations)
    assert counts["en"] >= 60 and counts["nl"] >= 60


def test_no_message_is_a_training_example() -> None:
    assert conversation_format.leaked(conversation_format.load_all()) == []


def test_a_training_example_is_caught(tmp_path: Path) -> None:
    example = sorted(conversation_format.training_examples())[0]
    conversation = conversation_format.Conversation(
        "en", "x.yml", "copied", [conversation_format.Step("user", example.upper() + "?")]
    )
    assert conversation_format.leaked([conversation]) == [f"en/x: copied: '{example.upper()}?'"]


@pytest.mark.parametrize(
    "step, problem",
    [
        ("{user: hi, expect: {carts: {}}}", "unknown expectation"),
        ("{user: hi, tap: Add to cart}", "exactly one of"),
        ("{say: hi}", "exactly one of"),
    ],
)
def test_format_errors_name_the_place(tmp_path: Path, step: str, problem: str) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "nl").mkdir()
    (tmp_path / "en" / "broken.yml").write_text(f"conversations:\n- name: broken\n  steps:\n  - {step}\n")
    with pytest.raises(conversation_format.FormatError, match=problem) as error:
        conversation_format.load_all(tmp_path)
    assert "conversation #1 (broken), step 1" in str(error.value)


def test_the_products_asked_for_are_those_expected_in_the_cart() -> None:
    steps = [
        conversation_format.Step("user", "a helmet", expect={"cart": {"HLM-001:M": 1}}),
        conversation_format.Step("user", "and a pump", expect={"cart_includes": {"PMP-002": 1}, "shown": ["PMP-001"]}),
    ]
    conversation = conversation_format.Conversation("en", "x.yml", "asked", steps)
    assert conversation.asked_products() == {"HLM-001", "PMP-002"}


def test_a_cart_line_never_asked_for_is_counted_beside_task_success() -> None:
    from tests.conversations.runner import Outcome, summary

    asked = conversation_format.Conversation("en", "x.yml", "fine", [])
    guessed = conversation_format.Conversation("en", "x.yml", "guessed", [])
    text, rates = summary(
        [Outcome(asked), Outcome(guessed, unasked="step 1 (user: a light): the cart held ['LGT-002']")], 0.95
    )
    assert rates == {"en": 1.0}
    assert "| en | 2 | 2 | 1.000 | 1 |" in text
    assert "- en/x: guessed: step 1 (user: a light): the cart held ['LGT-002']" in text
