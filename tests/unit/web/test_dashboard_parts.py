"""The pieces of the dashboard that need no service: the chart's geometry and the search box."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from entrypoints.web.dashboard import relative
from entrypoints.web.dashboard.chart import HEIGHT, THINNEST, activity_chart, nice_ceiling
from entrypoints.web.dashboard.search import parse_search
from insider_core import AttemptsInMinute

START = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def window(*counts: tuple[int, int]) -> list[AttemptsInMinute]:
    return [
        AttemptsInMinute(minute=START + timedelta(minutes=n), accepted=a, failed=f)
        for n, (a, f) in enumerate(counts)
    ]


@pytest.mark.parametrize(
    ("value", "ceiling"), [(0, 1), (1, 1), (3, 5), (7, 10), (11, 20), (120, 200), (5000, 5000)]
)
def test_the_scale_ends_at_one_two_or_five_times_a_power_of_ten(value: int, ceiling: int) -> None:
    assert nice_ceiling(value) == ceiling


@given(st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)), min_size=1, max_size=60))
def test_bars_stay_inside_the_plot_and_grow_with_their_counts(
    counts: list[tuple[int, int]],
) -> None:
    chart = activity_chart(window(*counts))

    for bar, (accepted, failed) in zip(chart.bars, counts, strict=True):
        assert 0 <= bar.failed_y <= bar.accepted_y <= chart.plot_bottom <= HEIGHT
        assert (bar.accepted_height > 0) == (accepted > 0)
        assert (bar.failed_height > 0) == (failed > 0)
    tallest = max(range(len(counts)), key=lambda n: sum(counts[n]))
    highest_top = min(bar.failed_y for bar in chart.bars)
    assert chart.bars[tallest].failed_y - highest_top <= 2 * THINNEST


@pytest.mark.parametrize(
    ("largest", "labels"),
    [(1, ["0", "1"]), (2, ["0", "1", "2"]), (4, ["0", "5"]), (20, ["0", "10", "20"])],
)
def test_the_count_axis_labels_whole_counts_each_once(largest: int, labels: list[str]) -> None:
    chart = activity_chart(window((largest, 0), (0, 0)))

    assert [tick.label for tick in chart.y_ticks] == labels


@given(st.integers(0, 10**7))
def test_the_count_axis_never_repeats_a_label(largest: int) -> None:
    labels = [tick.label for tick in activity_chart(window((largest, 0))).y_ticks]

    assert len(labels) == len(set(labels))
    assert labels[0] == "0"


def test_the_chart_sums_the_window_and_names_the_last_two_minutes() -> None:
    chart = activity_chart(window((3, 1), (0, 0), (5, 2), (1, 0)))

    assert (chart.accepted, chart.failed) == (9, 3)
    assert (chart.previous_minute, chart.this_minute) == (7, 1)
    assert chart.description.endswith("last 4 minutes: 9 accepted, 3 failed")
    assert chart.bars[2].title == "12:02 UTC: 5 accepted, 2 failed"


def test_the_time_axis_labels_every_fifth_minute_back_from_now() -> None:
    chart = activity_chart(window(*[(0, 0)] * 15))

    assert [tick.label for tick in chart.x_ticks] == ["12:04", "12:09", "12:14"]


@pytest.mark.parametrize(
    ("typed", "message_id", "phone"),
    [
        ("42", 42, None),
        (" #42 ", 42, None),
        ("+905551112233", None, "+905551112233"),
        ("+90 (555) 111-22-33", None, "+905551112233"),
        ("", None, None),
    ],
)
def test_a_search_is_an_id_or_a_phone_number(
    typed: str, message_id: int | None, phone: str | None
) -> None:
    search = parse_search(typed)

    assert (search.message_id, search.phone_number, search.problem) == (message_id, phone, None)


@pytest.mark.parametrize("typed", ["hello", "+1234", "0", "+90555abc", "٤٢", "9" * 30])
def test_anything_else_is_a_problem_that_says_how_to_search(typed: str) -> None:
    search = parse_search(typed)

    assert (search.message_id, search.phone_number) == (None, None)
    assert "E.164" in (search.problem or "")


@pytest.mark.parametrize(
    ("seconds", "said"),
    [(0, "just now"), (0.4, "just now"), (42, "in 42 s"), (-180, "3 min ago"), (7200, "in 2 h")],
)
def test_times_are_told_relative_to_now(seconds: float, said: str) -> None:
    assert relative(START + timedelta(seconds=seconds), START) == said
