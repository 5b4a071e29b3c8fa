"""Where the dispatching service spends its CPU (py-spy sampling `insider serve` while it
delivers 20,000 messages) and where a batch spends its wall-clock time (phases.py).
The collapsed stacks are kept in results/dispatch-profile.txt (speedscope opens them)."""

from __future__ import annotations

import signal
import statistics
import subprocess
import sys
import timeit
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import delivery, stacks
from benchmarks.dispatch import DATABASE
from benchmarks.mariadb import BenchDatabase
from benchmarks.phases import PERMIT, no_store_rate, phase_shares
from benchmarks.processes import Child, venv_script
from benchmarks.receiver_nginx import running_receiver
from benchmarks.report import RESULTS_DIR, Result, now
from insider_core.breaker import CircuitBreaker
from insider_core.outcome import SendOutcome

NAME = "profile"
TITLE = "Profile of the service dispatching 20,000 messages (py-spy, CPU samples)"
COUNT = 20_000
SAMPLE_RATE = 200
SHOWN = 12


def find_py_spy() -> tuple[str | None, str]:
    """py-spy beside this interpreter or on PATH, else installed into this environment (with
    uv when there is one, else with pip, bootstrapped by ensurepip if need be)."""
    found = venv_script("py-spy")
    if found:
        return found, "present"
    print("  installing py-spy into this environment", flush=True)
    for installer in _installers():
        subprocess.run(installer, capture_output=True, check=False)
        found = venv_script("py-spy")
        if found:
            return found, "installed"
    return None, "py-spy is not installed and could not be installed"


def _installers() -> list[list[str]]:
    steps: list[list[str]] = []
    uv = venv_script("uv")
    if uv is not None:
        steps.append([uv, "pip", "install", "-q", "--python", sys.executable, "py-spy"])
    steps.append([sys.executable, "-m", "ensurepip"])
    steps.append([sys.executable, "-m", "pip", "install", "-q", "py-spy"])
    return steps


async def run(workdir: Path) -> Result:
    result = Result(name=NAME, title=TITLE, started_at=now())
    py_spy, why = find_py_spy()
    db = BenchDatabase.named(DATABASE)
    profile = RESULTS_DIR / "dispatch-profile.txt"
    RESULTS_DIR.mkdir(exist_ok=True)
    async with running_receiver(workdir) as receiver:
        if py_spy is None:
            result.note(f"no CPU profile: {why}")
        else:
            recorder = sampling(py_spy, profile, workdir / "py-spy.log")
            run_ = await delivery.deliver(COUNT, receiver, workdir, db, while_delivering=recorder)
            result.figure("dispatch rate while sampled", run_.rate, "msg/s")
            _profile_figures(result, profile)
        shares = await phase_shares(db, receiver.url, COUNT)
        without_store = await no_store_rate(receiver.url, COUNT)
        flow_control = await _flow_control_cost(receiver.url)
    with_mysql = shares.pop("rate")
    result.figure("in-process dispatcher rate (phases run)", with_mysql, "msg/s")
    result.figure("in-process dispatcher rate, no store at all", without_store, "msg/s")
    result.figure("in-process rate with MySQL / with no store", with_mysql / without_store, "x")
    result.figure(
        "in-process rate, closed breaker and unlimited rate / neither (no store, median of "
        f"{FLOW_CONTROL_PAIRS} alternating pairs)",
        flow_control,
        "x",
    )
    per_send = _breaker_seconds_per_send()
    result.figure("closed breaker's work per send (permit and observe)", per_send * 1e6, "us")
    result.figure(
        "that work / the in-process time per message with no store",
        100 * per_send * without_store,
        "%",
    )
    for phase, share in shares.items():
        result.figure(f"wall time in {phase}", share * 100, "%")
    result.details["phaseShares"] = shares
    return result


FLOW_CONTROL_PAIRS = 6


async def _flow_control_cost(webhook_url: str) -> float:
    """What a closed breaker and an unlimited rate cost: the dispatcher over no store, with
    the breaker and without it, alternating, each side first in every other pair; the median
    of the pairs' ratios."""
    ratios = []
    for pair in range(FLOW_CONTROL_PAIRS):
        if pair % 2:
            without = await no_store_rate(webhook_url, COUNT, breaker=False)
            with_breaker = await no_store_rate(webhook_url, COUNT)
        else:
            with_breaker = await no_store_rate(webhook_url, COUNT)
            without = await no_store_rate(webhook_url, COUNT, breaker=False)
        ratios.append(with_breaker / without)
    return statistics.median(ratios)


def _breaker_seconds_per_send(sends: int = 200_000) -> float:
    """The CPU a closed breaker spends on one send, timed alone: the ratio above is the
    whole dispatcher's and moves by a few percent between runs, this does not."""
    breaker = CircuitBreaker()
    accepted = SendOutcome(http_status=202, receipt_id="bench")
    moment = datetime.now(UTC)

    def send() -> None:
        breaker.observe(breaker.permit(moment) or PERMIT, accepted, moment)

    return min(timeit.repeat(send, number=sends, repeat=3)) / sends


def sampling(
    py_spy: str, output: Path, log: Path
) -> Callable[[int], Awaitable[Callable[[], Awaitable[None]]]]:
    async def start(pid: int) -> Callable[[], Awaitable[None]]:
        argv = [
            py_spy,
            "record",
            "--pid",
            str(pid),
            "--rate",
            str(SAMPLE_RATE),
            "--format",
            "raw",
            "--output",
            str(output),
        ]
        child = await Child.start("py-spy", argv, log)

        async def stop() -> None:
            await child.stop(grace=30, how=signal.SIGINT)

        return stop

    return start


def _profile_figures(result: Result, profile: Path) -> None:
    if not profile.exists():
        result.note("py-spy wrote no profile (is ptrace allowed here?)")
        return
    sampled = stacks.read_stacks(profile)
    libraries = stacks.by_library(sampled)
    for library, share in libraries:
        if share >= 0.01:
            result.figure(f"CPU self time in {library}", share * 100, "%")
    for frame, share in stacks.top_self(sampled, SHOWN):
        result.figure(f"self: {frame}", share * 100, "%")
    result.details.update(
        samples=sum(sampled.values()),
        sampleRate=SAMPLE_RATE,
        byLibrary=libraries,
        topSelf=stacks.top_self(sampled, 30),
        topInclusive=stacks.top_inclusive(sampled, 40),
    )
