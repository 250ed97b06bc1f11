"""Hostile and broken inputs: each gives a one-line reason; the rest of the batch goes on."""

from __future__ import annotations

import io
import random
import struct
import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))
import recalc_standin
from test_reader import make_package

from xlfuncs.errors import WorkbookError
from xlfuncs.recalc import safety
from xlfuncs.recalc.batch import recalc
from xlfuncs.recalc.reader import read_workbook

GOOD_SHEET = '<row r="1"><c r="A1"><v>1</v></c><c r="B1"><f>A1+1</f></c></row>'
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def good() -> bytes:
    return make_package({"S": GOOD_SHEET})


def zip_of(parts: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return buf.getvalue()


def replace_part(data: bytes, name: str, content: bytes) -> bytes:
    buf = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as zin,
        zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout,
    ):
        for info in zin.infolist():
            zout.writestr(info.filename, content if info.filename == name else zin.read(info))
    return buf.getvalue()


def lying_sizes(data: bytes, name: str, claimed: int) -> bytes:
    """Patch the local and central headers of ``name`` to claim ``claimed`` uncompressed bytes."""
    raw = bytearray(data)
    encoded = name.encode()
    pos = 0
    while (pos := raw.find(b"PK\x03\x04", pos)) != -1:
        n = struct.unpack_from("<H", raw, pos + 26)[0]
        if raw[pos + 30 : pos + 30 + n] == encoded:
            struct.pack_into("<I", raw, pos + 22, claimed)
        pos += 4
    pos = 0
    while (pos := raw.find(b"PK\x01\x02", pos)) != -1:
        n = struct.unpack_from("<H", raw, pos + 28)[0]
        if raw[pos + 46 : pos + 46 + n] == encoded:
            struct.pack_into("<I", raw, pos + 24, claimed)
        pos += 4
    return bytes(raw)


def set_header_field(data: bytes, name: str, local: int, central: int, value: int) -> bytes:
    """Write ``value`` (4 bytes) at offset ``local`` of the local header and ``central`` of the
    central directory entry of ``name``: both headers keep agreeing (14/16 CRC-32, 22/24 size)."""
    raw = bytearray(data)
    encoded = name.encode()
    for sig, name_len_at, name_at, field in ((b"PK\x03\x04", 26, 30, local),
                                             (b"PK\x01\x02", 28, 46, central)):
        pos = 0
        while (pos := raw.find(sig, pos)) != -1:
            n = struct.unpack_from("<H", raw, pos + name_len_at)[0]
            if raw[pos + name_at : pos + name_at + n] == encoded:
                struct.pack_into("<I", raw, pos + field, value)
            pos += 4
    return bytes(raw)


def with_chart_and_styles() -> tuple[bytes, dict[str, zipfile.ZipInfo]]:
    """A good package with a chart part and a styles part (neither is rewritten by recalc)."""
    data = make_package(
        {"S": GOOD_SHEET},
        styles=2,
        extra_parts={"xl/charts/chart1.xml": b'<c:chartSpace xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart">'
                                 + b"<c:v>1</c:v>" * 50 + b"</c:chartSpace>"},
    )
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return data, {i.filename: i for i in z.infolist()}


def integrity_files() -> dict[str, tuple[bytes, str]]:
    """Packages with a corrupt part that recalc would copy (or read), each -> words of its reason."""
    data, infos = with_chart_and_styles()
    chart, styles = infos["xl/charts/chart1.xml"], infos["xl/styles.xml"]
    ct = zipfile.ZipFile(io.BytesIO(data)).read("[Content_Types].xml")
    no_ct = io.BytesIO()
    two_ct = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin:
        with zipfile.ZipFile(no_ct, "w") as z:
            for info in zin.infolist():
                if info.filename != "[Content_Types].xml":
                    z.writestr(info.filename, zin.read(info))
        with zipfile.ZipFile(two_ct, "w") as z:
            for info in zin.infolist():
                z.writestr(info.filename, zin.read(info))
            z.writestr("[content_types].xml", ct)  # part names are case-insensitive
    return {
        "crc_chart.xlsx": (
            set_header_field(data, chart.filename, 14, 16, chart.CRC ^ 1),
            "corrupt zip member xl/charts/chart1.xml (CRC-32",
        ),
        "crc_styles.xlsx": (
            set_header_field(data, styles.filename, 14, 16, styles.CRC ^ 1),
            "corrupt zip member xl/styles.xml",
        ),
        "size_chart.xlsx": (
            set_header_field(data, chart.filename, 22, 24, chart.file_size - 1),
            "corrupt zip member xl/charts/chart1.xml",
        ),
        "size_chart_large.xlsx": (
            set_header_field(data, chart.filename, 22, 24, chart.file_size + 100),
            "corrupt zip member xl/charts/chart1.xml",
        ),
        "no_content_types.xlsx": (no_ct.getvalue(), "no [Content_Types].xml"),
        "two_content_types.xlsx": (two_ct.getvalue(), "appears 2 times"),
        "bad_shared.xlsx": (
            make_package({"S": '<row r="1"><c r="A1" t="s"><v>3</v></c>'
                               '<c r="B1"><f>A1</f></c></row>'}, shared=["a"]),
            "cell A1: shared string '3' does not exist",
        ),
        "bad_style.xlsx": (
            make_package({"S": '<row r="1"><c r="A1" s="7"><v>1</v></c>'
                               '<c r="B1"><f>A1</f></c></row>'}, styles=2),
            "cell A1: style 7 does not exist",
        ),
    }


LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
    b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol2;</t></si></sst>'
)
EXTERNAL = (
    b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    b'<row r="1"><c r="A1" t="str"><f>1</f><v>&x;</v></c></row></sheetData></worksheet>'
)


def hostile_files() -> dict[str, tuple[bytes, str]]:
    """name -> (content, expected words in the one-line reason)."""
    g = good()
    return {
        "empty.xlsx": (b"", "empty file"),
        "text.xlsx": (b"hello, I am a CSV,1,2\n", "not a zip"),
        "truncated.xlsx": (g[: len(g) // 2], "truncated or corrupt zip"),
        "encrypted.xlsx": (
            OLE + b"\0" * 504 + "EncryptionInfo".encode("utf-16-le") + b"\0" * 200,
            "password-protected",
        ),
        "legacy.xls": (OLE + b"\0" * 1024, "legacy binary workbook"),
        "binary.xlsb": (
            zip_of({"xl/workbook.bin": b"\0\1", "[Content_Types].xml": b"<Types/>"}),
            ".xlsb",
        ),
        "calc.ods": (
            zip_of(
                {
                    "mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
                    "content.xml": b"<x/>",
                },
                zipfile.ZIP_STORED,
            ),
            "OpenDocument",
        ),
        "noworkbook.xlsx": (zip_of({"[Content_Types].xml": b"<Types/>"}), "no xl/workbook.xml"),
        "nosheet.xlsx": (
            replace_part(
                g,
                "xl/_rels/workbook.xml.rels",
                zipfile.ZipFile(io.BytesIO(g))
                .read("xl/_rels/workbook.xml.rels")
                .replace(b"sheet1.xml", b"gone1.xml"),
            ),
            "missing part",
        ),
        "bomb.xlsx": (
            zip_of({"xl/workbook.xml": b"<workbook/>", "xl/huge.xml": b"\0" * (20 << 20)}),
            "zip bomb",
        ),
        "liar.xlsx": (
            lying_sizes(
                replace_part(
                    g,
                    "xl/worksheets/sheet1.xml",
                    b"<worksheet>" + b" " * (3 << 20) + b"</worksheet>",
                ),
                "xl/worksheets/sheet1.xml",
                100,
            ),
            "corrupt",
        ),
        "laughs.xlsx": (
            replace_part(
                make_package({"S": GOOD_SHEET}, shared=["a"]), "xl/sharedStrings.xml", LAUGHS
            ),
            "DOCTYPE",
        ),
        "external.xlsx": (replace_part(g, "xl/worksheets/sheet1.xml", EXTERNAL), "DOCTYPE"),
        "badxml.xlsx": (replace_part(g, "xl/workbook.xml", b"<workbook><sheets>"), "malformed XML"),
        **integrity_files(),
    }


def test_each_hostile_input_gets_a_one_line_reason_and_the_batch_goes_on(tmp_path: Path) -> None:
    d = tmp_path / "in"
    d.mkdir()
    cases = hostile_files()
    for name, (content, _words) in cases.items():
        (d / name).write_bytes(content)
    (d / "folder.xlsx").mkdir()
    (d / "good.xlsx").write_bytes(good())
    (d / "readonly.xlsx").write_bytes(good())
    (d / "readonly.xlsx").chmod(0o444)
    (d / "formula_error.xlsx").write_bytes(
        make_package({"S": '<row r="1"><c r="B1"><f>1/0+ERRDIV</f></c></row>'})
    )
    explicit = [d / n for n in cases] + [
        d / "good.xlsx",
        d / "readonly.xlsx",
        d / "formula_error.xlsx",
    ]
    rep = recalc(explicit, out_dir=tmp_path / "out", jobs=2, evaluator=recalc_standin.evaluate)
    by_name = {Path(f.path).name: f for f in rep.files}
    for name, (_content, words) in cases.items():
        f = by_name[name]
        assert f.status == "failed", name
        assert words in f.reason and "\n" not in f.reason and len(f.reason) < 300, (name, f.reason)
        assert not (tmp_path / "out" / name).exists()
    with pytest.raises(WorkbookError, match="is a folder, not a workbook"):
        read_workbook(d / "folder.xlsx")  # (given to recalc, a folder expands to its workbooks)
    assert (
        by_name["good.xlsx"].ok and by_name["readonly.xlsx"].ok
    )  # read-only input is fine to read
    assert by_name["formula_error.xlsx"].ok and by_name["formula_error.xlsx"].error_cells == 1
    assert read_workbook(tmp_path / "out" / "good.xlsx").sheets[0].cached == {
        (1, 2): 1002.5
    }  # stand-in: 1*1000 + 2 + len("A1+1")/8
    assert rep.exit_code == 1
    assert not list((tmp_path / "out").glob(".xlfuncs-tmp-*"))


def test_a_corrupt_part_fails_the_file_in_place_and_leaves_it_untouched(tmp_path: Path) -> None:
    # the members recalc copies unchanged are checked as the ones it reads: each corrupt file
    # fails with a one-line reason, the others of the batch are written
    d = tmp_path / "in"
    d.mkdir()
    cases = integrity_files()
    for name, (content, _words) in cases.items():
        (d / name).write_bytes(content)
    good_data, _infos = with_chart_and_styles()
    (d / "good.xlsx").write_bytes(good_data)
    rep = recalc(sorted(d.iterdir()), in_place=True, jobs=1, evaluator=recalc_standin.evaluate)
    by_name = {Path(f.path).name: f for f in rep.files}
    for name, (content, words) in cases.items():
        f = by_name[name]
        assert f.status == "failed" and words in f.reason and "\n" not in f.reason, (name, f.reason)
        assert (d / name).read_bytes() == content, name  # untouched
    assert by_name["good.xlsx"].ok and (d / "good.xlsx").read_bytes() != good_data
    assert not list(d.glob(".xlfuncs-tmp-*"))


def test_unreadable_file_is_a_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = tmp_path / "locked.xlsx"
    p.write_bytes(good())

    def locked(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(
        safety, "open", locked, raising=False
    )  # root can read anything; simulate a lock
    with pytest.raises(WorkbookError, match="permission denied"):
        read_workbook(p)


def test_entities_are_never_expanded_even_late_in_a_part() -> None:
    # A DOCTYPE anywhere in a part is refused, not only in the first bytes.
    filler = random.Random(3).randbytes(1 << 20).hex().encode()  # 2 MB that does not compress much
    data = b"<!-- " + filler + b" -->" + LAUGHS.split(b"?>", 1)[1]
    with pytest.raises(WorkbookError, match="DOCTYPE"):
        read_workbook(
            io.BytesIO(
                replace_part(make_package({"S": ""}, shared=["a"]), "xl/sharedStrings.xml", data)
            )
        )


def test_limits_bound_total_size(tmp_path: Path) -> None:
    p = tmp_path / "big.xlsx"
    p.write_bytes(good())
    with pytest.raises(WorkbookError, match="limit"):
        read_workbook(p, limits=safety.Limits(max_total=100))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_corrupted_packages_only_ever_raise_workbook_error(data: st.DataObject) -> None:
    """Flip, cut or overwrite bytes of good packages (stored, so XML is visible): read or refuse, never crash."""
    base = make_package(
        {
            "S": GOOD_SHEET + '<row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2" t="inlineStr">'
            '<is><t>x</t></is></c><c r="C2"><f t="shared" ref="C2:C3" si="0">A2</f><v>1</v></c></row>'
        },
        shared=["s"],
        names='<definedNames><definedName name="N">S!$A$1</definedName></definedNames>',
    )
    stored = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(base)) as zin,
        zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as zout,
    ):
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info))
    raw = bytearray(data.draw(st.sampled_from([base, stored.getvalue()])))
    for _ in range(data.draw(st.integers(1, 8))):
        i = data.draw(st.integers(0, len(raw) - 1))
        raw[i] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        raw = raw[: data.draw(st.integers(0, len(raw)))]
    try:
        read_workbook(io.BytesIO(bytes(raw)))
    except WorkbookError as exc:
        assert "\n" not in str(exc)
