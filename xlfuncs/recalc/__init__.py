"""Batch recalculation of workbooks without Excel.

Public API (heavy modules load on first use)::

    from xlfuncs.recalc import recalc, check, results, read_workbook, write_values
    report = recalc(["scenarios/"], out_dir="out", jobs=4, report="report.json")
    table = results("out/*.xlsx", names=["TotalPoints"])

The package itself is callable, so ``xlfuncs.recalc(paths, ...)`` works even after
``import xlfuncs.recalc`` has bound the attribute to this package.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from xlfuncs.recalc.model import WorkbookData
    from xlfuncs.recalc.report import BatchReport

__all__ = ["check", "read_workbook", "recalc", "results", "write_values"]


def recalc(paths: Any, **kwargs: Any) -> BatchReport:
    """Recalculate workbooks; see :func:`xlfuncs.recalc.batch.recalc`."""
    from xlfuncs.recalc.batch import recalc as _recalc

    return _recalc(paths, **kwargs)


def check(paths: Any, **kwargs: Any) -> BatchReport:
    """List formula cells whose stored value differs; see :func:`xlfuncs.recalc.batch.check`."""
    from xlfuncs.recalc.batch import check as _check

    return _check(paths, **kwargs)


def results(
    paths: Any, names: Any = None, *, long: bool = False, missing: Any = "none"
) -> pd.DataFrame:
    """Defined-name values of many workbooks as one table; see :func:`xlfuncs.recalc.results.results`."""
    from xlfuncs.recalc.results import results as _results

    return _results(paths, names, long=long, missing=missing)


def read_workbook(path: Any, **kwargs: Any) -> WorkbookData:
    """Read a workbook; see :func:`xlfuncs.recalc.reader.read_workbook`."""
    from xlfuncs.recalc.reader import read_workbook as _read

    return _read(path, **kwargs)


def write_values(src: Any, dst: Any, values: Any, **kwargs: Any) -> int:
    """Write cached values into a copy; see :func:`xlfuncs.recalc.writer.write_values`."""
    from xlfuncs.recalc.writer import write_values as _write

    return _write(src, dst, values, **kwargs)


class _CallableModule(types.ModuleType):
    def __call__(self, paths: Any, **kwargs: Any) -> BatchReport:
        return recalc(paths, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
