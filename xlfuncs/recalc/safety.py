"""Opening untrusted workbook packages safely.

Every workbook the batch touches goes through :func:`open_package`, which refuses, with a
one-line :class:`~xlfuncs.errors.WorkbookError`, anything that is not an Office Open XML
spreadsheet package: empty files, non-zip files, OLE containers (legacy ``.xls`` or a
password-protected workbook), ``.xlsb`` and ``.ods`` packages, encrypted zip members,
zip bombs, a part stored twice and a package without ``[Content_Types].xml``.
:func:`read_member` then reads one member in bounded chunks, checks it against the size and
CRC-32 the zip states, and refuses XML that declares a DOCTYPE (so no entity expansion and
no external fetch can ever happen).

>>> check_xml_prolog(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x/>', "x.xml")
Traceback (most recent call last):
...
xlfuncs.errors.WorkbookError: x.xml: XML with a DOCTYPE/entity declaration refused
"""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from urllib.parse import unquote

from xlfuncs.errors import WorkbookError

__all__ = [
    "CONTENT_TYPES",
    "DEFAULT_LIMITS",
    "Limits",
    "check_xml_prolog",
    "open_package",
    "read_member",
]

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")
_CHUNK = 1 << 20
#: the part of every Office Open XML package that gives the content type of all the others
CONTENT_TYPES = "[Content_Types].xml"


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds applied before and while decompressing a package.

    ``max_total``: total uncompressed bytes of all members; ``max_member``: one member;
    ``max_ratio``: uncompressed/compressed size of a member larger than ``ratio_floor``.
    """

    max_total: int = 1 << 30
    max_member: int = 512 << 20
    max_ratio: float = 500.0
    ratio_floor: int = 1 << 20
    max_members: int = 10_000


DEFAULT_LIMITS = Limits()


def _sniff_ole(source: Path | IO[bytes]) -> str:
    """Tell a password-protected OOXML workbook from a legacy binary file."""
    try:
        if isinstance(source, Path):
            with open(source, "rb") as fh:
                head = fh.read(4 << 20)
        else:
            head = source.read(4 << 20)
    except (OSError, ValueError):
        head = b""
    if _ENCRYPTION_INFO in head:
        return "password-protected (encrypted) workbook; remove the password and save as .xlsx"
    return "legacy binary workbook (.xls/OLE container); save it as .xlsx"


def open_package(
    path: str | os.PathLike[str] | IO[bytes], limits: Limits = DEFAULT_LIMITS
) -> zipfile.ZipFile:
    """Open ``path`` (or a binary file object) as a spreadsheet package after checking what it
    is and how big it unpacks.

    Raises :class:`WorkbookError` with a one-line reason (never another exception).
    """
    if isinstance(path, (str, os.PathLike)):
        p = Path(path)
        try:
            with open(p, "rb") as fh:
                head = fh.read(8)
        except IsADirectoryError:
            raise WorkbookError("is a folder, not a workbook") from None
        except FileNotFoundError:
            raise WorkbookError("file not found") from None
        except PermissionError:
            raise WorkbookError("permission denied (file locked or unreadable)") from None
        except OSError as exc:
            raise WorkbookError(f"cannot read file ({exc.strerror or exc})") from None
        source: Path | IO[bytes] = p
    else:
        try:
            path.seek(0)
            head = path.read(8)
            path.seek(0)
        except (OSError, ValueError) as exc:
            raise WorkbookError(f"cannot read file ({exc})") from None
        source = path
    if not head:
        raise WorkbookError("empty file")
    if head.startswith(_OLE_MAGIC[:4]):
        raise WorkbookError(_sniff_ole(source))
    if not head.startswith(_ZIP_MAGIC):
        raise WorkbookError("not an .xlsx/.xlsm file (not a zip package)")
    try:
        zf = zipfile.ZipFile(source)
    except zipfile.BadZipFile:
        raise WorkbookError("truncated or corrupt zip package") from None
    except (
        OSError,
        ValueError,
        EOFError,
        NotImplementedError,
        RuntimeError,
        zipfile.LargeZipFile,
    ) as exc:
        raise WorkbookError(f"corrupt zip package ({exc})") from None
    try:
        _check_members(zf, limits)
    except BaseException:
        zf.close()
        raise
    return zf


def _check_members(zf: zipfile.ZipFile, limits: Limits) -> None:
    infos = zf.infolist()
    names = {i.filename for i in infos}
    if "xl/workbook.bin" in names:
        raise WorkbookError("binary workbook (.xlsb) is not supported; save it as .xlsx")
    if "mimetype" in names or "content.xml" in names:
        raise WorkbookError("OpenDocument spreadsheet (.ods) is not supported; save it as .xlsx")
    if len(infos) > limits.max_members:
        raise WorkbookError(f"too many zip members ({len(infos)})")
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise WorkbookError("encrypted zip members are not supported")
        if info.file_size > limits.max_member:
            raise WorkbookError(
                f"zip member {info.filename} unpacks to {info.file_size} bytes (limit {limits.max_member}); "
                "possible zip bomb"
            )
        if info.file_size > limits.ratio_floor and info.file_size > limits.max_ratio * max(
            info.compress_size, 1
        ):
            raise WorkbookError(
                f"zip member {info.filename} has compression ratio "
                f"{info.file_size / max(info.compress_size, 1):.0f}:1; possible zip bomb"
            )
        total += info.file_size
    if total > limits.max_total:
        raise WorkbookError(
            f"package unpacks to {total} bytes (limit {limits.max_total}); possible zip bomb"
        )
    if "xl/workbook.xml" not in names:
        raise WorkbookError("not a spreadsheet package (no xl/workbook.xml)")
    # part names compare without case (Open Packaging Conventions, ECMA-376 part 2): two
    # members whose names differ only in case are one part stored twice, and which one a
    # reader takes is anyone's guess
    seen: dict[str, int] = {}
    for info in infos:
        key = info.filename.lower()
        seen[key] = seen.get(key, 0) + 1
    for info in infos:
        if seen[info.filename.lower()] > 1:
            raise WorkbookError(
                f"zip member {info.filename} appears {seen[info.filename.lower()]} times; "
                "corrupt package"
            )
    if CONTENT_TYPES.lower() not in seen:
        raise WorkbookError(
            f"corrupt package: no {CONTENT_TYPES} (the part that types every other)"
        )
    _check_relationships(zf, infos, seen, limits)


_REL_TARGET = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>", re.DOTALL)
_ATTR = re.compile(rb"""\b(Target|TargetMode)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def _check_relationships(
    zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], names: dict[str, int], limits: Limits
) -> None:
    """Every internal relationship of a present part must point at a member of the package.

    A part named by a relationship but missing (a member dropped by a broken tool) makes the
    workbook unreadable to Excel and openpyxl alike; copied through, the output would be too.
    """
    for info in infos:
        rels = info.filename
        if not rels.endswith(".rels") or "/_rels/" not in "/" + rels:
            continue
        folder, _, tail = ("/" + rels).rpartition("/_rels/")
        folder = folder.lstrip("/")
        source = f"{folder}/{tail[:-5]}" if folder else tail[:-5]
        if source and source.lower() not in names:
            continue  # the relationships of a part that is not there name nothing
        if info.file_size > 16 << 20:
            raise WorkbookError(f"zip member {rels} is too large for a relationships part")
        data = read_member(zf, rels, limits)
        for m in _REL_TARGET.finditer(data):
            attrs = {a.group(1): a.group(2) if a.group(2) is not None else a.group(3)
                     for a in _ATTR.finditer(m.group(0))}
            target = (attrs.get(b"Target") or b"").decode("utf-8", "replace")
            if attrs.get(b"TargetMode", b"").lower() == b"external" or not target:
                continue
            if "://" in target or target.startswith("#"):
                continue
            path = _resolve(folder, unquote(target.split("#", 1)[0]))
            if path and path.lower() not in names:
                raise WorkbookError(f"corrupt package: missing part {path} (named in {rels})")


