"""Reader: every cell type, formula kind, names and workbook settings of an .xlsx package."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.workbook.defined_name import DefinedName as OpxlName
from openpyxl.worksheet.formula import ArrayFormula

from xlfuncs.errors import ExcelError, WorkbookError
from xlfuncs.recalc.model import FormulaCell
from xlfuncs.recalc.reader import read_workbook

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
RNS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def make_package(
    sheets: dict[str, str],
    *,
    workbook_extra: str = "",
    shared: list[str] | None = None,
    names: str = "",
    extra_parts: dict[str, bytes] | None = None,
    styles: int | None = None,
) -> bytes:
    """A minimal hand-made package: ``sheets`` maps sheet name -> the inside of <sheetData>;
    ``styles``: a styles part with that many cell formats."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        sheet_tags = "".join(
            f'<sheet name="{n}" sheetId="{i + 1}" r:id="rId{i + 1}"/>' for i, n in enumerate(sheets)
        )
        z.writestr(
            "xl/workbook.xml",
            f"<workbook {NS} {RNS}>{workbook_extra}<sheets>{sheet_tags}</sheets>{names}</workbook>",
        )
        rels = "".join(
            f'<Relationship Id="rId{i + 1}" Type="{REL}/worksheet" Target="worksheets/sheet{i + 1}.xml"/>'
            for i in range(len(sheets))
        )
        if shared is not None:
            rels += (
                f'<Relationship Id="rIdS" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
            )
            sis = "".join(f"<si><t>{s}</t></si>" for s in shared)
            z.writestr("xl/sharedStrings.xml", f"<sst {NS}>{sis}</sst>")
        if styles is not None:
            rels += f'<Relationship Id="rIdT" Type="{REL}/styles" Target="styles.xml"/>'
            xfs = '<xf numFmtId="0" fontId="0"/>' * styles
            z.writestr(
                "xl/styles.xml",
                f'<styleSheet {NS}><cellStyleXfs count="1"><xf/></cellStyleXfs>'
                f'<cellXfs count="{styles}">{xfs}</cellXfs></styleSheet>',
            )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>',
        )
        for i, body in enumerate(sheets.values()):
            z.writestr(
                f"xl/worksheets/sheet{i + 1}.xml",
                f"<worksheet {NS}><sheetData>{body}</sheetData></worksheet>",
            )
        for name, data in (extra_parts or {}).items():
            z.writestr(name, data)
    return buf.getvalue()


