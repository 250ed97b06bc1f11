"""Text generators for the Excel edge: the VBA wrapper module and the xlwings Lite module.

Both are generated from :data:`xlfuncs.registry.REGISTRY`, so they never drift from the
functions the library provides:

* :func:`vba_module` writes the VBA module that xlwings' *Import Functions* button would
  write for ``xlfuncs.udfs`` (one ``Function`` per Excel function calling
  ``XLPy.CallUDF``), plus a ``RegisterXlfuncsFunctions`` macro that puts the descriptions
  into Excel's Function Wizard. For users whose *Import Functions* fails: import the
  ``.bas`` file through the VBA editor instead.
* :func:`lite_module` writes a ``main.py`` for xlwings Lite (Excel on the web and Mac)
  exposing the same functions in the ``XLFUNCS`` namespace; :func:`lite_requirements`
  is the matching ``requirements.txt``.

This module also holds the small runtime adapters (:func:`cell_value`,
:func:`scalar_arg`, :func:`range_arg`, :func:`excel_result`) that translate between what
xlwings passes and the registry's calling convention. :mod:`xlfuncs.udfs` uses them and
:func:`lite_module` copies their source into ``main.py``, so both runtimes convert the
same way. Nothing here imports xlwings.

>>> print(vba_string("R&D (НИОКР)"))
"R&D (" & ChrW(1053) & ChrW(1048) & ChrW(1054) & ChrW(1050) & ChrW(1056) & ")"
>>> looks_like_cell("LOC1"), looks_like_cell("XFE1"), looks_like_cell("LOCPOINTS")
(True, False, False)
"""

from __future__ import annotations

import argparse
import datetime as dt
import inspect
import json
import keyword
import re
import sys
import textwrap
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from xlfuncs._fileio import write_bytes_atomic
from xlfuncs._version import __version__
from xlfuncs.errors import ExcelError, WorkbookError
from xlfuncs.registry import LITE_NAMESPACE, REGISTRY, FunctionSpec

__all__ = [
    "CATEGORY",
    "LITE_XLWINGS_MIN",
    "UDF_MODULE",
    "VB_NAME",
    "cell_value",
    "check_requirement",
    "check_spec",
    "default_requirement",
    "excel_result",
    "lite_command",
    "lite_module",
    "lite_requirements",
    "looks_like_cell",
    "range_arg",
    "register",
    "scalar_arg",
    "vba_command",
    "vba_module",
    "vba_string",
]

#: Function Wizard category of every xlfuncs function (classic xlwings).
CATEGORY = "xlfuncs"
#: The Python module users put in xlwings' "UDF Modules" setting.
UDF_MODULE = "xlfuncs.udfs"
#: Name of the generated VBA module; the same name xlwings' *Import Functions* uses, so a
#: later successful import replaces this module instead of duplicating every function.
VB_NAME = "xlwings_udfs"
#: Excel truncates descriptions (function and argument) at this length.
MAX_DOC = 255

# ---------------------------------------------------------------------------------------
# Runtime adapters (shared by xlfuncs.udfs and, as copied source, the Lite main.py).
# Keep them self-contained: they may only use ``dt``, ``Any`` and ``ExcelError``.
# ---------------------------------------------------------------------------------------


def cell_value(value: Any) -> Any:
    """Turn one value read by xlwings into the registry's scalar convention.

    Error cells arrive as their text (``err_to_str=True``) and become
    :class:`~xlfuncs.errors.ExcelError`; dates become Excel serial numbers (1900 date
    system); anything that is not a cell value becomes ``#VALUE!``.

    >>> cell_value("#N/A")
    <ExcelError.NA: '#N/A'>
    >>> cell_value(dt.datetime(2027, 6, 1, 12))
    46539.5
    >>> cell_value("M1"), cell_value(2.5), cell_value(None)
    ('M1', 2.5, None)
    """
    if value is None or isinstance(value, (bool, int, float, ExcelError)):
        return value
    if isinstance(value, str):
        if value.startswith("#"):
            for error in ExcelError:
                if error.value == value:
                    return error
        return value
    if isinstance(value, dt.datetime):
        delta = value.replace(tzinfo=None) - dt.datetime(1899, 12, 30)
        return delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400
    if isinstance(value, dt.date):
        return float((value - dt.date(1899, 12, 30)).days)
    try:  # numpy and other numeric scalars
        return float(value)
    except (TypeError, ValueError, OverflowError):
        return ExcelError.VALUE


