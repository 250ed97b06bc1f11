"""Fast reader of ``.xlsx``/``.xlsm`` packages into :class:`~xlfuncs.recalc.model.WorkbookData`.

Uses only the standard library: :mod:`zipfile`, :mod:`xml.etree.ElementTree` for the small
parts (workbook, relationships, shared strings) and a byte-level scanner over
``<sheetData>`` for worksheets (several times faster than building elements for every cell).
Input is untrusted: see :mod:`xlfuncs.recalc.safety` for what is refused.

>>> import io, zipfile
>>> buf = io.BytesIO()
>>> with zipfile.ZipFile(buf, "w") as z:
...     z.writestr("[Content_Types].xml", "<Types/>")
...     z.writestr("xl/workbook.xml", '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
...         'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
...         '<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
...     z.writestr("xl/_rels/workbook.xml.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
...         '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
...         'Target="worksheets/sheet1.xml"/></Relationships>')
...     z.writestr("xl/worksheets/sheet1.xml", '<worksheet><sheetData><row r="1">'
...         '<c r="A1"><v>2</v></c><c r="B1"><f>A1*3</f><v>6</v></c></row></sheetData></worksheet>')
>>> wb = read_workbook(buf)
>>> wb.sheets[0].values, wb.sheets[0].formulas[(1, 2)].text, wb.sheets[0].cached
({(1, 1): 2}, 'A1*3', {(1, 2): 6})
"""

from __future__ import annotations

import codecs
import datetime as _dt
import io
import os
import posixpath
import re
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO
from xml.etree import ElementTree as ET

from xlfuncs._fileio import file_stamp
from xlfuncs.errors import ExcelError, WorkbookError
from xlfuncs.recalc.model import (
    DefinedName, ExternalBook, FormulaCell, SheetData, TableDef, WorkbookData,
)
from xlfuncs.recalc.safety import DEFAULT_LIMITS, Limits, check_parts, open_package, read_member
from xlfuncs.recalc.values import gc_paused
from xlfuncs.registry import ExcelScalar

__all__ = [
    "PackageLayout",
    "DEFAULT_MEMO",
    "ReadMemo",
    "clear_memos",
    "col_to_index",
    "decode_part",
    "index_to_col",
    "last_read_parts",
    "package_layout",
    "parse_ref",
    "read_external_links",
    "read_workbook",
    "scan_cells",
    "sheet_data_span",
    "utf8_declaration",
    "xml_codec",
    "xml_to_utf8",
]

Coord = tuple[int, int]

_PREFIX = rb"(?:[A-Za-z_][\w.\-]*:)?"
#: a ``<row ...>`` or ``<c ...>`` start tag. Groups: 1 namespace prefix, 2 ``"row"`` for a
#: row, 3 row attributes, 4 column letters and 5 row number of ``r=`` when it is the first
#: attribute (as Excel, LibreOffice and openpyxl write it), 6 the other attributes, 7 ``"/"``
#: for a self-closing cell. The cell body is found with ``bytes.find`` of the end tag.
CELL_TOKEN = re.compile(
    rb"<(" + _PREFIX + rb")(?:(row)(?=[\s/>])([^>]*)>|c(?=[\s/>])"
    rb"(?:\s+r\s*=\s*\"\$?([A-Za-z]{1,3})\$?(\d+)\")?([^>]*?)(/?)>)"
)
_R_ATTR = re.compile(rb'(?:^|\s)r\s*=\s*["\']\$?([A-Za-z]{1,3})\$?(\d+)["\']')
_ROW_R = re.compile(rb'(?:^|\s)r\s*=\s*["\'](\d+)["\']')
_T_ATTR = re.compile(rb'(?:^|\s)t\s*=\s*["\'](\w+)["\']')
_F_ELEM = re.compile(
    rb"<" + _PREFIX + rb"f(?=[\s/>])([^>]*?)(?:/>|>(.*?)</" + _PREFIX + rb"f>)", re.DOTALL
)
_V_ELEM = re.compile(
    rb"<" + _PREFIX + rb"v(?:\s[^>]*)?(?:/>|>(.*?)</" + _PREFIX + rb"v>)", re.DOTALL
)
_IS_T = re.compile(rb"<" + _PREFIX + rb"t(?:\s[^>]*)?(?:/>|>(.*?)</" + _PREFIX + rb"t>)", re.DOTALL)
_RPH = re.compile(rb"<" + _PREFIX + rb"rPh[\s>].*?</" + _PREFIX + rb"rPh>", re.DOTALL)
_ATTR = re.compile(rb'([\w:.\-]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')
_SHEETDATA_OPEN = re.compile(rb"<" + _PREFIX + rb"sheetData(?:\s[^>]*)?(/?)>")
_SHEETDATA_CLOSE = re.compile(rb"</" + _PREFIX + rb"sheetData\s*>")
_ENTITY = re.compile(r"&(lt|gt|amp|quot|apos|#[0-9]+|#x[0-9A-Fa-f]+);")
_XESC = re.compile(r"_x([0-9A-Fa-f]{4})_")
_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")

_COL_CACHE: dict[bytes | str, int] = {}


def col_to_index(letters: str | bytes) -> int:
    """``"A"`` -> 1, ``"AB"`` -> 28.

    >>> col_to_index("XFD")
    16384
    """
    n = _COL_CACHE.get(letters)
    if n is None:
        n = 0
        text = letters.decode("ascii") if isinstance(letters, bytes) else letters
        for ch in text.upper():
            n = n * 26 + (ord(ch) - 64)
        _COL_CACHE[letters] = n
    return n


def index_to_col(n: int) -> str:
    """1 -> ``"A"``, 28 -> ``"AB"``.

    >>> index_to_col(16384)
    'XFD'
    """
    out = ""
    while n > 0:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def parse_ref(ref: str) -> tuple[int, int, int, int]:
    """``"C2:D5"`` -> ``(2, 3, 5, 4)`` (row1, col1, row2, col2); a single cell gives a 1x1 box.

    >>> parse_ref("$B$2")
    (2, 2, 2, 2)
    """
    parts = ref.split(":")
    if len(parts) > 2:
        raise ValueError(f"bad range {ref!r}")
    coords = []
    for part in parts:
        m = _REF.match(part.strip())
        if not m:
            raise ValueError(f"bad cell reference {part!r}")
        coords.append((int(m.group(2)), col_to_index(m.group(1))))
    (r1, c1), (r2, c2) = coords[0], coords[-1]
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def _entity(m: re.Match[str]) -> str:
    key = m.group(1)
    if key[0] == "#":
        try:
            return chr(int(key[2:], 16) if key[1] in "xX" else int(key[1:]))  # noqa: FURB166
        except (ValueError, OverflowError):
            return m.group(0)
    return _ENTITIES[key]


def xml_text(raw: bytes) -> str:
    r"""Decode XML character data (the five predefined entities and character references).

    >>> xml_text(b"a &amp; b &lt; &#67;")
    'a & b < C'

    Line ends are normalised as XML says (CR LF and a lone CR are LF; Excel for Mac writes
    CHAR(10) as CR LF); a CR written as ``&#13;`` or ``_x000D_`` stays.

    >>> xml_text(b"a\r\nb&#13;")
    'a\nb\r'
    """
    if b"\r" in raw:
        raw = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    if b"&#" in raw and len(raw) > 16:
        try:  # many character references (text saved as ASCII): let expat decode them
            return ET.fromstring(b"<t>" + raw + b"</t>").text or ""
        except ET.ParseError:
            pass
    text = raw.decode("utf-8", errors="replace")
    if "&" in text:
        # named entities first and &amp; last, so "&amp;lt;" stays "&lt;"
        text = (
            text.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", '"')
            .replace("&apos;", "'")
        )
        if "&#" in text:
            text = _ENTITY.sub(_entity, text)
        text = text.replace("&amp;", "&")
    return text


