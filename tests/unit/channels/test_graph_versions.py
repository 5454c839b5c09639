"""The Graph API version table and the start-up warning it gives."""

from __future__ import annotations

from datetime import date

from channels.messenger.outbound.graph_versions import DEFAULT_GRAPH_VERSION, END_OF_LIFE, lifetime_warning

TODAY = date(2026, 11, 28)


def test_the_default_version_is_served_for_long_enough() -> None:
    assert lifetime_warning(DEFAULT_GRAPH_VERSION, TODAY) is None
    assert (END_OF_LIFE[DEFAULT_GRAPH_VERSION] - TODAY).days > 365


def test_a_version_ending_within_ninety_days_is_warned_about() -> None:
    warning = lifetime_warning("v21.0", TODAY)
    assert warning and "2027-01-21" in warning and "54 days" in warning


def test_an_ended_or_unlisted_old_version_is_warned_about() -> None:
    assert "stopped working on 2026-09-24" in lifetime_warning("v20.0", TODAY)
    assert "no longer served" in lifetime_warning("v12.0", TODAY)
    assert "not a Graph API version" in lifetime_warning("latest", TODAY)


def test_versions_far_from_their_end_or_newer_than_the_table_pass() -> None:
    assert lifetime_warning("v23.0", TODAY) is None and lifetime_warning("v26.0", TODAY) is None