def scalar_arg(value: Any) -> Any:
    """A scalar argument read with ``ndim=2``: unwrap a single cell.

    A range of more than one cell where one value is expected is ``#VALUE!``.

    >>> scalar_arg([[3.0]]), scalar_arg(3.0), scalar_arg([["#NUM!"]])
    (3.0, 3.0, <ExcelError.NUM: '#NUM!'>)
    >>> scalar_arg([[1.0, 2.0]])
    <ExcelError.VALUE: '#VALUE!'>
    """
    while isinstance(value, (list, tuple)):
        if len(value) != 1:
            return ExcelError.VALUE
        value = value[0]
    return cell_value(value)


def range_arg(value: Any) -> Any:
    """A range argument: a 2-D list of rows of cell values (``None`` stays omitted).

    >>> range_arg([["body_welding"], ["telematics"]])
    [['body_welding'], ['telematics']]
    >>> range_arg("telematics"), range_arg([1.0, 2.0]), range_arg(None)
    ([['telematics']], [[1.0, 2.0]], None)
    """
    if value is None:
        return None
    if not isinstance(value, (list, tuple)):
        return [[cell_value(value)]]
    if not value:
        return [[None]]
    if not isinstance(value[0], (list, tuple)):
        return [[cell_value(v) for v in value]]
    return [[cell_value(v) for v in row] for row in value]


def excel_result(result: Any) -> Any:
    """Turn a registry result into what xlwings writes to the sheet.

    Error values become their text: xlwings Lite shows that text as a real error cell,
    classic xlwings as text (see ``docs/excel.md``). NaN and infinities become ``#NUM!``,
    an empty array ``#N/A``.

    >>> excel_result(ExcelError.NA), excel_result(600.0), excel_result(float("nan"))
    ('#N/A', 600.0, '#NUM!')
    >>> excel_result([["procurement", 3500.0], ["loans", ExcelError.NA]])
    [['procurement', 3500.0], ['loans', '#N/A']]
    """
    if isinstance(result, ExcelError):
        return result.value
    if isinstance(result, float) and not -float("inf") < result < float("inf"):
        return ExcelError.NUM.value  # NaN or an infinity
    if isinstance(result, (list, tuple)):
        if not result or all(isinstance(r, (list, tuple)) and not r for r in result):
            return ExcelError.NA.value
        return [excel_result(r) for r in result]
    return result


_ADAPTERS = (cell_value, scalar_arg, range_arg, excel_result)

# ---------------------------------------------------------------------------------------
# Spec checks
# ---------------------------------------------------------------------------------------

_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_A1 = re.compile(r"^([A-Z]{1,3})([0-9]+)$")
_R1C1 = re.compile(r"^R[0-9]*C[0-9]*$")

#: Words VBA reserves (keywords, type names, statements and intrinsic functions that the
#: parser treats specially); none may be an argument name in the generated module.
VBA_RESERVED = frozenset(
    w.upper()
    for w in """
    Abs AddressOf And Any Array As Attribute Boolean ByRef Byte ByVal Call Case CBool CByte
    CCur CDate CDbl CDec CInt CLng CLngLng CLngPtr Close Const CSng CStr Currency CVar CVErr
    Date Debug Decimal Declare DefBool DefByte DefCur DefDate DefDbl DefDec DefInt DefLng
    DefLngLng DefLngPtr DefObj DefSng DefStr DefVar Dim Do DoEvents Double Each Else ElseIf
    Empty End EndIf Enum Eqv Erase Error Event Exit False Fix For Friend Function Get Global
    GoSub GoTo If Imp Implements In Input InputB Int Integer Is LBound Len LenB Let Like Line
    Lock Long LongLong LongPtr Loop LSet Me Mid MidB Mod Name New Next Not Nothing Null Object
    On Open Option Optional Or ParamArray Preserve Print Private Property PSet Public Put
    RaiseEvent ReDim Rem Reset Resume Return RSet Scale Seek Select Set Sgn Shared Single Spc
    Static Stop String Sub Tab Then To True Type TypeOf UBound Unlock Until Variant Wend While
    Width With WithEvents Write Xor failed
    """.split()  # noqa: SIM905 - a word list reads better than 150 quoted strings
)

#: Globals the generated wrapper bodies refer to; an argument must not shadow them.
_GENERATED_NAMES = frozenset(
    {"REGISTRY", "ARG_OPTIONS", "excel_result", "scalar_arg", "range_arg", "cell_value"}
)


