"""The ``language`` slot: filled after every message by Rasa's slot extraction."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.tracker import latest_entity, latest_text
from shop import language as languages

LANGUAGE_NAMES = {
    "english": "en",
    "engels": "en",
    "en": "en",
    "dutch": "nl",
    "nederlands": "nl",
    "vlaams": "nl",
    "flemish": "nl",
    "nl": "nl",
}


class ActionDetectLanguage(Action):
    """Asked for ("in het Nederlands graag"), else detected from the words, else Messenger's locale, else unchanged."""

    def name(self) -> Text:
        return "action_detect_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        current = tracker.get_slot("language")
        asked = latest_entity(tracker, "language")
        wanted = LANGUAGE_NAMES.get(str(asked).lower()) if asked else None
        if wanted is None and not latest_text(tracker).startswith(("/", "EXTERNAL:")):
            wanted = languages.detect(latest_text(tracker))
        first_message = sum(1 for event in tracker.events if event.get("event") == "user") <= 1
        if wanted is None and first_message:
            metadata = (tracker.latest_message or {}).get("metadata") or {}
            wanted = languages.from_locale(metadata.get("locale"))
        if wanted is None or wanted == current:
            return []
        return [SlotSet("language", wanted)]
