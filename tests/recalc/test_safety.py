"""The package checks of xlfuncs.recalc.safety that keep damaged workbooks out (issue 11, item 7).

Each damage below used to be copied through by ``recalc`` and reported "ok" (the fuzz suite
found them: an output that openpyxl cannot open). The template files are the shipped ones.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from xlfuncs.errors import WorkbookError
from xlfuncs.recalc.reader import read_workbook
from xlfuncs.recalc.safety import check_parts, open_package

TEMPLATE = Path(__file__).resolve().parents[2] / "workbook_templates" / "licence_scenarios.xlsx"


def _edited(drop: str | None = None, replace: dict[str, bytes] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(TEMPLATE) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename == drop:
                continue
            zout.writestr(info.filename, (replace or {}).get(info.filename, zin.read(info)))
    return buf.getvalue()


def _check(data: bytes) -> None:
    with open_package(io.BytesIO(data)) as zf:
        check_parts(zf)


def test_the_shipped_template_is_sound() -> None:
    _check(TEMPLATE.read_bytes())


def test_a_part_named_by_a_relationship_must_be_there() -> None:
    with pytest.raises(WorkbookError, match=r"missing part xl/charts/chart1.xml \(named in xl/drawings/_rels/drawing1.xml.rels\)"):
        _check(_edited(drop="xl/charts/chart1.xml"))


def test_a_part_using_relationship_ids_needs_its_rels() -> None:
    # checked after the sound template, whose drawing has the same bytes: the memo of sound
    # parts must not let the drawing pass without its .rels
    _check(TEMPLATE.read_bytes())
    with pytest.raises(WorkbookError, match="xl/drawings/drawing1.xml uses relationships but xl/drawings/_rels/drawing1.xml.rels is missing"):
        _check(_edited(drop="xl/drawings/_rels/drawing1.xml.rels"))


def test_a_part_that_is_not_well_formed_xml_is_refused() -> None:
    with pytest.raises(WorkbookError, match="xl/styles.xml: not well-formed XML"):
        _check(_edited(replace={"xl/styles.xml": b"<styleSheet><numFmts></styleSheet>"}))


def test_a_garbled_worksheet_is_refused_by_the_reader(tmp_path: Path) -> None:
    path = tmp_path / "g.xlsx"
    path.write_bytes(_edited(replace={"xl/worksheets/sheet2.xml": bytes(range(200, 256)) * 4}))
    with pytest.raises(WorkbookError, match="sheet2.xml: not a well-formed worksheet"):
        read_workbook(path)