def unescape_xstring(text: str) -> str:
    """Undo Excel's ``_xHHHH_`` escapes of control characters in strings.

    >>> unescape_xstring("a_x000D_b")
    'a\\rb'
    """
    if "_x" in text:
        return _XESC.sub(lambda m: chr(int(m.group(1), 16)), text)
    return text


_DECL_ENCODING = re.compile(rb"""\sencoding\s*=\s*["']([A-Za-z][A-Za-z0-9._\-]*)["']""")
_DECL_ENCODING_TEXT = re.compile(r"""(\sencoding\s*=\s*)["'][^"']*["']""")
#: codecs whose text is UTF-8 byte for byte (ASCII is a subset)
_UTF8_CODECS = frozenset({"utf-8", "utf-8-sig", "ascii"})


def xml_codec(data: bytes, part: str) -> str | None:
    """The Python codec of an XML part that is not UTF-8 (from its byte-order mark or its
    XML declaration), or ``None`` for UTF-8 (also ASCII, and parts without a declaration).

    >>> xml_codec(b'<?xml version="1.0" encoding="windows-1251"?><x/>', "p"), xml_codec(b"<x/>", "p")
    ('cp1251', None)
    >>> xml_codec(b'<?xml version="1.0" encoding="KOI8-R"?><x/>', "p")
    'koi8-r'
    """
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16"
    if data[:5] != b"<?xml":
        return None
    end = data.find(b"?>", 5, 1024)
    m = _DECL_ENCODING.search(data, 5, end) if end > 0 else None
    if m is None:
        return None
    name = m.group(1).decode("ascii")
    try:
        info = codecs.lookup(name)
    except LookupError:
        info = None
    if info is None or not getattr(info, "_is_text_encoding", True):  # base64, rot13, ...
        raise WorkbookError(f"{part}: unknown XML encoding {name!r}")
    codec = info.name
    if codec in _UTF8_CODECS or codec.startswith(("utf-16", "utf-32")):
        # a UTF-16/32 declaration without a byte-order mark over ASCII bytes cannot be true
        return None
    return codec


def decode_part(data: bytes, codec: str, part: str) -> str:
    """The text of an XML part in ``codec`` (a byte-order mark dropped); a byte that is not
    text in that encoding is a :class:`WorkbookError`."""
    try:
        return data.decode(codec).lstrip("\ufeff")
    except UnicodeDecodeError as exc:
        raise WorkbookError(
            f"{part}: byte {exc.start} is not {codec} text as its XML declaration says"
        ) from None
    except (UnicodeError, LookupError) as exc:  # codecs such as idna refuse whole documents
        raise WorkbookError(f"{part}: not {codec} text as its XML declaration says ({exc})") from None


def utf8_declaration(text: str) -> str:
    """``text`` with the encoding of its XML declaration (if any) changed to UTF-8.

    >>> utf8_declaration('<?xml version="1.0" encoding="windows-1251"?><x/>')
    '<?xml version="1.0" encoding="UTF-8"?><x/>'
    """
    if not text.startswith("<?xml"):
        return text
    end = text.find("?>")
    if end < 0:
        return text
    decl = _DECL_ENCODING_TEXT.sub(r'\1"UTF-8"', text[:end], count=1)
    return decl + text[end:]


def xml_to_utf8(data: bytes, part: str) -> bytes:
    """An XML part as UTF-8 bytes whose declaration says so: parts declared in another
    encoding (``windows-1251``, ``KOI8-R``, UTF-16 with a byte-order mark, ...) are decoded
    as that encoding; UTF-8 parts are returned as they are.

    >>> xml_to_utf8('<?xml version="1.0" encoding="KOI8-R"?><t>Да</t>'.encode("koi8-r"), "p")
    b'<?xml version="1.0" encoding="UTF-8"?><t>\\xd0\\x94\\xd0\\xb0</t>'
    """
    codec = xml_codec(data, part)
    if codec is None:
        return data
    return utf8_declaration(decode_part(data, codec, part)).encode("utf-8")


def sheet_data_span(data: bytes) -> tuple[int, int] | None:
    """Byte offsets of the inside of ``<sheetData>``, or ``None`` when it is empty."""
    # literal search first (C speed), the regex only where the literal form is not there
    i = data.find(b"<sheetData")
    m_open = _SHEETDATA_OPEN.match(data, i) if i >= 0 else None
    if m_open is None:
        m_open = _SHEETDATA_OPEN.search(data)
    if m_open is None or m_open.group(1):
        return None
    start = m_open.end()
    j = data.find(b"</sheetData>", start)
    if j >= 0 and data.find(b"sheetData", start, j) < 0:
        return start, j
    m_close = _SHEETDATA_CLOSE.search(data, start)
    return start, (m_close.start() if m_close else len(data))


#: what :func:`scan_cells` yields per cell: (start, end, prefix, attributes after ``r=``,
#: ``t=`` value or None, body or None, row, col); ``data[start:end]`` is the whole element.
CellToken = tuple[int, int, bytes, bytes, "bytes | None", "bytes | None", int, int]


def scan_cells(data: bytes) -> Iterator[CellToken]:
    """Yield one :data:`CellToken` per ``<c>`` element inside ``<sheetData>``.

    Rows and cells without an ``r`` attribute follow the previous one.
    """
    span = sheet_data_span(data)
    if span is None:
        return
    yield from _scan(data, span[0], span[1], [0])


def _scan(data: bytes, pos: int, end: int, state: list[int]) -> Iterator[CellToken]:
    """:func:`scan_cells` over ``data[pos:end]``; ``state[0]`` is the current row number,
    read at the start (for a first row without ``r=``) and kept up to date."""
    row, col = state[0], 0
    search = CELL_TOKEN.search
    find = data.find
    cols = _COL_CACHE
    r_attr, t_attr = _R_ATTR.search, _T_ATTR.search
    while True:
        m = search(data, pos, end)
        if m is None:
            return
        start = m.start()
        pos = m.end()
        prefix, is_row, row_attrs, letters, digits, attrs, slash = m.groups()
        if is_row is not None:
            rm = _ROW_R.search(row_attrs)
            row, col = (int(rm.group(1)) if rm else row + 1), 0
            state[0] = row
            continue
        if letters is None and b"r" in attrs:
            rm = r_attr(attrs)
            if rm is not None:
                letters, digits = rm.group(1), rm.group(2)
        if letters is not None:
            col = cols.get(letters) or col_to_index(letters)
            row = int(digits)
        else:
            col += 1
        t = None
        if b"t" in attrs:
            tm = t_attr(attrs)
            if tm is not None:
                t = tm.group(1)
        if slash:
            yield start, pos, prefix, attrs, t, None, row, col
            continue
        close = b"</c>" if not prefix else b"</" + prefix + b"c>"
        e = find(close, pos, end)
        if e < 0:
            return
        body = data[pos:e]
        pos = e + len(close)
        yield start, pos, prefix, attrs, t, body, row, col


@dataclass(slots=True)
class PackageLayout:
    """Where the parts of a workbook package are."""

    workbook: str
    #: one entry per ``<sheet>`` in workbook order: (name, part name or None for non-worksheets)
    sheets: list[tuple[str, str | None]]
    shared_strings: str | None
    workbook_xml: bytes
    #: the styles part (its ``<cellXfs>`` are what a cell's ``s=`` indexes), or None
    styles: str | None = None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _parse_xml(data: bytes, name: str) -> ET.Element:
    data = xml_to_utf8(data, name)
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise WorkbookError(f"{name}: malformed XML ({exc})") from None