def write(tmp_path: Path, data: bytes, name: str = "book.xlsx") -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def test_openpyxl_workbook_values_formulas_names(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "In puts"
    ws["A1"], ws["A2"], ws["A3"], ws["A4"] = 2, "x & <y>", True, 1.25
    ws["B1"] = "=A1*3"
    ws["B2"] = '=IF(A3,"yes","no")'
    ws["C1"] = ArrayFormula("C1:C3", "=A1:A3")
    calc = wb.create_sheet("Calc")
    calc["A1"] = "='In puts'!A1+LOCPOINTS(1,2,3)"
    wb.defined_names["Rate"] = OpxlName("Rate", attr_text="'In puts'!$A$1")
    calc.defined_names["Local"] = OpxlName("Local", attr_text="Calc!$A$1")
    wb.calculation.iterate = True
    wb.calculation.iterateCount = 7
    p = tmp_path / "a.xlsm"  # the reader does not care about the extension
    wb.save(p)
    book = read_workbook(p)
    s0, s1 = book.sheets
    assert [s.name for s in book.sheets] == ["In puts", "Calc"]
    assert s0.values == {(1, 1): 2, (2, 1): "x & <y>", (3, 1): True, (4, 1): 1.25}
    assert s0.formulas[(1, 2)] == FormulaCell("A1*3", (1, 2))
    assert s0.formulas[(2, 2)].text == 'IF(A3,"yes","no")'
    assert s0.formulas[(1, 3)] == FormulaCell("A1:A3", (1, 3), array_ref="C1:C3")
    assert s0.array_members == {(2, 3): (1, 3), (3, 3): (1, 3)}
    assert s1.formulas[(1, 1)].text == "'In puts'!A1+LOCPOINTS(1,2,3)"
    assert s0.cached == {} and s1.cached == {}  # openpyxl writes no cached values
    names = {(n.name, n.scope): n.text for n in book.names}
    assert names == {("Rate", None): "'In puts'!$A$1", ("Local", 1): "Calc!$A$1"}
    assert book.iterate and book.iterate_count == 7 and not book.date1904


def test_cell_types_and_cached_values(tmp_path: Path) -> None:
    body = (
        '<row r="1"><c r="A1" t="s"><v>1</v></c><c r="B1" t="inlineStr"><is><r><t>in</t></r><r><t>line</t></r>'
        '<rPh><t>x</t></rPh></is></c><c r="C1" t="b"><v>0</v></c><c r="D1" t="e"><v>#N/A</v></c>'
        '<c r="E1"><v>1.5E-3</v></c><c r="F1" s="2"/></row>'
        '<row r="2"><c r="A2" t="str"><f>"a"&amp;"b"</f><v>ab</v></c><c r="B2" t="e"><f>1/0</f><v>#DIV/0!</v></c>'
        '<c r="C2" t="b"><f>TRUE()</f><v>1</v></c><c r="D2"><f>E1*2</f><v>0.003</v></c><c r="E2"><f>NOW()</f></c>'
        '<c r="F2" t="str"><f>A1</f><v>a_x000D_b</v></c></row>'
    )
    book = read_workbook(
        write(tmp_path, make_package({"S": body}, shared=["zero", "one"], styles=3))
    )
    s = book.sheets[0]
    assert s.values == {
        (1, 1): "one",
        (1, 2): "inline",
        (1, 3): False,
        (1, 4): ExcelError.NA,
        (1, 5): 0.0015,
    }
    assert s.cached == {
        (2, 1): "ab",
        (2, 2): ExcelError.DIV0,
        (2, 3): True,
        (2, 4): 0.003,
        (2, 6): "a\rb",
    }
    assert s.formulas[(2, 1)].text == '"a"&"b"'
    assert (2, 5) in s.formulas and (2, 5) not in s.cached  # formula without a stored value


def test_shared_formula_children_point_to_master(tmp_path: Path) -> None:
    body = (
        '<row r="1"><c r="A1"><v>1</v></c><c r="B1"><f t="shared" ref="B1:B3" si="0">A1*2</f><v>2</v></c></row>'
        '<row r="2"><c r="A2"><v>2</v></c><c r="B2"><f t="shared" si="0"/><v>4</v></c></row>'
        '<row r="3"><c r="A3"><v>3</v></c><c r="B3"><f t="shared" si="0"/><v>6</v></c></row>'
    )
    s = read_workbook(write(tmp_path, make_package({"S": body}))).sheets[0]
    assert s.formulas == {(r, 2): FormulaCell("A1*2", (1, 2)) for r in (1, 2, 3)}
    assert s.cached == {(1, 2): 2, (2, 2): 4, (3, 2): 6}


def test_cells_without_r_attribute_and_prefixed_namespace(tmp_path: Path) -> None:
    # Some generators omit r= (cells follow each other) or use a prefix for the main namespace.
    body = "<x:row><x:c><x:v>1</x:v></x:c><x:c><x:f>A1+1</x:f><x:v>2</x:v></x:c></x:row><x:row><x:c><x:v>3</x:v></x:c></x:row>"
    data = make_package({"S": ""})
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(buf, "w") as zout:
        for info in zin.infolist():
            content = zin.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = (
                    f'<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                    f"<x:sheetData>{body}</x:sheetData></x:worksheet>"
                ).encode()
            zout.writestr(info, content)
    s = read_workbook(write(tmp_path, buf.getvalue())).sheets[0]
    assert s.values == {(1, 1): 1, (2, 1): 3}
    assert s.formulas == {(1, 2): FormulaCell("A1+1", (1, 2))}


def test_date1904_and_sheet_scoped_names(tmp_path: Path) -> None:
    names = (
        '<definedNames><definedName name="X" localSheetId="1">B!$A$1</definedName>'
        '<definedName name="Y">A!$A$1:$A$3</definedName>'
        '<definedName name="Bad" localSheetId="9">A!$A$1</definedName></definedNames>'
    )
    data = make_package(
        {"A": "", "B": ""},
        workbook_extra='<workbookPr date1904="1"/>',
        names=names + '<calcPr calcId="191029"/>',
    )
    book = read_workbook(write(tmp_path, data))
    assert book.date1904 and not book.iterate
    assert [(n.name, n.text, n.scope) for n in book.names] == [
        ("X", "B!$A$1", 1),
        ("Y", "A!$A$1:$A$3", None),
    ]


def test_missing_sheet_part_is_a_one_line_error(tmp_path: Path) -> None:
    data = make_package({"S": ""})
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(buf, "w") as zout:
        for info in zin.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                zout.writestr(info, zin.read(info))
    with pytest.raises(WorkbookError, match="missing part xl/worksheets/sheet1.xml"):
        read_workbook(write(tmp_path, buf.getvalue()))


def test_read_only_input_is_read(tmp_path: Path) -> None:
    p = write(tmp_path, make_package({"S": '<row r="1"><c r="A1"><v>5</v></c></row>'}))
    p.chmod(0o444)
    assert read_workbook(p).sheets[0].values == {(1, 1): 5}


# --------------------------------------------------------------------------- row memo
# Files filled from one template differ in a few rows; the reader parses each distinct row
# once per process. The reference is the whole-sheet parse the reader uses for sheets too
# large for the memo: both must give the same dicts, in the same order.

_CELL_KINDS = st.sampled_from(
    ["num", "shared_str", "inline", "formula", "master", "child", "empty", "plain"]
)
#: cells in and just outside the plain form the reader reads with one pattern
_PLAIN_CELLS = [
    '<c {r} t="str"><v></v></c>',
    "<c {r}><v></v></c>",
    '<c {r} s="2"><f></f><v>4</v></c>',
    "<c {r}><f>=A1+1</f></c>",
    '<c {r} t="e"><f>1/0</f><v>#DIV/0!</v></c>',
    '<c {r} t="b" s="1"><v>1</v></c>',
    '<c {r} s="1" t="str"><f>"a"&amp;"b"</f><v>a&amp;b</v></c>',
    '<c {r} cm="1"><f>A1</f><v>2</v></c>',
    '<c {r} t="inlineStr"><v>3</v></c>',
    "<c {r}><v/></c>",
    "<c {r}> <v>7</v></c>",
    '<c {r} t="d"><v>2024-01-31T12:00:00</v></c>',
    "<c {r}><v>1.5E+3</v></c>",
]


@st.composite
def _row_xml(draw: st.DrawFn, number: int) -> str:
    explicit_row = draw(st.booleans())
    cells = []
    for col in range(1, draw(st.integers(0, 4)) + 1):
        kind = draw(_CELL_KINDS)
        ref = f' r="{"ABCD"[col - 1]}{number}"' if explicit_row and draw(st.booleans()) else ""
        n = draw(st.integers(-5, 99))
        cells.append(
            {
                "num": f"<c{ref}><v>{n}</v></c>",
                "shared_str": f'<c{ref} t="s"><v>{n % 2}</v></c>',
                "inline": f'<c{ref} t="inlineStr"><is><t>x{n}</t></is></c>',
                "formula": f"<c{ref}><f>A1+{n}</f><v>{n}</v></c>",
                "master": f'<c{ref}><f t="shared" ref="A1:D9" si="{n % 3}">B1*{n}</f><v>1</v></c>',
                "child": f'<c{ref}><f t="shared" si="{n % 3}"/><v>{n}</v></c>',
                "empty": f'<c{ref} s="1"/>',
                "plain": draw(st.sampled_from(_PLAIN_CELLS)).replace(" {r}", ref),
            }[kind]
        )
    head = f'<row r="{number}">' if explicit_row else "<row>"
    return head + "".join(cells) + "</row>" if cells or explicit_row else "<row/>"


@st.composite
def _sheets(draw: st.DrawFn) -> list[bytes]:
    n_rows = draw(st.integers(1, 6))
    rows = [draw(_row_xml(i + 1)) for i in range(n_rows)]
    out = []
    for _ in range(draw(st.integers(1, 4))):
        out.append(f"<worksheet {NS}><sheetData>{''.join(rows)}</sheetData></worksheet>".encode())
        i = draw(st.integers(0, n_rows - 1))
        rows[i] = draw(_row_xml(i + 1))
    return out


def _dump(sheet: object) -> tuple[list[object], ...]:
    return tuple(
        list(getattr(sheet, f).items()) for f in ("values", "formulas", "cached", "array_members")
    )


@given(_sheets())
@settings(max_examples=150, deadline=None)
def test_row_memo_reads_like_a_whole_sheet_parse(variants: list[bytes]) -> None:
    from xlfuncs.recalc import reader

    reader.clear_memos()
    shared = ["a", "b"]
    for data in variants:
        reader.DEFAULT_MEMO.row_skip[("p", "S")] = 0  # row by row, whatever the policy would choose
        got = reader._read_sheet(data, "S", shared, False, "p")
        # the reference: a comment sends the reader through one general pass over the sheet
        ref = data.replace(b"</worksheet>", b"<!-- whole --></worksheet>")
        want = reader._read_sheet(ref, "S", shared, False, "p")
        assert _dump(got) == _dump(want)
        reader.DEFAULT_MEMO.row_skip[("p2", "S2")] = 5  # row by row without the memo
        first = reader._read_sheet(data, "S2", shared, False, "p2")
        assert _dump(first) == _dump(want)
        got.values.clear()  # a caller changing its copy never changes the next read
        got.formulas.clear()


def test_row_memo_is_per_shared_strings_table() -> None:
    # t="s" cells read through the shared strings of their own file, even for identical rows
    from xlfuncs.recalc import reader

    reader.clear_memos()
    data = f'<worksheet {NS}><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>'.encode()
    assert reader._read_sheet(data, "S", ["first"], False, "p").values == {(1, 1): "first"}
    assert reader._read_sheet(data, "S", ["second"], False, "p").values == {(1, 1): "second"}


def test_row_memo_policy_first_whole_then_rows_then_whole_when_rows_do_not_repeat() -> None:
    from xlfuncs.recalc import reader

    reader.clear_memos()
    calls: list[str] = []
    real = reader._parse_by_row

    def spy(*args: object) -> object:
        if args[-2]:  # memoised (the memo object is last)
            calls.append("rows")
        return real(*args)  # type: ignore[arg-type]

    def sheet(k: int) -> bytes:
        rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r * k}</v></c></row>' for r in range(1, 21))
        return f"<worksheet {NS}><sheetData>{rows}</sheetData></worksheet>".encode()

    shared: list[str] = []  # one table for all reads, as for files of one template
    reader._parse_by_row = spy  # type: ignore[assignment]
    try:

        def read(k: int) -> None:
            calls.append("read")
            reader._read_sheet(sheet(k), "S", shared, False, "p")

        read(1)  # first read of the sheet: whole
        read(2)  # second: row by row, fills the memo
        read(2)  # third: row by row, all rows repeat
        read(3)  # row by row, no row repeats: the next 16 reads are whole
        for _ in range(16):
            read(3)
        read(3)  # then the memo is tried again
    finally:
        reader._parse_by_row = real  # type: ignore[assignment]
    pattern = "".join("r" if c == "rows" else "." for c in calls).replace(".r", "R")
    assert pattern == "." + "RRR" + "." * 16 + "R"


