"""The committed workbooks in workbook_templates/ must match what the code builds.

On failure, regenerate with ``python -m xlfuncs.templates`` (or
``xlfuncs template --regenerate workbook_templates``) and commit the files.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from xlfuncs.templates import TEMPLATES
from xlfuncs.templates.snapshot import diff, snapshot

from .conftest import COMMITTED


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_committed_template_matches_code(built: dict[str, Path], name: str) -> None:
    committed = COMMITTED / f"{name}.xlsx"
    assert committed.exists(), f"{committed} missing: run python -m xlfuncs.templates"
    differences = diff(snapshot(committed), snapshot(built[name]))
    assert not differences, (
        f"{committed} drifted from the code (run python -m xlfuncs.templates):\n" + "\n".join(differences)
    )


def test_snapshot_sees_a_style_change(built: dict[str, Path], tmp_path: Path) -> None:
    from openpyxl import load_workbook
    from openpyxl.styles import Protection

    wb = load_workbook(built["programme_budget"])
    wb["Programme"]["D11"].protection = Protection(locked=True)
    changed = tmp_path / "changed.xlsx"
    wb.save(changed)
    lines = diff(snapshot(built["programme_budget"]), snapshot(changed))
    assert any("D11" in line for line in lines)
