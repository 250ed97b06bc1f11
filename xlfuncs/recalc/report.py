"""Per-file results of a batch and the batch report (summary line, JSON and CSV files).

>>> r = BatchReport([FileResult("a.xlsx", status="ok", formula_cells=10, error_cells=1),
...                  FileResult("b.xls", status="failed", reason="legacy binary workbook")], seconds=1.5)
>>> r.exit_code
1
>>> r.summary_line("recalc")
'recalc: 2 files (1 ok, 1 failed), 10 formula cells, 1 error cells, 1.50 s'
"""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from xlfuncs.errors import WorkbookError

__all__ = ["BatchReport", "FileResult"]

Status = Literal["ok", "failed"]


@dataclass(slots=True)
class FileResult:
    """What happened to one file."""

    path: str
    status: Status = "ok"
    #: one line; empty when ok
    reason: str = ""
    output: str | None = None
    formula_cells: int = 0
    error_cells: int = 0
    written_cells: int = 0
    #: engine warnings, e.g. unsupported functions
    warnings: list[str] = field(default_factory=list)
    #: cells computed by a fallback engine (``Sheet!A1``)
    fallback_cells: list[str] = field(default_factory=list)
    #: cells on a circular reference (``Sheet!A1``)
    circular: list[str] = field(default_factory=list)
    #: ``check`` only: ``Sheet!A1 stored X computed Y`` lines
    differences: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


_CSV_FIELDS = (
    "path",
    "status",
    "reason",
    "output",
    "formula_cells",
    "error_cells",
    "written_cells",
    "warnings",
    "fallback_cells",
    "circular",
    "differences",
    "seconds",
)


@dataclass(slots=True)
class BatchReport:
    """Results of a batch in input order, with totals."""

    files: list[FileResult] = field(default_factory=list)
    seconds: float = 0.0
    #: why the report file (``--report``) could not be written, if it could not
    report_error: str | None = None

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if not f.ok]

    @property
    def formula_cells(self) -> int:
        return sum(f.formula_cells for f in self.files)

    @property
    def error_cells(self) -> int:
        return sum(f.error_cells for f in self.files)

    @property
    def differences(self) -> int:
        return sum(len(f.differences) for f in self.files)

    @property
    def exit_code(self) -> int:
        """0 when every file is ok (and, for ``check``, has no difference) and the report
        file, if asked for, was written; else 1."""
        return 1 if self.failed or self.differences or self.report_error else 0

    def summary_line(self, command: str = "recalc") -> str:
        n = len(self.files)
        bad = len(self.failed)
        line = (
            f"{command}: {n} files ({n - bad} ok, {bad} failed), {self.formula_cells} formula cells, "
            f"{self.error_cells} error cells, {self.seconds:.2f} s"
        )
        if command == "check":
            line += f", {self.differences} differences"
        return line

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": [f.to_dict() for f in self.files],
            "summary": {
                "files": len(self.files),
                "ok": len(self.files) - len(self.failed),
                "failed": len(self.failed),
                "formula_cells": self.formula_cells,
                "error_cells": self.error_cells,
                "differences": self.differences,
                "seconds": round(self.seconds, 6),
                "exit_code": self.exit_code,
            },
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    def to_csv(self) -> str:
        """One row per file; list fields are joined with ``"; "``."""
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(_CSV_FIELDS)
        for f in self.files:
            d = f.to_dict()
            writer.writerow(
                "; ".join(d[k]) if isinstance(d[k], list) else ("" if d[k] is None else d[k])
                for k in _CSV_FIELDS
            )
        return buf.getvalue()

    def write(self, path: str | os.PathLike[str]) -> None:
        """Write the report as JSON (``.json``) or CSV (``.csv``), atomically."""
        from xlfuncs._fileio import write_bytes_atomic

        p = Path(path)
        suffix = p.suffix.lower()
        if suffix == ".json":
            text = self.to_json() + "\n"
        elif suffix == ".csv":
            text = self.to_csv()
        else:
            raise WorkbookError(f"{p}: report must end in .json or .csv")
        data = text.encode("utf-8")
        try:
            write_bytes_atomic(p, data)
        except OSError as exc:  # a full disk, a folder that went away
            raise WorkbookError(f"{p}: cannot write the report ({exc.strerror or exc})") from None

    def try_write(self, path: str | os.PathLike[str]) -> bool:
        """:meth:`write`, keeping the reason in :attr:`report_error` instead of raising (the
        files are done; a report that cannot be written must not hide them)."""
        try:
            self.write(path)
        except WorkbookError as exc:
            self.report_error = str(exc)
            return False
        return True