def looks_like_cell(name: str) -> bool:
    """True if ``name`` would parse as a cell reference (``A1`` up to ``XFD1048576``, ``R1C1``).

    >>> looks_like_cell("TAX2024"), looks_like_cell("XLF2024"), looks_like_cell("R1C1")
    (True, False, True)
    """
    key = name.upper()
    if _R1C1.match(key):
        return True
    match = _A1.match(key)
    if not match:
        return False
    col = 0
    for ch in match.group(1):
        col = col * 26 + ord(ch) - 64
    return col <= 16384 and 1 <= int(match.group(2)) <= 1048576


def check_spec(spec: FunctionSpec) -> list[str]:
    """Everything that would make ``spec`` unusable from Excel, as messages (empty = fine).

    Checks the name (upper-case identifier, not a cell reference), the argument names
    (identifiers usable in Python and VBA, not ``caller``, unique), that optional
    arguments come last and that descriptions fit Excel's 255-character limit.
    """
    problems: list[str] = []
    name = spec.name
    if not _IDENTIFIER.match(name) or name != name.upper() or len(name) < 3:
        problems.append(f"{name}: name must be an upper-case identifier of 3+ characters")
    if looks_like_cell(name):
        problems.append(f"{name}: name looks like a cell reference")
    if not spec.description.strip():
        problems.append(f"{name}: empty description")
    if len(spec.description) > MAX_DOC:
        problems.append(f"{name}: description longer than {MAX_DOC} characters")
    seen: set[str] = set()
    optional_seen = False
    for a in spec.args:
        if not _IDENTIFIER.match(a.name) or keyword.iskeyword(a.name):
            problems.append(f"{name}: argument {a.name!r} is not a valid identifier")
        if a.name.lower() == "caller":
            problems.append(f"{name}: argument name 'caller' is reserved by xlwings")
        if a.name.upper() in VBA_RESERVED or a.name.upper() == name:
            problems.append(f"{name}: argument {a.name!r} is reserved in VBA")
        if a.name in _GENERATED_NAMES:
            problems.append(f"{name}: argument {a.name!r} is a name used by the generated code")
        if a.name.lower() in seen:
            problems.append(f"{name}: duplicate argument {a.name!r}")
        seen.add(a.name.lower())
        if len(a.doc) > MAX_DOC:
            problems.append(f"{name}: doc of {a.name!r} longer than {MAX_DOC} characters")
        if a.optional:
            optional_seen = True
        elif optional_seen:
            problems.append(f"{name}: required argument {a.name!r} after an optional one")
    return problems


def _checked(specs: Iterable[FunctionSpec] | None) -> list[FunctionSpec]:
    """The specs to generate (default: the registry), refusing unusable ones."""
    items = list(REGISTRY.values()) if specs is None else list(specs)
    problems = [p for s in items for p in check_spec(s)]
    names = [s.name for s in items]
    problems += [
        f"{n}: duplicate function name" for n in sorted({n for n in names if names.count(n) > 1})
    ]
    if problems:
        raise ValueError("cannot generate Excel wrappers: " + "; ".join(problems))
    return sorted(items, key=lambda s: s.name)


def python_signature(spec: FunctionSpec) -> str:
    """The Python parameter list of the wrapper (optional arguments default to None).

    >>> from xlfuncs.registry import Arg
    >>> args = (Arg("a", "A"), Arg("b", "B", optional=True))
    >>> python_signature(FunctionSpec("DEMO", len, "Demo.", args))
    'a, b=None'
    """
    return ", ".join(f"{a.name}=None" if a.optional else a.name for a in spec.args)


# ---------------------------------------------------------------------------------------
# VBA
# ---------------------------------------------------------------------------------------

_VBA_MAX_LINE = 240  # well below VBA's 1023-character line limit


def _vba_pieces(text: str) -> list[str]:
    """``text`` as VBA string-expression pieces: ASCII in quotes, the rest as ``ChrW``.

    A ``.bas`` file is read in the machine's ANSI code page, so non-ASCII characters
    (the Russian terms in the descriptions) are spelled with ``ChrW`` to survive any locale.
    """
    pieces: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        if buf:
            pieces.append('"' + "".join(buf) + '"')
            buf.clear()

    for ch in text:
        if ch in "\r\n\t":
            ch = " "
        code = ord(ch)
        if 32 <= code < 127:
            buf.append('""' if ch == '"' else ch)
            continue
        flush()
        if code > 0xFFFF:  # outside the BMP: UTF-16 surrogate pair
            code -= 0x10000
            pieces += [f"ChrW({0xD800 + (code >> 10)})", f"ChrW({0xDC00 + (code & 0x3FF)})"]
        else:
            pieces.append(f"ChrW({code})")
    flush()
    return pieces or ['""']


