"""The registry of Excel built-ins and its declarative argument coercion.

A built-in is a plain Python function registered with :func:`registrar`'s decorator, which
states the kind of each argument in one string, as pycel's ``excel_helper`` marks
parameters:

>>> reg = registrar("math", _into={})
>>> @reg("HALF", "number, integer=0")
... def HALF(x: float, digits: int) -> float:
...     return round(x / 2, digits)
>>> spec = _LAST[0]
>>> spec.call("3", True), spec.call(None), spec.call("x")
(1.5, 0.0, <ExcelError.VALUE: '#VALUE!'>)
>>> spec.arity_error(3)
'HALF takes 1 to 2 arguments, got 3'

Argument kinds (one per parameter, comma-separated):

* ``number``: a number (blank -> 0, TRUE -> 1, numeric text -> its number); an error
  argument is returned as the result; ``integer``: the same, truncated toward zero;
* ``text``: text (numbers as General shows them, TRUE -> ``"TRUE"``, blank -> ``""``);
* ``bool``: a logical (numbers: non-zero is TRUE; text ``"TRUE"``/``"FALSE"`` only);
* ``scalar``: one value as it is (blank is ``None``); an error argument is the result;
* ``any``: one value as it is, errors included (ISERROR, IFERROR-like functions);
* ``ref``: a reference (:class:`~xlfuncs.recalc.values.Rng`), an array (2-D list) or a
  value, untouched: the function reads it.

``kind=default`` makes an argument optional; the default is a Python literal (``0``,
``1.5``, ``TRUE``/``FALSE``, ``"text"``, ``None``) or ``-``: not passed (the function's own
signature default, which must be ``None``, for functions that tell an omitted argument from
a blank one). An
argument that is written but empty, or a blank cell, is coerced like a blank (0, ``""``,
FALSE), as Excel does; only an argument left out takes the default. A trailing ``kind*``
repeats (zero or more), ``kind+`` (one or more); several trailing repeating kinds repeat as a
group (SUMIFS: ``"ref, ref+, scalar+"``).

Arity (the count of required and allowed arguments) comes from the string, so the compiler
rejects a wrong argument count when it compiles the formula (:meth:`FunctionSpec.arity_error`).

Scalar kinds (all but ``ref``) are *lifted*: in an array formula an array given where one
value is expected makes the function apply element by element (:attr:`FunctionSpec.lifted`),
as Excel does; ``ref`` arguments pass through whole.

The wrapper of each function is generated once at import (one Python function with the
coercions written out), so a call costs about what the hand-written checks cost.
"""

from __future__ import annotations

import datetime as _dt
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from xlfuncs.errors import ExcelError
from xlfuncs.recalc.values import Rng, as_rows, date_to_serial, to_bool, to_num, to_scalar, to_text

__all__ = [
    "CATEGORIES",
    "Ctx",
    "FunctionSpec",
    "Param",
    "REGISTRY",
    "XErr",
    "registrar",
]

ERR = ExcelError

#: the categories functions are filed under (docs/functions.md follows this order)
CATEGORIES = (
    "logical", "information", "math", "statistical", "lookup", "text", "date", "financial",
    "engineering", "dynamic", "database",
)

KINDS = ("number", "integer", "text", "bool", "scalar", "any", "ref")
#: kinds that take one value (an array there lifts the function)
SCALAR_KINDS = frozenset(KINDS) - {"ref"}


class Ctx:
    """Evaluation context of the workbook: its date system, today's date and the code page
    of CHAR/CODE (``mac``: Excel for Mac's Mac Roman, else Windows' cp1252)."""

    __slots__ = ("date1904", "today", "now", "mac")

    def __init__(
        self, date1904: bool = False, today: _dt.date | None = None, mac: bool = False
    ) -> None:
        self.date1904 = date1904
        self.mac = mac
        if today is None:
            now = _dt.datetime.now()
            self.today = float(date_to_serial(now.date(), date1904))
            self.now = self.today + (now.hour * 3600 + now.minute * 60 + now.second) / 86400.0
        else:
            self.today = float(date_to_serial(today, date1904))
            self.now = self.today


class XErr(Exception):
    """Raised inside a built-in to return an Excel error value."""

    def __init__(self, err: ExcelError) -> None:
        self.err = err


#: a default that is not passed: the function's own signature default applies
NOT_PASSED: Any = type("NotPassed", (), {"__repr__": lambda self: "NOT_PASSED"})()
_REQUIRED: Any = type("Required", (), {"__repr__": lambda self: "REQUIRED"})()


