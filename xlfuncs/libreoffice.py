"""The LibreOffice extension: every xlfuncs function computing inside Calc.

``xlfuncs libreoffice -o xlfuncs.oxt`` writes an extension (install it with ``unopkg add
xlfuncs.oxt`` or *Tools > Extension Manager*). It is a **Calc add-in written in Python**, the
mechanism Calc's own Analysis functions use, generated from :data:`xlfuncs.registry.REGISTRY`:

* ``XCalcFunctions.rdb``: a UNO type library declaring the interface
  ``org.xlfuncs.XCalcFunctions`` with one method per function (every argument ``any``, result
  ``any``, or ``[][]any`` for array functions). It is written here, in the binary UNOIDL
  format LibreOffice reads (:func:`type_library`), so no LibreOffice SDK is needed.
* ``xlfuncs_addin.py``: the Python UNO component (service ``com.sun.star.sheet.AddIn``)
  implementing that interface plus ``XAddIn`` (names and descriptions for the Function
  Wizard) and ``XCompatibilityNames`` (the Excel name, which is how an ``.xlsx`` formula
  ``LOCPOINTS(...)`` finds the add-in on import and is written back on export).
* ``pythonpath/xlfuncs/``: this very package, copied from the running installation, so Calc
  computes with the same code as Excel, Lite and the batch engine, whatever LibreOffice's
  own Python has installed. Optionally numpy as well (``--bundle-numpy``).

Each call goes through :meth:`FunctionSpec.invoke` via :func:`call`; the conversions are
:func:`from_calc` and :func:`to_calc`. Error results are returned as NaN doubles whose
payload is Calc's error code, which Calc shows as the real error (``#VALUE!``, ``#NUM!``,
``#N/A``) and exports to ``.xlsx`` as such. What Calc does not pass the way Excel does (a
blank cell arrives as 0; an error inside a range argument is refused before the call, as
``Err:504``; booleans are numbers) is described in :func:`from_calc` and ``docs/excel.md``.

Nothing here imports UNO: the component imports this module inside LibreOffice.

>>> to_calc(ExcelError.NA) != to_calc(ExcelError.NA)  # a NaN
True
>>> calc_error_code(to_calc(ExcelError.NUM))
503
>>> call("LOCPOINTS", (15.0, 1000.0, 0.0, 2025.0, None, None))
600.0
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import struct
import sys
import sysconfig
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from xlfuncs._version import __version__
from xlfuncs.errors import ExcelError, WorkbookError
from xlfuncs.registry import REGISTRY, FunctionSpec

__all__ = [
    "ERROR_CODES",
    "EXTENSION_ID",
    "INTERFACE",
    "SERVICE",
    "build_extension",
    "calc_error_code",
    "call",
    "component_source",
    "extension_files",
    "from_calc",
    "idl_source",
    "read_type_library",
    "register",
    "to_calc",
    "type_library",
]

#: Identifier of the extension (the Extension Manager replaces an older version by it).
EXTENSION_ID = "org.xlfuncs.calc"
#: UNO interface declaring the functions (in the extension's type library).
INTERFACE = "org.xlfuncs.XCalcFunctions"
#: Service and implementation name of the add-in; Calc stores ODF formulas as SERVICE.NAME.
SERVICE = "org.xlfuncs.CalcAddIn"
COMPONENT = "xlfuncs_addin.py"
TYPES = "XCalcFunctions.rdb"
#: Marker written when numpy is bundled: the Python it was copied from.
BUNDLE_INFO = "pythonpath/xlfuncs_bundle.json"

#: Calc's error codes (FormulaError) of the Excel errors; Calc maps them back on .xlsx export.
ERROR_CODES: dict[ExcelError, int] = {
    ExcelError.NULL: 521,  # NoCode: #NULL!
    ExcelError.DIV0: 532,  # DivisionByZero: #DIV/0!
    ExcelError.VALUE: 519,  # NoValue: #VALUE!
    ExcelError.REF: 524,  # NoRef: #REF!
    ExcelError.NAME: 525,  # NoName: #NAME?
    ExcelError.NUM: 503,  # IllegalFPOperation: #NUM!
    ExcelError.NA: 0x7FFF,  # NotAvailable: #N/A
}
_ERROR_OF_CODE = {code: err for err, code in ERROR_CODES.items()}


# ---------------------------------------------------------------------------------------
# Runtime: what the component calls inside LibreOffice (no UNO here either)
# ---------------------------------------------------------------------------------------


def to_calc_error(error: ExcelError) -> float:
    """The double Calc reads as ``error``: a quiet NaN whose low payload bits are the code.

    Calc's ``GetDoubleErrorValue`` takes the error of a NaN result from those bits.
    """
    code = ERROR_CODES.get(error, ERROR_CODES[ExcelError.VALUE])
    value: float = struct.unpack("<d", struct.pack("<Q", 0x7FF8000000000000 | code))[0]
    return value


def calc_error_code(value: float) -> int | None:
    """Calc's error code carried by a double (``None`` for an ordinary number).

    >>> calc_error_code(600.0), calc_error_code(to_calc(ExcelError.VALUE))
    (None, 519)
    """
    if math.isfinite(value):
        return None
    if math.isinf(value):
        return ERROR_CODES[ExcelError.NUM]
    bits: int = struct.unpack("<Q", struct.pack("<d", value))[0]
    low = bits & 0xFFFFFFFF
    return ERROR_CODES[ExcelError.VALUE] if (low & 0xFFFF0000 or not low) else low & 0xFFFF


def _from_calc_cell(value: Any) -> Any:
    """One element of a range as Calc passes it: a blank cell arrives as ``""``."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    return value