def _resolve(folder: str, target: str) -> str:
    """The member name of a relationship target, relative to the source part's folder.

    >>> _resolve("xl", "worksheets/sheet1.xml"), _resolve("xl/worksheets", "../drawings/d1.xml")
    ('xl/worksheets/sheet1.xml', 'xl/drawings/d1.xml')
    >>> _resolve("xl", "/xl/styles.xml")
    'xl/styles.xml'
    """
    parts = [] if target.startswith("/") else [p for p in folder.split("/") if p]
    for piece in target.split("/"):
        if piece in ("", "."):
            continue
        if piece == "..":
            if parts:
                parts.pop()
            continue
        parts.append(piece)
    return "/".join(parts)


def read_member(
    zf: zipfile.ZipFile, name: str, limits: Limits = DEFAULT_LIMITS, *, xml: bool = True
) -> bytes:
    """Read one zip member in bounded chunks; refuse DOCTYPEs when ``xml``.

    The declared size is checked by :func:`open_package`; here the real number of bytes is
    counted too, so a member that lies about its size cannot exceed the limit.
    """
    try:
        info = zf.getinfo(name)
    except KeyError:
        raise WorkbookError(f"missing part {name}") from None
    cap = min(limits.max_member, max(info.file_size, 0)) + 1
    parts: list[bytes] = []
    size = 0
    try:
        with zf.open(info) as fh:
            while True:
                chunk = fh.read(_CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > cap:
                    raise WorkbookError(
                        f"zip member {name} is larger than declared; possible zip bomb"
                    )
                if xml and not parts:
                    check_xml_prolog(chunk, name)
                parts.append(chunk)
    except WorkbookError:
        raise
    except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile) as exc:
        if "CRC" in str(exc):
            raise WorkbookError(
                f"corrupt zip member {name} (CRC-32 of its data differs from the zip's {info.CRC:08x})"
            ) from None
        raise WorkbookError(f"corrupt zip member {name} ({exc})") from None
    except (OSError, ValueError, NotImplementedError, RuntimeError) as exc:
        # zlib.error is an Exception subclass caught below
        raise WorkbookError(f"cannot read zip member {name} ({exc})") from None
    except Exception as exc:  # noqa: BLE001  (zlib.error and friends)
        raise WorkbookError(f"corrupt zip member {name} ({type(exc).__name__}: {exc})") from None
    data = b"".join(parts)
    if len(data) != info.file_size:
        raise WorkbookError(
            f"corrupt zip member {name} (it holds {len(data)} bytes, the zip states {info.file_size})"
        )
    if xml:
        if not data:
            raise WorkbookError(f"{name}: empty XML part")
        probe = data
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            probe = data.decode("utf-16", errors="replace").encode("utf-8", errors="replace")
        if b"<!DOCTYPE" in probe or b"<!ENTITY" in probe:
            raise WorkbookError(f"{name}: XML with a DOCTYPE/entity declaration refused")
    return data


