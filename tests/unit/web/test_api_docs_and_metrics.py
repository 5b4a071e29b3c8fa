"""The OpenAPI document, the offline Swagger UI and the Prometheus metrics."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from conftest import MESSAGES_AUTH, Client

DOCUMENTED_ROUTES = {
    ("post", "/api/v1/scheduler/start"),
    ("post", "/api/v1/scheduler/stop"),
    ("get", "/api/v1/scheduler/status"),
    ("get", "/api/v1/messages"),
    ("post", "/api/v1/messages"),
    ("get", "/api/v1/messages/sent"),
    ("get", "/api/v1/messages/{message_id}"),
    ("get", "/api/v1/messages/{message_id}/attempts"),
    ("get", "/api/v1/messages/stats"),
    ("get", "/api/v1/messages/cached"),
    ("post", "/api/v1/messages/replay/all"),
    ("post", "/api/v1/messages/replay"),
    ("post", "/api/v1/messages/{message_id}/replay"),
    ("get", "/health"),
    ("get", "/metrics"),
}
OPEN_ROUTES = ("/health", "/metrics")


@pytest.fixture
async def openapi(client: Client) -> dict[str, Any]:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method, path): operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
    }


async def test_the_openapi_document_is_version_3_1_and_lists_every_route(
    openapi: dict[str, Any],
) -> None:
    assert openapi["openapi"].startswith("3.1")
    assert set(operations(openapi)) == DOCUMENTED_ROUTES


async def test_every_guarded_route_documents_the_api_key_and_its_error_responses(
    openapi: dict[str, Any],
) -> None:
    schemes = openapi["components"]["securitySchemes"]
    for name in ("MessagesApiKey", "SchedulerApiKey"):
        assert schemes[name]["type"] == "apiKey"
        assert (schemes[name]["in"], schemes[name]["name"]) == ("header", "x-ins-auth-key")
    for (_, path), operation in operations(openapi).items():
        if path in OPEN_ROUTES:
            assert not operation.get("security"), path
            continue
        assert operation["security"], path
        assert {"401", "500", "503"} <= set(operation["responses"]), path
        failure = operation["responses"]["401"]["content"]["application/json"]["schema"]
        assert failure == {"$ref": "#/components/schemas/Failure"}


async def test_the_document_describes_request_bodies_and_validation_errors(
    openapi: dict[str, Any],
) -> None:
    ops = operations(openapi)
    create = ops[("post", "/api/v1/messages")]
    assert {"200", "201", "400", "422"} <= set(create["responses"])
    request_schema = create["requestBody"]["content"]["application/json"]["schema"]
    assert request_schema == {"$ref": "#/components/schemas/CreateMessage"}
    assert {"400", "422"} <= set(ops[("post", "/api/v1/scheduler/start")]["responses"])
    assert "404" in ops[("get", "/api/v1/messages/{message_id}")]["responses"]
    assert "503" in ops[("get", "/health")]["responses"]
    schemas = openapi["components"]["schemas"]
    assert set(schemas["CreateMessage"]["properties"]) == {"content", "phoneNumber", "sendAt"}
    assert set(schemas["ReplayFailed"]["properties"]) == {"since", "dryRun"}
    for path in ("/api/v1/messages/replay/all", "/api/v1/messages/replay"):
        assert ops[("post", path)]["requestBody"]["required"] is False, path
        assert {"400", "422"} <= set(ops[("post", path)]["responses"]), path
    assert set(schemas["StartScheduler"]["properties"]) == {
        "interval",
        "intervalSeconds",
        "failureRate",
        "batchSize",
    }
    assert "phoneNumber" in schemas["MessageBody"]["properties"]
    assert set(schemas["CachedPageOf"]["properties"]) == {"success", "data", "nextAfter"}
    assert set(schemas["Failure"]["properties"]) == {"success", "error", "details"}


async def test_the_document_describes_the_paging_of_the_sent_cache(
    openapi: dict[str, Any],
) -> None:
    cached = operations(openapi)[("get", "/api/v1/messages/cached")]
    parameters = {parameter["name"]: parameter["schema"] for parameter in cached["parameters"]}

    assert (parameters["limit"]["minimum"], parameters["limit"]["maximum"]) == (1, 1000)
    assert parameters["limit"]["default"] == 100
    assert (parameters["after"]["minimum"], parameters["after"]["default"]) == (0, 0)
    assert "nextAfter" in cached["description"]
    assert "422" in cached["responses"]


async def test_every_error_response_is_documented_as_the_error_envelope(
    openapi: dict[str, Any],
) -> None:
    for (method, path), operation in operations(openapi).items():
        for status, response in operation["responses"].items():
            if int(status) < 400 or path in OPEN_ROUTES:
                continue
            schema = response["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Failure"}, (method, path, status)
    failure = openapi["components"]["schemas"]["Failure"]
    assert failure["properties"]["success"]["const"] is False
    assert failure["required"] == ["error", "success"]


async def test_routes_that_read_a_body_document_the_413_for_one_too_large(
    openapi: dict[str, Any],
) -> None:
    ops = operations(openapi)
    readers = {key for key, operation in ops.items() if "requestBody" in operation}

    assert readers == {
        ("post", "/api/v1/messages"),
        ("post", "/api/v1/scheduler/start"),
        ("post", "/api/v1/messages/replay/all"),
        ("post", "/api/v1/messages/replay"),
    }
    for key in readers:
        assert "413" in ops[key]["responses"], key


async def test_the_create_body_documents_the_rules_the_api_enforces(
    openapi: dict[str, Any],
) -> None:
    create = openapi["components"]["schemas"]["CreateMessage"]
    content = create["properties"]["content"]
    phone = create["properties"]["phoneNumber"]

    assert create["additionalProperties"] is False
    assert (content["minLength"], content["maxLength"]) == (1, 50)  # MESSAGE_MAX_CONTENT_LENGTH
    assert re.search(content["pattern"], "Hello")
    for refused in ("   ", "a\x00b", "\t\n"):
        assert not re.search(content["pattern"], refused), refused
    assert re.search(phone["pattern"], "+905551112233")
    assert not re.search(phone["pattern"], "+\u0669\u0660\u0665\u0665\u0665\u0661\u0661\u0661")


async def test_the_start_body_is_optional_and_its_zero_bounds_are_documented(
    openapi: dict[str, Any],
) -> None:
    start = operations(openapi)[("post", "/api/v1/scheduler/start")]
    properties = openapi["components"]["schemas"]["StartScheduler"]["properties"]

    assert start["requestBody"]["required"] is False
    assert openapi["components"]["schemas"]["StartScheduler"]["additionalProperties"] is False
    assert properties["interval"]["exclusiveMinimum"] == 0
    assert properties["intervalSeconds"]["exclusiveMinimum"] == 0
    assert (properties["failureRate"]["minimum"], properties["failureRate"]["maximum"]) == (0, 1)


async def test_options_on_the_messages_collection_names_both_of_its_methods(
    client: Client,
) -> None:
    response = await client.options("/api/v1/messages", headers=MESSAGES_AUTH)

    assert response.status_code == 204
    assert response.headers["allow"] == "GET, OPTIONS, POST"


async def test_swagger_ui_loads_only_local_assets_and_points_at_the_document(
    client: Client,
) -> None:
    response = await client.get("/swagger")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert not re.search(r"https?:|//[a-z]", page)
    assert '"openapi":"3.1.0"' in page  # the document itself, embedded
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert len(assets) >= 3
    for asset in assets:
        assert asset.startswith("/swagger/assets/"), asset
        served = await client.get(asset)
        assert served.status_code == 200, asset
        assert len(served.content) > 100, asset


async def test_the_seeds_swagger_url_serves_the_same_page(client: Client) -> None:
    seeds = await client.get("/swagger/index.html")
    ours = await client.get("/swagger")

    assert seeds.status_code == 200
    assert seeds.headers["content-type"].startswith("text/html")
    assert seeds.text == ours.text


async def test_schema_names_carry_no_module_paths(openapi: dict[str, Any]) -> None:
    names = set(openapi["components"]["schemas"])

    assert {"MessagePage", "MessageSuccess", "AttemptsSuccess", "CachedPageOf"} <= names
    assert all(re.fullmatch(r"[A-Za-z]+", name) for name in names), names
    references = re.findall(r'"\$ref": ?"([^"]+)"', json.dumps(openapi))
    assert references
    for reference in references:
        assert reference.removeprefix("#/components/schemas/") in names, reference


OPERATION_IDS = {
    ("post", "/api/v1/messages"): "createMessage",
    ("get", "/api/v1/messages"): "listMessages",
    ("get", "/api/v1/messages/{message_id}"): "getMessage",
    ("get", "/api/v1/messages/{message_id}/attempts"): "listMessageAttempts",
    ("get", "/api/v1/messages/stats"): "getMessageStats",
    ("get", "/api/v1/messages/sent"): "listSentMessages",
    ("get", "/api/v1/messages/cached"): "listCachedSends",
    ("post", "/api/v1/messages/{message_id}/replay"): "replayMessage",
    ("post", "/api/v1/messages/replay/all"): "replayFailedMessages",
    ("post", "/api/v1/messages/replay"): "replayFailedMessagesAlias",
    ("post", "/api/v1/scheduler/start"): "startScheduler",
    ("post", "/api/v1/scheduler/stop"): "stopScheduler",
    ("get", "/api/v1/scheduler/status"): "getSchedulerStatus",
    ("get", "/health"): "getHealth",
    ("get", "/metrics"): "getMetrics",
}


async def test_every_operation_has_a_verb_like_id_for_generated_clients(
    openapi: dict[str, Any],
) -> None:
    ids = {key: operation["operationId"] for key, operation in operations(openapi).items()}

    assert ids == OPERATION_IDS


def date_time_branches(schema: dict[str, Any]) -> list[dict[str, Any]]:
    return [branch for branch in schema["oneOf"] if branch.get("format") == "date-time"]


async def test_optional_times_carry_their_format_on_the_string_itself(
    openapi: dict[str, Any],
) -> None:
    schemas = openapi["components"]["schemas"]
    optional_times = [
        schemas["CreateMessage"]["properties"]["sendAt"],
        schemas["ReplayFailed"]["properties"]["since"],
        schemas["MessageBody"]["properties"]["sentAt"],
        schemas["MessageBody"]["properties"]["nextAttemptAt"],
    ]

    for schema in optional_times:
        assert "format" not in schema
        assert date_time_branches(schema) == [{"type": "string", "format": "date-time"}]
    assert schemas["MessageBody"]["properties"]["createdAt"]["format"] == "date-time"


async def test_metrics_are_documented_as_open_prometheus_text(openapi: dict[str, Any]) -> None:
    metrics = operations(openapi)[("get", "/metrics")]

    assert set(metrics["responses"]["200"]["content"]) == {"text/plain"}
    assert not metrics.get("security")


async def test_the_served_swagger_ui_is_version_5_which_renders_openapi_3_1(
    client: Client,
) -> None:
    bundle = await client.get("/swagger/assets/swagger-ui-bundle.js")

    assert re.search(rb'"5\.\d+\.\d+"', bundle.content)


async def test_metrics_are_prometheus_text_with_dispatch_counters_and_latency(
    client: Client,
    create_message: Callable[..., Awaitable[dict[str, Any]]],
    run_batch: Callable[[], Awaitable[list[Any]]],
) -> None:
    await create_message()
    await run_batch()

    response = await client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    for name in (
        "messages_sent_total",
        "send_attempts_failed_total",
        "messages_retried_total",
        "messages_dead_lettered_total",
        "webhook_latency_seconds_bucket",
        'dispatch_batch_phase_seconds_count{phase="claim"} 1.0',
        'dispatch_batch_phase_seconds_count{phase="send"} 1.0',
        'dispatch_batch_phase_seconds_count{phase="record"} 1.0',
        "insider_http_requests_total",
    ):
        assert name in text, name
    sent = re.search(r"^messages_sent_total (\S+)$", text, re.MULTILINE)
    assert sent is not None
    assert float(sent[1]) >= 1
