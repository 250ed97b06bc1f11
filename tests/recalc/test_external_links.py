"""External references (``[1]Sheet1!A1``) computed from the values Excel cached in the
workbook's ``externalLink`` parts, as Excel does while the source workbook is closed; from
.xlsx packages built part by part in the form Excel writes them (:mod:`xlsx_parts`).
"""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from xlsx_parts import external_link_xml, f, package, row, sheet_xml, v, values_of

from xlfuncs.errors import ExcelError
from xlfuncs.recalc.batch import check, recalc
from xlfuncs.recalc.engine import evaluate
from xlfuncs.recalc.plancache import PlanCache
from xlfuncs.recalc.reader import read_workbook
from xlfuncs.recalc.session import default_session

E = ExcelError


#: the source workbook as Excel caches it: Sheet1 A1=42, B1="x", A2=7, B2=100, C1=TRUE,
#: C2=#N/A; 'My Sheet' A1=1, B3=5 (A2, B1, B2, A3 not referenced, so not cached)
SOURCE = external_link_xml(
    ["Sheet1", "My Sheet"],
    '<sheetData sheetId="0"><row r="1"><cell r="A1"><v>42</v></cell>'
    '<cell r="B1" t="str"><v>x</v></cell><cell r="C1" t="b"><v>1</v></cell></row>'
    '<row r="2"><cell r="A2"><v>7</v></cell><cell r="B2"><v>100</v></cell>'
    '<cell r="C2" t="e"><v>#N/A</v></cell></row></sheetData>'
    '<sheetData sheetId="1"><row r="1"><cell r="A1"><v>1</v></cell></row>'
    '<row r="3"><cell r="B3"><v>5</v></cell></row></sheetData>',
    '<definedName name="Rate" refersTo="=Sheet1!$A$2"/>'
    '<definedName name="Block" refersTo="=\'My Sheet\'!$A$1:$B$3"/>'
    '<definedName name="Local" refersTo="=Sheet1!$B$2" sheetId="0"/>'
    '<definedName name="Konst" refersTo="=0.5"/>',
)


def external_book(a1: str = "42", stale: str = "0", source: str = SOURCE) -> bytes:
    """A workbook linked to ``source`` (``a1``: the cached value of [1]Sheet1!A1);
    ``stale`` is the value stored for every formula (Excel's results when not "0")."""
    src = source.replace('<cell r="A1"><v>42</v>', f'<cell r="A1"><v>{a1}</v>')
    cells = row(
        1,
        f("A1", "[1]Sheet1!A1", stale),
        f("B1", "SUM('[1]My Sheet'!A1:B3)", stale),
        f("C1", "[1]!Rate*2", stale),
        f("D1", "VLOOKUP(7,[1]Sheet1!$A$1:$B$2,2,FALSE)", stale),
        f("E1", "[1]Sheet1!B1&amp;\"y\"", stale, "str"),
        f("F1", "[1]Sheet1!C1", stale, "b"),
        f("G1", "ISNA([1]Sheet1!C2)", stale, "b"),
        f("H1", "'[1]My Sheet'!A2", stale),
        f("I1", "COUNTA([1]!Block)", stale),
        f("J1", "[1]Sheet1!Local", stale),
        f("K1", "[1]sheet1!a2+A2", stale),
    ) + row(2, v("A2", "1"))
    return package([("Main", sheet_xml(cells))], externals=[src])


def test_external_references_compute_with_the_cached_values() -> None:
    got = values_of(external_book())
    assert got == {
        "A1": 42.0,  # the cached value of [1]Sheet1!A1
        "B1": 6.0,  # 1 + 5: the cells of 'My Sheet'!A1:B3 Excel did not cache are empty
        "C1": 14.0,  # the source's name Rate = Sheet1!$A$2 = 7, times 2
        "D1": 100.0,  # VLOOKUP over the cached A1:B2
        "E1": "xy",  # t="str": text
        "F1": True,  # t="b"
        "G1": True,  # t="e": the #N/A Excel cached
        "H1": 0.0,  # a cell not cached reads as empty: a formula shows 0
        "I1": 2.0,  # Block = 'My Sheet'!$A$1:$B$3 holds two cached values
        "J1": 100.0,  # the sheet-level name Local of Sheet1
        "K1": 8.0,  # sheet names match case-insensitively, as Excel's do: 7 + 1
    }


def test_unknown_link_sheet_or_name_is_ref_error() -> None:
    cells = row(
        1,
        f("A1", "[2]Sheet1!A1"),  # no second externalReference
        f("B1", "[1]Nope!A1"),  # no such sheet in sheetNames
        f("C1", "[1]!Konst"),  # a name that is no reference: Excel keeps no value
        f("D1", "[1]!Missing"),
        f("E1", "SUM([1]Other!A1:A3)"),
        f("F1", "[1]Sheet1!A1+1"),
    )
    data = package([("Main", sheet_xml(cells))], externals=[SOURCE])
    res = evaluate(read_workbook(io.BytesIO(data)), cache=PlanCache(disk=False))
    got = [res.values[(0, 1, c)] for c in range(1, 7)]
    assert got == [E.REF, E.REF, E.REF, E.REF, E.REF, 43.0]
    assert any("[2]Sheet1" in w for w in res.warnings)


