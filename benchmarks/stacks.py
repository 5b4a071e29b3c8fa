"""Reading py-spy's collapsed stacks (`--format raw`): the functions and libraries that take
the samples, by self time (the frame on top) and by inclusive time (anywhere on the stack)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

FRAME = re.compile(r"^(?P<function>.*) \((?P<file>.*?)(?::\d+)?\)$")
LIBRARIES = (
    ("insider_core", "insider_core"),
    ("adapters/mysql", "adapters.mysql"),
    ("adapters/http", "adapters.http"),
    ("adapters/redis", "adapters.redis"),
    ("entrypoints", "entrypoints"),
    ("pymysql", "pymysql"),
    ("aiomysql", "aiomysql"),
    ("aiohttp", "aiohttp"),
    ("yarl", "aiohttp"),
    ("multidict", "aiohttp"),
    ("redis", "redis-py"),
    ("msgspec", "msgspec"),
    ("uvloop", "event loop (uvloop, C)"),
    ("asyncio", "asyncio (Python: loop, streams, tasks)"),
    ("selectors", "asyncio (Python: loop, streams, tasks)"),
    ("logging", "logging"),
    ("structlog", "logging"),
    ("uvicorn", "uvicorn"),
    ("h11", "h11 (pure-Python HTTP parser)"),
    ("httptools", "httptools (C HTTP parser)"),
    ("litestar", "litestar"),
    ("prometheus_client", "prometheus"),
    ("concurrent/futures", "thread pool (sync_to_thread)"),
    ("threading", "thread pool (sync_to_thread)"),
    ("datetime", "datetime/uuid"),
    ("uuid", "datetime/uuid"),
)


# A pool thread waiting for work shows this frame on top; py-spy does not always see it idle.
IDLE_TOPS = frozenset({"_worker (concurrent/futures/thread.py)"})


def read_stacks(path: Path) -> Counter[tuple[str, ...]]:
    """The sampled stacks and their counts, idle pool threads left out."""
    stacks: Counter[tuple[str, ...]] = Counter()
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            frames = tuple(_short(frame) for frame in stack.split(";"))
            if frames[-1] not in IDLE_TOPS:
                stacks[frames] += int(count)
    return stacks


def _short(frame: str) -> str:
    """`function (module path)` without the line number and the site-packages prefix."""
    match = FRAME.match(frame.strip())
    if match is None:
        return frame.strip()
    file = match["file"]
    for marker in ("site-packages/", "/src/", "/lib/python3."):
        if marker in file:
            file = file.split(marker, 1)[1]
            file = file.split("/", 1)[1] if marker == "/lib/python3." else file
            break
    return f"{match['function']} ({file})"


# On uvloop the loop is C: its own time, and the I/O it does, show as this frame on top.
LOOP_RUNNER = "Runner.run (asyncio/runners.py)"


def library_of(frame: str) -> str:
    if frame == LOOP_RUNNER:
        return "event loop (uvloop, C)"
    for marker, library in LIBRARIES:
        if f"({marker}" in frame or f"/{marker}" in frame:
            return library
    return "other"


def top_self(stacks: Counter[tuple[str, ...]], limit: int = 15) -> list[tuple[str, float]]:
    total = sum(stacks.values()) or 1
    found: Counter[str] = Counter()
    for stack, count in stacks.items():
        found[stack[-1]] += count
    return [(frame, count / total) for frame, count in found.most_common(limit)]


def top_inclusive(stacks: Counter[tuple[str, ...]], limit: int = 25) -> list[tuple[str, float]]:
    total = sum(stacks.values()) or 1
    found: Counter[str] = Counter()
    for stack, count in stacks.items():
        for frame in set(stack):
            found[frame] += count
    return [(frame, count / total) for frame, count in found.most_common(limit)]


def by_library(stacks: Counter[tuple[str, ...]]) -> list[tuple[str, float]]:
    """Self time by the library of the frame on top of each stack."""
    total = sum(stacks.values()) or 1
    found: Counter[str] = Counter()
    for stack, count in stacks.items():
        found[library_of(stack[-1])] += count
    return [(library, count / total) for library, count in found.most_common()]