def _resolve_target(base_part: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base_part), target))


def _rels_for(part: str) -> str:
    d, f = posixpath.split(part)
    return posixpath.join(d, "_rels", f + ".rels")


def _read_rels(zf: zipfile.ZipFile, part: str, limits: Limits) -> dict[str, tuple[str, str]]:
    """Relationship Id -> (type suffix, target part) for ``part``."""
    name = _rels_for(part)
    try:
        zf.getinfo(name)
    except KeyError:
        return {}
    root = _parse_xml(read_member(zf, name, limits), name)
    out: dict[str, tuple[str, str]] = {}
    for rel in root:
        if _local(rel.tag) != "Relationship" or rel.get("TargetMode") == "External":
            continue
        rid, rtype, target = rel.get("Id"), rel.get("Type", ""), rel.get("Target")
        if rid and target:
            out[rid] = (rtype.rsplit("/", 1)[-1], _resolve_target(part, target))
    return out




def _member_or_empty(zf: zipfile.ZipFile, name: str, limits: Limits) -> bytes:
    if name not in zf.NameToInfo:
        return b""
    return read_member(zf, name, limits)


def package_layout(
    zf: zipfile.ZipFile, limits: Limits = DEFAULT_LIMITS, memo: ReadMemo | None = None
) -> PackageLayout:
    """Find the workbook part, its sheets (in order) and the shared strings part (``memo``:
    where layouts seen before are kept; default: the process's)."""
    layouts = (memo or DEFAULT_MEMO).layouts
    # fast path: the same three small parts as a package seen before -> same layout
    try:
        root_rels = _member_or_empty(zf, "_rels/.rels", limits)
        wb_rels = _member_or_empty(zf, "xl/_rels/workbook.xml.rels", limits)
        wb_xml = read_member(zf, "xl/workbook.xml", limits)
    except WorkbookError:
        return _package_layout(zf, limits)
    key = (root_rels, "xl/workbook.xml", wb_xml, wb_rels)
    hit = layouts.get(key)
    if hit is not None:
        shared = hit.shared_strings
        styles = hit.styles
        if (
            (shared is None or shared in zf.NameToInfo)
            and (styles is None or styles in zf.NameToInfo)
            and all(part is None or part in zf.NameToInfo for _n, part in hit.sheets)
        ):
            return PackageLayout(
                hit.workbook, list(hit.sheets), shared, hit.workbook_xml, styles
            )
    layout = _package_layout(zf, limits)
    if layout.workbook == "xl/workbook.xml" and len(key[2]) < (1 << 20):
        if len(layouts) > 64:
            layouts.clear()
        layouts[key] = PackageLayout(
            layout.workbook,
            list(layout.sheets),
            layout.shared_strings,
            layout.workbook_xml,
            layout.styles,
        )
    return layout


def _package_layout(zf: zipfile.ZipFile, limits: Limits) -> PackageLayout:
    workbook = "xl/workbook.xml"
    for rtype, target in _read_rels(zf, "", limits).values():
        if rtype == "officeDocument":
            workbook = target
            break
    wb_xml = read_member(zf, workbook, limits)
    root = _parse_xml(wb_xml, workbook)
    rels = _read_rels(zf, workbook, limits)
    sheets: list[tuple[str, str | None]] = []
    for el in root.iter():
        if _local(el.tag) != "sheet":
            continue
        rid = next(
            (v for k, v in el.attrib.items() if _local(k) == "id" and k.startswith("{")), None
        )
        rel = rels.get(rid or "")
        part = rel[1] if rel and rel[0] == "worksheet" else None
        if rel is None and rid is None:
            raise WorkbookError(f"{workbook}: sheet {el.get('name')!r} has no relationship id")
        if rel is None:
            raise WorkbookError(
                f"{workbook}: sheet {el.get('name')!r} points to a missing relationship {rid}"
            )
        sheets.append((el.get("name") or f"Sheet{len(sheets) + 1}", part))
    if not sheets:
        raise WorkbookError("workbook has no sheets")
    shared = next((t for rt, t in rels.values() if rt == "sharedStrings"), None)
    if shared is None and "xl/sharedStrings.xml" in zf.NameToInfo:
        shared = "xl/sharedStrings.xml"
    styles = next((t for rt, t in rels.values() if rt == "styles"), None)
    if styles is not None and styles not in zf.NameToInfo:
        raise WorkbookError(f"missing part {styles}")
    if styles is None and "xl/styles.xml" in zf.NameToInfo:
        styles = "xl/styles.xml"
    return PackageLayout(workbook, sheets, shared, wb_xml, styles)


def _read_shared_strings(zf: zipfile.ZipFile, part: str, limits: Limits) -> list[str]:
    return _parse_shared_strings(read_member(zf, part, limits), part)


def _parse_shared_strings(data: bytes, part: str) -> list[str]:
    data = xml_to_utf8(data, part)
    out: list[str] = []
    try:
        for _event, el in ET.iterparse(io.BytesIO(data), events=("end",)):
            if _local(el.tag) != "si":
                continue
            pieces: list[str] = []
            for child in el:
                tag = _local(child.tag)
                if tag == "t":
                    pieces.append(child.text or "")
                elif tag == "r":
                    for t in child:
                        if _local(t.tag) == "t":
                            pieces.append(t.text or "")
            out.append(unescape_xstring("".join(pieces)))
            el.clear()
    except ET.ParseError as exc:
        raise WorkbookError(f"{part}: malformed XML ({exc})") from None
    return out


def _truthy(value: str | None) -> bool:
    return value is not None and value.strip().lower() in ("1", "true")


def _number(raw: bytes) -> float | int:
    if b"." not in raw and b"e" not in raw and b"E" not in raw and len(raw) <= 17:
        try:
            return int(raw)
        except ValueError:
            pass
    return float(raw)


def _error(text: str) -> ExcelError:
    try:
        return ExcelError.from_text(text)
    except ValueError:
        return ExcelError.NA


def _iso_to_serial(text: str, date1904: bool) -> float | str:
    try:
        when = _dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return text
    base = _dt.datetime(1904, 1, 1) if date1904 else _dt.datetime(1899, 12, 30)
    delta = when.replace(tzinfo=None) - base
    serial = delta.days + delta.seconds / 86400 + delta.microseconds / 86_400_000_000
    if not date1904 and serial < 61:
        serial -= 1  # Excel's fictitious 1900-02-29
    return serial


