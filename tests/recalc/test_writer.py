"""Writer: only <v>/t= of formula cells change; everything else is byte-identical; writes are atomic."""

from __future__ import annotations

import hashlib
import os
import re
import struct
import sys
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.worksheet.formula import ArrayFormula

from xlfuncs.errors import ExcelError, WorkbookError
from xlfuncs.recalc import writer as writer_mod
from xlfuncs.recalc.reader import read_workbook
from xlfuncs.recalc.writer import TEMP_PREFIX, format_value, patch_sheet, write_values

_FORMULA_CELL = re.compile(rb"<c\b([^>]*)>(<f[^>]*(?:/>|>.*?</f>))(.*?)</c>", re.DOTALL)


def strip_values(xml: bytes) -> bytes:
    """A sheet part with the <v> and t= of formula cells removed (what the writer may change)."""

    def repl(m: re.Match[bytes]) -> bytes:
        attrs = re.sub(rb'\s+t="[^"]*"', b"", m.group(1))
        rest = re.sub(rb"<v>.*?</v>|<v/>", b"", m.group(3))
        return b"<c" + attrs + b">" + m.group(2) + rest + b"</c>"

    return _FORMULA_CELL.sub(repl, xml)


def sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


@pytest.fixture()
def book_path(tmp_path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Inputs"
    ws["A1"], ws["A2"], ws["A3"] = 10, 20, "label"
    ws["B1"] = "=A1*2"
    ws["B2"] = "=SUM(A1:A2)"
    ws["B3"] = '=IF(A1>5,"big","small")'
    ws["B4"] = "=1/0"
    ws["B5"] = "=A1>5"
    ws["C1"] = ArrayFormula("C1:C2", "=A1:A2*2")
    ws["D1"].value = "plain text"
    calc = wb.create_sheet("Calc")
    calc["A1"] = "=Inputs!B2+1"
    calc.sheet_properties.tabColor = "FF0000"
    p = tmp_path / "book.xlsx"
    wb.save(p)
    return p


VALUES = {
    (0, 1, 2): 20,  # A1*2 with A1 = 10
    (0, 2, 2): 30.0,  # SUM(10, 20); integral float written without .0
    (0, 3, 2): "big & <bold>",  # text needing XML escapes
    (0, 4, 2): ExcelError.DIV0,  # 1/0 in Excel
    (0, 5, 2): True,  # 10>5
    (0, 1, 3): 20,  # array A1:A2*2, first cell
    (0, 2, 3): 40,  # array member
    (1, 1, 1): 31.1,
    (0, 1, 4): 999,  # not a formula cell: must be ignored
}


def test_roundtrip_openpyxl_pandas_and_bytes(book_path: Path, tmp_path: Path) -> None:
    before = sha(book_path)
    out = tmp_path / "out.xlsx"
    n = write_values(book_path, out, VALUES)
    # every formula/array cell above but D1 (a constant) and C2: openpyxl writes no <c> for an
    # array member, and the writer never adds cells (documented limitation)
    assert n == 7
    assert sha(book_path) == before  # the original is untouched
    wb = openpyxl.load_workbook(out, data_only=True)
    ws = wb["Inputs"]
    assert [ws[c].value for c in ("B1", "B2", "B3", "B4", "B5", "C1", "C2", "D1")] == [
        20,
        30,
        "big & <bold>",
        "#DIV/0!",
        True,
        20,
        None,
        "plain text",
    ]
    assert wb["Calc"]["A1"].value == 31.1
    formulas = openpyxl.load_workbook(out)
    assert formulas["Inputs"]["B2"].value == "=SUM(A1:A2)"
    assert formulas["Calc"]["A1"].value == "=Inputs!B2+1"
    df = pd.read_excel(out, sheet_name="Inputs", header=None)
    assert df.iloc[1, 1] == 30 and df.iloc[2, 1] == "big & <bold>"
    zin, zout = zipfile.ZipFile(book_path), zipfile.ZipFile(out)
    a, b = zin.infolist(), zout.infolist()
    assert [i.filename for i in a] == [i.filename for i in b]
    for x, y in zip(a, b):
        assert (x.date_time, x.compress_type) == (y.date_time, y.compress_type)
        if x.filename.startswith("xl/worksheets/"):
            assert strip_values(zin.read(x)) == strip_values(zout.read(y))
        else:
            assert zin.read(x) == zout.read(y), x.filename
    # calcPr is left as it was: no forced recalculation
    assert zin.read("xl/workbook.xml") == zout.read("xl/workbook.xml")


def test_twice_is_byte_identical_and_rewrites_in_place(book_path: Path, tmp_path: Path) -> None:
    one, two = tmp_path / "one.xlsx", tmp_path / "two.xlsx"
    write_values(book_path, one, VALUES)
    write_values(one, two, VALUES)
    write_values(book_path, tmp_path / "again.xlsx", VALUES)
    assert one.read_bytes() == two.read_bytes() == (tmp_path / "again.xlsx").read_bytes()
    write_values(two, two, {(1, 1, 1): None})  # in place; None drops <v>
    assert openpyxl.load_workbook(two, data_only=True)["Calc"]["A1"].value is None
    assert read_workbook(two).sheets[0].cached[(2, 2)] == 30


def test_values_read_back_exactly(book_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "o.xlsx"
    write_values(book_path, out, VALUES)
    cached = read_workbook(out).sheets[0].cached
    assert (
        cached[(1, 2)] == 20
        and cached[(3, 2)] == "big & <bold>"
        and cached[(4, 2)] is ExcelError.DIV0
    )
    assert cached[(5, 2)] is True and cached[(1, 3)] == 20


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        st.floats(allow_nan=False, allow_infinity=False),
        st.integers(-(10**14), 10**14),
        st.text(max_size=40),
        st.booleans(),
        st.sampled_from(list(ExcelError)),
    )
)
def test_patched_value_reads_back_identically(value: object) -> None:
    # Shortest repr round-trips floats exactly; text (control chars too) survives _xHHHH_ escaping.
    xml = b'<worksheet><sheetData><row r="1"><c r="A1"><f>X()</f></c></row></sheetData></worksheet>'
    new, n = patch_sheet(xml, {(1, 1): value})
    assert n == 1
    from xlfuncs.recalc.reader import _read_sheet

    got = _read_sheet(new, "S", [], False, "p").cached.get((1, 1))
    if isinstance(value, str):
        assert got == value
    elif isinstance(value, float):
        assert got == value and type(got) in (int, float)
    elif isinstance(value, ExcelError):
        assert got is value.stored  # #SPILL! and #CALC! as Excel stores them: #VALUE!
    else:
        assert got == value and type(got) is type(value)


