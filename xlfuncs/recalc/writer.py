"""Write computed values into a copy of the original package, changing nothing else.

Only the ``<v>`` element and the ``t=`` attribute of formula cells (and of cells covered
by an array formula) are rewritten; ``<f>`` is kept as is. Every other zip member is copied
with the same name, order, date and compression method, as its very compressed bytes once
they are inflated and checked against the size and CRC-32 the zip states (a corrupt member
fails the file with a one-line reason and nothing is written); inside a changed worksheet,
every byte outside the rewritten cells is unchanged (the part is compressed again at zlib
level 3: about 2.5x faster than the default level for about 9 % more bytes). The
calculation settings (``calcPr``) are never touched, so Excel without the add-in still
shows the stored numbers.

Writes are atomic: a temporary file (prefix :data:`TEMP_PREFIX`) in the destination folder
is written, flushed to disk and renamed over the destination, so a kill at any moment
leaves either the old file or the new one.

>>> format_value(6.0), format_value(0.1), format_value(True), format_value("a<b")
((None, b'6'), (None, b'0.1'), (b'b', b'1'), (b'str', b'a&lt;b'))
"""

from __future__ import annotations

import math
import numbers
import os
import re
import struct
import zipfile
import zlib
from collections.abc import Collection, Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any, overload

from xlfuncs._fileio import TEMP_PREFIX, FileStamp, atomic_write, clean_stale_temp_files
from xlfuncs.errors import ExcelError, WorkbookError
from xlfuncs.recalc.reader import (
    _COL_CACHE,
    _F_ELEM,
    _PREFIX,
    _T_ATTR,
    CELL_TOKEN,
    CellToken,
    _plain_v,
    col_to_index,
    decode_part,
    last_read_parts,
    package_layout,
    parse_ref,
    scan_cells,
    sheet_data_span,
    utf8_declaration,
    xml_codec,
)
from xlfuncs.recalc.safety import DEFAULT_LIMITS, Limits, open_package, read_member
from xlfuncs.recalc.values import _TEXT_SURELY_SHORT, gc_paused, text_too_long
from xlfuncs.registry import ExcelScalar

__all__ = [
    "TEMP_PREFIX",
    "atomic_write",
    "clean_stale_temp_files",
    "clear_memos",
    "format_value",
    "patch_sheet",
    "verify_member",
    "write_values",
]

_T_FULL = re.compile(rb'(\s+)t\s*=\s*(?:"[^"]*"|\'[^\']*\')')
_V_FULL = re.compile(rb"<" + _PREFIX + rb"v(?:\s[^>]*)?(?:/>|>.*?</" + _PREFIX + rb"v>)", re.DOTALL)
_IS_FULL = re.compile(
    rb"<" + _PREFIX + rb"is(?:\s[^>]*)?(?:/>|>.*?</" + _PREFIX + rb"is>)", re.DOTALL
)
_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0d\x0e-\x1f\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)")


def _escape_char(m: re.Match[str]) -> str:
    return f"_x{ord(m.group(0)):04X}_"