class _BadCell(Exception):
    """A cell refers to a shared string the package does not hold (:func:`_read` names the
    part and the cell)."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


def _decode(
    t: bytes | None, raw: bytes, shared: list[str], date1904: bool
) -> tuple[bool, ExcelScalar]:
    """Decode the text of ``<v>`` for cell type ``t``; return (has_value, value)."""
    if t is None or t == b"n":
        raw = raw.strip()
        if not raw:
            return False, None
        try:
            return True, _number(raw)
        except ValueError:
            return True, ExcelError.VALUE
    if t == b"s":
        if raw.isdigit():  # ASCII digits only: no sign, no spaces, no underscores
            i = int(raw)
            if i < len(shared):
                return True, shared[i]
        raise _BadCell(
            f"shared string {raw.decode('ascii', 'replace')!r} does not exist "
            f"(the table has {len(shared)})"
        )
    if t == b"str":
        return True, unescape_xstring(xml_text(raw))
    if t == b"b":
        return True, raw.strip() in (b"1", b"true")
    if t == b"e":
        return True, _error(xml_text(raw))
    if t == b"d":
        return True, _iso_to_serial(xml_text(raw), date1904)
    return True, xml_text(raw)


def _cell_value(
    t: bytes | None, body: bytes, shared: list[str], date1904: bool
) -> tuple[bool, ExcelScalar]:
    """Return (has_value, value) of a cell body (general path)."""
    if t == b"inlineStr":
        if (
            body[:7] == b"<is><t>"
            and body[-9:] == b"</t></is>"
            and body.find(b"<", 7) == len(body) - 9
        ):
            return True, unescape_xstring(xml_text(body[7:-9]))
        m = _IS_T.search(body)
        if m is None:
            return False, None
        inner = body
        if b"rPh" in inner:
            inner = _RPH.sub(b"", inner)
        text = "".join(xml_text(x.group(1) or b"") for x in _IS_T.finditer(inner))
        return True, unescape_xstring(text)
    vm = _V_ELEM.search(body)
    if vm is None:
        return False, None
    raw = vm.group(1)
    if raw is None:
        return (True, "") if t == b"str" else (False, None)
    return _decode(t, raw, shared, date1904)


def _plain_v(rest: bytes) -> bytes | None:
    """The text of ``rest`` when it is exactly ``<v>text</v>`` (the common case), else ``None``."""
    if rest[:3] == b"<v>" and rest[-4:] == b"</v>" and rest.find(b"<", 3) == len(rest) - 4:
        return rest[3:-4]
    return None


def _attrs(raw: bytes) -> dict[str, str]:
    out: dict[str, str] = {}
    for m in _ATTR.finditer(raw):
        key = m.group(1).decode("ascii", errors="replace").rsplit(":", 1)[-1]
        out[key] = xml_text(m.group(2) if m.group(2) is not None else m.group(3))
    return out


_MAX_ARRAY_CELLS = 2_000_000


@dataclass(slots=True)
class _Rows:
    """What a stretch of ``<sheetData>`` holds (one row, or all rows), before shared formula
    children are joined to their masters."""

    values: dict[Coord, ExcelScalar]
    formulas: dict[Coord, FormulaCell]
    cached: dict[Coord, ExcelScalar]
    members: dict[Coord, Coord]
    #: shared formula id -> (text, master cell), and children waiting for their master
    masters: dict[str, tuple[str, Coord]]
    pending: list[tuple[Coord, str, bool, ExcelScalar]]
    #: the row number after the stretch (for a following row without ``r=``)
    last_row: int
    #: an upper bound of the style indexes of the stretch's rows and cells (:func:`_top_style`)
    top_style: int = 0


#: :attr:`ReadMemo.rows` keeps one parsed ``<row>`` per distinct row text, for rows that
#: begin with an explicit ``r=``: files filled from one template differ in a few rows only,
#: so the others are parsed once. Each entry holds the shared-strings table and date system
#: it was read with and is used only with the same ones (safe across threads).
_ROW_SPLIT = b"</row>"
_ROW_START = re.compile(rb'\s*<row\s(?:[^>]*\s)?r\s*=\s*["\'](\d+)["\'][^>]*>')


def _read_sheet(data: bytes, name: str, shared: list[str], date1904: bool, part: str) -> SheetData:
    return _read_sheet_styles(data, name, shared, date1904, part, DEFAULT_MEMO)[0]


def _read_sheet_styles(
    data: bytes, name: str, shared: list[str], date1904: bool, part: str, memo: ReadMemo
) -> tuple[SheetData, int]:
    """The sheet, and an upper bound of the style indexes its cells, rows and columns use
    (:func:`_top_style`; rows taken from the row memo bring theirs)."""
    data = xml_to_utf8(data, part)  # the scanner reads UTF-8
    span = sheet_data_span(data)
    head_top = _top_style(data, 0, span[0] if span else len(data), "style")
    if span is None:
        return SheetData(name), head_top
    if b"array" in data or b"<![CDATA[" in data or b"<!--" in data:
        # array members of one row change how later rows read; CDATA and comments may hide
        # a row end: one pass over the whole sheet
        parts = [_parse_rows(data, span[0], span[1], shared, date1904, part, 0)]
        parts[0].top_style = _top_style(data, span[0], span[1])
        memoised = False
    else:
        memoised = len(data) <= _MEMO_MAX_BYTES and _rows_worth_it(part, name, memo)
        parts = _parse_by_row(data, span[0], span[1], shared, date1904, part, name, memoised, memo)
    if len(parts) == 1 and not memoised:
        rows = parts[0]
    else:  # parts may be shared with the memo: merged into new dicts, never changed
        rows = _new_rows()
        for p in parts:
            _merge(rows, p)
    sheet = SheetData(name, rows.values, rows.formulas, rows.cached, rows.members)
    values, formulas, cached = sheet.values, sheet.formulas, sheet.cached
    masters, pending = rows.masters, rows.pending
    for coord, si, has_value, value in pending:
        master = masters.get(si)
        if master is None:
            if has_value:
                values[coord] = value
            continue
        formulas[coord] = FormulaCell(master[0], master[1])
        if has_value:
            cached[coord] = value
    return sheet, max(head_top, rows.top_style)


#: per (part, sheet name): reads to skip before the row memo is tried again. The first read
#: of a sheet parses it whole (a one-off workbook gains nothing from the memo), the second
#: fills the memo row by row, and from the third on, when under a tenth of the rows repeat,
#: the 16 reads after that parse whole again (workbooks that share part names, not rows).
_FILL = -1  # the next read fills the memo; no judging on it


def _rows_worth_it(part: str, name: str, memo: ReadMemo) -> bool:
    key = (part, name)
    row_skip = memo.row_skip
    skip = row_skip.get(key)
    if skip is None:
        if len(row_skip) >= _MEMO_MAX_ENTRIES:
            row_skip.clear()
        row_skip[key] = _FILL
        return False
    if skip > 0:
        row_skip[key] = skip - 1
        return False
    return True


def _new_rows() -> _Rows:
    return _Rows({}, {}, {}, {}, {}, [], 0)


def _merge(into: _Rows, part: _Rows) -> None:
    into.values.update(part.values)
    into.formulas.update(part.formulas)
    into.cached.update(part.cached)
    into.members.update(part.members)
    into.masters.update(part.masters)
    into.pending.extend(part.pending)
    into.last_row = part.last_row
    if part.top_style > into.top_style:
        into.top_style = part.top_style


def _parse_by_row(
    data: bytes,
    pos: int,
    end: int,
    shared: list[str],
    date1904: bool,
    part: str,
    name: str,
    memoised: bool,
    read_memo: ReadMemo,
) -> list[_Rows]:
    """Parse ``data[pos:end]`` (no array formulas) row by row: rows in the plain form through
    :func:`_fast_row`, others through :func:`_parse_rows`. ``memoised``: one part per row,
    rows seen before taken from ``read_memo``; else a single part."""
    memo: dict[bytes, tuple[list[str], bool, _Rows]] = read_memo.rows if memoised else {}
    acc = _new_rows()
    out: list[_Rows] = [] if memoised else [acc]
    last_row = 0
    chunks = data[pos:end].split(_ROW_SPLIT)
    offset = pos
    misses = 0
    start_row = _ROW_START.match
    for chunk in chunks:
        size = len(chunk)
        entry = memo.get(chunk)
        hit = entry[2] if entry and entry[0] is shared and entry[1] == date1904 else None
        if hit is None:
            misses += 1
            # a row is independent of the rows before it when it states its number
            rm = start_row(chunk) if chunk.count(b"<row") == 1 else None
            into = _new_rows() if memoised else acc
            if rm is not None and _fast_row(chunk, shared, date1904, into):
                into.last_row = int(rm.group(1))
                hit = into
            else:
                hit = _parse_rows(data, offset, offset + size, shared, date1904, part, last_row)
                if not memoised:
                    _merge(acc, hit)
            top = _top_style(chunk)
            rows = hit if memoised else acc
            if top > rows.top_style:
                rows.top_style = top
            if memoised and rm is not None:
                if read_memo.row_bytes + size > read_memo.max_row_bytes:
                    memo.clear()
                    read_memo.row_bytes = 0
                memo[chunk] = (shared, date1904, hit)
                read_memo.row_bytes += size
        offset += size + len(_ROW_SPLIT)
        last_row = hit.last_row
        if memoised:
            out.append(hit)
    if memoised:
        key = (part, name)
        if read_memo.row_skip.get(key) == _FILL:
            read_memo.row_skip[key] = 0
        elif (len(chunks) - misses) * 10 < len(chunks):
            read_memo.row_skip[key] = 16
    return out


#: a cell in the form Excel, openpyxl and our writer use for numbers, shared strings and
#: formulas: ``r=`` first, then ``s=`` and/or ``t=``, then ``<f>`` without attributes and/or
#: ``<v>``, nothing else; or an inline string of one plain ``<t>`` (the form the templates'
#: text cells have). Groups: column, row, type, formula text, the whole ``<v>`` element,
#: ``<is><t>`` when the cell is an inline string, its text.
_FAST_CELL = re.compile(
    rb'<c r="([A-Z]{1,3})(\d+)"(?: s="\d+")?(?: t="(\w+)")?(?: s="\d+")?'
    rb"(?:/>|>(?:<f>([^<]*)</f>)?(<v>[^<]*</v>)?</c>|>(<is><t>)([^<]*)</t></is></c>)"
)


def _fast_row(chunk: bytes, shared: list[str], date1904: bool, into: _Rows) -> bool:
    """Add the cells of one row to ``into`` when every cell has the plain form of
    :data:`_FAST_CELL` (as :func:`_parse_rows` would); ``False``, adding nothing, otherwise."""
    inline = b"inlineStr" in chunk
    cells = _FAST_CELL.findall(chunk)
    if len(cells) != chunk.count(b"<c"):
        return False
    if inline or b"<is>" in chunk:
        # every inline string in the plain form, and nothing else typed or written as one
        n = 0
        for c in cells:
            if (c[2] == b"inlineStr") != bool(c[5]):
                return False
            n += c[2] == b"inlineStr"
        if n != chunk.count(b"inlineStr"):
            return False
    values, formulas, cached = into.values, into.formulas, into.cached
    cols = _COL_CACHE
    for letters, digits, t, f, v, is_t, inline_text in cells:
        if not f and not v:
            if is_t:
                coord = (int(digits), cols.get(letters) or col_to_index(letters))
                values[coord] = unescape_xstring(xml_text(inline_text))
            continue
        coord = (int(digits), cols.get(letters) or col_to_index(letters))
        if v:
            has_value, value = _decode(t or None, v[3:-4], shared, date1904)
        else:
            has_value, value = False, None
        if f:
            text = (xml_text(f) if b"&" in f else f.decode("utf-8", "replace")).removeprefix("=")
            if text:
                formulas[coord] = FormulaCell(text, coord)
                if has_value:
                    cached[coord] = value
                continue
        if has_value:
            values[coord] = value
    return True


def _parse_rows(
    data: bytes,
    pos: int,
    end: int,
    shared: list[str],
    date1904: bool,
    part: str,
    first_row: int,
) -> _Rows:
    values: dict[Coord, ExcelScalar] = {}
    formulas: dict[Coord, FormulaCell] = {}
    cached: dict[Coord, ExcelScalar] = {}
    members: dict[Coord, Coord] = {}
    masters: dict[str, tuple[str, Coord]] = {}
    pending: list[tuple[Coord, str, bool, ExcelScalar]] = []
    state = [first_row]
    array_cells = 0
    for _s, _e, _p, _a, t, body, row, col in _scan(data, pos, end, state):
        if not body:
            continue
        coord = (row, col)
        # fast paths: <v>x</v> and <f>text</f><v>x</v> without attributes
        end = body.find(b"</f>") if body[:3] == b"<f>" and t != b"inlineStr" else -1
        if end > 0:
            rest = body[end + 4 :]
            raw = _plain_v(rest)
            if raw is not None:
                has_value, value = _decode(t, raw, shared, date1904)
            elif not rest:
                has_value, value = False, None
            else:
                has_value, value = _cell_value(t, rest, shared, date1904)
            text = (
                xml_text(body[3:end])
                if b"&" in body[3:end]
                else body[3:end].decode("utf-8", "replace")
            )
            text = text.removeprefix("=")
            if text:
                formulas[coord] = FormulaCell(text, coord)
                if has_value:
                    cached[coord] = value
            elif has_value:
                values[coord] = value
            continue
        raw = _plain_v(body) if t != b"inlineStr" else None
        if raw is not None:
            has_value, value = _decode(t, raw, shared, date1904)
            fm = None
        else:
            has_value, value = _cell_value(t, body, shared, date1904)
            fm = _F_ELEM.search(body) if b"f" in body else None
        if fm is None:
            if coord in members:
                if has_value:
                    cached[coord] = value
            elif has_value:
                values[coord] = value
            continue
        fattrs = _attrs(fm.group(1)) if fm.group(1).strip() else {}
        ftype = fattrs.get("t", "normal")
        text = xml_text(fm.group(2)) if fm.group(2) is not None else ""
        text = text.removeprefix("=")
        if ftype == "shared":
            si = fattrs.get("si", "")
            if text:
                masters[si] = (text, coord)
                formulas[coord] = FormulaCell(text, coord)
            else:
                pending.append((coord, si, has_value, value))
                continue
        elif ftype == "array":
            ref = fattrs.get("ref") or f"{index_to_col(col)}{row}"
            formulas[coord] = FormulaCell(text, coord, array_ref=ref)
            try:
                r1, c1, r2, c2 = parse_ref(ref)
            except ValueError:
                r1, c1, r2, c2 = row, col, row, col
            array_cells += (r2 - r1 + 1) * (c2 - c1 + 1)
            if array_cells > _MAX_ARRAY_CELLS:
                raise WorkbookError(f"{part}: array formula ranges too large")
            for rr in range(r1, r2 + 1):
                for cc in range(c1, c2 + 1):
                    if (rr, cc) != coord:
                        members[(rr, cc)] = coord
        elif ftype == "dataTable" or not text:
            # what-if data tables are not recalculated: keep their stored results as constants
            if has_value:
                values[coord] = value
            continue
        else:
            formulas[coord] = FormulaCell(text, coord)
        if has_value:
            cached[coord] = value
    return _Rows(values, formulas, cached, members, masters, pending, state[0])


def read_workbook(
    path: str | os.PathLike[str] | IO[bytes],
    *,
    limits: Limits = DEFAULT_LIMITS,
    memo: ReadMemo | None = None,
) -> WorkbookData:
    """Read constants, formulas, cached values and names of every sheet of a workbook.

    ``memo`` keeps what was parsed for the next file of the same template (default: the
    process's :data:`DEFAULT_MEMO`; a :class:`~xlfuncs.recalc.session.RecalcSession` has its
    own). Raises :class:`WorkbookError` with a one-line reason for anything unreadable.
    """
    stamp = file_stamp(path) if isinstance(path, (str, os.PathLike)) else None
    zf = open_package(path, limits)
    parts: dict[str, bytes] = {}
    layouts: list[PackageLayout] = []
    with zf, gc_paused():
        book = _read(zf, limits, parts, layouts, memo or DEFAULT_MEMO)
    _LAST_READ.last = None
    if stamp is not None and stamp == file_stamp(path):  # type: ignore[arg-type]
        _LAST_READ.last = (os.path.abspath(path), stamp, layouts[0], parts)  # type: ignore[arg-type]
    return book


#: per thread, the worksheet parts of the package read last from a file, for the writer
#: that follows (it checks the file is unchanged and each part's CRC): ``last`` is
#: (path, stamp, layout, part bytes) or None
_LAST_READ = threading.local()


def last_read_parts(
    path: str | os.PathLike[str],
) -> tuple[PackageLayout, dict[str, bytes]] | None:
    """The layout and worksheet bytes of ``path`` if it is the file :func:`read_workbook` read
    last and it has not changed since (same size, modification time and inode), else ``None``.
    Callers check each part against the zip's CRC before they use it."""
    last = getattr(_LAST_READ, "last", None)
    if last is None or last[0] != os.path.abspath(path) or last[1] != file_stamp(path):
        return None
    return last[2], last[3]


