"""The Dockerfile and docker-compose.yml agree with the settings the service knows."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from entrypoints.settings import KNOWN_VARIABLES

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return document


@pytest.fixture(scope="module")
def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def instructions(dockerfile: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n\s*", " ", dockerfile)
    pairs = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            pairs.append((keyword.upper(), rest.strip()))
    return pairs


@pytest.mark.parametrize("app", ["app", "app-postgres"])
def test_every_variable_the_compose_file_sets_for_the_app_is_a_known_setting(
    compose: dict[str, Any], app: str
) -> None:
    environment = compose["services"][app]["environment"]
    names = (
        set(environment)
        if isinstance(environment, dict)
        else {entry.split("=", 1)[0] for entry in environment}
    )

    assert names, "the app sets no environment"
    assert names <= KNOWN_VARIABLES, names - KNOWN_VARIABLES


def test_the_app_waits_for_healthy_mysql_8_and_redis_7(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["mysql"]["image"].startswith("mysql:8")
    assert services["redis"]["image"].startswith("redis:7")
    assert "healthcheck" in services["mysql"]
    assert "healthcheck" in services["redis"]
    depends_on = services["app"]["depends_on"]
    assert depends_on["mysql"]["condition"] == "service_healthy"
    assert depends_on["redis"]["condition"] == "service_healthy"


def test_mysql_runs_with_utf8mb4(compose: dict[str, Any]) -> None:
    command = " ".join(compose["services"]["mysql"]["command"])

    assert "--character-set-server=utf8mb4" in command


def test_the_app_points_at_the_compose_services(compose: dict[str, Any]) -> None:
    environment = compose["services"]["app"]["environment"]

    assert environment["DB_HOST"] == "mysql"
    assert environment["REDIS_HOST"] == "redis"


def default_of(value: str) -> str | None:
    """What a compose value is when the environment sets nothing: `${X:-d}` is d, `${X:?why}`
    is nothing (compose refuses to start), a plain value is itself."""
    found = re.fullmatch(r"\$\{(?P<name>\w+)(?:(?P<kind>:-|:\?)(?P<rest>.*))?\}", value)
    if found is None:
        return value
    if found["kind"] == ":-":
        return found["rest"]
    return None


def published(service: dict[str, Any]) -> list[str]:
    """The host address of each published port (`0.0.0.0` when none is named)."""
    addresses = []
    for port in service.get("ports", []):
        if isinstance(port, dict):
            addresses.append(str(port.get("host_ip", "0.0.0.0")))
        else:
            parts = str(port).rsplit(":", 2)
            addresses.append(default_of(parts[0]) or "" if len(parts) == 3 else "0.0.0.0")
    return addresses


@pytest.mark.parametrize("name", ["mysql", "postgres", "redis", "receiver"])
def test_the_database_the_cache_and_the_receiver_are_published_on_loopback_at_most(
    compose: dict[str, Any], name: str
) -> None:
    assert all(address == "127.0.0.1" for address in published(compose["services"][name]))


@pytest.mark.parametrize("app", ["app", "app-postgres"])
def test_the_app_is_published_on_loopback_unless_the_operator_says_otherwise(
    compose: dict[str, Any], app: str
) -> None:
    assert published(compose["services"][app]) == ["127.0.0.1"]


def test_no_password_or_key_has_a_default_the_operator_did_not_choose(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    secrets = {
        "MYSQL_ROOT_PASSWORD": services["mysql"]["environment"]["MYSQL_ROOT_PASSWORD"],
        "MYSQL_PASSWORD": services["mysql"]["environment"]["MYSQL_PASSWORD"],
        "REDIS_PASSWORD": services["redis"]["environment"]["REDIS_PASSWORD"],
        **{
            name: services["app"]["environment"][name]
            for name in ("DB_PASSWORD", "REDIS_PASSWORD", "MESSAGES_API_KEY", "SCHEDULER_API_KEY")
        },
    }

    for name, value in secrets.items():
        assert default_of(value) is None, f"{name} has a default: {value}"
    assert default_of(services["mysql"]["environment"]["MYSQL_USER"]) != "root"
    assert "root" not in str(services["mysql"]["healthcheck"]["test"])


def test_the_postgres_profile_runs_the_app_on_a_healthy_postgresql_of_its_own(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    postgres, app = services["postgres"], services["app-postgres"]

    assert postgres["profiles"] == app["profiles"] == ["postgres"]
    assert int(postgres["image"].split(":")[1].split("-")[0]) >= 14
    assert "pg_isready" in str(postgres["healthcheck"]["test"])
    assert app["depends_on"]["postgres"]["condition"] == "service_healthy"
    url = app["environment"]["DATABASE_URL"]
    assert url.startswith("postgresql://")
    assert url.endswith("@postgres:5432/insider_messages")
    assert app["environment"]["REDIS_DB"] != compose["services"]["app"]["environment"]["REDIS_DB"]


def test_postgresql_asks_for_the_password_the_operator_chose_and_is_never_its_superuser_default(
    compose: dict[str, Any],
) -> None:
    postgres = compose["services"]["postgres"]["environment"]
    app = compose["services"]["app-postgres"]["environment"]

    assert default_of(postgres["POSTGRES_PASSWORD"]) is None
    assert "POSTGRES_HOST_AUTH_METHOD" not in postgres
    assert default_of(postgres["POSTGRES_USER"]) not in ("postgres", "root")
    assert "${DB_PASSWORD:?" in app["DATABASE_URL"]
    assert default_of(app["REDIS_PASSWORD"]) is None
    for name in ("MESSAGES_API_KEY", "SCHEDULER_API_KEY", "WEBHOOK_URL"):
        assert default_of(app[name]) is None, name
    assert default_of(app["SEED_DATA"]) == "false"


def test_redis_asks_for_its_password(compose: dict[str, Any]) -> None:
    assert "--requirepass" in " ".join(compose["services"]["redis"]["command"])


def test_no_fake_messages_are_seeded_unless_asked(compose: dict[str, Any]) -> None:
    seed = default_of(compose["services"]["app"]["environment"]["SEED_DATA"])

    assert seed == "false"


def test_the_test_receiver_runs_only_in_the_demo_profile(compose: dict[str, Any]) -> None:
    services = compose["services"]

    assert services["receiver"]["profiles"] == ["demo"]
    assert "receiver" not in services["app"]["depends_on"]
    assert default_of(services["app"]["environment"]["WEBHOOK_URL"]) is None
    assert all("profiles" not in services[name] for name in ("app", "mysql", "redis"))


def test_the_env_example_names_every_required_variable_and_fills_none(
    compose: dict[str, Any],
) -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    required = set(re.findall(r"\$\{(\w+):\?", text))
    example = dict(
        line.split("=", 1)
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )

    assert required <= set(example), required - set(example)
    assert all(example[name] == "" for name in required)


def test_the_dockerfile_builds_a_wheel_in_a_separate_stage(dockerfile: str) -> None:
    stages = [args for keyword, args in instructions(dockerfile) if keyword == "FROM"]

    assert len(stages) >= 2
    assert all(stage.startswith("python:3.12-slim") for stage in stages)
    assert "--wheel" in dockerfile
    assert any(k == "COPY" and args.startswith("--from=") for k, args in instructions(dockerfile))


def test_the_image_runs_as_a_non_root_user(dockerfile: str) -> None:
    users = [args for keyword, args in instructions(dockerfile) if keyword == "USER"]

    assert users, "no USER instruction"
    assert users[-1] not in ("root", "0")


def test_the_image_checks_its_health_on_slash_health_with_python(dockerfile: str) -> None:
    [healthcheck] = [args for keyword, args in instructions(dockerfile) if keyword == "HEALTHCHECK"]

    assert "/health" in healthcheck
    assert "urllib" in healthcheck
    assert "python" in healthcheck


def test_the_image_serves_the_api_by_default(dockerfile: str) -> None:
    commands = [args for keyword, args in instructions(dockerfile) if keyword == "CMD"]

    assert commands[-1] == '["insider", "serve"]'


def test_the_docker_context_leaves_out_local_state() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()

    for entry in (".git", ".venv", "*.db", ".env"):
        assert entry in ignored