@dataclass(frozen=True)
class Param:
    """One declared argument: its kind, its default (``REQUIRED`` when it has none) and
    whether it repeats (``"*"``: zero or more, ``"+"``: one or more, ``""``: once)."""

    kind: str
    default: Any = _REQUIRED
    repeat: str = ""

    @property
    def optional(self) -> bool:
        return self.default is not _REQUIRED or self.repeat == "*"


@dataclass
class FunctionSpec:
    """A registered built-in: how it is called, coerced, documented."""

    name: str
    category: str
    params: tuple[Param, ...]
    fn: Callable[..., Any]
    #: the function with coercion and error handling (what generated code calls)
    call: Callable[..., Any] = field(repr=False, default=None)  # type: ignore[assignment]
    #: :attr:`call` applied element by element over arrays in scalar positions
    lifted: Callable[..., Any] = field(repr=False, default=None)  # type: ignore[assignment]
    #: the value arguments arrive as zero-argument callables (IF, CHOOSE...)
    lazy: bool = False
    #: the first argument is the evaluation context (:class:`Ctx`)
    ctx: bool = False
    #: the first arguments are the engine environment, the sheet and the cell (INDIRECT)
    env: bool = False
    #: recomputed on every recalculation in Excel (RAND, NOW, OFFSET, INDIRECT)
    volatile: bool = False
    #: the cells it reads are known only when it runs (OFFSET, INDIRECT)
    dynamic_ref: bool = False
    #: may return a reference or an array (implicitly intersected in a cell formula)
    array: bool = False
    #: an Analysis ToolPak function (EDATE, CONVERT, DEC2BIN...): a logical or a multi-cell
    #: array where a number is expected is ``#VALUE!`` (they do not lift over arrays)
    atp: bool = False
    #: "ok" (Excel's documented semantics) or "partial" (see :attr:`note`)
    status: str = "ok"
    note: str = ""
    aliases: tuple[str, ...] = ()

    @property
    def fixed(self) -> tuple[Param, ...]:
        return tuple(p for p in self.params if not p.repeat)

    @property
    def group(self) -> tuple[Param, ...]:
        return tuple(p for p in self.params if p.repeat)

    @property
    def min_args(self) -> int:
        n = 0
        for p in self.fixed:
            if p.default is not _REQUIRED:
                break
            n += 1
        if any(p.repeat == "+" for p in self.group):
            n = len(self.fixed) + len(self.group)
        return n

    @property
    def max_args(self) -> int:
        return 255 if self.group else len(self.fixed)

    def arity_error(self, n: int) -> str | None:
        """Why ``n`` arguments are wrong for this function (``None`` when they are fine)."""
        lo, hi = self.min_args, self.max_args
        if lo <= n <= hi:
            return None
        if lo == hi:
            want = f"{lo} argument{'s' if lo != 1 else ''}"
        elif hi == 255:
            want = f"at least {lo} argument{'s' if lo != 1 else ''}"
        else:
            want = f"{lo} to {hi} arguments"
        return f"{self.name} takes {want}, got {n}"

    def empty_is_default(self, i: int) -> bool:
        """Whether an empty argument (``LINEST(y,x,,TRUE)``) takes the default, as Excel
        does for its logical options; elsewhere an empty argument is a blank."""
        fixed = self.fixed
        if i >= len(fixed):
            return False
        p = fixed[i]
        return p.kind == "bool" and p.default is not _REQUIRED and p.default is not NOT_PASSED

    def kind_at(self, i: int) -> str:
        """The kind of the ``i``-th argument (0-based) of a call."""
        fixed = self.fixed
        if i < len(fixed):
            return fixed[i].kind
        group = self.group
        if not group:
            return "any"
        return group[(i - len(fixed)) % len(group)].kind

    @property
    def signature(self) -> str:
        """The argument list as the docs show it: ``ROUND(number, integer=0)``."""
        parts = []
        for p in self.params:
            s = p.kind + p.repeat
            if p.default is NOT_PASSED:
                s = f"[{s}]"
            elif p.default is not _REQUIRED:
                s += "=" + ("TRUE" if p.default is True else "FALSE" if p.default is False
                            else repr(p.default) if not isinstance(p.default, float)
                            else f"{p.default:g}")
            parts.append(s)
        return f"{self.name}({', '.join(parts)})"