def test_a_link_that_is_no_workbook_link_is_ref_error() -> None:
    # [1] is a DDE link (no externalBook, no cached sheets); [2] the workbook link
    dde = SOURCE.split("<externalBook")[0] + (
        '<ddeLink ddeService="Excel" ddeTopic="C:\\data\\x.xls"/></externalLink>'
    )
    cells = row(1, f("A1", "[1]Sheet1!A1"), f("B1", "[2]Sheet1!A1"), f("C1", "[1]!Rate"))
    data = package([("Main", sheet_xml(cells))], externals=[dde, SOURCE])
    assert values_of(data) == {"A1": E.REF, "B1": 42.0, "C1": E.REF}


def test_external_values_are_not_part_of_the_cached_plans(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the same formulas with another cached value: the plans and the bound structure are
    # reused (disk and memory), the value is read afresh for each workbook
    session = default_session()
    session.bound.clear()
    cache = PlanCache(tmp_path / "cache")
    assert values_of(external_book("42"), cache)["A1"] == 42.0
    assert len(session.bound) == 1  # the structure bound once is kept for reuse
    assert values_of(external_book("43"), cache)["A1"] == 43.0
    again = PlanCache(tmp_path / "cache")  # a new process: plans from disk
    got = values_of(external_book("44"), again)
    assert got["A1"] == 44.0 and got["K1"] == 8.0
    assert again.compiled == 0


def test_other_sheet_names_in_the_link_rebind(monkeypatch: pytest.MonkeyPatch) -> None:
    # the same formulas, but the source's first sheet is now called "Other": the bound
    # structure of the first workbook must not be reused, [1]Sheet1 is #REF!
    default_session().bound.clear()  # room for this test's bound structures
    cache = PlanCache(disk=False)
    assert values_of(external_book(), cache)["A1"] == 42.0
    got = values_of(external_book(source=SOURCE.replace('"Sheet1"', '"Other"')), cache)
    assert got["A1"] is E.REF and got["B1"] == 6.0 and got["C1"] is E.REF


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def test_recalc_writes_results_and_keeps_the_link_parts(tmp_path: Path) -> None:
    src = tmp_path / "in" / "linked.xlsx"
    src.parent.mkdir()
    src.write_bytes(external_book(stale="0"))  # results not yet computed
    rep = recalc([src], out_dir=tmp_path / "out", jobs=1, progress=False)
    assert rep.exit_code == 0, rep.files[0].reason
    out = tmp_path / "out" / "linked.xlsx"
    before, after = _parts(src), _parts(out)
    for name in (
        "xl/externalLinks/externalLink1.xml",
        "xl/externalLinks/_rels/externalLink1.xml.rels",
        "xl/_rels/workbook.xml.rels",
        "[Content_Types].xml",
    ):
        assert after[name] == before[name], name
    book = read_workbook(out)
    assert book.sheets[0].cached[(1, 1)] == 42 and book.sheets[0].cached[(1, 3)] == 14
    assert check([out], jobs=1, progress=False).files[0].differences == []
    assert check([src], jobs=1, progress=False).files[0].differences != []




def test_damaged_link_caches_read_as_blank_never_crash() -> None:
    # values and attributes Excel never writes: each is skipped (a blank cell, no name)
    bad = external_link_xml(
        ["Sheet1"],
        '<sheetData sheetId="0"><row r="1"><cell r="A1"><v>abc</v></cell>'
        '<cell r="ZZZZ1"><v>1</v></cell><cell r="B1" t="e"><v>#WHAT</v></cell>'
        '<cell r="C1"/><cell><v>3</v></cell><cell r="D1" t="s"><v>99</v></cell></row>'
        '</sheetData><sheetData sheetId="7"><row r="1"><cell r="A1"><v>1</v></cell></row>'
        '</sheetData><sheetData sheetId="x"/>',
        '<definedName refersTo="=Sheet1!$A$1"/><definedName name="Far" '
        'refersTo="=Sheet1!$A$1" sheetId="5"/><definedName name="Bad" refersTo="=Sheet1!"/>',
    )
    cells = row(1, f("A1", "[1]Sheet1!A1"), f("B1", "[1]Sheet1!B1"), f("C1", "[1]Sheet1!C1"),
                f("D1", "[1]Sheet1!D1"), f("E1", "[1]!Far"), f("F1", "[1]!Bad"))
    got = values_of(package([("Main", sheet_xml(cells))], externals=[bad]))
    # "abc" as a number and a cell without <v> are blank (0); an unknown error text is
    # #N/A (as in a worksheet); a shared string that does not exist is blank too
    assert got == {"A1": 0.0, "B1": E.NA, "C1": 0.0, "D1": 0.0, "E1": E.REF, "F1": E.REF}
