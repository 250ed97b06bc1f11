"""A comparable summary of a workbook's content, for the regeneration test.

:func:`snapshot` flattens what a template is made of (cells and formulas, number formats,
fonts, fills, protection, data validation, defined names, sheet protection, frozen
panes, print setup, charts) into plain dicts; :func:`diff` lists the differences between
two snapshots in readable lines, so a drift between the code and the committed files
is easy to see.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

__all__ = ["diff", "snapshot"]


def _color(c: Any) -> Any:
    return None if c is None else getattr(c, "rgb", None)


def snapshot(path: str | Path) -> dict[str, Any]:
    """Flatten the content of the workbook at ``path`` into nested plain dicts."""
    from openpyxl import load_workbook

    wb = load_workbook(path)  # formulas as text
    snap: dict[str, Any] = {
        "sheets": [ws.title for ws in wb.worksheets],
        "names": {n: dn.attr_text for n, dn in wb.defined_names.items()},
        "properties": {"creator": wb.properties.creator, "created": str(wb.properties.created),
                       "modified": str(wb.properties.modified)},
    }
    for ws in wb.worksheets:
        cells = {}
        for row in ws.iter_rows():
            for c in row:
                if c.value is None and not c.has_style:
                    continue
                cells[c.coordinate] = (
                    c.value if not isinstance(c.value, float) else repr(c.value),
                    c.number_format,
                    bool(c.font.b), _color(c.font.color),
                    c.fill.fill_type, _color(c.fill.fgColor),
                    bool(c.protection.locked),
                    c.alignment.horizontal, bool(c.alignment.wrap_text),
                )
        prot = ws.protection
        snap[f"sheet:{ws.title}"] = {
            "cells": cells,
            "state": ws.sheet_state,
            "freeze": ws.freeze_panes,
            "protection": (prot.sheet, prot.password, prot.formatCells, prot.selectLockedCells),
            "validation": sorted(
                (dv.type, dv.operator, dv.formula1, dv.formula2, dv.errorStyle, str(dv.sqref))
                for dv in ws.data_validations.dataValidation
            ),
            "print": (ws.print_area, ws.print_title_rows, ws.page_setup.orientation,
                      ws.page_setup.fitToWidth, ws.page_setup.fitToHeight),
            "widths": {k: d.width for k, d in sorted(ws.column_dimensions.items()) if d.width},
            "charts": len(getattr(ws, "_charts", ())),
        }
    with zipfile.ZipFile(path) as zf:
        snap["parts"] = sorted(zf.namelist())
        snap["chart_xml"] = {n: zf.read(n).decode("utf-8") for n in sorted(zf.namelist())
                             if n.startswith(("xl/charts/", "xl/drawings/")) and n.endswith(".xml")}
    return snap


def diff(a: dict[str, Any], b: dict[str, Any], *, limit: int = 30) -> list[str]:
    """Readable differences between two snapshots (at most ``limit`` lines).

    >>> diff({"x": {"A1": 1}}, {"x": {"A1": 2}})
    ['x/A1: 1 != 2']
    """
    out: list[str] = []

    def walk(x: Any, y: Any, where: str) -> None:
        if len(out) >= limit:
            return
        if isinstance(x, dict) and isinstance(y, dict):
            for k in sorted(set(x) | set(y), key=str):
                if k not in x:
                    out.append(f"{where}/{k}: missing in the first")
                elif k not in y:
                    out.append(f"{where}/{k}: missing in the second")
                else:
                    walk(x[k], y[k], f"{where}/{k}" if where else str(k))
        elif x != y:
            out.append(f"{where}: {x!r} != {y!r}")

    walk(a, b, "")
    return out[:limit]