def vba_string(text: str) -> str:
    """A VBA expression for ``text`` (quotes doubled, non-ASCII as ``ChrW``)."""
    return " & ".join(_vba_pieces(text))


def _vba_assign(target: str, text: str, indent: str) -> list[str]:
    """Statements assigning ``text`` to ``target``, split so no line gets too long."""
    lines: list[str] = []
    current: list[str] = []
    for piece in _vba_pieces(text):
        prefix = f"{indent}{target} = " + ("" if not lines else f"{target} & ")
        if current and len(prefix) + len(" & ".join(current + [piece])) > _VBA_MAX_LINE:
            lines.append(prefix + " & ".join(current))
            current = []
        current.append(piece)
    prefix = f"{indent}{target} = " + ("" if not lines else f"{target} & ")
    lines.append(prefix + " & ".join(current))
    return lines


def _vba_function(spec: FunctionSpec, module_name: str, workbook: str) -> list[str]:
    """The wrapper of one function, shaped like xlwings' own generator output."""
    params = ", ".join(("Optional " if a.optional else "") + a.name for a in spec.args)
    array = "Array(" + ", ".join(a.name for a in spec.args) + ")"
    call = f'XLPy.CallUDF("{module_name}", "{spec.name}", {array}'
    lines = [f"Function {spec.name}({params})"]
    if spec.volatile:
        lines.append("    Application.Volatile")
    lines += [
        '    #If App = "Microsoft Excel" Then',
        "        If TypeOf Application.Caller Is Range Then On Error GoTo failed",
        f"        {spec.name} = {call}, {workbook}, Application.Caller)",
        "        Exit Function",
        "    #Else",
        f"        {spec.name} = {call})",
        "        Exit Function",
        "    #End If",
        "failed:",
        f"    {spec.name} = Err.Description",
        "End Function",
        "",
    ]
    return lines


def _vba_register(specs: Sequence[FunctionSpec]) -> list[str]:
    """``RegisterXlfuncsFunctions``: descriptions and categories for the Function Wizard."""
    lines = [
        "Sub RegisterXlfuncsFunctions()",
        "    ' Adds the descriptions of the xlfuncs functions to the Function Wizard",
        "    ' (Excel 2010 or later). Run it once (Alt+F8), then save the workbook.",
        "    Dim prefix As String",
        "    Dim desc As String",
        "    Dim argDocs() As Variant",
        '    prefix = "\'" & Replace(ThisWorkbook.Name, "\'", "\'\'") & "\'!"',
    ]
    for spec in specs:
        lines.append("")
        lines += _vba_assign("desc", spec.description[:MAX_DOC], "    ")
        options = f'Macro:=prefix & "{spec.name}", Description:=desc, Category:="{CATEGORY}"'
        if spec.args:
            lines.append(f"    ReDim argDocs(0 To {len(spec.args) - 1})")
            for i, a in enumerate(spec.args):
                lines += _vba_assign(f"argDocs({i})", a.doc[:MAX_DOC], "    ")
            options += ", ArgumentDescriptions:=argDocs"
        lines.append(f"    Application.MacroOptions {options}")
    lines += ["End Sub", ""]
    return lines