@pytest.mark.parametrize("cell", _PLAIN_CELLS)
def test_plain_form_cells_read_like_the_general_pass(cell: str) -> None:
    from xlfuncs.recalc import reader

    row = '<row r="2"><c r="A2"><v>1</v></c>' + cell.replace("{r}", 'r="B2"') + "</row>"
    data = f"<worksheet {NS}><sheetData>{row}</sheetData></worksheet>".encode()
    reader.DEFAULT_MEMO.row_skip[("p", "S")] = 5  # row by row, no memo
    got = reader._read_sheet(data, "S", [], False, "p")
    want = reader._read_sheet(data.replace(b"</worksheet>", b"<!----></worksheet>"), "S", [], False, "p")
    assert _dump(got) == _dump(want)


def replace_part(data: bytes, name: str, content: bytes) -> bytes:
    """``data`` with the member ``name`` holding ``content``."""
    buf = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as zin,
        zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout,
    ):
        for info in zin.infolist():
            zout.writestr(info.filename, content if info.filename == name else zin.read(info))
    return buf.getvalue()


#: a sheet and its shared strings in Russian; the formula itself holds Cyrillic text
CYRILLIC_SHEET = (
    '<?xml version="1.0" encoding="{enc}" standalone="yes"?>\n'
    f"<worksheet {NS}><sheetData><row r=\"1\">"
    '<c r="A1" t="inlineStr"><is><t>Привет</t></is></c><c r="B1" t="s"><v>0</v></c>'
    '<c r="C1" t="str"><f>A1&amp;", "&amp;B1&amp;" и мир"</f><v>старое</v></c>'
    '<c r="D1"><f>LEN(C1)</f><v>0</v></c></row></sheetData></worksheet>'
)
CYRILLIC_SST = '<?xml version="1.0" encoding="{enc}"?>\n' f"<sst {NS}><si><t>Ёлка</t></si></sst>"