#: per process, the last parsed version of each small part, reused when a later package
#: holds the same bytes (files filled from one template share most parts). Bounded: one
#: entry per part name, parts up to :data:`_MEMO_MAX_BYTES`.
_MEMO_MAX_BYTES = 4 << 20
_MEMO_MAX_ENTRIES = 256
_NO_SHARED: list[str] = []  # never mutated: the shared-strings table of packages without one


class ReadMemo:
    """What the reader keeps from one package for the next: files filled from one template
    repeat most of their parts, and most rows of their sheets, byte for byte. Each part is
    reused only when its bytes are equal; bounded: one entry per part name (parts up to
    4 MiB), and ``max_row_bytes`` of row text.

    >>> m = ReadMemo(); m.clear(); m.row_bytes
    0
    """

    def __init__(self, max_row_bytes: int = 16 << 20) -> None:
        #: (root rels, workbook part, workbook bytes, workbook rels) -> layout
        self.layouts: dict[tuple[bytes, str, bytes, bytes], PackageLayout] = {}
        #: workbook part bytes -> (1904 dates, iterate, count, delta, names)
        self.books: dict[bytes, tuple[bool, bool, int, float, list[DefinedName]]] = {}
        #: shared-strings part -> (bytes, strings)
        self.shared: dict[str, tuple[bytes, list[str]]] = {}
        #: (part, sheet name) -> (bytes, shared strings, date system, sheet, top style index)
        self.sheets: dict[tuple[str, str], tuple[bytes, list[str], bool, SheetData, int]] = {}
        #: styles part -> (bytes, count of cell formats)
        self.styles: dict[str, tuple[bytes, int]] = {}
        #: (table part bytes, sheet index) -> table (None: left out)
        self.tables: dict[tuple[bytes, int], TableDef | None] = {}
        #: row text -> (shared strings, date system, parsed row)
        self.rows: dict[bytes, tuple[list[str], bool, _Rows]] = {}
        self.row_bytes = 0
        self.max_row_bytes = max_row_bytes
        #: (part, sheet name) -> reads to skip before the row memo is tried again
        self.row_skip: dict[tuple[str, str], int] = {}

    def clear(self) -> None:
        """Forget everything kept."""
        for d in (self.layouts, self.books, self.shared, self.sheets, self.styles, self.tables,
                  self.rows, self.row_skip):
            d.clear()
        self.row_bytes = 0