def vba_module(
    module_name: str = UDF_MODULE,
    addin: bool = False,
    specs: Iterable[FunctionSpec] | None = None,
) -> str:
    """The VBA wrapper module for ``module_name``, as xlwings' *Import Functions* writes it.

    ``addin=True`` targets an add-in (``.xlam``): the wrappers pass ``ActiveWorkbook``
    instead of ``ThisWorkbook``, as xlwings does for add-ins. The text uses CRLF line
    endings and only ASCII characters. Raises :class:`ValueError` if a spec is unusable
    (see :func:`check_spec`).

    >>> from xlfuncs.registry import Arg
    >>> demo = FunctionSpec("DEMO", len, "Demo.", (Arg("a", "A"), Arg("b", "B", optional=True)))
    >>> text = vba_module(specs=[demo])
    >>> "Function DEMO(a, Optional b)\\r\\n" in text
    True
    >>> 'DEMO = XLPy.CallUDF("xlfuncs.udfs", "DEMO", Array(a, b), ThisWorkbook,' in text
    True
    """
    if not re.match(r"^[A-Za-z_][A-Za-z0-9_.]*$", module_name):
        raise ValueError(f"not a Python module name: {module_name!r}")
    items = _checked(specs)
    workbook = "ActiveWorkbook" if addin else "ThisWorkbook"
    lines = [
        f'Attribute VB_Name = "{VB_NAME}"',
        f"' xlfuncs {__version__}: Excel functions for localization points (Resolution 719).",
        "' Generated by 'xlfuncs excel-vba' from the function registry; regenerate, do not edit.",
        f"' Needs the xlwings add-in (it provides XLPy) and UDF Modules = {module_name}.",
        "' Run RegisterXlfuncsFunctions once to fill in the Function Wizard descriptions.",
        '#Const App = "Microsoft Excel" \'Adjust when using outside of Excel',
        "",
    ]
    for spec in items:
        lines += _vba_function(spec, module_name, workbook)
    lines += _vba_register(items)
    return "\r\n".join(lines)


# ---------------------------------------------------------------------------------------
# xlwings Lite
# ---------------------------------------------------------------------------------------


#: The first xlwings whose Lite runtime reads the module-level ``__xlwings_func_namespace__``
#: that :func:`lite_module` sets (xlwings 0.36.13, 2 August 2026). Older versions register the
#: functions without the ``XLFUNCS.`` namespace. The other features the module uses are older:
#: ``@func(volatile=)``, ``@arg(doc=, **options)`` and ``@ret()`` (Office.js custom functions,
#: 0.30.0), ``err_to_str`` (0.28.0), importing ``func``/``arg``/``ret`` from ``xlwings`` itself
#: (0.33.9). pyproject.toml's floor is the same version (a test checks).
LITE_XLWINGS_MIN = "0.36.13"


def default_requirement() -> str:
    """The xlfuncs line of ``requirements.txt`` unless one is given: this exact version.

    xlfuncs is on no package index, so Lite cannot install this line: it is a placeholder
    for the URL of a wheel the user hosts (``xlfuncs lite --requirement URL``).
    """
    return f"xlfuncs=={__version__}"


def check_requirement(requirement: str) -> str:
    """``requirement`` as one ``requirements.txt`` line, or :class:`ValueError` saying why not.

    Lite installs in the browser with micropip: a wheel URL (``https://.../x.whl``), a
    ``name @ URL`` or a ``name==version`` from an index work; a path on this machine, an
    sdist or a ``git+`` URL cannot.

    >>> check_requirement(" https://example.org/xlfuncs-0.1.0-py3-none-any.whl ")
    'https://example.org/xlfuncs-0.1.0-py3-none-any.whl'
    >>> check_requirement("dist/xlfuncs-0.1.0-py3-none-any.whl")
    Traceback (most recent call last):
    ...
    ValueError: dist/xlfuncs-0.1.0-py3-none-any.whl: xlwings Lite runs in the browser and cannot read files on this machine; host the wheel at an https URL and give that URL
    """
    text = requirement.strip()
    if not text or "\n" in text or "\r" in text or text.startswith("#"):
        raise ValueError(f"{requirement!r}: give one requirement line (a wheel URL or name==version)")
    location = text.split(" @ ", 1)[1].strip() if " @ " in text else text
    lower = location.lower()
    if lower.startswith("git+"):
        raise ValueError(
            f"{text}: xlwings Lite (micropip) cannot install from git; build the wheel "
            "(python -m build) and give the https URL where it is hosted"
        )
    if lower.startswith("file:") or (
        "://" not in lower and ("/" in lower or "\\" in lower or lower.endswith(".whl"))
    ):
        raise ValueError(
            f"{text}: xlwings Lite runs in the browser and cannot read files on this machine; "
            "host the wheel at an https URL and give that URL"
        )
    if "://" in lower and lower.endswith((".tar.gz", ".zip")):
        raise ValueError(f"{text}: xlwings Lite (micropip) installs wheels only; give the URL of the .whl")
    return text