def from_calc(value: Any, kind: str = "number") -> Any:
    """An argument as Calc passes it to an add-in, in the registry's calling convention.

    Calc passes an omitted argument as nothing (``None``), a number or a single cell as a
    double or text, a range as a tuple of rows (blank cells as ``""``, here ``None``). A
    blank single cell arrives as the number 0, which Calc does not tell from a typed 0; for
    text and date arguments (a category, a purpose, a year) 0 is taken as that blank, so
    the argument's default applies as in Excel. An error in a cell argument never arrives:
    Calc returns it as the result without calling.

    >>> from_calc(None), from_calc(15.0), from_calc("M1", "text"), from_calc(0.0, "text")
    (None, 15.0, 'M1', None)
    >>> from_calc((("body_welding", 1.0), ("", "")), "range")
    [['body_welding', 1.0], [None, None]]
    >>> from_calc(((2025.0,),), "date"), from_calc(((1.0, 2.0),))
    (2025.0, [[1.0, 2.0]])
    """
    if isinstance(value, (tuple, list)):
        rows = [
            [_from_calc_cell(c) for c in (row if isinstance(row, (tuple, list)) else (row,))]
            for row in value
        ]
        if kind != "range" and len(rows) == 1 and len(rows[0]) == 1:
            return from_calc(rows[0][0], kind)  # a 1x1 range where one value is expected
        return rows or [[None]]
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        x = float(value)
        if x == 0.0 and kind in ("text", "date"):
            return None
        return x
    if kind == "range":
        return [[_from_calc_cell(value)]]
    return value


def _to_calc_cell(value: Any) -> Any:
    if isinstance(value, ExcelError):
        return to_calc_error(value)
    if isinstance(value, bool):
        return 1.0 if value else 0.0  # Calc has no boolean add-in result: TRUE is 1
    if isinstance(value, (int, float)):
        x = float(value)
        return x if math.isfinite(x) else to_calc_error(ExcelError.NUM)
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return to_calc_error(ExcelError.VALUE)


