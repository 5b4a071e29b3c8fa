from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from insider_core import shorten, utc_timestamp


@given(st.text(), st.integers(0, 50))
def test_shortening_never_exceeds_the_limit(content, limit):
    assert len(shorten(content, limit)) <= limit


@given(st.text(), st.integers(4, 50))
def test_shortening_keeps_short_text_and_marks_cut_text(content, limit):
    sent = shorten(content, limit)
    if len(content) <= limit:
        assert sent == content
    else:
        assert sent.endswith("...")
        assert content.startswith(sent[:-3])


def test_shortening_counts_characters_not_bytes():
    assert shorten("🚀" * 10, 6) == "🚀🚀🚀..."
    assert shorten("çğüşöı", 6) == "çğüşöı"


def test_nothing_shortened_is_nothing():
    assert shorten(None, 10) is None


def test_timestamps_are_utc_with_microseconds_and_z():
    istanbul = timezone(timedelta(hours=3))

    assert utc_timestamp(datetime(2026, 1, 1, 12, tzinfo=istanbul)) == "2026-01-01T09:00:00.000000Z"
    assert utc_timestamp(datetime(2026, 1, 1, 9, 0, 0, 7, UTC)) == "2026-01-01T09:00:00.000007Z"


def test_timestamps_keep_a_four_digit_year():
    assert utc_timestamp(datetime(999, 1, 2, tzinfo=UTC)) == "0999-01-02T00:00:00.000000Z"