def _escape_text(text: str) -> bytes:
    text = _BAD_CHARS.sub(_escape_char, text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.encode("utf-8", errors="replace")


_TWO_53 = float(2**53)


def format_value(value: object) -> tuple[bytes | None, bytes | None]:
    """Return ``(t attribute, <v> text)`` for a computed value; ``(None, None)`` drops ``<v>``.

    Numbers use the shortest text that reads back to the same float; integral values
    up to 2**53 have no ``.0``; NaN and infinities become ``#NUM!``; text over Excel's
    32,767 characters becomes ``#VALUE!``.

    >>> format_value(1e-7), format_value(2**60), format_value(float("nan"))
    ((None, b'1e-07'), (None, b'1.152921504606847e+18'), (b'e', b'#NUM!'))
    >>> format_value(ExcelError.DIV0), format_value(None)
    ((b'e', b'#DIV/0!'), (None, None))
    >>> format_value(ExcelError.SPILL)  # as Excel stores it without its rich-value metadata
    (b'e', b'#VALUE!')
    """
    if type(value) is float:
        # b"%d" and b"%r" of a float are str(int(value)) and repr(value), as ASCII bytes
        if value.is_integer() and -_TWO_53 <= value <= _TWO_53:
            return None, b"%d" % value
        if value - value == 0.0:  # finite
            return None, b"%r" % value
        return b"e", b"#NUM!"
    if value is None:
        return None, None
    if isinstance(value, bool):
        return b"b", b"1" if value else b"0"
    if isinstance(value, ExcelError):
        return b"e", value.stored.value.encode("ascii")
    if isinstance(value, str):
        if len(value) > _TEXT_SURELY_SHORT and text_too_long(value):
            return b"e", b"#VALUE!"  # Excel's cell limit is 32,767 characters: never stored
        return b"str", _escape_text(value)
    if isinstance(value, numbers.Integral):
        n = int(value)
        if abs(n) <= 2**53:
            return None, str(n).encode("ascii")
        value = float(n)
    if isinstance(value, numbers.Real):
        x = float(value)
        if not math.isfinite(x):
            return b"e", b"#NUM!"
        if x.is_integer() and abs(x) <= 2**53:
            return None, str(int(x)).encode("ascii")
        return None, repr(x).encode("ascii")
    return b"e", b"#VALUE!"


def _without_result(tail: bytes) -> bytes:
    """What follows ``</f>`` in a cell, without the stored result (``<v>``, ``<is>``).

    >>> _without_result(b"<v>1</v>"), _without_result(b'<v t="x">1</v><extLst/>')
    (b'', b'<extLst/>')
    """
    if not tail:
        return tail
    if tail[:3] == b"<v>" and tail[-4:] == b"</v>" and tail.find(b"<", 3) == len(tail) - 4:
        return b""
    tail = _V_FULL.sub(b"", tail)
    if b"is" in tail:
        tail = _IS_FULL.sub(b"", tail)
    return tail


def _rewrite_cell(
    data: bytes,
    start: int,
    end: int,
    prefix: bytes,
    attrs: bytes,
    old_t: bytes | None,
    body: bytes,
    fm_end: int,
    value: object,
) -> bytes:
    """The new ``<c>`` element: ``t=`` replaced, ``<v>`` (and ``<is>``) replaced after ``<f>``."""
    t, v = format_value(value)
    close = b"</" + prefix + b"c>"
    # the start tag is lead + attrs + ">"; lead (``<c r="A1"``) is kept byte for byte
    lead = data[start : end - len(close) - len(body) - 1 - len(attrs)]
    if old_t is not None:
        tm = _T_FULL.search(attrs)
        if tm is not None:
            new_t = tm.group(1) + b't="' + t + b'"' if t is not None else b""
            attrs = attrs[: tm.start()] + new_t + attrs[tm.end() :]
        elif t is not None:
            attrs = attrs + b' t="' + t + b'"'
    elif t is not None:
        attrs = attrs + b' t="' + t + b'"'
    head, tail = body[:fm_end], _without_result(body[fm_end:])
    open_tag = lead + attrs + b">"
    if v is None:
        return open_tag + head + tail + close
    return open_tag + head + b"<" + prefix + b"v>" + v + b"</" + prefix + b"v>" + tail + close


def patch_sheet(data: bytes, cells: Mapping[tuple[int, int], object]) -> tuple[bytes, int]:
    """Rewrite the values of the formula cells of one worksheet part listed in ``cells``.

    Returns the new bytes and the number of cells whose value is now stored (a cell that
    already holds exactly that value is counted but left byte for byte; when none changes,
    ``data`` itself is returned). Cells that have no formula (and are not covered by an
    array formula) are never changed.

    >>> xml = b'<worksheet><sheetData><row r="1"><c r="A1" s="3"><f>1+1</f><v>0</v></c>' \\
    ...       b'<c r="B1"><v>5</v></c></row></sheetData></worksheet>'
    >>> patch_sheet(xml, {(1, 1): "two", (1, 2): 9})[0]
    b'<worksheet><sheetData><row r="1"><c r="A1" s="3" t="str"><f>1+1</f><v>two</v></c><c r="B1"><v>5</v></c></row></sheetData></worksheet>'
    """
    codec = xml_codec(data, "worksheet")
    if codec is not None:
        return _patch_encoded(data, codec, "worksheet", cells, None)
    return _patch(data, cells, None)


class _NotFast(Exception):
    """The fast formula-cell search met a layout it does not handle."""


#: values to write, keyed ``(row, col)`` when the ``sheet`` argument is None, else
#: ``(sheet, row, col)`` (the overloads of :func:`_patch` tie the key to ``sheet``)
_Values = Mapping[Any, object]


@overload
def _patch(
    data: bytes, values: Mapping[tuple[int, int], object], sheet: None
) -> tuple[bytes, int]: ...
@overload
def _patch(
    data: bytes, values: Mapping[tuple[int, int, int], object], sheet: int
) -> tuple[bytes, int]: ...
def _patch(data: bytes, values: _Values, sheet: int | None) -> tuple[bytes, int]:
    """:func:`patch_sheet` with ``values`` keyed ``(row, col)`` (``sheet`` None) or
    ``(sheet, row, col)``."""
    if not values:
        return data, 0
    if _fast_ok(data):
        span = sheet_data_span(data)
        if span is not None and b"<!--" not in data and b"<![CDATA[" not in data:
            try:
                return _patch_rows(data, span[0], span[1], values, sheet)
            except _NotFast:
                pass
        try:
            return _patch_tokens(data, _iter_formula_cells(data), values, sheet)
        except _NotFast:
            pass
    return _patch_tokens(data, scan_cells(data), values, sheet)


#: what a formula cell becomes, prepared once per distinct row text: (start, end) in the row,
#: row, col, the start tag up to where ``t=`` goes, what comes before the type there (the
#: white space and ``t="``), the rest of the start tag with ``<f>...</f>``, what follows the
#: old ``<v>``/``<is>`` (kept), the old ``<v>`` text when the old text after ``</f>`` is
#: exactly ``<v>text</v>`` (else None: never the same), and the old ``t=``
_Slot = tuple[int, int, int, int, bytes, bytes, bytes, bytes, "bytes | None", "bytes | None"]
_ROW_SLOTS: dict[bytes, list[_Slot]] = {}
_ROW_SLOTS_BYTES = [0]
_ROW_SLOTS_MAX_BYTES = 16 << 20
_ROW_SLOTS_MAX_SHEET = 4 << 20


def clear_memos() -> None:
    """Forget the rows prepared for earlier files (benchmarks measure real writes with it)."""
    _ROW_SLOTS.clear()
    _ROW_SLOTS_BYTES[0] = 0


def _row_slots(data: bytes, pos: int, end: int) -> list[_Slot]:
    """The formula cells of ``data[pos:end]`` (one row), ready to be written; raises
    :class:`_NotFast` on a layout the fast search does not handle."""
    slots: list[_Slot] = []
    for start, stop, _prefix, attrs, old_t, body, row, col in _iter_formula_cells(data, pos, end):
        if body[:3] == b"<f>":
            fm_end = body.find(b"</f>") + 4
            if fm_end < 4:
                continue
        else:
            fm = _F_ELEM.search(body)
            if fm is None:
                continue
            fm_end = fm.end()
        lead = data[start : stop - 4 - len(body) - 1 - len(attrs)]
        tm = _T_FULL.search(attrs) if old_t is not None else None
        if tm is not None:
            before_t = lead + attrs[: tm.start()]
            t_lead = tm.group(1) + b't="'
            after_t = attrs[tm.end() :] + b">"
        else:
            before_t, t_lead, after_t = lead + attrs, b' t="', b">"
        old_tail = body[fm_end:]
        slots.append(
            (start - pos, stop - pos, row, col, before_t, t_lead, after_t + body[:fm_end],
             _without_result(old_tail), _plain_v(old_tail), old_t)
        )
    return slots


#: a formula cell in the plain form: ``r=``, then ``s=`` and/or ``t=``, ``<f>`` without
#: attributes, an optional ``<v>``. Groups: the start tag up to ``t=`` (holding the column
#: and the row), type, ``s=`` after it, ``>`` and the formula element, the old ``<v>`` text.
#: (Possessive repeats: what they take is never given back, which changes no match.)
_FAST_FORMULA = re.compile(
    rb'(<c r="([A-Z]{1,3})(\d+)"(?: s="\d+")?)(?: t="(\w+)")?((?: s="\d+")?)'
    rb"(><f>[^<]*+</f>)(?:<v>([^<]*+)</v>)?</c>"
)
_T_LEAD = b' t="'


def _fast_slots(chunk: bytes) -> list[_Slot] | None:
    """:func:`_row_slots` for a row whose formula cells all have the plain form of
    :data:`_FAST_FORMULA`; ``None`` otherwise."""
    slots: list[_Slot] = []
    append = slots.append
    cols = _COL_CACHE
    t_lead = _T_LEAD
    for m in _FAST_FORMULA.finditer(chunk):
        lead, letters, digits, t, s2, head, old_v = m.groups()
        start, stop = m.span()
        if t is None:
            lead += s2
            rest = head
        else:
            rest = s2 + head
        append(
            (start, stop, int(digits), cols.get(letters) or col_to_index(letters), lead, t_lead,
             rest, b"", old_v, t)
        )
    if len(slots) != chunk.count(b"<f"):
        return None
    return slots


def _patch_rows(
    data: bytes, pos: int, end: int, values: _Values, sheet: int | None
) -> tuple[bytes, int]:
    """:func:`_patch_tokens` for sheets without array formulas or prefixed cells: the row
    texts seen before reuse their prepared formula cells (files of one template differ in
    a few rows)."""
    memo = _ROW_SLOTS
    store = end - pos <= _ROW_SLOTS_MAX_SHEET  # a huge sheet is not a template's: no memo
    out: list[bytes] = []
    extend = out.extend
    get = values.get
    miss = _MISS
    fmt = format_value
    last = 0
    count = changed = 0
    offset = pos
    for chunk in data[pos:end].split(b"</row>"):
        size = len(chunk)
        slots = memo.get(chunk)
        if slots is None:
            slots = _fast_slots(chunk)
            if slots is None:
                slots = _row_slots(data, offset, offset + size)
            if store:
                if _ROW_SLOTS_BYTES[0] + size > _ROW_SLOTS_MAX_BYTES:
                    memo.clear()
                    _ROW_SLOTS_BYTES[0] = 0
                memo[chunk] = slots
                _ROW_SLOTS_BYTES[0] += size
        for rs, re_, row, col, before_t, t_lead, rest, tail, old_text, old_t in slots:
            value = get((row, col) if sheet is None else (sheet, row, col), miss)
            if value is miss:
                continue
            count += 1
            t, v = fmt(value)
            if v is not None and t == old_t and v == old_text:
                continue  # the stored result is already this value, byte for byte
            changed += 1
            if t is None:
                if v is None:
                    extend((data[last : offset + rs], before_t, rest, tail, b"</c>"))
                else:
                    extend((data[last : offset + rs], before_t, rest, b"<v>", v, b"</v>", tail, b"</c>"))
            elif v is None:
                extend((data[last : offset + rs], before_t, t_lead, t, b'"', rest, tail, b"</c>"))
            else:
                extend(
                    (data[last : offset + rs], before_t, t_lead, t, b'"', rest, b"<v>", v, b"</v>",
                     tail, b"</c>")
                )
            last = offset + re_
        offset += size + 6
    if not changed:
        return data, count
    out.append(data[last:])
    return b"".join(out), count


def _patch_tokens(
    data: bytes,
    tokens: Iterable[CellToken],
    values: _Values,
    sheet: int | None,
) -> tuple[bytes, int]:
    out: list[bytes] = []
    append = out.append
    last = 0
    count = changed = 0
    arrays: list[tuple[int, int, int, int]] = []
    get = values.get
    miss = _MISS
    for start, end, prefix, attrs, old_t, body, row, col in tokens:
        if not body or (b"f" not in body and not arrays):
            continue
        if body[:3] == b"<f>":
            fm_end = body.find(b"</f>") + 4
            if fm_end < 4:
                continue
        else:
            fm = _F_ELEM.search(body) if b"f" in body else None
            if fm is not None:
                fm_end = fm.end()
                if b"array" in fm.group(1):
                    ref = re.search(rb'ref\s*=\s*["\']([^"\']+)["\']', fm.group(1))
                    if ref is not None:
                        try:
                            arrays.append(parse_ref(ref.group(1).decode("ascii")))
                        except (ValueError, UnicodeDecodeError):
                            pass
            elif any(r1 <= row <= r2 and c1 <= col <= c2 for r1, c1, r2, c2 in arrays):
                fm_end = 0
            else:
                continue
        value = get((row, col) if sheet is None else (sheet, row, col), miss)
        if value is miss:
            continue
        count += 1
        if fm_end and not prefix:
            # the stored result is already this value, byte for byte: leave the cell alone
            t, v = format_value(value)
            if v is not None and t == old_t and body[fm_end:] == b"<v>" + v + b"</v>":
                continue
        changed += 1
        append(data[last:start])
        append(_rewrite_cell(data, start, end, prefix, attrs, old_t, body, fm_end, value))
        last = end
    if not changed:
        return data, count
    append(data[last:])
    return b"".join(out), count


def _patch_encoded(
    data: bytes, codec: str, part: str, values: _Values, sheet: int | None
) -> tuple[bytes, int]:
    """:func:`_patch` of a part in another encoding than UTF-8 (its XML declaration's, or
    UTF-16 by its byte-order mark): patched as UTF-8, then encoded back, characters the
    encoding lacks as character references, so every byte outside the rewritten cells stays
    as it was. A part that does not decode and encode back to the same bytes is written as
    UTF-8 with its declaration saying so."""
    text = decode_part(data, codec, part)
    utf8 = text.encode("utf-8")
    new, n = _patch(utf8, values, None) if sheet is None else _patch(utf8, values, sheet)
    if new is utf8:
        return data, n
    out = new.decode("utf-8")
    try:
        if codec == "utf-16":
            bom = data[:2]
            wide = "utf-16-le" if bom == b"\xff\xfe" else "utf-16-be"
            if bom + text.encode(wide) == data:
                return bom + out.encode(wide), n
        elif text.encode(codec) == data:
            return out.encode(codec, errors="xmlcharrefreplace"), n
    except (UnicodeError, LookupError):
        pass
    return utf8_declaration(out).encode("utf-8"), n


_MISS = object()


def _fast_ok(data: bytes) -> bool:
    span = sheet_data_span(data)
    if span is None or b'"array"' in data:
        return False
    # a prefixed cell tag holds ":c"; most sheets have none, so the search is skipped
    return data.find(b":c", *span) < 0 or _PREFIXED_CELL.search(data, *span) is None


#: a :data:`CellToken` of a cell holding ``<f>``: its body is never None
_FormulaToken = tuple[int, int, bytes, bytes, "bytes | None", bytes, int, int]


def _iter_formula_cells(
    data: bytes, pos: int | None = None, end: int | None = None
) -> Iterator[_FormulaToken]:
    """The cells holding ``<f>`` (in ``data[pos:end]``, else in ``<sheetData>``), found by
    searching for ``<f`` instead of scanning every cell (layout checked by :func:`_fast_ok`);
    raises :class:`_NotFast` on anything else."""
    if pos is None or end is None:
        span = sheet_data_span(data)
        if span is None:
            return
        pos, end = span
    find, rfind = data.find, data.rfind
    cols = _COL_CACHE
    match = CELL_TOKEN.match
    t_search = _T_ATTR.search
    while True:
        i = find(b"<f", pos, end)
        if i < 0:
            return
        if data[i + 2 : i + 3] not in (b">", b" ", b"/"):
            pos = i + 2
            continue
        cs = rfind(b"<c ", pos, i)
        m = match(data, cs) if cs >= 0 else None
        if m is None or m.group(4) is None or m.group(7):
            raise _NotFast
        letters, digits, attrs = m.group(4, 5, 6)
        close = find(b"</c>", m.end(), end)
        if close < i:
            raise _NotFast
        tm = t_search(attrs) if b"t" in attrs else None
        yield (
            cs,
            close + 4,
            b"",
            attrs,
            tm.group(1) if tm else None,
            data[m.end() : close],
            int(digits),
            cols.get(letters) or col_to_index(letters),
        )
        pos = close + 4


_PREFIXED_CELL = re.compile(rb"<[A-Za-z_][\w.\-]*:c[\s/>]")


def _clone_info(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    zi = zipfile.ZipInfo(info.filename, date_time=info.date_time)
    zi.compress_type = info.compress_type
    zi.comment = info.comment
    zi.external_attr = info.external_attr
    zi.internal_attr = info.internal_attr
    zi.create_system = info.create_system
    return zi


_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")
_LEVEL = 3


def _copy_raw(zin: zipfile.ZipFile, zout: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """Copy an unchanged member's compressed bytes as they are (no deflate).

    Only for plain stored/deflated members without encryption or zip64 sizes. The bytes
    are inflated and checked against the size and CRC-32 the zip states before they are
    written (:func:`verify_member`): a corrupt member is a :class:`WorkbookError`, never
    copied. Returns ``False`` (nothing written) when the member does not qualify, so the
    caller copies it the slow way (which checks it as well).
    """
    if (
        info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
        or info.flag_bits & 0x1
        or info.compress_size >= 0x7FFFFFFF
        or info.file_size >= 0x7FFFFFFF
        or info.file_size > (64 << 20)
        or zin.fp is None
        or zout.fp is None
        or getattr(zout, "_writing", False)
    ):
        return False
    try:
        fp = zin.fp
        fp.seek(info.header_offset)
        head = fp.read(_LOCAL_HEADER.size)
        if len(head) != _LOCAL_HEADER.size or head[:4] != b"PK\x03\x04":
            return False
        fields = _LOCAL_HEADER.unpack(head)
        skip = fields[-2] + fields[-1]
        fp.seek(info.header_offset + _LOCAL_HEADER.size + skip)
        raw = fp.read(info.compress_size)
        if len(raw) != info.compress_size:
            return False
    except (OSError, ValueError, struct.error):
        return False
    verify_member(raw, info)
    zi = _clone_info(info)
    zi.CRC = info.CRC
    zi.compress_size = info.compress_size
    zi.file_size = info.file_size
    zi.flag_bits = info.flag_bits & 0x800  # keep only the UTF-8 name flag: no data descriptor
    out = zout.fp
    zi.header_offset = out.tell()
    out.write(zi.FileHeader(False))
    out.write(raw)
    zout.filelist.append(zi)
    zout.NameToInfo[zi.filename] = zi
    zout.start_dir = out.tell()
    zout._didModify = True  # type: ignore[attr-defined]
    return True


def verify_member(raw: bytes, info: zipfile.ZipInfo) -> None:
    """Check the compressed bytes ``raw`` of a stored or deflated member against the size
    and CRC-32 its central directory entry states; raise :class:`WorkbookError` naming the
    member and what is wrong. (zlib inflates and checksums at C speed.)

    >>> import zlib
    >>> info = zipfile.ZipInfo("xl/styles.xml"); info.compress_type = zipfile.ZIP_STORED
    >>> info.file_size, info.CRC = 3, zlib.crc32(b"abc")
    >>> verify_member(b"abc", info)
    >>> verify_member(b"abd", info)
    Traceback (most recent call last):
    ...
    xlfuncs.errors.WorkbookError: corrupt zip member xl/styles.xml (CRC-32 is ...; the zip states ...)
    """
    name, size = info.filename, info.file_size
    if info.compress_type == zipfile.ZIP_DEFLATED:
        inflater = zlib.decompressobj(-15)
        try:
            plain = inflater.decompress(raw, size + 1)
        except zlib.error as exc:
            raise WorkbookError(f"corrupt zip member {name} ({exc})") from None
        if len(plain) > size:
            raise WorkbookError(
                f"corrupt zip member {name} (it holds more than the {size} bytes it states)"
            )
        if not inflater.eof:
            raise WorkbookError(f"corrupt zip member {name} (its compressed data is cut short)")
    else:
        plain = raw
    if len(plain) != size:
        raise WorkbookError(
            f"corrupt zip member {name} (it holds {len(plain)} bytes, the zip states {size})"
        )
    crc = zlib.crc32(plain)
    if crc != info.CRC:
        raise WorkbookError(
            f"corrupt zip member {name} (CRC-32 is {crc:08x}; the zip states {info.CRC:08x})"
        )


def write_values(
    src: str | os.PathLike[str],
    dst: str | os.PathLike[str],
    values: Mapping[tuple[int, int, int], ExcelScalar],
    *,
    limits: Limits = DEFAULT_LIMITS,
    unchanged_sheets: Collection[int] = (),
    expect: FileStamp | None = None,
) -> int:
    """Copy workbook ``src`` to ``dst`` with ``values`` written as the cached results.

    ``values`` is keyed ``(sheet_index, row, col)`` (0-based sheet, 1-based row/col), as in
    :class:`~xlfuncs.recalc.model.EvalResult`. ``dst`` may equal ``src`` (in place).
    ``unchanged_sheets``: indexes of sheets whose stored results the caller found equal to
    ``values`` (same types and values); they are copied as they are. Returns the number of
    cells written. ``expect``: the :func:`~xlfuncs._fileio.file_stamp` of ``dst`` when its
    values were computed; a ``dst`` changed since is left alone and
    :class:`~xlfuncs.errors.WorkbookError` is raised (``--in-place`` after a save from Excel).
    """
    with gc_paused():
        return _write_values(src, dst, values, limits, unchanged_sheets, expect)


def _write_values(
    src: str | os.PathLike[str],
    dst: str | os.PathLike[str],
    values: Mapping[tuple[int, int, int], ExcelScalar],
    limits: Limits,
    unchanged_sheets: Collection[int] = (),
    expect: FileStamp | None = None,
) -> int:
    indexes = {key[0] for key in values}
    written = 0
    if unchanged_sheets:
        skip = set(unchanged_sheets) & indexes
        if skip:
            written += sum(1 for key in values if key[0] in skip)
            indexes -= skip
    # the file was just read (batch: read, evaluate, write): take its layout and sheets from
    # the reader, each sheet checked against the zip's CRC and size
    last = last_read_parts(src) if isinstance(src, (str, os.PathLike)) else None
    with open_package(src, limits) as zin:
        layout = last[0] if last else package_layout(zin, limits)
        known = last[1] if last else {}
        patched: dict[str, bytes] = {}
        for index in sorted(indexes):
            if not 0 <= index < len(layout.sheets):
                continue
            part = layout.sheets[index][1]
            if part is None:
                continue
            data = known.get(part)
            info = zin.NameToInfo.get(part)
            if (
                data is None
                or info is None
                or len(data) != info.file_size
                or zlib.crc32(data) != info.CRC
            ):
                data = read_member(zin, part, limits)
            codec = xml_codec(data, part)
            if codec is None:
                new, n = _patch(data, values, index)
            else:
                new, n = _patch_encoded(data, codec, part, values, index)
            written += n
            if new is not data:
                patched[part] = new
        infos = zin.infolist()

        def write(fh: IO[bytes]) -> None:
            with zipfile.ZipFile(fh, "w", allowZip64=True) as zout:
                zout.comment = zin.comment
                for info in infos:
                    data = patched.get(info.filename)
                    if data is None:
                        if _copy_raw(zin, zout, info):
                            continue
                        data = read_member(zin, info.filename, limits, xml=False)
                    # rewritten parts: zlib level 3, about 2.5x faster than the default
                    # level 6 on worksheet XML for about 9 % more compressed bytes
                    zout.writestr(_clone_info(info), data, compresslevel=_LEVEL)

        same = Path(src).resolve() == Path(dst).resolve()
        atomic_write(dst, write, mode_from=src if same else None, expect=expect)
    return written