def to_calc(result: Any, returns: str = "scalar") -> Any:
    """A registry result as the add-in returns it to Calc.

    Errors become NaN doubles carrying Calc's error code (see :func:`to_calc_error`);
    booleans become 1 and 0 (Calc keeps no boolean type for an add-in result). An
    array result is a tuple of equal-length rows (short rows padded with ``#N/A``); a
    scalar result of an array function is a 1x1 array.

    >>> to_calc(600.0), to_calc("ru719"), to_calc(True), calc_error_code(to_calc(float("inf")))
    (600.0, 'ru719', 1.0, 503)
    >>> to_calc([["a", 1], ["b"]], "array")[0]
    ('a', 1.0)
    """
    if returns == "array":
        rows = result if isinstance(result, (list, tuple)) and result else [[result]]
        rows = [r if isinstance(r, (list, tuple)) else [r] for r in rows]
        width = max(len(r) for r in rows) or 1
        return tuple(
            tuple(_to_calc_cell(c) for c in r) + (to_calc_error(ExcelError.NA),) * (width - len(r))
            for r in rows
        )
    if isinstance(result, (list, tuple)):  # a scalar function returning a table: its corner
        while isinstance(result, (list, tuple)):
            result = result[0] if result else ExcelError.NA
    return _to_calc_cell(result)


def call(name: str, args: Sequence[Any]) -> Any:
    """Run function ``name`` on the arguments Calc passed; never raises.

    Trailing omitted arguments are dropped, so a missing required argument is ``#VALUE!``
    as in Excel.
    """
    spec = REGISTRY[name]
    values = [from_calc(a, spec.args[i].kind if i < len(spec.args) else "number")
              for i, a in enumerate(args)]
    while values and values[-1] is None:
        values.pop()
    try:
        result = spec.invoke(*values)
    except Exception:  # noqa: BLE001  (the edge: invoke does not raise; a cell never sees a traceback)
        result = ExcelError.VALUE
    return to_calc(result, spec.returns)


# ---------------------------------------------------------------------------------------
# The type library: binary UNOIDL, the subset an interface of methods needs
# ---------------------------------------------------------------------------------------

_XINTERFACE = "com.sun.star.uno.XInterface"
_SORT_MODULE, _SORT_INTERFACE = 0, 5


def _u32(n: int) -> bytes:
    return struct.pack("<I", n)


def _method_types(spec: FunctionSpec) -> tuple[str, list[tuple[str, str]]]:
    """(return type, [(parameter, type)]) of a function's UNO method."""
    returns = "[][]any" if spec.returns == "array" else "any"
    return returns, [(a.name, "any") for a in spec.args]


def type_library(specs: Iterable[FunctionSpec] | None = None, interface: str = INTERFACE) -> bytes:
    """The binary UNOIDL file (``.rdb``) declaring ``interface`` with one method per function.

    Layout (as LibreOffice's ``unoidl`` reads it, all integers little-endian): the 8 bytes
    ``UNOIDL\\xff\\0``, the offset and entry count of the root map, then entities. A map is
    a sorted array of (name offset, entity offset) pairs, names NUL-terminated ASCII; a
    module is a kind byte 0, a count and its map; an interface is a kind byte 5, its bases,
    attributes and methods, each name or type a length-prefixed string.

    >>> read_type_library(type_library())[INTERFACE]["LOCPOINTS"][0]
    'any'
    """
    items = _specs(specs)
    parts = interface.split(".")
    out = bytearray(b"UNOIDL\xff\x00" + _u32(0) + _u32(0))
    out += b"\x00** xlfuncs " + __version__.encode("ascii") + b" **\x00"

    def text(s: str) -> bytes:
        raw = s.encode("ascii")
        return _u32(len(raw)) + raw

    # the interface entity
    body = bytearray([_SORT_INTERFACE])
    body += _u32(1) + text(_XINTERFACE)  # mandatory bases
    body += _u32(0)  # optional bases
    body += _u32(0)  # attributes
    body += _u32(len(items))
    for spec in items:
        returns, params = _method_types(spec)
        body += text(spec.name) + text(returns) + _u32(len(params))
        for pname, ptype in params:
            body += bytes([0]) + text(pname) + text(ptype)  # direction 0 = in
        body += _u32(0)  # exceptions
    entity_offset = len(out)
    out += body

    # nested modules, innermost first: each map has the one entry of the level below
    for depth in range(len(parts) - 1, -1, -1):
        name_offset = len(out)
        out += parts[depth].encode("ascii") + b"\x00"
        entry = _u32(name_offset) + _u32(entity_offset)
        if depth == 0:
            root_offset = len(out)
            out += entry
            break
        entity_offset = len(out)
        out += bytes([_SORT_MODULE]) + _u32(1) + entry
    out[8:16] = _u32(root_offset) + _u32(1)
    return bytes(out)


