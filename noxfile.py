"""Developer sessions: `nox -s lint typecheck tests` is what CI runs; `nox -s bench` measures."""

from __future__ import annotations

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["lint", "typecheck", "tests"]

PYPROJECT = nox.project.load_toml("pyproject.toml")
PYTHON = "3.11"


def install(session: nox.Session, *groups: str, project: str = ".") -> None:
    requirements = [r for group in groups for r in nox.project.dependency_groups(PYPROJECT, group)]
    session.install("-e", project, *requirements)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff (lint and format) and the architecture contracts (import-linter)."""
    install(session, "lint")
    session.run("ruff", "check", "src", "tests", "benchmarks", "noxfile.py")
    session.run("ruff", "format", "--check", "src", "tests", "benchmarks", "noxfile.py")
    session.run("lint-imports")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy, strict on all of src."""
    install(session, "typecheck")
    session.run("mypy")


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Unit, contract (MariaDB and Redis included) and end-to-end tests."""
    install(session, "test")
    session.run("pytest", *(session.posargs or ["tests"]))


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """The performance budgets (docs/PERFORMANCE.md); prints the table and writes
    benchmarks/results/*.json. The service runs as the Docker image runs it."""
    install(session, "bench")
    session.run("python", "-m", "benchmarks", *session.posargs)
