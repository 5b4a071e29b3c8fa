"""Structured logs: JSON by default, console on request, with the core's `extra` fields."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from entrypoints.logging import configure_logging


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield io.StringIO()
    root.handlers, root.level = handlers, level
    structlog.reset_defaults()


def test_a_dispatch_line_is_one_json_object_carrying_the_message_id(stream: io.StringIO) -> None:
    configure_logging("json", "INFO", stream=stream)

    logging.getLogger("insider_core.dispatch").info(
        "message %s", "sent", extra={"message_id": 42, "attempt": 1}
    )

    line = json.loads(stream.getvalue())
    assert line["event"] == "message sent"
    assert line["message_id"] == 42
    assert line["attempt"] == 1
    assert line["level"] == "info"
    assert line["logger"] == "insider_core.dispatch"
    assert line["timestamp"].endswith("Z")


def test_console_format_is_readable_and_keeps_the_message_id(stream: io.StringIO) -> None:
    configure_logging("console", "INFO", stream=stream)

    logging.getLogger("insider_core.dispatch").info("message sent", extra={"message_id": 7})

    text = stream.getvalue()
    assert "message sent" in text
    assert "message_id=7" in text
    assert not text.lstrip().startswith("{")


def test_records_below_the_level_are_dropped(stream: io.StringIO) -> None:
    configure_logging("json", "WARNING", stream=stream)

    logging.getLogger("insider").info("quiet")
    logging.getLogger("insider").warning("loud")

    assert [json.loads(line)["event"] for line in stream.getvalue().splitlines()] == ["loud"]


def test_exceptions_are_logged_inside_the_json_line(stream: io.StringIO) -> None:
    configure_logging("json", "INFO", stream=stream)

    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("insider").exception("batch failed")

    line = json.loads(stream.getvalue())
    assert "RuntimeError: boom" in line["exception"]