#: the process's memo: what :func:`read_workbook` uses without one
DEFAULT_MEMO = ReadMemo()


def clear_memos() -> None:
    """Forget the parts the process remembered from earlier files (benchmarks measure real
    reads with it)."""
    DEFAULT_MEMO.clear()
    _LAST_READ.last = None


def _remember(memo: dict, key: object, value: object) -> None:  # type: ignore[type-arg]
    if len(memo) >= _MEMO_MAX_ENTRIES and key not in memo:
        memo.clear()
    memo[key] = value


def _copy_sheet(sh: SheetData) -> SheetData:
    return SheetData(
        sh.name, dict(sh.values), dict(sh.formulas), dict(sh.cached), dict(sh.array_members)
    )


def _book_settings(
    layout: PackageLayout, memo: ReadMemo
) -> tuple[bool, bool, int, float, list[DefinedName]]:
    hit = memo.books.get(layout.workbook_xml)
    if hit is not None:
        return hit
    root = _parse_xml(layout.workbook_xml, layout.workbook)
    date1904 = iterate = False
    iterate_count, iterate_delta = 100, 0.001
    names: list[DefinedName] = []
    for el in root.iter():
        tag = _local(el.tag)
        if tag == "workbookPr":
            date1904 = _truthy(el.get("date1904"))
        elif tag == "calcPr":
            iterate = _truthy(el.get("iterate"))
            try:
                iterate_count = int(el.get("iterateCount", "100"))
                iterate_delta = float(el.get("iterateDelta", "0.001"))
            except ValueError:
                pass
        elif tag == "definedName":
            name = el.get("name")
            if not name:
                continue
            scope: int | None = None
            local = el.get("localSheetId")
            if local is not None:
                try:
                    scope = int(local)
                except ValueError:
                    scope = None
                if scope is not None and not 0 <= scope < len(layout.sheets):
                    continue
            names.append(DefinedName(name, (el.text or "").strip().removeprefix("="), scope))
    out = (date1904, iterate, iterate_count, iterate_delta, names)
    if len(layout.workbook_xml) <= _MEMO_MAX_BYTES:
        _remember(memo.books, layout.workbook_xml, out)
    return out


_MAC_APP = re.compile(rb"<(?:\w+:)?Application>\s*Microsoft Macintosh Excel\s*<")


def _saved_by_mac_excel(zf: zipfile.ZipFile, limits: Limits) -> bool:
    """Whether ``docProps/app.xml`` says Excel for Mac saved the package (its
    ``<Application>`` is "Microsoft Macintosh Excel"; Windows writes "Microsoft Excel")."""
    try:
        app = _member_or_empty(zf, "docProps/app.xml", limits)
    except WorkbookError:
        return False
    return bool(_MAC_APP.search(app[:4096]))


