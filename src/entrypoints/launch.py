"""What the `insider` command runs first. The wheel installs the top-level packages `adapters`
and `entrypoints`, names that other packages on the public index use too: installed into one
environment, one overwrites or hides the other, and pip says nothing (README: Installing). So
before anything else is imported, this checks that `adapters` is this project's, and else stops
with one line. (`entrypoints` needs no check: had another package hidden it, Python could not
have found this module.)"""

from __future__ import annotations

import importlib
import sys

DISTRIBUTION = "insider-dispatch"


def foreign_adapters() -> str | None:
    """The one-line problem when `adapters` is another package; None when it is this project's."""
    try:
        adapters = importlib.import_module("adapters")
    except Exception as error:  # another project's package may not even import here
        reason = " ".join(str(error).split())
        found = f"a package that fails to import ({type(error).__name__}: {reason})"
    else:
        if getattr(adapters, "DISTRIBUTION", None) == DISTRIBUTION:
            return None
        found = f"another project's package ({getattr(adapters, '__file__', None)})"
    return (
        f"{DISTRIBUTION} cannot start: the import name 'adapters' is {found}; "
        f"install {DISTRIBUTION} into a virtual environment of its own"
    )


def main() -> None:
    problem = foreign_adapters()
    if problem is not None:
        sys.exit(problem)
    from entrypoints.cli import main as insider

    insider()