def read_type_library(data: bytes) -> dict[str, dict[str, tuple[str, list[tuple[str, str]]]]]:
    """The interfaces of a UNOIDL file: ``{name: {method: (return type, [(param, type)])}}``.

    Reads only modules and interfaces (what :func:`type_library` writes) and checks that
    every map is sorted, as LibreOffice's binary search needs.
    """
    if data[:8] != b"UNOIDL\xff\x00":
        raise ValueError("not a UNOIDL file")

    def u32(off: int) -> int:
        value: int = struct.unpack_from("<I", data, off)[0]
        return value

    def name_at(off: int) -> str:
        return data[off:data.index(b"\x00", off)].decode("ascii")

    def idx(off: int) -> tuple[str, int]:
        n = u32(off)
        if n & 0x80000000:  # a reference to an earlier string
            ref = n & 0x7FFFFFFF
            return data[ref + 4:ref + 4 + u32(ref)].decode("ascii"), off + 4
        return data[off + 4:off + 4 + n].decode("ascii"), off + 4 + n

    found: dict[str, dict[str, tuple[str, list[tuple[str, str]]]]] = {}

    def walk(map_off: int, count: int, prefix: str) -> None:
        names = [name_at(u32(map_off + 8 * i)) for i in range(count)]
        if names != sorted(names, key=lambda s: s.encode("ascii")):
            raise ValueError(f"map of {prefix or 'the root'} is not sorted")
        for i, name in enumerate(names):
            off = u32(map_off + 8 * i + 4)
            kind = data[off] & 0x3F
            full = prefix + name
            if kind == _SORT_MODULE:
                walk(off + 5, u32(off + 1), full + ".")
            elif kind == _SORT_INTERFACE:
                pos = off + 1
                for _ in range(2):  # mandatory, then optional bases
                    n = u32(pos)
                    pos += 4
                    for _ in range(n):
                        _, pos = idx(pos)
                if u32(pos):
                    raise ValueError(f"{full}: attributes are not read here")
                pos += 4
                methods: dict[str, tuple[str, list[tuple[str, str]]]] = {}
                nmeth = u32(pos)
                pos += 4
                for _ in range(nmeth):
                    mname, pos = idx(pos)
                    rtype, pos = idx(pos)
                    params: list[tuple[str, str]] = []
                    nparams = u32(pos)
                    pos += 4
                    for _ in range(nparams):
                        pos += 1  # direction
                        pname, pos = idx(pos)
                        ptype, pos = idx(pos)
                        params.append((pname, ptype))
                    nexc = u32(pos)
                    pos += 4
                    for _ in range(nexc):
                        _, pos = idx(pos)
                    methods[mname] = (rtype, params)
                found[full] = methods

    walk(u32(8), u32(12), "")
    return found


