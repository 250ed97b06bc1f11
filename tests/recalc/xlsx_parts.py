"""Build .xlsx packages in the form Excel writes them, part by part, for the tests.

Only the parts a workbook needs: ``[Content_Types].xml`` with an Override per part,
``_rels/.rels``, ``xl/workbook.xml`` and its relationships, the worksheets, and optionally
external link parts (``xl/externalLinks/externalLinkN.xml`` with their own ``.rels``
pointing at the source file, ``TargetMode="External"``), as Excel 365 saves them.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from typing import Any

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml."
DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'


def sheet_xml(cells: str) -> str:
    """A worksheet part around the ``<row>`` elements ``cells``."""
    return (
        f'{DECL}<worksheet xmlns="{MAIN}" xmlns:r="{REL}"><sheetData>{cells}</sheetData>'
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
        "</worksheet>"
    )


def external_link_xml(
    sheet_names: Sequence[str], sheet_data: str = "", defined_names: str = ""
) -> str:
    """An ``externalLink`` part: the source's sheet names, defined names and cached
    ``<sheetData sheetId=..>`` elements (``sheet_data``)."""
    names = "".join(f'<sheetName val="{n}"/>' for n in sheet_names)
    dn = f"<definedNames>{defined_names}</definedNames>" if defined_names else ""
    return (
        f'{DECL}<externalLink xmlns="{MAIN}" xmlns:mc="http://schemas.openxmlformats.org/'
        'markup-compatibility/2006" mc:Ignorable="x14" xmlns:x14="http://schemas.microsoft.com/'
        'office/spreadsheetml/2009/9/main">'
        f'<externalBook xmlns:r="{REL}" r:id="rId1"><sheetNames>{names}</sheetNames>{dn}'
        f"<sheetDataSet>{sheet_data}</sheetDataSet></externalBook></externalLink>"
    )


def package(
    sheets: Sequence[tuple[str, str]],
    *,
    externals: Sequence[str] = (),
    workbook_pr: str = '<workbookPr defaultThemeVersion="202300"/>',
    calc_pr: str = '<calcPr calcId="191029"/>',
    defined_names: str = "",
) -> bytes:
    """The bytes of an .xlsx: ``sheets`` as (name, worksheet part XML), ``externals`` as
    external link part XML (``[1]`` first)."""
    parts: dict[str, str] = {}
    overrides = [("/xl/workbook.xml", CT + "sheet.main+xml")]
    rels: list[tuple[str, str, str]] = []
    sheet_els = []
    for i, (name, xml) in enumerate(sheets, 1):
        parts[f"xl/worksheets/sheet{i}.xml"] = xml
        overrides.append((f"/xl/worksheets/sheet{i}.xml", CT + "worksheet+xml"))
        rels.append((f"rId{i}", "worksheet", f"worksheets/sheet{i}.xml"))
        sheet_els.append(f'<sheet name="{name}" sheetId="{i}" r:id="rId{i}"/>')
    refs = []
    for k, xml in enumerate(externals, 1):
        rid = f"rId{len(sheets) + k}"
        parts[f"xl/externalLinks/externalLink{k}.xml"] = xml
        parts[f"xl/externalLinks/_rels/externalLink{k}.xml.rels"] = (
            f'{DECL}<Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/'
            f'externalLinkPath" Target="file:///C:/data/Source{k}.xlsx" TargetMode="External"/>'
            "</Relationships>"
        )
        overrides.append((f"/xl/externalLinks/externalLink{k}.xml", CT + "externalLink+xml"))
        rels.append((rid, "externalLink", f"externalLinks/externalLink{k}.xml"))
        refs.append(f'<externalReference r:id="{rid}"/>')
    ext = f"<externalReferences>{''.join(refs)}</externalReferences>" if refs else ""
    dn = f"<definedNames>{defined_names}</definedNames>" if defined_names else ""
    parts["xl/workbook.xml"] = (
        f'{DECL}<workbook xmlns="{MAIN}" xmlns:r="{REL}">{workbook_pr}'
        f'<bookViews><workbookView xWindow="0" yWindow="0" windowWidth="28800" '
        f'windowHeight="12300"/></bookViews><sheets>{"".join(sheet_els)}</sheets>'
        f"{ext}{dn}{calc_pr}</workbook>"
    )
    parts["xl/_rels/workbook.xml.rels"] = (
        f'{DECL}<Relationships xmlns="{PKG}">'
        + "".join(f'<Relationship Id="{i}" Type="{REL}/{t}" Target="{x}"/>' for i, t, x in rels)
        + "</Relationships>"
    )
    return zip_package(parts, overrides)


def zip_package(parts: dict[str, str], overrides: Sequence[tuple[str, str]]) -> bytes:
    """Zip ``parts`` (name -> XML) with the root relationship to ``xl/workbook.xml`` and a
    content-types part holding ``overrides`` (part name, content type), in Excel's order."""
    parts = dict(parts)
    parts["_rels/.rels"] = (
        f'{DECL}<Relationships xmlns="{PKG}"><Relationship Id="rId1" '
        f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    parts["[Content_Types].xml"] = (
        f'{DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        + "".join(f'<Override PartName="{p}" ContentType="{c}"/>' for p, c in overrides)
        + "</Types>"
    )
    first = ["[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels"]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name in [n for n in first if n in parts] + sorted(set(parts) - set(first)):
            z.writestr(name, parts[name])
    return buf.getvalue()


def f(ref: str, text: str, cached: str = "0", t: str = "") -> str:
    """A formula cell as Excel writes it (``text`` XML-escaped by the caller)."""
    ta = f' t="{t}"' if t else ""
    return f'<c r="{ref}"{ta}><f>{text}</f><v>{cached}</v></c>'


def v(ref: str, value: str) -> str:
    return f'<c r="{ref}"><v>{value}</v></c>'


def row(n: int, *cells: str) -> str:
    return f'<row r="{n}">{"".join(cells)}</row>'


def values_of(data: bytes, cache: Any = None) -> dict[str, Any]:
    """Evaluate a package: A1 address of each formula cell of the first sheet -> value."""
    from xlfuncs._a1 import column_letters
    from xlfuncs.recalc.engine import evaluate
    from xlfuncs.recalc.plancache import PlanCache
    from xlfuncs.recalc.reader import read_workbook

    res = evaluate(read_workbook(io.BytesIO(data)), cache=cache if cache is not None else PlanCache(disk=False))
    return {f"{column_letters(c)}{r}": x for (s, r, c), x in res.values.items() if s == 0}
