"""Dutch and English: detection, the language slot, Dutch answers, and the checks designers rely on."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.cart import ActionShowCart
from actions.language import ActionDetectLanguage
from scripts import validate
from shop import language
from tests.conftest import entity, make_tracker


@pytest.mark.parametrize(
    "text, expected",
    [
        ("kan ik met paypal betalen?", "nl"),
        ("wat zit er in mijn winkelwagen", "nl"),
        ("hebde gij sloten?", "nl"),
        ("allee, doe maar twee", "nl"),
        ("what's in my cart?", "en"),
        ("show me your lights please", "en"),
        ("add twee lampjes to my cart", "en"),  # mixed: more English words than Dutch
        ("help me eens", None),  # as much of one as of the other: keep the current language
        ("Beacon", None),
        ("ok", None),
    ],
)
def test_detect(text: str, expected) -> None:
    assert language.detect(text) == expected


def test_messenger_locale() -> None:
    assert (
        language.from_locale("nl_BE") == "nl"
        and language.from_locale("en_GB") == "en"
        and language.from_locale("fr_FR") is None
    )


def run_detection(tracker) -> list:
    return asyncio.run(ActionDetectLanguage().run(CollectingDispatcher(), tracker, {}))


def test_the_slot_follows_the_customer_and_the_request() -> None:
    assert run_detection(make_tracker("kan ik met paypal betalen?")) == [
        {"event": "slot", "timestamp": None, "name": "language", "value": "nl"}
    ]
    assert run_detection(make_tracker("ok", slots={"language": "nl"})) == []
    asked = make_tracker(
        "speak english please", "switch_language", [entity("language", "en")], slots={"language": "nl"}
    )
    assert run_detection(asked)[0]["value"] == "en"
    flemish = make_tracker("in het vlaams aub", "switch_language", [entity("language", "vlaams")])
    assert run_detection(flemish)[0]["value"] == "nl"


def test_dutch_money_in_dutch_answers() -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("winkelwagen", "view_cart", slots={"cart": {"LGT-001": 2}, "language": "nl"})
    asyncio.run(ActionShowCart().run(dispatcher, tracker, {}))
    assert dispatcher.messages[0]["cart_lines"] == "2 × Beacon koplamp, € 49,90"
    assert dispatcher.messages[0]["total"] == "€ 49,90"


def test_validation_finds_a_missing_translation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    responses = tmp_path / "domain" / "responses"
    shutil.copytree(validate.DOMAIN_PATH, tmp_path / "domain")
    path = responses / "conversation.yml"
    text = path.read_text()
    start = text.index("  utter_goodbye:")
    end = text.index("  utter_you_are_welcome:")
    path.write_text(text[:start] + '  utter_goodbye:\n    - text: "Bye!"\n\n' + text[end:])
    monkeypatch.setattr(validate, "DOMAIN_PATH", tmp_path / "domain")
    problems = validate.translation_problems()
    assert len(problems) == 1
    assert problems[0].endswith(
        "conversation.yml:" + str(text[:start].count("\n") + 1) + ": response 'utter_goodbye' has no Dutch variation"
    )


def test_validation_finds_an_intent_without_dutch_examples(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nlu = tmp_path / "nlu"
    shutil.copytree(validate.NLU_PATH, nlu)
    for path in (nlu / "nl").glob("*.yml"):
        path.write_text(path.read_text().replace("- intent: thank", "- intent: thank_you_removed"))
    monkeypatch.setattr(validate, "NLU_PATH", nlu)
    assert validate.example_problems() == ["data/nlu/nl/: intent 'thank' has no examples in this language"]