def idl_source(specs: Iterable[FunctionSpec] | None = None) -> str:
    """The interface as UNO IDL text (shipped in the extension for reference)."""
    items = _specs(specs)
    *modules, name = INTERFACE.split(".")
    lines = [f"// xlfuncs {__version__}: generated by 'xlfuncs libreoffice'; the binary",
             f"// {TYPES} beside it is what LibreOffice reads.", ""]
    lines += [f"module {m} {{" for m in modules]
    lines.append(f"interface {name} : {_XINTERFACE.replace('.', '::')}")
    lines.append("{")
    for spec in items:
        returns, params = _method_types(spec)
        ret = "sequence< sequence< any > >" if returns == "[][]any" else returns
        args = ", ".join(f"[in] any {p}" for p, _ in params)
        lines.append(f"    {ret} {spec.name}({args});")
    lines.append("};")
    lines += ["};" for _ in modules]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------
# The component and the package files
# ---------------------------------------------------------------------------------------


def _specs(specs: Iterable[FunctionSpec] | None) -> list[FunctionSpec]:
    from xlfuncs.codegen import _checked  # the same checks as the VBA and Lite modules

    return _checked(specs)


_COMPONENT_HEAD = '''\
"""xlfuncs {version}: the Calc add-in of the LibreOffice extension (localization points, Res. 719).

Generated by `xlfuncs libreoffice` from the xlfuncs function registry; regenerate, do not edit.
Each method hands its arguments to xlfuncs.libreoffice.call, which runs the function of the
registry shipped in pythonpath/ beside this file.
"""

import os
import re
import sys

_PYTHONPATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pythonpath")
if _PYTHONPATH not in sys.path[:1]:
    sys.path.insert(0, _PYTHONPATH)  # ours first, ahead of any other xlfuncs or numpy

import unohelper
from com.sun.star.document import XDocumentEventListener
from com.sun.star.lang import Locale, XServiceInfo, XServiceName
from com.sun.star.sheet import LocalizedName, XAddIn, XCompatibilityNames
from {module} import {interface}

IMPLEMENTATION = {service!r}
SERVICES = ("com.sun.star.sheet.AddIn", IMPLEMENTATION)
#: name -> (description, ((argument, description), ...))
FUNCTIONS = {functions}

_call = None
_failure = None


def _run(name, args):
    """Run one function; if xlfuncs cannot be imported, every cell is #VALUE! (told once)."""
    global _call, _failure
    if _call is None and _failure is None:
        try:
            from xlfuncs.libreoffice import call
            _call = call
        except Exception as exc:  # e.g. no numpy in LibreOffice's Python
            _failure = exc
            sys.stderr.write(
                "xlfuncs: the functions cannot run in this LibreOffice: %s: %s (Python %s at %s)\\n"
                % (type(exc).__name__, exc, sys.version.split()[0], sys.executable))
    if _call is None:
        return float("nan")  # NaN without a code: Calc shows #VALUE!
    return _call(name, args)


_NAMES = re.compile(r"(?<![\\w.])(" + "|".join(FUNCTIONS) + r")\\s*\\(", re.IGNORECASE)


def reparse(doc):
    """Compile again the formulas of ``doc`` that name an xlfuncs function.

    LibreOffice before 7.5 (or so) finds an add-in in an .xlsx formula only by its
    programmatic name, not by its Excel name: LOCPOINTS(...) stays unknown on import. The
    same formula set through the API finds it by the Excel name; this does that, once per
    loaded document, and leaves the document unmodified.
    """
    if not doc.supportsService("com.sun.star.sheet.SpreadsheetDocument"):
        return 0
    modified = doc.isModified()
    count = 0
    for sheet in doc.getSheets():
        ranges = sheet.queryContentCells(16)  # CellFlags.FORMULA
        cells = ranges.getCells().createEnumeration()
        while cells.hasMoreElements():
            cell = cells.nextElement()
            formula = cell.getFormula()
            if _NAMES.search(formula):  # unresolved, also under ISNA or IFERROR
                try:
                    cell.setFormula(formula)
                    count += 1
                except Exception:  # e.g. a cell of an array formula
                    pass
    if count and not modified:
        doc.setModified(False)
    return count


class _LoadListener(unohelper.Base, XDocumentEventListener):
    def documentEventOccured(self, event):  # sic: the UNO API's spelling
        if event.EventName in ("OnLoadFinished", "OnLoad"):  # headless: OnLoadFinished only
            try:
                reparse(event.Source)
            except Exception as exc:
                sys.stderr.write("xlfuncs: cannot re-read the formulas of a document: %r\\n" % exc)

    def disposing(self, source):
        pass


_listening = []


def _listen(ctx):
    """Once per process: re-read xlfuncs formulas of every spreadsheet loaded from now on."""
    if _listening:
        return
    try:
        broadcaster = ctx.getValueByName("/singletons/com.sun.star.frame.theGlobalEventBroadcaster")
        listener = _LoadListener()
        broadcaster.addDocumentEventListener(listener)
        _listening.append(listener)
    except Exception as exc:
        sys.stderr.write("xlfuncs: no document events: %r\\n" % exc)


class CalcAddIn(unohelper.Base, {interface}, XAddIn, XCompatibilityNames, XServiceName, XServiceInfo):
    def __init__(self, ctx):
        self.ctx = ctx
        self.locale = Locale("en", "US", "")
        _listen(ctx)

    # XServiceName, XServiceInfo
    def getServiceName(self):
        return IMPLEMENTATION

    def getImplementationName(self):
        return IMPLEMENTATION

    def supportsService(self, name):
        return name in SERVICES

    def getSupportedServiceNames(self):
        return SERVICES

    # XLocalizable
    def setLocale(self, locale):
        self.locale = locale

    def getLocale(self):
        return self.locale

    # XAddIn: the names are the Excel names in every language
    def getProgrammaticFuntionName(self, display_name):  # sic: the UNO API's spelling
        name = display_name.upper()
        return name if name in FUNCTIONS else ""

    def getDisplayFunctionName(self, name):
        return name if name in FUNCTIONS else ""

    def getFunctionDescription(self, name):
        return FUNCTIONS[name][0] if name in FUNCTIONS else ""

    def getDisplayArgumentName(self, name, index):
        args = FUNCTIONS.get(name, ("", ()))[1]
        return args[index][0] if 0 <= index < len(args) else ""

    def getArgumentDescription(self, name, index):
        args = FUNCTIONS.get(name, ("", ()))[1]
        return args[index][1] if 0 <= index < len(args) else ""

    def getProgrammaticCategoryName(self, name):
        return "Add-In"

    def getDisplayCategoryName(self, name):
        return "Add-In"

    # XCompatibilityNames: how .xlsx formulas name the functions
    def getCompatibilityNames(self, name):
        if name not in FUNCTIONS:
            return ()
        return (LocalizedName(Locale("en", "US", ""), name),)

    # {interface}: one method per function
'''

