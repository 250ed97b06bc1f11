"""The ``xlfuncs`` command on a narrow console code page: '?' for what it lacks, never a crash."""

from __future__ import annotations

import os
import subprocess
import sys


def test_rules_print_on_cp1252_without_crashing() -> None:
    env = dict(os.environ, PYTHONIOENCODING="cp1252")
    env.pop("PYTHONUTF8", None)
    done = subprocess.run(
        [sys.executable, "-m", "xlfuncs", "rules", "--date", "2027-06-01", "--category", "M1"],
        capture_output=True, env=env, check=False,
    )
    assert done.returncode == 0, done.stderr.decode("utf-8", errors="replace")
    assert b"UnicodeEncodeError" not in done.stderr
    out = done.stdout.decode("cp1252")
    assert "procurement" in out and "?" in out  # the Russian legal text, as '?'
