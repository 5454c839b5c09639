"""``#shipped`` typed in the Page Inbox: the carrier and tracking number it gives."""

from __future__ import annotations

import pytest

from channels.messenger.inbound.inbox_commands import CommandError, ShipCommand, ship_command

CARRIERS = frozenset({"POSTNL", "BPOST"})


@pytest.mark.parametrize(
    "line,expected",
    [
        ("#shipped 3SKAAS1234567", ShipCommand(None, "3SKAAS1234567")),
        ("#verzonden 3S KAAS 1234567", ShipCommand(None, "3SKAAS1234567")),
        ("#shipped bpost 3232 1234 5678 9012 34", ShipCommand("BPOST", "323212345678901234")),
        ("#shipped", ShipCommand(None, None)),  # a pickup order: ready
        ("thanks, #shipped it yesterday", None),  # not a command: it does not start the line
        ("#pay 45.00 Wheel truing", None),
    ],
)
def test_the_line_says_what_went_out(line: str, expected: object) -> None:
    assert ship_command(line, CARRIERS) == expected


def test_a_carrier_without_a_number_is_refused() -> None:
    with pytest.raises(CommandError, match="tracking number"):
        ship_command("#shipped POSTNL", CARRIERS)