_COMPONENT_TAIL = '''

g_ImplementationHelper = unohelper.ImplementationHelper()
g_ImplementationHelper.addImplementation(CalcAddIn, IMPLEMENTATION, SERVICES)
'''


def component_source(specs: Iterable[FunctionSpec] | None = None) -> str:
    """The Python source of the add-in component (``xlfuncs_addin.py``).

    >>> compile(component_source(), "xlfuncs_addin.py", "exec") is not None
    True
    """
    items = _specs(specs)
    module, _, interface = INTERFACE.rpartition(".")
    table = "{\n" + "".join(
        f"    {s.name!r}: ({s.description!r}, (\n"
        + "".join(f"        ({a.name!r}, {a.doc!r}),\n" for a in s.args)
        + "    )),\n"
        for s in items
    ) + "}"
    text = _COMPONENT_HEAD.format(
        version=__version__, module=module, interface=interface, service=SERVICE,
        functions=table,
    )
    for spec in items:
        params = ", ".join(a.name for a in spec.args)
        text += f"\n    def {spec.name}(self{', ' if params else ''}{params}):\n"
        text += f"        return _run({spec.name!r}, ({params}{',' if len(spec.args) == 1 else ''}))\n"
    return text + _COMPONENT_TAIL


def _description_xml(platform: str | None) -> str:
    plat = f'\n  <platform value="{platform}"/>' if platform else ""
    return f'''<?xml version="1.0" encoding="UTF-8"?>
<description xmlns="http://openoffice.org/extensions/description/2006"
             xmlns:xlink="http://www.w3.org/1999/xlink">
  <identifier value="{EXTENSION_ID}"/>
  <version value="{escape(__version__)}"/>{plat}
  <display-name>
    <name lang="en">xlfuncs: localization points (Resolution 719)</name>
  </display-name>
  <extension-description>
    <src lang="en" xlink:href="description-en.txt"/>
  </extension-description>
  <dependencies>
    <OpenOffice.org-minimal-version xmlns:d="http://openoffice.org/extensions/description/2006"
        d:name="OpenOffice.org 3.4" value="3.4"/>
  </dependencies>
</description>
'''