_PROLOG_SKIP = re.compile(rb"\s+|<\?.*?\?>|<!--.*?-->", re.DOTALL)


def check_xml_prolog(data: bytes, name: str) -> None:
    """Refuse XML whose prolog holds a DOCTYPE (the only place entities can be declared).

    >>> check_xml_prolog(b'<?xml version="1.0"?>\\n<!-- hi --><worksheet/>', "s.xml")
    """
    pos = 0
    if data.startswith(b"\xef\xbb\xbf"):
        pos = 3
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # UTF-16: decode the beginning to look at it
        text = data[:65536].decode("utf-16", errors="replace").encode("utf-8", errors="replace")
        return check_xml_prolog(text.lstrip(b"\xef\xbb\xbf"), name)
    n = len(data)
    while pos < n:
        m = _PROLOG_SKIP.match(data, pos)
        if m is None:
            break
        pos = m.end()
    rest = data[pos : pos + 16]
    if rest[:9].upper() == b"<!DOCTYPE" or rest.startswith(b"<!ENTITY"):
        raise WorkbookError(f"{name}: XML with a DOCTYPE/entity declaration refused")
    if pos >= n >= _CHUNK:
        raise WorkbookError(f"{name}: XML prolog too long")


_REL_NS = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_REL_PREFIX = re.compile(rb'xmlns:([A-Za-z_][\w.-]*)\s*=\s*"' + re.escape(_REL_NS) + rb'"')
_REL_ID = re.compile(rb"""\bId\s*=\s*(?:"([^"]*)"|'([^']*)')""")
#: (member, CRC-32, size, CRC-32 of its .rels) of parts found sound, so the parts files filled from one template
#: share are checked once per process
_SOUND: dict[tuple[str, int, int, int], None] = {}
_SOUND_MAX = 4096
_WS_OPEN = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:worksheet|chartsheet|dialogsheet)\b")
_WS_CLOSE = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?(?:worksheet|chartsheet|dialogsheet)\s*>\s*\Z")


