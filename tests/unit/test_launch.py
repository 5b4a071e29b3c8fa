"""`adapters` is also another project's import name: the `insider` command checks that the one
it imports is this project's, and else stops with one line before anything else happens."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from entrypoints.launch import foreign_adapters

INSIDER = str(Path(sys.executable).with_name("insider"))


def run_insider(*args: str, pythonpath: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return subprocess.run(
        [INSIDER, *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def another_adapters_package(root: Path, source: str) -> Path:
    """A top-level `adapters` of another project, found before this project's."""
    package = root / "adapters"
    package.mkdir()
    (package / "__init__.py").write_text(source)
    return root


def test_this_projects_adapters_pass_the_check() -> None:
    assert foreign_adapters() is None


def test_the_insider_command_runs_once_the_check_passes() -> None:
    result = run_insider("--version")

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("insider, version ")


def test_another_projects_adapters_stop_the_command_with_one_line(tmp_path: Path) -> None:
    path = another_adapters_package(tmp_path, '"""Adapters for transformer models."""\n')

    result = run_insider("serve", pythonpath=path)

    assert result.returncode == 1
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith(
        "insider-dispatch cannot start: the import name 'adapters' is another project's package ("
    )
    assert str(path / "adapters" / "__init__.py") in line
    assert line.endswith("install insider-dispatch into a virtual environment of its own")


@pytest.mark.parametrize("error", ["ImportError", "RuntimeError"])
def test_another_adapters_package_that_fails_to_import_stops_it_with_one_line(
    tmp_path: Path, error: str
) -> None:
    path = another_adapters_package(tmp_path, f'raise {error}("needs torch\\nand more")\n')

    result = run_insider("serve", pythonpath=path)

    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "insider-dispatch cannot start: the import name 'adapters' is a package that fails to "
        f"import ({error}: needs torch and more); "
        "install insider-dispatch into a virtual environment of its own"
    ]
