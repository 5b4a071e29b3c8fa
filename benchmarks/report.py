"""The budgets table: each figure against its budget, one column group per store, as
Markdown (docs/PERFORMANCE.md takes it as printed); each run also written as JSON to
benchmarks/results/."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import msgspec

from benchmarks.budgets import DISPATCH_SHARE, ROUTES, Measured

RESULTS_DIR = Path(__file__).parent / "results"


def _ms(value: float) -> str:
    return f"{value:,.1f} ms" if value < 100 else f"{value:,.0f} ms"


def _met(passed: bool) -> str:
    return "yes" if passed else "**NO**"


def rows(run: Measured) -> list[list[str]]:
    """[p50, p99 (or the figure), met] per budget, in the order of `budget_names`."""
    table = []
    for budget in ROUTES:
        latencies = run.routes[budget.name]
        met = latencies.p99_ms <= budget.p99_ms and not latencies.failures
        table.append([_ms(latencies.p50_ms), _ms(latencies.p99_ms), _met(met)])
    share = run.dispatch_share
    table.append([f"{run.dispatch.rate:,.0f} msg/s", f"{share:.2f}", _met(share >= DISPATCH_SHARE)])
    table.append(["", f"{run.dispatch.database_us_per_message:.0f} µs", "reported"])
    table.append(["", f"{run.dispatch.service_us_per_message:.0f} µs", "reported"])
    return table


def budget_names() -> list[tuple[str, str]]:
    named = [(f"{b.name} `{b.method} {b.path}`", f"p99 ≤ {b.p99_ms:g} ms") for b in ROUTES]
    named.append(("dispatch / raw limit, one process", f"≥ {DISPATCH_SHARE:g}"))
    named.append(("database server's CPU per delivered message", "-"))
    named.append(("the dispatching process's CPU per delivered message", "-"))
    return named


def markdown(runs: list[Measured]) -> str:
    header = ["Budget", "Limit"]
    for run in runs:
        header += [f"p50 ({run.server})", "p99", "met"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    per_store = [rows(run) for run in runs]
    for index, (name, limit) in enumerate(budget_names()):
        cells = [name, limit] + [cell for table in per_store for cell in table[index]]
        lines.append("| " + " | ".join(cells) + " |")
    for run in runs:
        raw = ", ".join(f"{r.rate:,.0f}" for r in run.raw_limit)
        lines.append("")
        lines.append(
            f"{run.server}, {run.settings.messages:,} messages: raw limit {raw} msg/s (before, "
            f"after); {run.sent_while_serving:,} messages sent while the routes were measured; "
            "the dispatcher's RSS "
            + " then ".join(f"{mib:.0f} MiB" for mib in run.dispatcher_rss_mib)
        )
        lines += [f"- note: {note}" for note in run.notes]
        failures = {name: lat.failures for name, lat in run.routes.items() if lat.failures}
        if failures:
            lines.append(f"- answers other than 2xx: {failures}")
    return "\n".join(lines)


def all_met(runs: list[Measured]) -> bool:
    return all("**NO**" not in cell for run in runs for row in rows(run) for cell in row)


def save(runs: list[Measured]) -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"budgets-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_bytes(msgspec.json.format(msgspec.json.encode(runs)) + b"\n")
    return path
