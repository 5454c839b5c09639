"""The threshold report's arithmetic: DIET's own ranking, asked against acted on."""

from __future__ import annotations

from scripts.nlu_thresholds import Reading, counts, held_out, reading


def test_the_fallback_is_read_past_to_diets_own_ranking() -> None:
    parsed = {
        "intent_ranking": [
            {"name": "nlu_fallback", "confidence": 0.4},
            {"name": "add_to_cart", "confidence": 0.35},
            {"name": "browse_catalog", "confidence": 0.30},
        ]
    }
    assert reading("add_to_cart", parsed) == Reading("add_to_cart", "add_to_cart", 0.35, 0.35 - 0.30)


def test_low_or_close_readings_are_asked_and_the_rest_acted_on_rightly_or_wrongly() -> None:
    readings = [
        Reading("greet", "greet", 0.9, 0.8),  # right
        Reading("greet", "goodbye", 0.9, 0.8),  # wrong
        Reading("greet", "greet", 0.35, 0.3),  # below the threshold: asked
        Reading("greet", "greet", 0.9, 0.01),  # two intents close: asked
    ]
    assert counts(readings, 0.4, 0.05) == {"asked": 2, "right": 1, "wrong": 1}
    assert counts(readings, 0.95, 0.05) == {"asked": 4, "right": 0, "wrong": 0}


def test_the_held_out_sets_are_read_without_entity_marks() -> None:
    pairs = held_out("en")
    assert pairs and all("](" not in text for text, _ in pairs)
