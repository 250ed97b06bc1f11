"""xlfuncs: localization points (Resolution 719) as Excel functions, templates and batch recalculation.

The pure core (rules and calculations) is importable without Excel, xlwings, openpyxl or
pandas. Batch recalculation and template filling are reached lazily through this module.

>>> import xlfuncs
>>> xlfuncs.rnd_points(15, 1000, year=2025)   # 1.5 % of revenue x 400 points per 1 %
600.0
>>> xlfuncs.threshold("procurement", year=2027)
3500.0
"""

from __future__ import annotations

import importlib as _importlib
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

from xlfuncs._version import __version__
from xlfuncs.errors import (
    DomainError,
    ExcelError,
    InputError,
    NoRuleError,
    RulebookError,
    TemplateError,
    UnknownCodeError,
    WorkbookError,
    XlfuncsError,
)

if _TYPE_CHECKING:  # the names below are imported on first use (see ``_LAZY``)
    from xlfuncs.core import (
        eligible,
        gap,
        licence_cost,
        operation_points,
        rnd_points,
        spend_needed,
        threshold,
        total_score,
    )
    from xlfuncs.recalc import check, recalc, results
    from xlfuncs.registry import REGISTRY, FunctionSpec
    from xlfuncs.rulebook import (
        Rulebook,
        active_rulebook,
        default_rulebook,
        load_rulebook,
        use_rulebook,
    )
    from xlfuncs.templates import fill

__all__ = [
    "REGISTRY",
    "DomainError",
    "ExcelError",
    "FunctionSpec",
    "InputError",
    "NoRuleError",
    "Rulebook",
    "RulebookError",
    "TemplateError",
    "UnknownCodeError",
    "WorkbookError",
    "XlfuncsError",
    "__version__",
    "active_rulebook",
    "check",
    "default_rulebook",
    "eligible",
    "fill",
    "gap",
    "licence_cost",
    "load_rulebook",
    "operation_points",
    "recalc",
    "results",
    "rnd_points",
    "spend_needed",
    "threshold",
    "total_score",
    "use_rulebook",
]

# Imported on first use (PEP 562), so that ``import xlfuncs`` (and the start of the
# ``xlfuncs`` command, which imports this package first) stays cheap.
_LAZY = {
    **{
        name: ("xlfuncs.core", name)
        for name in (
            "eligible",
            "gap",
            "licence_cost",
            "operation_points",
            "rnd_points",
            "spend_needed",
            "threshold",
            "total_score",
        )
    },
    "REGISTRY": ("xlfuncs.registry", "REGISTRY"),
    "FunctionSpec": ("xlfuncs.registry", "FunctionSpec"),
    **{
        name: ("xlfuncs.rulebook", name)
        for name in ("Rulebook", "active_rulebook", "default_rulebook", "load_rulebook", "use_rulebook")
    },
    "recalc": ("xlfuncs.recalc", "recalc"),
    "check": ("xlfuncs.recalc", "check"),
    "results": ("xlfuncs.recalc", "results"),
    "fill": ("xlfuncs.templates", "fill"),
}


def __getattr__(name: str) -> _Any:
    if name in _LAZY:
        module, attr = _LAZY[name]
        value = getattr(_importlib.import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'xlfuncs' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