class _Registry(dict[str, FunctionSpec]):
    """Every built-in by upper-case name (aliases included), its category module imported
    on the first lookup of one of its names (:data:`~._index.MODULES` says which module
    registers a name), so a workbook pays only for the categories it calls. Iterating
    imports them all."""

    __slots__ = ()

    def _find(self, name: str) -> FunctionSpec | None:
        from xlfuncs.recalc.functions._index import MODULES

        module = MODULES.get(name) if type(name) is str else None
        if module is None:
            return None
        import importlib

        importlib.import_module(f"xlfuncs.recalc.functions.{module}")
        return dict.get(self, name)

    def __missing__(self, name: str) -> FunctionSpec:
        spec = self._find(name)
        if spec is None:
            raise KeyError(name)
        return spec

    def get(self, name: str, default: Any = None) -> Any:
        spec = dict.get(self, name)
        if spec is None:
            spec = self._find(name)
        return default if spec is None else spec

    def __contains__(self, name: object) -> bool:
        return dict.__contains__(self, name) or (
            type(name) is str and self._find(name) is not None
        )

    def load_all(self) -> None:
        """Import every category module (each registers its functions)."""
        import importlib

        from xlfuncs.recalc.functions import SUBMODULES

        for module in SUBMODULES:
            importlib.import_module(f"xlfuncs.recalc.functions.{module}")

    def __iter__(self) -> Any:
        self.load_all()
        return dict.__iter__(self)

    def __len__(self) -> int:
        self.load_all()
        return dict.__len__(self)

    def keys(self) -> Any:
        self.load_all()
        return dict.keys(self)

    def values(self) -> Any:
        self.load_all()
        return dict.values(self)

    def items(self) -> Any:
        self.load_all()
        return dict.items(self)


#: every built-in by upper-case name (aliases included); see :class:`_Registry`
REGISTRY: dict[str, FunctionSpec] = _Registry()
_LAST: list[FunctionSpec] = []
#: name -> the category module that registered it (for the index of names, ``_index.py``)
ORIGIN: dict[str, str] = {}


def _parse_default(text: str) -> Any:
    t = text.strip()
    if t == "-":
        return NOT_PASSED
    up = t.upper()
    if up == "TRUE":
        return True
    if up == "FALSE":
        return False
    if up == "NONE":
        return None
    if t[:1] in "\"'" and t[-1:] == t[:1]:
        return t[1:-1]
    try:
        return float(t) if any(ch in t for ch in ".eE") else int(t)
    except ValueError:
        raise ValueError(f"bad default {text!r}") from None


def parse_params(spec: str) -> tuple[Param, ...]:
    """``"number, integer=0, ref*"`` -> its :class:`Param` tuple."""
    out: list[Param] = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        kind, eq, default = part.partition("=")
        kind = kind.strip()
        repeat = ""
        if kind[-1:] in "*+":
            kind, repeat = kind[:-1], kind[-1]
        if kind not in KINDS:
            raise ValueError(f"unknown argument kind {kind!r} in {spec!r}")
        if out and out[-1].repeat and not repeat:
            raise ValueError(f"a repeating argument must come last in {spec!r}")
        out.append(Param(kind, _parse_default(default) if eq else _REQUIRED, repeat))
    return tuple(out)


# ------------------------------------------------------------------ coercion helpers
# used by the generated wrappers for repeating arguments and by function bodies


def c_number(v: Any) -> float:
    t = type(v)
    if t is float or t is int:
        return v  # type: ignore[no-any-return]
    x = to_num(v)
    if type(x) is ExcelError:
        raise XErr(x)
    return x  # type: ignore[return-value]


def c_integer(v: Any) -> int:
    x = c_number(v)
    try:
        return int(x) if type(x) is int else math.trunc(x)
    except (OverflowError, ValueError):
        raise XErr(ERR.NUM) from None


def c_text(v: Any) -> str:
    if type(v) is str:
        return v
    x = to_text(v)
    if type(x) is ExcelError:
        raise XErr(x)
    return x  # type: ignore[return-value]


def c_bool(v: Any) -> bool:
    if v is True or v is False:
        return v
    x = to_bool(v)
    if type(x) is ExcelError:
        raise XErr(x)
    return x  # type: ignore[return-value]


def c_scalar(v: Any) -> Any:
    t = type(v)
    if t is Rng or t is list:
        v = to_scalar(v)
        t = type(v)
    if t is ExcelError:
        raise XErr(v)
    return v


def c_any(v: Any) -> Any:
    t = type(v)
    if t is Rng or t is list:
        return to_scalar(v)
    return v


def c_ref(v: Any) -> Any:
    return v


COERCE: dict[str, Callable[[Any], Any]] = {
    "number": c_number, "integer": c_integer, "text": c_text, "bool": c_bool,
    "scalar": c_scalar, "any": c_any, "ref": c_ref,
}