def cyrillic_package(enc: str) -> bytes:
    base = make_package({"Лист1": ""}, shared=["x"])
    base = replace_part(base, "xl/worksheets/sheet1.xml", CYRILLIC_SHEET.format(enc=enc).encode(enc))
    return replace_part(base, "xl/sharedStrings.xml", CYRILLIC_SST.format(enc=enc).encode(enc))


@pytest.mark.parametrize("enc", ["windows-1251", "KOI8-R", "shift_jis", "utf-16"])
def test_parts_are_read_in_the_encoding_their_declaration_states(enc: str) -> None:
    # Excel writes UTF-8, other producers write the declared code page (1C, old exporters):
    # the text must be the Cyrillic of the file, not mojibake; UTF-16 carries a byte-order mark
    import datetime as dt

    from xlfuncs.recalc.engine import evaluate
    from xlfuncs.recalc.plancache import PlanCache

    book = read_workbook(io.BytesIO(cyrillic_package(enc)))
    sh = book.sheets[0]
    assert sh.values == {(1, 1): "Привет", (1, 2): "Ёлка"}
    assert sh.formulas[(1, 3)].text == 'A1&", "&B1&" и мир"'
    assert sh.cached[(1, 3)] == "старое"
    res = evaluate(book, cache=PlanCache(disk=False), today=dt.date(2024, 1, 31))
    assert res.values[(0, 1, 3)] == "Привет, Ёлка и мир"
    assert res.values[(0, 1, 4)] == 18.0  # 6 + 2 + 4 + 6 characters


