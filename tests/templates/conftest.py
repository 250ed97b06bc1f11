"""Fixtures of the template tests: each template built once per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from xlfuncs.templates import TEMPLATES, build_template

REPO = Path(__file__).resolve().parents[2]
COMMITTED = REPO / "workbook_templates"
EXAMPLES = REPO / "examples"

needs_soffice = pytest.mark.skipif(shutil.which("soffice") is None,
                                   reason="LibreOffice (soffice) is not installed")


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Freshly built templates, by name."""
    out = tmp_path_factory.mktemp("built")
    return {name: build_template(name, out / f"{name}.xlsx") for name in TEMPLATES}


@pytest.fixture(scope="session")
def filled_budget(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """programme_budget filled from examples/programme_budget.csv."""
    from xlfuncs.templates import fill

    out = tmp_path_factory.mktemp("filled") / "budget.xlsx"
    fill("programme_budget", EXAMPLES / "programme_budget.csv", out)
    return out