def test_format_value_edge_cases() -> None:
    assert format_value(-0.0) == (None, b"0")  # Excel has no negative zero
    assert format_value(float("inf")) == (b"e", b"#NUM!")  # Excel: an overflowing number is #NUM!
    assert format_value(1e15) == (None, b"1000000000000000")  # integral: no ".0"
    assert format_value(2.0**60) == (None, b"1.152921504606847e+18")  # beyond 2**53: shortest repr
    assert format_value(0.1 + 0.2) == (None, b"0.30000000000000004")  # shortest round-trip repr
    assert format_value(object()) == (b"e", b"#VALUE!")


def test_kill_during_write_leaves_old_file(
    book_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out.xlsx"
    write_values(book_path, out, VALUES)
    old = out.read_bytes()

    def boom(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt  # stands for a kill between the temp file and the rename

    monkeypatch.setattr(writer_mod.os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        write_values(book_path, out, {(1, 1, 1): 1})
    assert out.read_bytes() == old
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(TEMP_PREFIX)]


def test_stale_temp_files_of_dead_processes_are_cleaned(tmp_path: Path) -> None:
    stale = tmp_path / f"{TEMP_PREFIX}999999999-abcd.xlsx"  # no such pid
    mine = tmp_path / f"{TEMP_PREFIX}1-abcd.xlsx"  # pid 1 is alive
    stale.write_bytes(b"partial")
    mine.write_bytes(b"partial")
    assert writer_mod.clean_stale_temp_files(tmp_path) == [stale]
    assert mine.exists()


def test_unwritable_destination_is_a_workbook_error(book_path: Path, tmp_path: Path) -> None:
    with pytest.raises(WorkbookError):
        write_values(book_path, tmp_path / "no" / "such" / "dir.xlsx", VALUES)


def test_shared_children_array_members_and_untouched_neighbours() -> None:
    xml = (
        b'<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>keep</t></is></c>'
        b'<c r="B1"><f t="shared" ref="B1:B2" si="0">A1</f><v>1</v></c>'
        b'<c r="C1" t="e"><f t="array" ref="C1:C2">X()</f><v>#N/A</v></c></row>'
        b'<row r="2"><c r="B2" s="4"><f t="shared" si="0"/><v>1</v></c><c r="C2"><v>0</v></c>'
        b'<c r="D2"><v>7</v></c></row></sheetData></worksheet>'
    )
    new, n = patch_sheet(xml, {(1, 1): 0, (1, 2): 2, (2, 2): "t", (1, 3): 5, (2, 3): 6, (2, 4): 8})
    assert n == 4  # B1, B2 (shared), C1 (array), C2 (array member); A1 and D2 are constants
    assert new == (
        b'<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>keep</t></is></c>'
        b'<c r="B1"><f t="shared" ref="B1:B2" si="0">A1</f><v>2</v></c>'
        b'<c r="C1"><f t="array" ref="C1:C2">X()</f><v>5</v></c></row>'
        b'<row r="2"><c r="B2" s="4" t="str"><f t="shared" si="0"/><v>t</v></c><c r="C2"><v>6</v></c>'
        b'<c r="D2"><v>7</v></c></row></sheetData></worksheet>'
    )


def test_patch_leaves_cells_that_already_hold_the_value() -> None:
    # A1 already stores 2 (the value computed for 1+1, hand calculation): counted, bytes kept;
    # B1 stores a stale 0 and is rewritten
    xml = (
        b'<worksheet><sheetData><row r="1"><c r="A1"><f>1+1</f><v>2</v></c>'
        b'<c r="B1"><f>2+2</f><v>0</v></c></row></sheetData></worksheet>'
    )
    same, n = patch_sheet(xml, {(1, 1): 2.0})
    assert same is xml and n == 1
    new, n = patch_sheet(xml, {(1, 1): 2.0, (1, 2): 4.0})
    assert n == 2
    assert new == xml.replace(b"<f>2+2</f><v>0</v>", b"<f>2+2</f><v>4</v>")


# --------------------------------------------------------------------------- fast paths
# Sheets without array formulas are patched row by row with prepared formula cells (files of
# one template differ in a few rows). The reference is the general path that scans every cell.

_VALUE = st.one_of(
    st.integers(-(2**60), 2**60),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.text(max_size=6),
    st.sampled_from([ExcelError.NA, ExcelError.DIV0, None]),
)


@st.composite
def _formula_row(draw: st.DrawFn, number: int) -> str:
    cells = []
    for col in range(1, draw(st.integers(0, 4)) + 1):
        ref = f'r="{"ABCD"[col - 1]}{number}"'
        t = draw(st.sampled_from(["", ' t="str"', ' t="e"', ' t="b"', ' t="n"']))
        s = draw(st.sampled_from(["", ' s="3"']))
        attrs = draw(st.sampled_from([f"{ref}{s}{t}", f"{ref}{t}{s}"]))
        stored = draw(st.sampled_from(["", "<v>1</v>", "<v>x</v>", "<v/>", "<is><t>a</t></is>"]))
        kind = draw(st.sampled_from(["plain", "shared", "value", "empty"]))
        cells.append(
            {
                "plain": f"<c {attrs}><f>A1+{col}</f>{stored}</c>",
                "shared": f'<c {attrs}><f t="shared" si="0"/>{stored}</c>',
                "value": f"<c {attrs}><v>5</v></c>",
                "empty": f"<c {attrs}/>",
            }[kind]
        )
    return f'<row r="{number}">' + "".join(cells) + "</row>"


@given(st.data())
@settings(max_examples=150, deadline=None)
def test_row_by_row_patch_equals_the_general_path(data: st.DataObject) -> None:
    from xlfuncs.recalc.reader import scan_cells

    writer_mod._ROW_SLOTS.clear()
    rows = [data.draw(_formula_row(i + 1)) for i in range(data.draw(st.integers(1, 5)))]
    for _ in range(data.draw(st.integers(1, 3))):  # later sheets reuse the unchanged rows
        xml = f"<worksheet><sheetData>{''.join(rows)}</sheetData></worksheet>".encode()
        values = {
            (r, c): data.draw(_VALUE) for r in range(1, 6) for c in range(1, 5) if data.draw(st.booleans())
        }
        want = writer_mod._patch_tokens(xml, scan_cells(xml), values, None)
        got = writer_mod._patch(xml, values, None)
        assert got == want
        i = data.draw(st.integers(0, len(rows) - 1))
        rows[i] = data.draw(_formula_row(i + 1))


def _with_custom_part(src: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "=1+1"
    wb.save(src)
    with zipfile.ZipFile(src, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("customXml/item1.xml", "<x>" + "y" * 500 + "</x>")


def _member_span(path: Path, name: str) -> tuple[int, int]:
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(name)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    return start, start + info.compress_size


def _patch_headers(data: bytes, name: str, offsets: tuple[int, int], value: int) -> bytes:
    """Write ``value`` (4 bytes) at ``offsets`` (local header, central directory) of ``name``."""
    raw = bytearray(data)
    encoded = name.encode()
    for sig, name_len_at, name_at, field in ((b"PK\x03\x04", 26, 30, offsets[0]),
                                             (b"PK\x01\x02", 28, 46, offsets[1])):
        pos = 0
        while (pos := raw.find(sig, pos)) != -1:
            n = struct.unpack_from("<H", raw, pos + name_len_at)[0]
            if raw[pos + name_at : pos + name_at + n] == encoded:
                struct.pack_into("<I", raw, pos + field, value)
            pos += 4
    return bytes(raw)


def _corruptions(src: Path) -> dict[str, tuple[bytes, str]]:
    """Ways a member that is copied unchanged can be corrupt, with both headers agreeing."""
    data = src.read_bytes()
    with zipfile.ZipFile(src) as z:
        info = z.getinfo("customXml/item1.xml")
    start, _end = _member_span(src, "customXml/item1.xml")
    flipped = bytearray(data)
    flipped[start + 2] ^= 0xFF  # the deflate stream; CRC and sizes still agree
    return {
        "flipped byte": (bytes(flipped), "corrupt zip member customXml/item1.xml"),
        "wrong CRC": (
            _patch_headers(data, info.filename, (14, 16), info.CRC ^ 0x5A5A5A5A),
            "CRC-32 is",
        ),
        "size too small": (
            _patch_headers(data, info.filename, (22, 24), info.file_size - 7),
            "more than the",
        ),
        "size too large": (
            _patch_headers(data, info.filename, (22, 24), info.file_size + 7),
            "holds 507 bytes, the zip states 514",
        ),
    }


@pytest.mark.parametrize("case", ["flipped byte", "wrong CRC", "size too small", "size too large"])
@pytest.mark.parametrize("in_place", [False, True])
def test_a_corrupt_member_fails_the_write_and_nothing_is_written(
    case: str, in_place: bool, tmp_path: Path
) -> None:
    # a member copied as its compressed bytes is inflated and checked against the size and
    # CRC-32 the zip states: a corrupt one is a one-line error, never copied into the output
    src = tmp_path / "src.xlsx"
    _with_custom_part(src)
    data, words = _corruptions(src)[case]
    src.write_bytes(data)
    dst = src if in_place else tmp_path / "out.xlsx"
    with pytest.raises(WorkbookError, match=re.escape(words)) as exc:
        write_values(src, dst, {(0, 1, 1): 2})
    assert "\n" not in str(exc.value) and "customXml/item1.xml" in str(exc.value)
    assert src.read_bytes() == data  # the original untouched
    assert in_place or not dst.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(TEMP_PREFIX)]


def test_a_sound_member_is_still_copied_as_its_compressed_bytes(tmp_path: Path) -> None:
    src = tmp_path / "src.xlsx"
    _with_custom_part(src)
    out = tmp_path / "out.xlsx"
    write_values(src, out, {(0, 1, 1): 2})
    a, b = _member_span(src, "customXml/item1.xml"), _member_span(out, "customXml/item1.xml")
    assert src.read_bytes()[a[0] : a[1]] == out.read_bytes()[b[0] : b[1]]
    assert read_workbook(out).sheets[0].cached == {(1, 1): 2}


def test_sheet_bytes_from_the_read_are_used_only_for_the_same_unchanged_file(tmp_path: Path) -> None:
    # read A, then replace A's content by B's: the writer must patch B's sheet, not A's
    from xlfuncs.recalc.reader import last_read_parts

    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    for path, extra in ((a, None), (b, 5)):
        wb = openpyxl.Workbook()
        wb.active["A1"] = 1
        wb.active["B1"] = "=A1"
        wb.active["C1"] = extra
        wb.save(path)
    read_workbook(a)
    assert last_read_parts(a) is not None and last_read_parts(b) is None
    a.write_bytes(b.read_bytes())
    os.utime(a, ns=(1, 1))  # a different stamp, whatever the clock resolution
    assert last_read_parts(a) is None
    write_values(a, tmp_path / "out.xlsx", {(0, 1, 2): "x"})
    assert read_workbook(tmp_path / "out.xlsx").sheets[0].values == {(1, 1): 1, (1, 3): 5}


def test_sheet_bytes_from_the_read_are_kept_per_thread(tmp_path: Path) -> None:
    # threads (Dask workers run several) each write the file they read themselves
    import threading

    from xlfuncs.recalc.reader import last_read_parts

    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    for path in (a, b):
        wb = openpyxl.Workbook()
        wb.active["A1"] = "=1+1"
        wb.save(path)
    seen: list[object] = []
    read_a, read_b = threading.Event(), threading.Event()

    def other() -> None:
        read_workbook(a)
        read_a.set()
        read_b.wait(10)
        seen.append(last_read_parts(a))

    t = threading.Thread(target=other)
    t.start()
    read_a.wait(10)
    read_workbook(b)  # this thread's last read; the other thread's stays
    read_b.set()
    t.join(10)
    assert seen and seen[0] is not None and last_read_parts(b) is not None
    assert last_read_parts(a) is None


def test_text_over_the_cell_limit_is_never_stored() -> None:
    # Excel's cell limit is 32,767 characters: a longer text is written as #VALUE!, never as text
    assert format_value("a" * 32767) == (b"str", b"a" * 32767)
    assert format_value("a" * 32768) == (b"e", b"#VALUE!")
    assert format_value("\U0001f600" * 16384) == (b"e", b"#VALUE!")  # 32,768 UTF-16 units


@pytest.mark.parametrize("enc", ["windows-1251", "KOI8-R", "utf-16"])
def test_a_sheet_in_a_declared_encoding_is_written_in_it(enc: str, tmp_path: Path) -> None:
    # results are written in the part's own encoding (characters it lacks as character
    # references), and every byte outside the rewritten cells stays as it was
    from test_reader import cyrillic_package

    src = tmp_path / "ru.xlsx"
    src.write_bytes(cyrillic_package(enc))
    out = tmp_path / "out.xlsx"
    n = write_values(src, out, {(0, 1, 3): "Привет, Ёлка и мир 中", (0, 1, 4): 20})
    assert n == 2
    before = zipfile.ZipFile(src).read("xl/worksheets/sheet1.xml")
    after = zipfile.ZipFile(out).read("xl/worksheets/sheet1.xml")
    text = after.decode(enc)
    assert after[:2] == before[:2]  # the same byte-order mark (UTF-16) or declaration start
    assert text.lstrip("\ufeff").startswith(f'<?xml version="1.0" encoding="{enc}"')
    assert strip_values(text.encode("utf-8")) == strip_values(before.decode(enc).encode("utf-8"))
    if enc != "utf-16":
        assert "&#20013;" in text  # 中 is not in the code page: a character reference
    sh = read_workbook(out).sheets[0]
    assert sh.cached == {(1, 3): "Привет, Ёлка и мир 中", (1, 4): 20}
    assert sh.values == {(1, 1): "Привет", (1, 2): "Ёлка"}


def test_spill_and_calc_errors_are_stored_as_excel_stores_them(tmp_path: Path) -> None:
    """#CALC! (FILTER with nothing kept) is not one of the file format's error values:
    Excel itself stores #VALUE! (the real error is in its rich-value metadata, recomputed on
    opening), and so does the writer; ``check`` then finds the file current."""
    sys.path.insert(0, str(Path(__file__).parent))
    from xlsx_parts import f, package, row, sheet_xml

    from xlfuncs.recalc.batch import check, recalc
    from xlfuncs.recalc.reader import read_workbook

    cells = row(1, f("A1", "_xlfn._xlws.FILTER({1,2},{FALSE,FALSE})", "0"), f("B1", "ISERROR(A1)", "0"))
    src = tmp_path / "c.xlsx"
    src.write_bytes(package([("S", sheet_xml(cells))]))
    assert recalc([src], out_dir=tmp_path / "out", jobs=1, progress=False).exit_code == 0
    out = tmp_path / "out" / "c.xlsx"
    with zipfile.ZipFile(out) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    assert '<v>#VALUE!</v>' in xml and "#CALC!" not in xml
    assert read_workbook(out).sheets[0].cached[(1, 2)] is True
    rep = check([out], jobs=1, progress=False)
    assert rep.exit_code == 0 and not rep.files[0].differences