# inline coercion of one fixed argument ``{x}`` in the generated wrapper
_INLINE = {
    "number": (
        "t = type({x})\n"
        "if t is not float and t is not int:\n"
        "    {x} = to_num({x})\n"
        "    if type({x}) is ERR:\n"
        "        return {x}\n"
    ),
    "integer": (
        "t = type({x})\n"
        "if t is not int:\n"
        "    if t is not float:\n"
        "        {x} = to_num({x})\n"
        "        if type({x}) is ERR:\n"
        "            return {x}\n"
        "    {x} = trunc({x})\n"
    ),
    "text": (
        "if type({x}) is not str:\n"
        "    {x} = to_text({x})\n"
        "    if type({x}) is ERR:\n"
        "        return {x}\n"
    ),
    "bool": (
        "if {x} is not True and {x} is not False:\n"
        "    {x} = to_bool({x})\n"
        "    if type({x}) is ERR:\n"
        "        return {x}\n"
    ),
    "scalar": (
        "t = type({x})\n"
        "if t is Rng or t is list:\n"
        "    {x} = to_scalar({x})\n"
        "    t = type({x})\n"
        "if t is ERR:\n"
        "    return {x}\n"
    ),
    "any": (
        "t = type({x})\n"
        "if t is Rng or t is list:\n"
        "    {x} = to_scalar({x})\n"
    ),
    "ref": "",
}


#: compiled wrapper factories by source (one per argument pattern)
_FACTORIES: dict[str, Callable[..., Any]] = {}


def _make_call(spec: FunctionSpec) -> Callable[..., Any]:
    """Generate the coercing wrapper of ``spec.fn``."""
    fixed = spec.fixed
    group = spec.group
    prefix = ["ctx"] if spec.ctx else ["env", "sheet", "row", "col"] if spec.env else []
    names = [f"a{i}" for i in range(len(fixed))]
    params = list(prefix)
    for x, p in zip(names, fixed):
        params.append(x if p.default is _REQUIRED else f"{x}=_NO")
    if group:
        params.append("*rest")
    lines = [f"def call({', '.join(params)}):", "    try:"]
    body: list[str] = []
    passed = list(prefix)
    for i, (x, p) in enumerate(zip(names, fixed)):
        code = _INLINE[p.kind].format(x=x)
        if spec.atp and p.kind in SCALAR_KINDS:
            code = (
                f"if type({x}) is list or type({x}) is Rng:\n"
                f"    if len({x}) != 1 or len({x}[0]) != 1 if type({x}) is list else "
                f"{x}.r1 != {x}.r2 or {x}.c1 != {x}.c2:\n"
                "        return ERR.VALUE\n"
                + (f"if type({x}) is bool:\n    return ERR.VALUE\n"
                   if p.kind in ("number", "integer") else "")
                + code
            )
        if p.default is _REQUIRED:
            body += code.splitlines()
        elif p.default is NOT_PASSED:
            body.append(f"if {x} is not _NO:")
            body += ["    " + ln for ln in code.splitlines()] or ["    pass"]
        else:
            body.append(f"if {x} is _NO:")
            body.append(f"    {x} = _D{i}")
            if code:
                body.append("else:")
                body += ["    " + ln for ln in code.splitlines()]
    tail = ""
    if group:
        kinds = [p.kind for p in group]
        if all(k == "ref" for k in kinds):
            tail = "*rest"
        else:
            body.append("rest = [_CG[i % _NG](v) for i, v in enumerate(rest)]")
            tail = "*rest"
    has_not_passed = any(p.default is NOT_PASSED for p in fixed)
    if has_not_passed:
        body.append(f"args = [{', '.join(names)}]")
        body.append("while args and args[-1] is _NO:")
        body.append("    args.pop()")
        # one left out before one given: the function's default for it is None
        body.append("args = [None if x is _NO else x for x in args]")
        call_args = ", ".join(passed + ["*args"] + ([tail] if tail else []))
    else:
        call_args = ", ".join(passed + names + ([tail] if tail else []))
    body.append(f"return fn({call_args})")
    lines += ["        " + ln for ln in body]
    lines += [
        "    except XErr as e:",
        "        return e.err",
        "    except ZeroDivisionError:",
        "        return ERR.DIV0",
        "    except (OverflowError, ValueError):",
        "        return ERR.NUM",
        "    except (TypeError, IndexError, KeyError, AttributeError):",
        "        return ERR.VALUE",
    ]
    defaults = [(f"_D{i}", p.default) for i, p in enumerate(fixed)
                if p.default is not _REQUIRED and p.default is not NOT_PASSED]
    # the source depends only on the argument pattern: one factory per pattern, made once
    head = "def factory(fn, _CG, _NG" + "".join(f", {n}" for n, _ in defaults) + "):"
    src = "\n".join([head] + ["    " + ln for ln in lines] + ["    return call"])
    factory = _FACTORIES.get(src)
    if factory is None:
        ns: dict[str, Any] = {
            "ERR": ExcelError, "XErr": XErr, "_NO": NOT_PASSED, "Rng": Rng, "to_num": to_num,
            "to_text": to_text, "to_bool": to_bool, "to_scalar": to_scalar, "trunc": _trunc,
        }
        exec(compile(src, "<xlfuncs-builtin-wrapper>", "exec"), ns)  # noqa: S102  (our own source)
        factory = _FACTORIES[src] = ns["factory"]
    call: Callable[..., Any] = factory(
        spec.fn, [COERCE[p.kind] for p in group], len(group) or 1, *(v for _, v in defaults)
    )
    call.__name__ = spec.name.replace(".", "_")
    call.__doc__ = spec.fn.__doc__
    call.__wrapped__ = spec.fn  # type: ignore[attr-defined]
    return call


