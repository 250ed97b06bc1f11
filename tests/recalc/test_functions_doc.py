"""docs/functions.md is generated from the function registry and must stay current."""

from __future__ import annotations

from pathlib import Path

from xlfuncs.recalc.functions import REGISTRY, specs
from xlfuncs.recalc.functions._docs import render

DOC = Path(__file__).resolve().parents[2] / "docs" / "functions.md"


def test_functions_doc_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), (
        "docs/functions.md is stale: run "
        "python -m xlfuncs.recalc.functions._docs > docs/functions.md"
    )


def test_every_name_is_in_the_doc() -> None:
    text = DOC.read_text(encoding="utf-8")
    for s in specs():
        assert f"| {s.name} | `" in text
    assert len(REGISTRY) >= len(specs())
