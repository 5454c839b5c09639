"""The cached check of action server responses accepts and refuses what Rasa's own does."""

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

import channels  # noqa: F401  (installs the speed-up)
from channels import rasa_speedups

GOOD = {
    "events": [{"event": "slot", "name": "cart", "value": {"LGT-001": 1}}],
    "responses": [{"response": "utter_greet"}],
}
BAD = {"events": [{"no_event_key": 1}], "responses": []}


def test_the_speed_up_is_installed() -> None:
    assert RemoteAction._validate_action_result is rasa_speedups._validate_action_result


def test_same_verdicts_as_plain_jsonschema() -> None:
    action = RemoteAction("action_x", EndpointConfig("http://localhost:5055/webhook"))
    schema = RemoteAction.action_response_format_spec()
    assert action._validate_action_result(GOOD) is True
    jsonschema.validate(GOOD, schema)
    with pytest.raises(jsonschema.ValidationError) as ours:
        action._validate_action_result(BAD)
    with pytest.raises(jsonschema.ValidationError) as plain:
        jsonschema.validate(BAD, schema)
    assert ours.value.message.startswith(plain.value.message)
    assert "Failed to validate Action server response" in ours.value.message