def _trunc(x: float) -> int:
    return math.trunc(x)


def _make_lifted(spec: FunctionSpec, call: Callable[..., Any]) -> Callable[..., Any] | None:
    """``call`` applied element by element when a scalar-kind argument is an array (Excel's
    lifting), with 1-row/1-column arrays broadcast and ``#N/A`` outside a smaller array."""
    nprefix = 1 if spec.ctx else 4 if spec.env else 0
    if spec.atp or not any(p.kind in SCALAR_KINDS for p in spec.params):
        return None
    kind_at = spec.kind_at

    def lifted(*args: Any) -> Any:
        pos = []
        for i in range(nprefix, len(args)):
            t = type(args[i])
            if (t is list or t is Rng) and kind_at(i - nprefix) in SCALAR_KINDS:
                pos.append(i)
        if not pos:
            return call(*args)
        arrs = {i: as_rows(args[i]) for i in pos}
        nr = max(len(a) for a in arrs.values())
        nc = max(len(a[0]) if a else 0 for a in arrs.values())
        out = []
        vals = list(args)
        for r in range(nr):
            row = []
            for c in range(nc):
                bad = False
                for i, a in arrs.items():
                    h = len(a)
                    w = len(a[0]) if h else 0
                    if (h > 1 and r >= h) or (w > 1 and c >= w) or not w:
                        bad = True
                        break
                    vals[i] = a[r if h > 1 else 0][c if w > 1 else 0]
                row.append(ERR.NA if bad else call(*vals))
            out.append(row)
        return out

    lifted.__name__ = "lifted_" + spec.name.replace(".", "_")
    return lifted


def registrar(
    category: str, _into: dict[str, FunctionSpec] | None = None
) -> Callable[..., Callable[[Callable[..., Any]], Callable[..., Any]]]:
    """The decorator of one module's functions, filed under ``category``.

    ``@reg(*names, args, lazy=, ctx=, env=, volatile=, dynamic_ref=, array=, status=,
    note=)``: the first name is the function, the others are aliases (``"STDEV.S"``).
    """
    if category not in CATEGORIES:
        raise ValueError(f"unknown category {category!r}")
    table = REGISTRY if _into is None else _into
    #: the module that registers these functions (what the index of names records)
    module = str(sys._getframe(1).f_globals.get("__name__", "")).rpartition(".")[2]

    def reg(
        *names_and_args: str,
        lazy: bool = False,
        ctx: bool = False,
        env: bool = False,
        volatile: bool = False,
        dynamic_ref: bool = False,
        array: bool = False,
        atp: bool = False,
        status: str = "ok",
        note: str = "",
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        *names, args = names_and_args
        if not names:
            raise ValueError("a name and an argument string are needed")

        def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
            spec = FunctionSpec(
                name=names[0], category=category, params=parse_params(args), fn=fn,
                lazy=lazy, ctx=ctx, env=env, volatile=volatile, dynamic_ref=dynamic_ref, atp=atp,
                array=array or dynamic_ref, status="partial" if note and status == "ok" else status,
                note=note,
                aliases=tuple(names[1:]),
            )
            if lazy:
                spec.call = fn
            else:
                spec.call = _make_call(spec)
                spec.lifted = _make_lifted(spec, spec.call)  # type: ignore[assignment]
            for n in names:
                if dict.__contains__(table, n):  # not the registry's import on a miss
                    raise ValueError(f"{n} is registered twice")
                table[n] = spec
                if _into is None:
                    ORIGIN[n] = module
            _LAST[:] = [spec]
            return spec.call

        return deco

    return reg
