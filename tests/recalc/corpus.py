"""The golden corpus: workbooks saved by Excel, recalculated and compared with Excel's values.

The files live in ``../shared/corpus/files`` beside the checkout (copies of the public test
workbooks of pycel, formulas, xlcalculator and koala; ``SOURCES.md`` there names each one's
origin); they are read from there and never copied into the project.

A file counts as saved by Excel when ``docProps/app.xml`` names Microsoft Excel with an
``AppVersion``, the workbook part has ``<fileVersion appName="xl"``, and the workbook and
worksheet parts start with the XML declaration followed by CR LF (SOURCES.md).

Every formula cell with a stored value is compared with what the engine computes: numbers to
1e-9 relative (and 1e-12 absolute, for values that are 0 up to rounding), text exactly,
booleans and error values by identity. Cells whose value depends on the time or on chance
(``NOW``, ``TODAY``, ``RAND``, ... and their dependants) are found by evaluating twice, with
two dates, and left out. ``OFFSET`` and ``INDIRECT`` are volatile in Excel's sense (recomputed
on every change) but deterministic, so their cells are compared.

Run as a script for a report: ``python tests/recalc/corpus.py [-v] [--fallback]``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import sys
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xlfuncs.errors import ExcelError

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "files"

_APP = re.compile(rb"<Application>Microsoft[^<]*Excel[^<]*</Application>")
_APPVER = re.compile(rb"<AppVersion>[^<]+</AppVersion>")
_DECL_CRLF = re.compile(rb"^<\?xml[^>]*\?>\r\n")


def excel_saved(path: Path) -> bool:
    """True when ``path`` was saved by Microsoft Excel (SOURCES.md's three marks)."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            app = zf.read("docProps/app.xml") if "docProps/app.xml" in names else b""
            if not (_APP.search(app) and _APPVER.search(app)):
                return False
            wb = zf.read("xl/workbook.xml")
            if b'<fileVersion appName="xl"' not in wb or not _DECL_CRLF.match(wb):
                return False
            sheets = [n for n in names if n.startswith("xl/worksheets/sheet")]
            return bool(sheets) and all(_DECL_CRLF.match(zf.read(n)) for n in sheets)
    except (OSError, zipfile.BadZipFile, KeyError):
        return False


def corpus_files() -> list[Path]:
    """Every workbook of the corpus (sorted), Excel-saved or not."""
    return sorted(p for p in CORPUS.rglob("*") if p.suffix.lower() in (".xlsx", ".xlsm"))


def same(stored: Any, computed: Any) -> bool:
    """Excel's stored value against the engine's (the corpus rule)."""
    if isinstance(stored, bool) or isinstance(computed, bool):
        return type(stored) is type(computed) and stored == computed
    if isinstance(stored, ExcelError) and isinstance(computed, ExcelError):
        return stored.stored is computed.stored  # Excel stores #SPILL!/#CALC! as #VALUE!
    if isinstance(stored, ExcelError) or isinstance(computed, ExcelError):
        return False
    if isinstance(stored, (int, float)) and isinstance(computed, (int, float)):
        a, b = float(stored), float(computed)
        if math.isnan(a) or math.isnan(b):
            return False
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    if stored is None:
        return computed == "" or computed is None
    if isinstance(stored, str) and isinstance(computed, str):
        return stored == computed
    return False


@dataclass
class Mismatch:
    file: str
    cell: str
    formula: str
    excel: Any
    engine: Any

    def __str__(self) -> str:
        return f"{self.file} {self.cell} ={self.formula}: Excel {self.excel!r}, engine {self.engine!r}"


@dataclass
class Report:
    files: int = 0
    compared: int = 0
    matched: int = 0
    volatile: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)
    unsupported: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.matched / self.compared if self.compared else 1.0

    def summary(self) -> str:
        lines = [
            f"{self.files} Excel-saved files, {self.compared} formula cells compared "
            f"({self.volatile} volatile left out): {self.matched} match, "
            f"{self.compared - self.matched} differ, match rate {self.rate:.4%}",
        ]
        if self.unsupported:
            lines.append(
                "unsupported functions: "
                + ", ".join(f"{n} ({k} files)" for n, k in sorted(self.unsupported.items()))
            )
        lines += self.errors
        return "\n".join(lines)


_UNSUPPORTED = re.compile(r"unsupported function (\S+):")
_A1 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _col(c: int) -> str:
    s = ""
    while c:
        c, rem = divmod(c - 1, 26)
        s = _A1[rem] + s
    return s


def check_file(path: Path, report: Report, *, fallback: bool = False) -> None:
    """Recalculate one workbook and add its comparison to ``report`` (``fallback``: let the
    optional ``formulas`` package compute what is not built in)."""
    from xlfuncs.recalc.engine import evaluate
    from xlfuncs.recalc.plancache import PlanCache
    from xlfuncs.recalc.reader import read_workbook
    from xlfuncs.recalc.session import RecalcSession

    label = f"{path.parent.name}/{path.name}"
    try:
        book = read_workbook(path)
    except Exception as e:  # noqa: BLE001  (reported, not raised)
        report.errors.append(f"{label}: cannot read ({e})")
        return
    session = RecalcSession(plans=PlanCache(disk=False), fallback=fallback)
    res = evaluate(book, session=session, today=dt.date(2031, 5, 7))
    res2 = evaluate(book, session=session, today=dt.date(2033, 11, 23))
    report.files += 1
    for w in res.warnings:
        m = _UNSUPPORTED.search(w)
        if m:
            report.unsupported[m.group(1)] += 1
    for si, sh in enumerate(book.sheets):
        for (r, c), stored in sh.cached.items():
            key = (si, r, c)
            if key not in res.values:
                continue
            mine = res.values[key]
            if not same(mine, res2.values.get(key)):
                report.volatile += 1
                continue
            report.compared += 1
            if same(stored, mine):
                report.matched += 1
            else:
                fc = sh.formulas.get((r, c))
                if fc is None and (r, c) in sh.array_members:
                    fc = sh.formulas.get(sh.array_members[(r, c)])
                text = fc.text if fc is not None else "?"
                report.mismatches.append(
                    Mismatch(label, f"{sh.name}!{_col(c)}{r}", text, stored, mine)
                )


def run(paths: list[Path] | None = None, *, fallback: bool = False) -> Report:
    """Compare every Excel-saved file of the corpus (or ``paths``); the engine's own
    functions only unless ``fallback``."""
    report = Report()
    for p in paths if paths is not None else corpus_files():
        if excel_saved(p):
            check_file(p, report, fallback=fallback)
    return report


if __name__ == "__main__":
    rep = run(fallback="--fallback" in sys.argv)
    print(rep.summary())
    by_file = Counter(m.file for m in rep.mismatches)
    for f, k in by_file.most_common():
        print(f"  {k:6d}  {f}")
    if "-v" in sys.argv:
        for m in rep.mismatches:
            print(m)
