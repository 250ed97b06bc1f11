"""The package type-checks: ``mypy --strict xlfuncs`` reports no error.

mypy and the stubs it needs are in the ``test`` extra; a missing mypy is an import error
here, never a skip.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import mypy  # noqa: F401  # installed by the test extra: fail loudly when it is not
import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_mypy_strict_reports_no_error() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "xlfuncs"],
        cwd=ROOT,
        check=False,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, f"mypy --strict xlfuncs failed:\n{proc.stdout}{proc.stderr}"
