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


def test_the_postgres_profile_runs_the_app_on_a_healthy_postgresql_of_its_own(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    postgres, app = services["postgres"], services["app-postgres"]

    assert postgres["profiles"] == app["profiles"] == ["postgres"]
    assert postgres["image"].startswith("postgres:")
    assert int(postgres["image"].split(":")[1].split("-")[0]) >= 14
    assert "pg_isready" in postgres["healthcheck"]["test"]
    assert app["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert app["environment"]["DATABASE_URL"].startswith("postgresql://insider:")
    assert "@postgres:5432/insider_messages" in app["environment"]["DATABASE_URL"]


def test_postgresql_is_published_on_the_loopback_only_with_no_password_written_down(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    published = [*services["postgres"]["ports"], *services["app-postgres"]["ports"]]

    assert published
    assert all(str(port).startswith("127.0.0.1:") for port in published)
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"] == "${POSTGRES_PASSWORD:-}"
    assert "POSTGRES_HOST_AUTH_METHOD" not in services["postgres"]["environment"]
    url = services["app-postgres"]["environment"]["DATABASE_URL"]
    assert url.startswith("postgresql://insider:${POSTGRES_PASSWORD:-}@")


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

    for entry in (".git", ".venv", "*.db"):
        assert entry in ignored
