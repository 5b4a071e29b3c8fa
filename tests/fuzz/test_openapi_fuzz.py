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

import schemathesis
from dependency_injector import providers
from litestar import Litestar
from schemathesis.config import SchemathesisConfig

from adapters.memory import ManualClock, ScriptedSender
from entrypoints.container import Container
from entrypoints.settings import load_settings
from entrypoints.web.app import create_app
from entrypoints.web.docs import OPENAPI_PATH

MESSAGES_KEY = "fuzz-messages-key"
SCHEDULER_KEY = "fuzz-scheduler-key"
DEFAULT_SEED = 20_260_101


def fuzz_app() -> Litestar:
    """Both keys configured, so the one 500 the SPEC allows (an unset key) cannot occur. The
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
    container.clock.override(providers.Object(ManualClock()))
    container.http_session.override(providers.Object(None))
    container.sender.override(providers.Object(ScriptedSender()))
    return create_app(container)


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


@schema.parametrize()
def test_every_operation_answers_as_its_openapi_document_says(case: schemathesis.Case) -> None:
    case.call_and_validate()
