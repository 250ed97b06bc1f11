"""The public API is declared once (xlfuncs.__all__) and importing xlfuncs stays cheap."""

from __future__ import annotations

import subprocess
import sys
import types

import xlfuncs

EXPECTED = {
    "REGISTRY", "DomainError", "ExcelError", "FunctionSpec", "InputError", "NoRuleError",
    "Rulebook", "RulebookError", "TemplateError", "UnknownCodeError", "WorkbookError",
    "XlfuncsError", "__version__", "active_rulebook", "check", "default_rulebook", "eligible",
    "fill", "gap", "licence_cost", "load_rulebook", "operation_points", "recalc", "results",
    "rnd_points", "spend_needed", "threshold", "total_score", "use_rulebook",
}


def test_all_is_exactly_the_public_api() -> None:
    assert set(xlfuncs.__all__) == EXPECTED
    assert len(xlfuncs.__all__) == len(EXPECTED)
    public = {n for n in dir(xlfuncs) if not n.startswith("_")} - {"annotations"} | {"__version__"}
    # everything public in the namespace is declared (sub-modules aside)
    modules = {n for n in public if isinstance(getattr(xlfuncs, n, None), types.ModuleType)}
    assert public - modules <= EXPECTED


def test_every_export_resolves() -> None:
    for name in xlfuncs.__all__:
        assert getattr(xlfuncs, name) is not None, name


def test_import_is_cheap() -> None:
    code = (
        "import sys, xlfuncs; xlfuncs.REGISTRY['LOCPOINTS'].invoke(10, 1000, 0, 2025);"
        "heavy = [m for m in ('xlwings', 'openpyxl', 'pandas') if m in sys.modules];"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