def test_unknown_or_false_declared_encoding_is_a_one_line_error() -> None:
    bad = replace_part(
        make_package({"S": ""}), "xl/worksheets/sheet1.xml",
        b'<?xml version="1.0" encoding="x-no-such-code"?><worksheet><sheetData/></worksheet>',
    )
    with pytest.raises(WorkbookError, match="unknown XML encoding 'x-no-such-code'"):
        read_workbook(io.BytesIO(bad))
    for name in ("base64", "rot13", "zlib"):  # codecs, but not of text
        odd = replace_part(
            make_package({"S": ""}), "xl/worksheets/sheet1.xml",
            f'<?xml version="1.0" encoding="{name}"?><worksheet><sheetData/></worksheet>'.encode(),
        )
        with pytest.raises(WorkbookError):
            read_workbook(io.BytesIO(odd))
    undefined = replace_part(  # 0x98 is no character in windows-1251
        make_package({"S": ""}), "xl/worksheets/sheet1.xml",
        b'<?xml version="1.0" encoding="windows-1251"?><worksheet><sheetData><row r="1">'
        b'<c r="A1" t="inlineStr"><is><t>\x98</t></is></c></row></sheetData></worksheet>',
    )
    with pytest.raises(WorkbookError, match="not cp1251 text"):
        read_workbook(io.BytesIO(undefined))


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ('<row r="1"><c r="A1"><v>1</v></c><c r="B2" t="s"><v>2</v></c></row>',
         "cell B2: shared string '2' does not exist (the table has 2)"),
        ('<row r="1"><c r="C1" t="s"><v>-1</v></c></row>',  # never the last string
         "cell C1: shared string '-1' does not exist"),
        ('<row r="1"><c r="A1" t="s"><v>x</v></c></row>', "cell A1: shared string 'x'"),
        ('<row r="1"><c r="D1" t="s"><f>A1</f><v>5</v></c></row>', "cell D1: shared string '5'"),
    ],
)
def test_a_shared_string_index_out_of_range_is_a_one_line_error(body: str, words: str) -> None:
    # it was #REF! in the cell; the package is corrupt (Excel offers to repair it)
    data = make_package({"Data": body}, shared=["zero", "one"])
    with pytest.raises(WorkbookError) as exc:
        read_workbook(io.BytesIO(data))
    assert str(exc.value).startswith("xl/worksheets/sheet1.xml (sheet 'Data') ")
    assert words in str(exc.value) and "\n" not in str(exc.value)


