"""Structured logs: JSON lines by default, readable console lines with LOG_FORMAT=console.
Standard-library records go through the same processors, so the `extra` fields the core adds
(such as `message_id`) appear on every dispatch line."""

from __future__ import annotations

import logging
import sys
from typing import Any, TextIO

import structlog

QUIET_LOGGERS = ("httpx", "aiosqlite", "asyncio")


def drop_color_message(_: Any, __: str, event: dict[str, Any]) -> dict[str, Any]:
    """Uvicorn repeats each line with terminal colours in `color_message`."""
    event.pop("color_message", None)
    return event


def configure_logging(
    log_format: str = "json", level: str = "INFO", stream: TextIO | None = None
) -> None:
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        drop_color_message,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Any
    if log_format == "console":
        renderer = structlog.dev.ConsoleRenderer(
            colors=False, exception_formatter=structlog.dev.plain_traceback
        )
    else:
        renderer = structlog.processors.JSONRenderer()
        shared.append(structlog.processors.format_exc_info)
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True