def _read(
    zf: zipfile.ZipFile,
    limits: Limits,
    parts: dict[str, bytes] | None = None,
    layouts: list[PackageLayout] | None = None,
    memo: ReadMemo | None = None,
) -> WorkbookData:
    """Read the package; fill ``parts`` with the worksheet bytes and ``layouts`` with the layout."""
    memo = memo or DEFAULT_MEMO
    layout = package_layout(zf, limits, memo)
    if layouts is not None:
        layouts.append(layout)
    date1904, iterate, count, delta, names = _book_settings(layout, memo)
    book = WorkbookData(
        sheets=[],
        names=list(names),
        iterate=iterate,
        iterate_count=count,
        iterate_delta=delta,
        date1904=date1904,
        mac=_saved_by_mac_excel(zf, limits),
    )
    shared: list[str] = _NO_SHARED
    part: str | None  # the shared-strings part, then each sheet's (None: no part)
    if layout.shared_strings:
        part = layout.shared_strings
        data = read_member(zf, part, limits)
        hit = memo.shared.get(part)
        if hit is not None and hit[0] == data:
            shared = hit[1]
        else:
            shared = _parse_shared_strings(data, part)
            if len(data) <= _MEMO_MAX_BYTES:
                _remember(memo.shared, part, (data, shared))
    styles = _style_count(zf, layout.styles, limits, memo)
    sheet_ends: dict[str, bytes] = {}
    for name, part in layout.sheets:
        if part is None:
            book.sheets.append(SheetData(name))
            continue
        data = read_member(zf, part, limits)
        if parts is not None and len(data) <= _MEMO_MAX_BYTES:
            parts[part] = data
        book.tables += _sheet_tables(zf, limits, part, data, len(book.sheets), memo)
        if not book.anchor_refs and b"ANCHORARRAY" in data:
            book.anchor_refs = True
        # for check_parts: the start (namespace declarations) and what follows the cells
        end = data.rfind(b"</sheetData>")
        sheet_ends[part] = data[:4096] + (data[max(end, 4096) :] if len(data) > 4096 else b"")
        key = (part, name)
        kept = memo.sheets.get(key)
        if (
            kept is not None
            and kept[1] is shared
            and kept[2] == date1904
            and kept[0] == data
        ):
            if kept[4] >= styles:
                bad = _bad_style(xml_to_utf8(data, part), styles, part, name, layout.styles)
                if bad is not None:
                    raise bad
            book.sheets.append(_copy_sheet(kept[3]))
            continue
        text = xml_to_utf8(data, part)
        try:
            sheet, top = _read_sheet_styles(text, name, shared, date1904, part, memo)
        except _BadCell as exc:
            cell = _bad_shared_cell(text, shared)
            at = f" cell {cell}" if cell else ""
            raise WorkbookError(f"{part} (sheet {name!r}){at}: {exc.what}") from None
        if top >= styles:
            bad = _bad_style(text, styles, part, name, layout.styles)
            if bad is not None:
                raise bad
        if len(data) <= _MEMO_MAX_BYTES:
            _remember(memo.sheets, key, (data, shared, date1904, _copy_sheet(sheet), top))
        book.sheets.append(sheet)
    check_parts(zf, limits, sheet_ends, xml_to_utf8)
    book.externals = read_external_links(zf, layout, limits, shared, date1904)
    return book


# ------------------------------------------------------------------ tables

#: ``<tablePart r:id="rId1"/>`` (any prefixes) in a worksheet, past its cell data
_TABLE_PART = re.compile(rb"<(?:[\w.-]+:)?tablePart\b[^>]*?\s(?:[\w.-]+:)?id\s*=\s*[\"']([^\"']*)[\"']")
#: the most header (or totals) rows a table may have: Excel writes 0 or 1
_MAX_BAND = 1


def _sheet_tables(
    zf: zipfile.ZipFile, limits: Limits, part: str, data: bytes, sheet: int, memo: ReadMemo
) -> list[TableDef]:
    """The tables a worksheet names in its ``<tableParts>`` (through its ``.rels``).

    A table part that is missing or not XML raises :class:`WorkbookError` (the package is
    broken); a definition that makes no sense (no name, a bad ``ref``, columns that do not
    match it) is left out, so formulas naming it get ``#REF!``.
    """
    end = data.rfind(b"</sheetData>")
    tail = data[end:] if end >= 0 else data
    if b"tablePart" not in tail:
        return []
    ids = [m.group(1).decode("utf-8", "replace") for m in _TABLE_PART.finditer(tail)]
    if not ids:
        return []
    rels = _read_rels(zf, part, limits)
    out: list[TableDef] = []
    for rid in ids:
        rel = rels.get(rid)
        if rel is None or rel[0] != "table":
            continue
        target = rel[1]
        if target not in zf.NameToInfo:
            raise WorkbookError(f"{part}: table part {target} is missing")
        raw = read_member(zf, target, limits)
        key = (raw, sheet)
        if key in memo.tables:
            table = memo.tables[key]
        else:
            table = _parse_table(raw, target, sheet)
            if len(raw) <= _MEMO_MAX_BYTES:
                _remember(memo.tables, key, table)
        if table is not None:
            out.append(table)
    return out


def _count_attr(el: ET.Element, name: str, default: int) -> int | None:
    raw = el.get(name)
    if raw is None:
        return default
    try:
        n = int(raw)
    except ValueError:
        return None
    return n if 0 <= n <= _MAX_BAND else None


def _parse_table(data: bytes, part: str, sheet: int) -> TableDef | None:
    """One table part's definition, or None when it is not a usable table.

    >>> t = _parse_table(b'<table xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    ...     b'id="1" name="T" displayName="T" ref="B2:C5" totalsRowCount="1"><tableColumns count="2">'
    ...     b'<tableColumn id="1" name="A"/><tableColumn id="2" name="B_x000a_c"/></tableColumns></table>',
    ...     "xl/tables/table1.xml", 0)
    >>> t.ref, t.columns, t.data_rows
    ((2, 2, 5, 3), ('A', 'B\\nc'), (3, 4))
    """
    root = _parse_xml(data, part)
    if _local(root.tag) != "table":
        return None
    display = root.get("displayName") or root.get("name")
    name = root.get("name") or display
    if not display or not name:
        return None
    try:
        ref = parse_ref(root.get("ref") or "")
    except ValueError:
        return None
    if ref[0] < 1 or ref[1] < 1 or ref[2] > 1_048_576 or ref[3] > 16_384:
        return None
    header = _count_attr(root, "headerRowCount", 1)
    totals = _count_attr(root, "totalsRowCount", 0)
    if header is None or totals is None or ref[2] - ref[0] + 1 < header + totals:
        return None
    columns: list[str] = []
    for el in root.iter():
        if _local(el.tag) == "tableColumn":
            columns.append(unescape_xstring(el.get("name") or ""))
    if len(columns) != ref[3] - ref[1] + 1:
        return None
    return TableDef(
        name=name,
        display_name=display,
        sheet=sheet,
        ref=ref,
        columns=tuple(columns),
        header_rows=header,
        totals_rows=totals,
        totals_shown=root.get("totalsRowShown", "1") not in ("0", "false"),
    )


def _style_count(zf: zipfile.ZipFile, part: str | None, limits: Limits, memo: ReadMemo) -> int:
    """How many cell formats (``<xf>`` in ``<cellXfs>``) the styles part holds: a cell's,
    row's or column's style index must be below it (index 0 is always allowed)."""
    if part is None:
        return 1
    data = read_member(zf, part, limits)
    hit = memo.styles.get(part)
    if hit is not None and hit[0] == data:
        return hit[1]
    text = xml_to_utf8(data, part)
    count = 0
    m = _CELL_XFS_OPEN.search(text)
    if m is not None and not m.group(1):
        close = _CELL_XFS_CLOSE.search(text, m.end())
        if close is None:
            raise WorkbookError(f"{part}: malformed XML (<cellXfs> is not closed)")
        count = len(_XF_TAG.findall(text, m.end(), close.start()))
    count = max(count, 1)
    if len(data) <= _MEMO_MAX_BYTES:
        _remember(memo.styles, part, (data, count))
    return count


_CELL_XFS_OPEN = re.compile(rb"<" + _PREFIX + rb"cellXfs(?:\s[^>]*?)?(/?)>")
_CELL_XFS_CLOSE = re.compile(rb"</" + _PREFIX + rb"cellXfs\s*>")
_XF_TAG = re.compile(rb"<" + _PREFIX + rb"xf[\s/>]")
#: a style index as producers write it (``s="7"`` after one space; also single quotes): a
#: literal-prefix search, a small fraction of parsing the same bytes. It may also match text
#: inside a cell, so a hit at or above the number of cell formats is confirmed by
#: :func:`_bad_style`. (Other spellings XML allows, with white space around ``=``, are not
#: bounded: no producer is known to write them.)
_S_PLAIN = re.compile(rb""" s=["']([0-9]+)["']""")
_STYLE_ANY = re.compile(rb"""\sstyle\s*=\s*["']([0-9]+)["']""")
_STYLED_TAG = re.compile(rb"<" + _PREFIX + rb"(c|row|col)(?=[\s/>])([^>]*)>")
_S_ATTR = re.compile(rb"""(?:^|\s)s\s*=\s*["']([0-9]+)["']""")
_STYLE_ATTR = re.compile(rb"""(?:^|\s)style\s*=\s*["']([0-9]+)["']""")


