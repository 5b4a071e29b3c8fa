"""schemathesis against the app's own OpenAPI document (/schema/openapi.json), in process over
the memory adapters: for every documented operation, generated requests that fit the document
and requests that break it, with both API keys supplied.

Every default check of schemathesis runs, among them: no 5xx (`not_a_server_error`), every
status code and content type documented, every body matches its documented schema, valid input
is accepted, invalid input refused, and a request without its key is refused.

FUZZ_MAX_EXAMPLES (default 50 per operation) and FUZZ_SEED (default fixed, so CI is
reproducible; "random" for a fresh exploration) widen a local run."""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import schemathesis
from dependency_injector import providers
from litestar import Litestar
from schemathesis.config import SchemathesisConfig

from adapters.memory import ManualClock, ScriptedSender
from entrypoints.container import Container
from entrypoints.settings import load_settings
from entrypoints.web.app import create_app
from entrypoints.web.attempt_limit import LocalAttempts
from entrypoints.web.docs import OPENAPI_PATH

MESSAGES_KEY = "fuzz-messages-key"
SCHEDULER_KEY = "fuzz-scheduler-key"
DEFAULT_SEED = 20_260_101
FUZZ_NOW = datetime(2026, 1, 1, tzinfo=UTC)
LATEST_SEND_AT = FUZZ_NOW + timedelta(days=365)


def fuzz_app() -> Litestar:
    """Both keys configured, so the one 500 the API allows (an unset key) cannot occur. The
    manual clock never moves: a started scheduler runs one batch, then waits."""
    settings = load_settings(
        {
            "DATABASE_URL": "memory://",
            "WEBHOOK_URL": "http://webhook.test/hook",
            "MESSAGES_API_KEY": MESSAGES_KEY,
            "SCHEDULER_API_KEY": SCHEDULER_KEY,
            "AUTO_START_SCHEDULER": "false",
        }
    )
    container = Container(settings=settings)
    container.clock.override(providers.Object(ManualClock(FUZZ_NOW)))
    container.http_session.override(providers.Object(None))
    container.webhook.override(providers.Object(ScriptedSender()))
    app = create_app(container)
    # schemathesis sends wrong keys on purpose, more than the attempt limit allows while the
    # clock stands still; the limit has tests of its own (test_api_key_attempts.py).
    app.state.api_attempts = LocalAttempts(allowed=sys.maxsize)
    return app


def fuzz_config() -> SchemathesisConfig:
    seed = os.environ.get("FUZZ_SEED", str(DEFAULT_SEED))
    return SchemathesisConfig.from_dict(
        {
            **({} if seed == "random" else {"seed": int(seed)}),
            "generation": {"max-examples": int(os.environ.get("FUZZ_MAX_EXAMPLES", "50"))},
            "auth": {
                "openapi": {
                    "MessagesApiKey": {"api_key": MESSAGES_KEY},
                    "SchedulerApiKey": {"api_key": SCHEDULER_KEY},
                }
            },
        }
    )


schema = schemathesis.openapi.from_asgi(OPENAPI_PATH, fuzz_app(), config=fuzz_config())


@schema.hook("map_body")
def send_at_within_a_year(_: Any, body: Any) -> Any:
    """JSON Schema cannot say "at most a year ahead of now", so a generated `sendAt` past that
    horizon is moved inside it: a body valid by the document stays valid."""
    if not isinstance(body, dict) or not isinstance(body.get("sendAt"), str):
        return body
    try:
        moment = datetime.fromisoformat(body["sendAt"].upper())
    except ValueError:
        return body
    if moment.utcoffset() is not None and moment - LATEST_SEND_AT > timedelta(0):
        return {**body, "sendAt": LATEST_SEND_AT.isoformat()}
    return body


@schema.parametrize()
def test_every_operation_answers_as_its_openapi_document_says(case: schemathesis.Case) -> None:
    case.call_and_validate()
