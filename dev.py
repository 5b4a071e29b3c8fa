#!/usr/bin/env python3
"""Zero-setup entry for newcomers: needs only Python 3.11+.

    python3 dev.py demo    # installs into .venv, then runs `insider demo`
    python3 dev.py test    # installs nox into .venv, then runs `nox -s lint typecheck tests`

Any other arguments after `demo`/`serve` go to the `insider` command.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def ensure_venv(*packages: str) -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 (runs before anything is installed)
        sys.exit("insider-dispatch needs Python 3.11 or newer")
    if not (BIN / "python").exists() and not (BIN / "python.exe").exists():
        print("creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "-e", str(ROOT), *packages], check=True)


def main(argv: list[str]) -> int:
    command, *rest = argv or ["demo"]
    if command == "test":
        ensure_venv("nox", "uv")
        sessions = rest or ["lint", "typecheck", "tests"]
        return subprocess.call([str(BIN / "nox"), "-f", str(ROOT / "noxfile.py"), "-s", *sessions])
    if command in ("demo", "serve", "migrate", "seed", "receiver"):
        ensure_venv()
        return subprocess.call([str(BIN / "insider"), command, *rest])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