def _top_style(data: bytes, pos: int = 0, end: int | None = None, attr: str = "s") -> int:
    """An upper bound of the style indexes in ``data[pos:end]`` (``s=`` of cells and rows,
    or ``style=`` of columns), 0 when none: it may count text that only looks like one.

    >>> _top_style(b"<row r='1' s='4'><c r='A1' s='12'/></row>"), _top_style(b'<c r="B1" s="30"/>')
    (12, 30)
    """
    end = len(data) if end is None else end
    if attr == "style":
        if data.find(b"style", pos, end) < 0:
            return 0
        return max((int(x) for x in _STYLE_ANY.findall(data, pos, end)), default=0)
    found = _S_PLAIN.findall(data, pos, end)
    return max(map(int, set(found))) if found else 0


def _bad_style(
    data: bytes, count: int, part: str, name: str, styles: str | None
) -> WorkbookError | None:
    """The error for the first cell, row or column of a worksheet whose style index is not
    below ``count``, or ``None`` when there is none (the quick search met cell text)."""
    span = sheet_data_span(data)
    end = span[1] if span is not None else len(data)
    state = [0]  # the row, for cells without r=
    for m in _STYLED_TAG.finditer(data, 0, end):
        tag, attrs = m.group(1), m.group(2)
        if tag == b"row":
            rm = _ROW_R.search(attrs)
            state[0] = int(rm.group(1)) if rm else state[0] + 1
        found = (_STYLE_ATTR if tag == b"col" else _S_ATTR).search(attrs)
        if found is None or int(found.group(1)) < count:
            continue
        if tag == b"c":
            ref = _R_ATTR.search(attrs)
            at = f"cell {ref.group(1).decode()}{ref.group(2).decode()}" if ref else "a cell"
        elif tag == b"row":
            at = f"row {state[0]}"
        else:
            at = "a column"
        table = f"{styles} has {count} cell formats" if styles else "there is no styles part"
        return WorkbookError(
            f"{part} (sheet {name!r}) {at}: style {int(found.group(1))} does not exist ({table})"
        )
    return None


def _bad_shared_cell(data: bytes, shared: list[str]) -> str | None:
    """Where a worksheet refers to a shared string the table does not hold (the first such
    cell), for the error message."""
    for _s, _e, _p, _a, t, body, row, col in scan_cells(data):
        if t != b"s" or not body:
            continue
        vm = _V_ELEM.search(body)
        raw = (vm.group(1) or b"") if vm is not None else b""
        if not raw.isdigit() or int(raw) >= len(shared):
            return f"{index_to_col(col)}{row}"
    return None


# ------------------------------------------------------------------ external workbooks


def read_external_links(
    zf: zipfile.ZipFile,
    layout: PackageLayout,
    limits: Limits = DEFAULT_LIMITS,
    shared: list[str] | None = None,
    date1904: bool = False,
) -> list[ExternalBook | None]:
    """The linked workbooks of a package, in ``<externalReferences>`` order (``[1]`` first).

    Each ``<externalReference r:id>`` of the workbook part names an ``externalLink`` part;
    its ``<externalBook>`` holds the source's ``<sheetNames>``, ``<definedNames>`` and, in
    ``<sheetDataSet>``, the values Excel cached of the cells referenced. A link that is no
    workbook link (DDE, OLE) or has no part is ``None`` (its references are ``#REF!``).
    """
    if b"externalReference" not in layout.workbook_xml:
        return []
    root = _parse_xml(layout.workbook_xml, layout.workbook)
    rids: list[str | None] = []
    for el in root.iter():
        if _local(el.tag) == "externalReference":
            rids.append(
                next((v for k, v in el.attrib.items() if k.startswith("{") and _local(k) == "id"), None)
            )
    if not rids:
        return []
    rels = _read_rels(zf, layout.workbook, limits)
    out: list[ExternalBook | None] = []
    for rid in rids:
        rel = rels.get(rid or "")
        if rel is None or rel[0] != "externalLink" or rel[1] not in zf.NameToInfo:
            out.append(None)
            continue
        part = rel[1]
        out.append(_external_book(_parse_xml(read_member(zf, part, limits), part), shared or [], date1904))
    return out


def _external_book(root: ET.Element, shared: list[str], date1904: bool) -> ExternalBook | None:
    """The :class:`ExternalBook` of one ``externalLink`` part, ``None`` for a DDE/OLE link."""
    book_el = next((el for el in root if _local(el.tag) == "externalBook"), None)
    if book_el is None:
        return None
    book = ExternalBook()
    for el in book_el.iter():
        tag = _local(el.tag)
        if tag == "sheetName":
            book.sheet_names.append(el.get("val") or "")
    book.cells = [{} for _ in book.sheet_names]
    for el in book_el.iter():
        tag = _local(el.tag)
        if tag == "definedName":
            name = el.get("name")
            refers = (el.get("refersTo") or "").strip().removeprefix("=")
            scope = _index_attr(el.get("sheetId"), len(book.sheet_names))
            if name and (scope is not None or el.get("sheetId") is None):
                book.names[(scope, name.upper())] = refers
        elif tag == "sheetData":
            ix = _index_attr(el.get("sheetId"), len(book.sheet_names))
            if ix is not None:
                _external_cells(el, book.cells[ix], shared, date1904)
    return book


def _index_attr(value: str | None, size: int) -> int | None:
    """A 0-based index attribute (``sheetId``) below ``size``, else ``None``."""
    if value is None or not value.strip().isdigit():
        return None
    ix = int(value)
    return ix if ix < size else None


def _external_cells(
    sheet_el: ET.Element, into: dict[Coord, ExcelScalar], shared: list[str], date1904: bool
) -> None:
    """Decode the cached ``<cell r t><v>`` values of one ``<sheetData>`` of an external book
    (types as in a worksheet: ``n`` number, ``str`` text, ``b`` boolean, ``e`` error, ``s``
    shared string, ``d`` ISO date); a cell without ``<v>`` or with a value that cannot be
    read stays blank."""
    for cell in sheet_el.iter():
        if _local(cell.tag) != "cell":
            continue
        m = _REF.match(cell.get("r") or "")
        v_el = next((x for x in cell if _local(x.tag) == "v"), None)
        if m is None or v_el is None:
            continue
        text = v_el.text or ""
        t = cell.get("t") or "n"
        value: ExcelScalar
        if t == "n":
            try:
                value = _number(text.strip().encode("ascii"))
            except (ValueError, UnicodeEncodeError):
                continue
        elif t == "b":
            value = text.strip().lower() in ("1", "true")
        elif t == "e":
            value = _error(text.strip())
        elif t == "s":  # not written by Excel (it writes "str"): an index into the table
            if not (text.strip().isdigit() and int(text) < len(shared)):
                continue
            value = shared[int(text)]
        elif t == "d":
            value = _iso_to_serial(text, date1904)
        else:  # str, inlineStr, and text Excel never writes here
            value = unescape_xstring(text)
        row = int(m.group(2))
        col = col_to_index(m.group(1))
        if 1 <= row <= 1_048_576 and 1 <= col <= 16_384:
            into[(row, col)] = value
