"""The operator's decision kept in the store: starts and stops, in any order, from any
instance, answer as one scheduler would, and each change is numbered."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from insider_core import StartAnswer, StartOverrides
from insider_core.service_state import DecideStart, DecideStop, decode_decision

AT = datetime(2026, 1, 1, tzinfo=UTC)
OVERRIDES = st.builds(
    StartOverrides,
    interval_seconds=st.none() | st.floats(0.1, 100),
    batch_size=st.none() | st.integers(1, 1000),
)
ORDERS = st.lists(st.tuples(st.sampled_from(["start", "stop"]), OVERRIDES, st.sampled_from("ab")))


@given(ORDERS, st.booleans())
def test_starts_and_stops_answer_as_one_scheduler_and_number_each_change(
    orders: list[tuple[str, StartOverrides, str]], auto_started: bool
) -> None:
    kept: str | None = None
    running, version = auto_started, 0
    for order, overrides, by in orders:
        if order == "start":
            (answer, decision), value, _ = DecideStart(
                overrides=overrides, by=by, at=AT, running_without_decision=auto_started
            ).apply(kept)
            expected = (
                StartAnswer.CONFLICT
                if running and overrides.given
                else StartAnswer.ALREADY_RUNNING
                if running
                else StartAnswer.STARTED
            )
            assert answer is expected
            changed = value is not None
            if answer is StartAnswer.STARTED:
                assert decision.overrides == overrides
            running = running or answer is StartAnswer.STARTED
        else:
            (was_running, decision), value, _ = DecideStop(
                by=by, at=AT, running_without_decision=auto_started
            ).apply(kept)
            assert was_running is running
            changed = value is not None
            running = False
        if changed:
            version += 1
            kept = value
            stored = decode_decision(kept)
            assert stored is not None
            assert (stored.running, stored.version, stored.changed_by) == (running, version, by)


def test_an_unreadable_record_reads_as_no_decision() -> None:
    assert decode_decision("not json") is None
    assert decode_decision(None) is None