_MANIFEST = f'''<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="http://openoffice.org/2001/manifest">
  <manifest:file-entry manifest:media-type="application/vnd.sun.star.uno-typelibrary;type=RDB"
                       manifest:full-path="{TYPES}"/>
  <manifest:file-entry manifest:media-type="application/vnd.sun.star.uno-components"
                       manifest:full-path="xlfuncs.components"/>
</manifest:manifest>
'''

_COMPONENTS = f'''<?xml version="1.0" encoding="UTF-8"?>
<components xmlns="http://openoffice.org/2010/uno-components">
  <component loader="com.sun.star.loader.Python" uri="{COMPONENT}">
    <implementation name={quoteattr(SERVICE)}>
      <service name="com.sun.star.sheet.AddIn"/>
      <service name={quoteattr(SERVICE)}/>
    </implementation>
  </component>
</components>
'''


def _package_dir(name: str) -> tuple[Path, list[Path]]:
    """The folder of an installed package and the folders shipped with it (numpy.libs)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ValueError(f"package {name} is not installed in {sys.executable}")
    root = Path(next(iter(spec.submodule_search_locations)))
    extra = [p for p in (root.parent / f"{name}.libs",) if p.is_dir()]
    return root, extra


def _tree(root: Path, arc: str, skip_tests: bool = False) -> list[tuple[str, bytes]]:
    files: list[tuple[str, bytes]] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames
                             if d != "__pycache__" and not (skip_tests and d == "tests"))
        for fn in sorted(filenames):
            if fn.endswith((".pyc", ".pyo")):
                continue
            path = Path(dirpath) / fn
            files.append((f"{arc}/{path.relative_to(root).as_posix()}", path.read_bytes()))
    return files


def _lo_platform() -> str | None:
    """LibreOffice's platform token of this interpreter (for an extension with binaries)."""
    plat = sysconfig.get_platform()
    machine = plat.rsplit("-", 1)[-1]
    machine = {"amd64": "x86_64", "arm64": "aarch64", "universal2": "aarch64"}.get(machine, machine)
    if plat.startswith("linux"):
        return f"linux_{machine}"
    if plat.startswith("win"):
        return f"windows_{machine}"
    if plat.startswith("macosx"):
        return f"macos_{machine}"
    return None


