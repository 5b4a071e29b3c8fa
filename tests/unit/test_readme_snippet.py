from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def library_snippet() -> str:
    text = README.read_text(encoding="utf-8")
    match = re.search(r"<!-- library-snippet -->\s*```python\n(.*?)```", text, re.DOTALL)
    assert match, "README lost its library snippet"
    return match.group(1)


def test_the_readme_library_snippet_runs_and_dispatches_a_batch():
    snippet = library_snippet()
    assert len([line for line in snippet.splitlines() if line.strip()]) <= 16
    result = subprocess.run(
        [sys.executable, "-c", snippet], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.startswith("2 MessageStats(pending=1, sending=0, sent=2, failed=0)")