@pytest.mark.parametrize(
    ("body", "cols", "words"),
    [
        ('<row r="1"><c r="A1" s="2"><v>1</v></c><c r="B7" s="3"><v>1</v></c></row>', "",
         "cell B7: style 3 does not exist (xl/styles.xml has 3 cell formats)"),
        ('<row r="4" s="9" customFormat="1"><c r="A4"><v>1</v></c></row>', "", "row 4: style 9"),
        ('<row r="1"><c r="A1"><v>1</v></c></row>', '<col min="1" max="2" style="5"/>',
         "a column: style 5"),
        ("<row r=\"1\"><c r='C1' s='12'><v>1</v></c></row>", "", "cell C1: style 12"),
    ],
)
def test_a_style_index_out_of_range_is_a_one_line_error(body: str, cols: str, words: str) -> None:
    data = make_package({"S": body}, styles=3)
    if cols:
        data = replace_part(
            data, "xl/worksheets/sheet1.xml",
            f"<worksheet {NS}><cols>{cols}</cols><sheetData>{body}</sheetData></worksheet>".encode(),
        )
    with pytest.raises(WorkbookError, match=re.escape(words)):
        read_workbook(io.BytesIO(data))


def test_style_indexes_in_range_and_look_alikes_in_text_are_fine() -> None:
    body = (
        '<row r="1" s="2" customFormat="1"><c r="A1" s="2"><v>1</v></c>'
        '<c r="B1" t="inlineStr"><is><t>width s="99" is text</t></is></c></row>'
    )
    book = read_workbook(io.BytesIO(make_package({"S": body}, styles=3)))
    assert book.sheets[0].values == {(1, 1): 1, (1, 2): 'width s="99" is text'}
    # no styles part: only the default format 0 exists
    read_workbook(io.BytesIO(make_package({"S": '<row r="1"><c r="A1" s="0"><v>1</v></c></row>'})))
    with pytest.raises(WorkbookError, match="style 1 does not exist .there is no styles part"):
        read_workbook(
            io.BytesIO(make_package({"S": '<row r="1"><c r="A1" s="1"><v>1</v></c></row>'}))
        )


def test_style_check_holds_for_a_sheet_read_before(tmp_path: Path) -> None:
    # the same sheet bytes come from the memo the second time; the styles part differs
    body = '<row r="1"><c r="A1" s="4"><v>1</v></c></row>'
    read_workbook(io.BytesIO(make_package({"S": body}, styles=5)))
    with pytest.raises(WorkbookError, match="style 4 does not exist"):
        read_workbook(io.BytesIO(make_package({"S": body}, styles=4)))