def lite_requirements(requirement: str | None = None) -> str:
    """The ``requirements.txt`` of the Lite workbook: the xlwings floor and xlfuncs.

    ``requirement`` is the xlfuncs line: the URL of a wheel you host (or ``name==version``
    on an index Lite can reach); default :func:`default_requirement`, which no public index
    serves, so it must be replaced.

    >>> print(lite_requirements("https://example.org/xlfuncs-0.1.0-py3-none-any.whl"), end="")
    xlwings>=0.36.13
    https://example.org/xlfuncs-0.1.0-py3-none-any.whl
    >>> lite_requirements().splitlines()[1].startswith("xlfuncs==")
    True
    """
    line = default_requirement() if requirement is None else check_requirement(requirement)
    return f"xlwings>={LITE_XLWINGS_MIN}\n{line}\n"


def _py(text: str) -> str:
    """A double-quoted Python string literal (a JSON string is one).

    >>> print(_py('say "да"'))
    "say \\"да\\""
    """
    return json.dumps(text, ensure_ascii=False)


def _lite_function(spec: FunctionSpec) -> list[str]:
    lines = [f"@func(volatile={spec.volatile!r})"]
    for a in spec.args:
        lines.append(f"@arg({_py(a.name)}, doc={_py(a.doc[:MAX_DOC])}, **ARG_OPTIONS)")
    lines.append("@ret()")
    lines.append(f"def {spec.name}({python_signature(spec)}):")
    lines.append(f"    {_py(spec.description[:MAX_DOC])}")
    lines.append(f"    return excel_result(REGISTRY[{_py(spec.name)}].invoke(")
    for a in spec.args:
        lines.append(f"        {'range_arg' if a.kind == 'range' else 'scalar_arg'}({a.name}),")
    lines.append("    ))")
    lines += ["", ""]
    return lines


#: Converter options of every argument (classic and Lite): always 2-D, so shapes never
#: depend on xlwings' default; numbers as float, blanks as None, error cells as their text.
ARG_OPTIONS: dict[str, Any] = {"ndim": 2, "numbers": float, "empty": None, "err_to_str": True}


def lite_module(specs: Iterable[FunctionSpec] | None = None) -> str:
    """The ``main.py`` of an xlwings Lite workbook exposing every xlfuncs function.

    Functions keep their names in the ``XLFUNCS`` namespace (``=XLFUNCS.LOCPOINTS(...)``);
    each delegates to ``REGISTRY[NAME].invoke`` and returns error values as their text,
    which Lite shows as real error cells.

    >>> compile(lite_module(), "main.py", "exec") is not None
    True
    """
    items = _checked(specs)
    adapters = "\n\n".join(inspect.getsource(f) for f in _ADAPTERS)
    names = textwrap.fill(
        "Functions: " + ", ".join(s.name for s in items) + f", in the {LITE_NAMESPACE} namespace"
        f" (e.g. ={LITE_NAMESPACE}.LOCPOINTS(...)).",
        width=92,
    )
    head = f'''"""xlwings Lite functions of xlfuncs {__version__} (localization points, Res. 719).

Generated by `xlfuncs lite` from the xlfuncs function registry: paste this file into the
main.py tab of xlwings Lite and the two lines of the generated requirements.txt
(xlwings>={LITE_XLWINGS_MIN} and the URL of the xlfuncs {__version__} wheel you host) into the
requirements.txt tab, then restart xlwings Lite.
{names}
Error results (#VALUE!, #NUM!, #N/A) are real Excel error values in Lite.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from xlwings import arg, func, ret

from xlfuncs.errors import ExcelError
from xlfuncs.registry import REGISTRY

__xlwings_func_namespace__ = {_py(LITE_NAMESPACE)}

# Every argument is read as a 2-D range; numbers as float, blanks as None, error cells as text.
ARG_OPTIONS = {{"ndim": 2, "numbers": float, "empty": None, "err_to_str": True}}


'''
    body: list[str] = []
    for spec in items:
        body += _lite_function(spec)
    return head + adapters + "\n\n" + "\n".join(body).rstrip("\n") + "\n"


# ---------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------


def _write_outputs(outputs: list[tuple[Path, bytes]], force: bool) -> int:
    """Write every file or none: refuse existing files without ``force``; 0 or 1."""
    existing = [p for p, _ in outputs if p.exists()]
    if existing and not force:
        for p in existing:
            print(f"{p}: already exists (use --force to overwrite)", file=sys.stderr)
        return 1
    for p, data in outputs:
        try:
            write_bytes_atomic(p, data)
        except WorkbookError as exc:
            print(f"{p}: {exc}", file=sys.stderr)
            return 1
        except OSError as exc:
            print(f"{p}: cannot write: {exc.strerror or exc}", file=sys.stderr)
            return 1
        print(f"{p}: written", file=sys.stderr)
    return 0