def extension_files(bundle_numpy: bool = False) -> list[tuple[str, bytes]]:
    """Every file of the extension as ``(path in the .oxt, bytes)``.

    ``bundle_numpy`` copies numpy of the running interpreter into ``pythonpath/``: for a
    LibreOffice whose Python is the same version on the same platform but has no numpy. The
    extension is then marked for this platform only.
    """
    platform = None
    files: list[tuple[str, bytes]] = [
        ("META-INF/manifest.xml", _MANIFEST.encode()),
        ("xlfuncs.components", _COMPONENTS.encode()),
        (COMPONENT, component_source().encode("utf-8")),
        (TYPES, type_library()),
        ("idl/XCalcFunctions.idl", idl_source().encode("utf-8")),
        ("description-en.txt", (
            "Excel functions of xlfuncs (LOCPOINTS, LOCSCORE, LOCTHRESHOLD, ...) for "
            "LibreOffice Calc, computed by the xlfuncs package shipped inside. Needs "
            f"LibreOffice with Python {sys.version_info.major}.{sys.version_info.minor} "
            "or newer and numpy.\n").encode()),
    ]
    root, _ = _package_dir("xlfuncs")
    files += [(a, b) for a, b in _tree(root, "pythonpath/xlfuncs")
              if not a.endswith("py.typed")]
    if bundle_numpy:
        import numpy

        np_root, extra = _package_dir("numpy")
        files += _tree(np_root, "pythonpath/numpy", skip_tests=True)
        for folder in extra:
            files += _tree(folder, f"pythonpath/{folder.name}")
        platform = _lo_platform()
        info = {
            "numpy": numpy.__version__,
            "python": f"{sys.version_info.major}.{sys.version_info.minor}",
            "platform": sysconfig.get_platform(),
            "abi": sysconfig.get_config_var("SOABI"),
        }
        files.append((BUNDLE_INFO, json.dumps(info, indent=1).encode()))
    files.insert(1, ("description.xml", _description_xml(platform).encode()))
    return files


def build_extension(path: str | os.PathLike[str], bundle_numpy: bool = False) -> Path:
    """Write the ``.oxt`` to ``path`` (atomically) and return the path."""
    from xlfuncs._fileio import atomic_write

    dest = Path(path)
    files = extension_files(bundle_numpy)

    def write(fh: Any) -> None:
        with zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as zf:
            for arc, data in files:
                info = zipfile.ZipInfo(arc, date_time=(2026, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                zf.writestr(info, data)

    atomic_write(dest, write)
    return dest


# ---------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------


def libreoffice_command(args: argparse.Namespace) -> int:
    """``xlfuncs libreoffice -o xlfuncs.oxt``."""
    path = Path(args.output)
    if path.is_dir():
        print(f"{path}: is a directory (give a file name such as xlfuncs.oxt)", file=sys.stderr)
        return 1
    if not path.parent.is_dir():
        print(f"{path}: directory {path.parent} does not exist", file=sys.stderr)
        return 1
    if path.exists() and not args.force:
        print(f"{path}: already exists (use --force to overwrite)", file=sys.stderr)
        return 1
    try:
        build_extension(path, bundle_numpy=args.bundle_numpy)
    except (ValueError, OSError, WorkbookError) as exc:
        print(f"xlfuncs libreoffice: {exc}", file=sys.stderr)
        return 1
    print(f"{path}: written (install: unopkg add {path}, then restart LibreOffice)", file=sys.stderr)
    return 0


def register(subparsers: Any) -> None:
    """Add the ``libreoffice`` sub-command."""
    p = subparsers.add_parser(
        "libreoffice",
        help="write the LibreOffice extension (.oxt): the functions inside Calc",
        description=(
            "Write a LibreOffice extension that makes every xlfuncs function compute inside "
            "Calc (a Python Calc add-in carrying this xlfuncs package). Install it with "
            "'unopkg add FILE' or Tools > Extension Manager, then restart LibreOffice. "
            "LibreOffice's Python must be 3.11+ and import numpy (Debian/Ubuntu: "
            "apt-get install python3-numpy), or use --bundle-numpy."
        ),
    )
    p.add_argument("-o", "--output", metavar="FILE", required=True, help="file to write, e.g. xlfuncs.oxt")
    p.add_argument(
        "--bundle-numpy", action="store_true",
        help="ship numpy of this Python inside the extension (LibreOffice's Python must be "
             "the same version on the same platform)",
    )
    p.add_argument("-f", "--force", action="store_true", help="overwrite an existing file")
    p.set_defaults(handler=libreoffice_command)