def test_style_check_holds_for_rows_from_the_row_memo() -> None:
    # files of one template: the styled row repeats (from the third read on it comes from the
    # row memo, parsed under another styles part); the other row differs in each file
    styled = '<row r="1"><c r="A1" s="4"><v>1</v></c></row>'
    for i in range(4):
        body = styled + f'<row r="2"><c r="A2"><v>{i}</v></c></row>'
        read_workbook(io.BytesIO(make_package({"S": body}, styles=5)))
    body = styled + '<row r="2"><c r="A2"><v>99</v></c></row>'
    with pytest.raises(WorkbookError, match="cell A1: style 4 does not exist"):
        read_workbook(io.BytesIO(make_package({"S": body}, styles=4)))


_INLINE_FORMS = [
    '<c r="A7" s="4" t="inlineStr"><is><t>ab &amp; c</t></is></c>',
    '<c r="B7" t="inlineStr"><is><t>&#1074;&#1099;&#1087;&#1086;&#1083;&#1085; x_x000D_y</t></is></c>',
    '<c r="C7" t="inlineStr"><is><t></t></is></c>',
    '<c r="D7" t="inlineStr"/>',
    '<c r="E7" t="inlineStr"><is><t xml:space="preserve"> a </t></is></c>',
    '<c r="F7" t="s"><is><t>zz</t></is></c>',
    '<c r="G7" t="inlineStr"><v>5</v></c>',
    '<c r="H7"><f>A1+1</f><v>3</v></c>',
    '<c r="I7" t="str"><f>"inlineStr"</f><v>inlineStr</v></c>',
    '<c r="J7" t="inlineStr"><is><r><t>a</t></r><r><t>b</t></r></is></c>',
    '<c r="K7" t="s"><v>0</v></c>',
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_INLINE_FORMS), min_size=1, max_size=6))
def test_the_fast_row_path_reads_inline_strings_as_the_general_path(cells: list[str]) -> None:
    # the templates' text cells are plain inline strings: their rows take the fast path
    from xlfuncs.recalc import reader

    chunk = ('<row r="7">' + "".join(cells)).encode()
    fast = reader._new_rows()
    taken = reader._fast_row(chunk, ["s0"], False, fast)
    data = b"<sheetData>" + chunk + b"</row></sheetData>"
    general = reader._parse_rows(data, 11, 11 + len(chunk), ["s0"], False, "sheet1.xml", 0)
    if not taken:
        assert not (fast.values or fast.formulas or fast.cached)
        return
    assert fast.values == general.values and fast.cached == general.cached
    assert {k: (f.text, f.anchor) for k, f in fast.formulas.items()} == {
        k: (f.text, f.anchor) for k, f in general.formulas.items()
    }


def test_rows_of_plain_inline_strings_take_the_fast_path() -> None:
    from xlfuncs.recalc import reader

    chunk = ('<row r="7">' + "".join(_INLINE_FORMS[:3]) + _INLINE_FORMS[7]).encode()
    into = reader._new_rows()
    assert reader._fast_row(chunk, [], False, into)
    assert into.values == {(7, 1): "ab & c", (7, 2): "выполн x\ry", (7, 3): ""}


def test_mac_excel_is_told_by_app_xml_and_cr_lf_is_a_line_feed(tmp_path: Path) -> None:
    # vinci1it2000+formulas/test.xlsx: docProps/app.xml says "Microsoft Macintosh Excel",
    # and CORE!B41 (=CHAR(10)) stores CR LF in <v>, which XML reads as one LF
    app = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<Properties xmlns="http://'
        b'schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>'
        b"Microsoft Macintosh Excel</Application></Properties>"
    )
    body = '<row r="1"><c r="A1" t="str"><f>CHAR(10)</f><v xml:space="preserve">\r\n</v></c></row>'
    mac = read_workbook(write(tmp_path, make_package(
        {"S": body}, extra_parts={"docProps/app.xml": app})))
    assert mac.mac is True
    assert mac.sheets[0].cached[(1, 1)] == "\n"
    win = app.replace(b"Microsoft Macintosh Excel", b"Microsoft Excel")
    assert read_workbook(write(tmp_path, make_package(
        {"S": body}, extra_parts={"docProps/app.xml": win}), "w.xlsx")).mac is False
    assert read_workbook(write(tmp_path, make_package({"S": body}), "n.xlsx")).mac is False
