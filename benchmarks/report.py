"""Results: ratios against their targets first, absolute figures second. Each benchmark prints
its table and writes benchmarks/results/<name>.json; `python -m benchmarks report` renders the
latest results as the Markdown table of docs/PERFORMANCE.md."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import msgspec

RESULTS_DIR = Path(__file__).parent / "results"


class Target(msgspec.Struct, frozen=True):
    op: Literal[">=", "<="]
    bound: float

    def met(self, value: float) -> bool:
        return value >= self.bound if self.op == ">=" else value <= self.bound

    def __str__(self) -> str:
        return f"{self.op} {self.bound:g}"


class Check(msgspec.Struct, frozen=True, kw_only=True):
    """A measured value against its target: a ratio (no unit), or a limit such as MiB."""

    metric: str
    value: float
    target: Target
    passed: bool
    unit: str = ""

    @classmethod
    def of(cls, metric: str, value: float, target: Target, unit: str = "") -> Check:
        return cls(metric=metric, value=value, target=target, passed=target.met(value), unit=unit)

    @property
    def shown(self) -> str:
        return f"{self.value:.2f}" if not self.unit else f"{format_number(self.value)} {self.unit}"

    @property
    def wanted(self) -> str:
        return f"{self.target} {self.unit}".rstrip()


class Figure(msgspec.Struct, frozen=True, kw_only=True):
    metric: str
    value: float
    unit: str


class Result(msgspec.Struct, kw_only=True):
    name: str
    title: str
    started_at: datetime
    seconds: float = 0.0
    checks: list[Check] = msgspec.field(default_factory=list)
    figures: list[Figure] = msgspec.field(default_factory=list)
    notes: list[str] = msgspec.field(default_factory=list)
    details: dict[str, Any] = msgspec.field(default_factory=dict)

    def check(self, metric: str, value: float, target: Target, unit: str = "") -> None:
        self.checks.append(Check.of(metric, value, target, unit))

    def figure(self, metric: str, value: float, unit: str) -> None:
        self.figures.append(Figure(metric=metric, value=value, unit=unit))

    def note(self, text: str) -> None:
        self.notes.append(text)
        print(f"  note: {text}", flush=True)


def now() -> datetime:
    return datetime.now(UTC)


def format_number(value: float) -> str:
    if value == 0 or abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def result_rows(result: Result) -> list[tuple[str, str, str, str]]:
    rows = [(c.metric, c.shown, c.wanted, "yes" if c.passed else "NO") for c in result.checks]
    rows += [(f.metric, f"{format_number(f.value)} {f.unit}", "", "") for f in result.figures]
    return rows


HEADER = ("metric", "value", "target", "met")
ORDER = ("dispatch", "memory", "claim_scaling", "api", "profile", "profile_api")


def text_table(rows: Sequence[tuple[str, ...]], header: tuple[str, ...] = HEADER) -> str:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


def markdown_table(rows: Sequence[tuple[str, ...]], header: tuple[str, ...] = HEADER) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def publish(result: Result) -> Path:
    """Print the result's table and write its JSON file."""
    print(f"\n== {result.title} ({result.seconds:.0f} s)")
    print(text_table(result_rows(result)), flush=True)
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{result.name}.json"
    path.write_bytes(msgspec.json.format(msgspec.json.encode(result)) + b"\n")
    return path


def load_results() -> list[Result]:
    if not RESULTS_DIR.exists():
        return []
    found = []
    for path in sorted(RESULTS_DIR.glob("*.json")):
        if path.name == "summary.json":
            continue
        try:
            found.append(msgspec.json.decode(path.read_bytes(), type=Result))
        except msgspec.DecodeError:
            continue
    return found


def render_markdown(results: list[Result]) -> str:
    """The targets of every benchmark in one table, then each benchmark's figures."""
    ordered = sorted(results, key=lambda r: ORDER.index(r.name) if r.name in ORDER else 99)
    check_rows = [
        (c.metric, f"**{c.shown}**", c.wanted, "yes" if c.passed else "**no**", result.name)
        for result in ordered
        for c in result.checks
    ]
    parts = ["### Targets", "", markdown_table(check_rows, (*HEADER, "benchmark"))]
    for result in ordered:
        rows = [(f.metric, f"{format_number(f.value)} {f.unit}") for f in result.figures]
        if rows:
            parts += ["", f"#### {result.title}", "", markdown_table(rows, ("figure", "value"))]
        parts += [f"\n- note: {note}" for note in result.notes]
    return "\n".join(parts) + "\n"


def main() -> int:
    results = load_results()
    if not results:
        print("no results yet: run `nox -s bench` first", file=sys.stderr)
        return 1
    print(render_markdown(results))
    return 0