def vba_command(args: argparse.Namespace) -> int:
    """``xlfuncs excel-vba``: write the VBA wrapper module (stdout without ``-o``)."""
    try:
        text = vba_module(getattr(args, "module", UDF_MODULE), addin=getattr(args, "addin", False))
    except ValueError as exc:
        print(f"xlfuncs excel-vba: {exc}", file=sys.stderr)
        return 1
    output = getattr(args, "output", None)
    if not output:
        sys.stdout.write(text.replace("\r\n", "\n"))
        return 0
    path = Path(output)
    if path.is_dir():
        print(f"{path}: is a directory (give a file name such as xlfuncs.bas)", file=sys.stderr)
        return 1
    if not path.parent.is_dir():
        print(f"{path}: directory {path.parent} does not exist", file=sys.stderr)
        return 1
    return _write_outputs([(path, text.encode("ascii"))], getattr(args, "force", False))


def lite_command(args: argparse.Namespace) -> int:
    """``xlfuncs lite``: write ``main.py`` and ``requirements.txt`` (no ``-o``: print main.py)."""
    requirement = getattr(args, "requirement", None)
    try:
        text = lite_module()
        requirements = lite_requirements(requirement)
    except (ValueError, OSError) as exc:
        print(f"xlfuncs lite: {exc}", file=sys.stderr)
        return 2 if requirement is not None and isinstance(exc, ValueError) else 1
    output = getattr(args, "output", None)
    if not output:
        sys.stdout.write(text)
        return 0
    directory = Path(output)
    if directory.exists() and not directory.is_dir():
        print(f"{directory}: not a directory", file=sys.stderr)
        return 1
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"{directory}: cannot create: {exc.strerror or exc}", file=sys.stderr)
        return 1
    outputs = [
        (directory / "main.py", text.encode("utf-8")),
        (directory / "requirements.txt", requirements.encode("utf-8")),
    ]
    status = _write_outputs(outputs, getattr(args, "force", False))
    if status == 0 and requirement is None:
        print(
            f"{directory / 'requirements.txt'}: note: {default_requirement()} is on no package "
            "index, so Lite cannot install it; host the wheel (python -m build writes it to "
            "dist/) and run again with --requirement https://.../"
            f"xlfuncs-{__version__}-py3-none-any.whl, or replace that line in the tab",
            file=sys.stderr,
        )
    return status


def register(subparsers: Any) -> None:
    """Add the ``excel-vba`` and ``lite`` sub-commands to the ``xlfuncs`` command."""
    vba = subparsers.add_parser(
        "excel-vba",
        help="write the VBA wrapper module (for when xlwings' Import Functions fails)",
        description=(
            "Write the VBA module that xlwings' Import Functions would create for xlfuncs.udfs. "
            "Import it in the VBA editor (File > Import File), then run "
            "RegisterXlfuncsFunctions once."
        ),
    )
    vba.add_argument(
        "-o", "--output", metavar="FILE", help="file to write, e.g. xlfuncs.bas (default: stdout)"
    )
    vba.add_argument(
        "--addin", action="store_true", help="for an add-in (.xlam): pass ActiveWorkbook"
    )
    vba.add_argument(
        "--module", default=UDF_MODULE, help=f"Python UDF module (default: {UDF_MODULE})"
    )
    vba.add_argument("-f", "--force", action="store_true", help="overwrite an existing file")
    vba.set_defaults(handler=vba_command)

    lite = subparsers.add_parser(
        "lite",
        help="write main.py and requirements.txt for xlwings Lite",
        description=(
            "Write a main.py exposing the xlfuncs functions in xlwings Lite, "
            "and its requirements.txt."
        ),
    )
    lite.add_argument(
        "-o", "--output", metavar="DIR", help="directory to write into (default: main.py to stdout)"
    )
    lite.add_argument(
        "-r",
        "--requirement",
        metavar="SPEC",
        help=(
            "the xlfuncs line of requirements.txt: the https URL of the wheel you host "
            f"(default: {default_requirement()}, a placeholder: xlfuncs is on no package index)"
        ),
    )
    lite.add_argument("-f", "--force", action="store_true", help="overwrite existing files")
    lite.set_defaults(handler=lite_command)
