"""The send-rate chart, drawn on the server as SVG: one stacked bar per minute, attempts the
receiver accepted below those it did not. This module does the geometry; the template draws."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from insider_core import AttemptsInMinute

WIDTH = 560
HEIGHT = 220
LEFT = 52  # room for the y labels
RIGHT = 24  # room for the last time label
BOTTOM = 30  # room for the x labels
TOP = 10
GAP = 0.2  # of a bar's slot
STEPS = (1, 2, 5)
# A count too small for the scale still shows: one failure among thousands matters.
THINNEST = 1.5


class Bar(NamedTuple):
    x: float
    width: float
    accepted_y: float
    accepted_height: float
    failed_y: float
    failed_height: float
    title: str


class Tick(NamedTuple):
    position: float
    label: str


class Chart(NamedTuple):
    width: int
    height: int
    left: int
    plot_right: int
    plot_bottom: float
    bars: list[Bar]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    accepted: int
    failed: int
    this_minute: int
    previous_minute: int
    description: str


def nice_ceiling(value: int) -> int:
    """The smallest 1, 2 or 5 times a power of ten at or above `value` (at least 1)."""
    magnitude = 1
    while True:
        for step in STEPS:
            if step * magnitude >= value:
                return step * magnitude
        magnitude *= 10


def visible(height: float) -> float:
    return max(height, THINNEST) if height > 0 else 0.0


def activity_chart(minutes: Sequence[AttemptsInMinute]) -> Chart:
    plot_height = HEIGHT - TOP - BOTTOM
    plot_bottom = float(HEIGHT - BOTTOM)
    slot = (WIDTH - LEFT - RIGHT) / max(len(minutes), 1)
    top = nice_ceiling(max((m.total for m in minutes), default=0))
    scale = plot_height / top
    bars = []
    for index, minute in enumerate(minutes):
        accepted_height = visible(minute.accepted * scale)
        failed_height = visible(minute.failed * scale)
        bars.append(
            Bar(
                x=round(LEFT + index * slot + slot * GAP / 2, 2),
                width=round(slot * (1 - GAP), 2),
                accepted_y=round(plot_bottom - accepted_height, 2),
                accepted_height=round(accepted_height, 2),
                failed_y=round(plot_bottom - accepted_height - failed_height, 2),
                failed_height=round(failed_height, 2),
                title=f"{minute.minute:%H:%M} UTC: {minute.accepted} accepted, "
                f"{minute.failed} failed",
            )
        )
    # A count is whole: the middle of a scale ending at 1 or 5 gets no label of its own.
    y_ticks = [
        Tick(round(plot_bottom - plot_height * share, 2), f"{int(top * share):,}")
        for share in (0, 0.5, 1)
        if float(top * share).is_integer()
    ]
    x_ticks = [
        Tick(round(LEFT + (index + 0.5) * slot, 2), f"{minute.minute:%H:%M}")
        for index, minute in enumerate(minutes)
        if (len(minutes) - 1 - index) % 5 == 0
    ]
    accepted = sum(m.accepted for m in minutes)
    failed = sum(m.failed for m in minutes)
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        plot_right=WIDTH - RIGHT,
        plot_bottom=plot_bottom,
        bars=bars,
        y_ticks=y_ticks,
        x_ticks=x_ticks,
        accepted=accepted,
        failed=failed,
        this_minute=minutes[-1].total if minutes else 0,
        previous_minute=minutes[-2].total if len(minutes) > 1 else 0,
        description=(
            f"Delivery attempts per minute over the last {len(minutes)} minutes: "
            f"{accepted:,} accepted, {failed:,} failed"
        ),
    )