def _rels_of(name: str) -> str:
    folder, _, tail = name.rpartition("/")
    return f"{folder}/_rels/{tail}.rels" if folder else f"_rels/{tail}.rels"


def check_parts(
    zf: zipfile.ZipFile,
    limits: Limits = DEFAULT_LIMITS,
    known: dict[str, bytes] | None = None,
    to_utf8: Callable[[bytes, str], bytes] | None = None,
) -> None:
    """Refuse a package whose XML parts a reader would fail on: a part that is not well-formed
    XML, or that names a relationship id its ``.rels`` part lacks (a dropped or damaged
    ``.rels``). Worksheets in ``known`` (bytes already read) are scanned only past their cell
    data, where their relationship ids sit (drawing, hyperlinks, tables, comments).
    ``to_utf8`` turns a part declared in another encoding into UTF-8 for the XML check
    (:func:`xlfuncs.recalc.reader.xml_to_utf8`).

    Raises :class:`WorkbookError` with the part and what is wrong.
    """
    from xml.parsers import expat

    names = {i.filename.lower(): i.filename for i in zf.infolist()}
    for info in zf.infolist():
        name = info.filename
        if not name.endswith((".xml", ".rels")):
            continue
        rels_info = zf.NameToInfo.get(names.get(_rels_of(name).lower(), ""))
        # sound with these relationships: a part checked once stays checked only as long as
        # its .rels part is the same
        stamp = (name, info.CRC, info.file_size, rels_info.CRC if rels_info else -1)
        if stamp in _SOUND:
            continue
        sheet = known.get(name) if known is not None else None
        if sheet is not None:
            # a worksheet the reader parsed: its root must open and close (garbage, or a part
            # cut short, passes its CRC when the writer itself made it so)
            if sheet[:2] not in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16 parts: not checked here
                if not (_WS_OPEN.search(sheet, 0, 4096) and _WS_CLOSE.search(sheet[-256:])):
                    raise WorkbookError(f"{name}: not a well-formed worksheet (its root element "
                                        "does not open and close)")
            end = sheet.rfind(b"</sheetData>")
            data = sheet[end:] if end >= 0 else sheet
        else:
            if info.file_size > limits.max_member:
                continue  # refused by open_package already
            data = read_member(zf, name, limits)
            # DOCTYPEs are refused by read_member, so expat expands no entity here
            parser = expat.ParserCreate(namespace_separator=" ")
            try:
                parser.Parse(to_utf8(data, name) if to_utf8 is not None else data, True)
            except expat.ExpatError as exc:
                raise WorkbookError(f"{name}: not well-formed XML ({exc})") from None
        prefix = _REL_PREFIX.search(data if sheet is None else sheet[:4096])
        if prefix is not None:
            used = set(re.findall(rb"\b" + re.escape(prefix.group(1)) + rb':[A-Za-z]+\s*=\s*"([^"]*)"', data))
            if used:
                rels = _rels_of(name)
                real = names.get(rels.lower())
                if real is None:
                    raise WorkbookError(
                        f"corrupt package: {name} uses relationships but {rels} is missing"
                    )
                have = {a or b for a, b in _REL_ID.findall(read_member(zf, real, limits))}
                lost = sorted(used - have)
                if lost:
                    raise WorkbookError(
                        f"corrupt package: {name} names relationship {lost[0].decode('utf-8', 'replace')}, "
                        f"which {rels} lacks"
                    )
        if len(_SOUND) >= _SOUND_MAX:
            _SOUND.clear()
        _SOUND[stamp] = None
