"""The compiled formula evaluator: :func:`evaluate` a :class:`WorkbookData`.

Each formula is normalised to its *shape* (references relative to its anchor), each shape
is compiled once to a Python function (:mod:`~xlfuncs.recalc.compiler`, cached by
:mod:`~xlfuncs.recalc.plancache`) and bound once per sheet; cells are then evaluated in
dependency order (iteratively, no recursion), each reading the values of the cells it
references from one value store.

>>> from xlfuncs.recalc.model import FormulaCell, SheetData, WorkbookData
>>> sh = SheetData("S", values={(1, 1): 2.0, (2, 1): 3.0})
>>> sh.formulas[(3, 1)] = FormulaCell("SUM(A1:A2)*B3", (3, 1))
>>> sh.formulas[(3, 2)] = FormulaCell("ROUND(A1/3,2)", (3, 2))
>>> res = evaluate(WorkbookData([sh]), cache=PlanCache(disk=False))
>>> res.values[(0, 3, 1)], res.values[(0, 3, 2)]
(3.35, 0.67)
"""

from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import re
import time
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from itertools import chain, repeat
from operator import itemgetter
from typing import Any

from xlfuncs._a1 import column_letters
from xlfuncs.errors import ExcelError
from xlfuncs.recalc import builtins as B
from xlfuncs.recalc.model import EvalResult, WorkbookData
from xlfuncs.recalc.parser import FormulaSyntaxError, col_number, normalize, split_a1
from xlfuncs.recalc.plancache import PlanCache
from xlfuncs.recalc.session import RecalcSession, default_session
from xlfuncs.recalc.tables import TableIndex
from xlfuncs.recalc.values import (
    _TEXT_SURELY_SHORT,
    Lam,
    Rng,
    as_rows,
    gc_paused,
    text_too_long,
    to_scalar,
)
from xlfuncs.rulebook import Rulebook
from xlfuncs.rulebook import active_rulebook as _active_rulebook
from xlfuncs.rulebook import pinned_rulebook as _pinned_rulebook

__all__ = ["LAST_TIMINGS", "PlanCache", "RecalcSession", "clear_result_memo", "evaluate"]

#: seconds spent in each phase by the last :func:`evaluate` call in this process
LAST_TIMINGS: dict[str, float] = {}

ERR = ExcelError
_Cell = tuple[int, int, int]


class _BindError(Exception):
    def __init__(self, err: ExcelError, why: str = "") -> None:
        super().__init__(why)
        self.err = err
        self.why = why


def _const(value: Any) -> tuple[Callable[[int, int], Any], Callable[[int, int], tuple[()]]]:
    return (lambda r, c: value), (lambda r, c: ())


_MISS = object()
_second = itemgetter(1)
_third = itemgetter(2)
_SCALAR_TYPES = (float, int, str, bool, type(None), ExcelError)
def _udf_memo_check(S: RecalcSession) -> Rulebook:
    """Forget the session's memoised user-function results when the rulebook or the date
    changed (and its bound structures, whose calls hold the memo tables), or when there are
    too many; the active rulebook (the pinned one in a batch run).

    A rulebook that cannot be loaded raises :class:`~xlfuncs.errors.RulebookError`: it is
    never turned into error values in every cell."""
    rb = _active_rulebook()
    today = _dt.date.today()
    st = S.udf_stamp
    if st[0] is not rb or st[1] != today:
        S.clear_results()
        S.udf_memo.clear()
        S.bound.clear()  # bound structures hold their memo tables (or none)
        st[0], st[1] = rb, today
    elif sum(len(t) for t in S.udf_memo.values()) > S.udf_results:
        S.clear_results()  # emptied in place: bound structures hold them
    return rb


def clear_result_memo(session: RecalcSession | None = None) -> None:
    """Forget the memoised user-function results of ``session`` (default: the process's;
    benchmarks measure fresh inputs with it)."""
    (session or default_session()).clear_results()


def _fallback_call(fn: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    """Call a ``formulas`` function with our values; its result as one of ours."""
    import numpy as np
    import schedula  # type: ignore[import-untyped]
    from formulas.tokens.operand import XlError  # type: ignore[import-untyped]

    errors: dict[str, Any] = {}
    try:
        from formulas.functions import Error  # type: ignore[import-untyped]

        errors = dict(Error.errors)
    except Exception:
        pass
    empty = schedula.EMPTY

    def one(v: Any) -> Any:
        if v is None:
            return empty
        if isinstance(v, ExcelError):
            return errors.get(v.value, v.value)
        return v

    conv: list[Any] = []
    for a in args:
        if type(a) is Rng or type(a) is list:
            rows = as_rows(a)
            arr = np.empty((len(rows), len(rows[0]) if rows else 0), dtype=object)
            for i, row in enumerate(rows):
                for j, v in enumerate(row):
                    arr[i, j] = one(v)
            conv.append(arr)
        else:
            conv.append(one(a))
    try:
        res = fn(*conv)
    except Exception:
        return ERR.VALUE

    def back(v: Any) -> Any:
        if isinstance(v, XlError):
            try:
                return ExcelError.from_text(str(v))
            except ValueError:
                return ERR.VALUE
        if v is empty or v is None:
            return None
        if isinstance(v, (bool, np.bool_)):
            return bool(v)
        if isinstance(v, (int, float, np.integer, np.floating)):
            return float(v)
        if isinstance(v, str):
            return ERR.VALUE if text_too_long(v) else v
        return ERR.VALUE

    if isinstance(res, np.ndarray):
        if res.ndim == 0 or res.size == 1:
            return back(res.reshape(-1)[0] if res.size else None)
        grid = res if res.ndim == 2 else res.reshape(1, -1)
        return [[back(x) for x in row] for row in grid.tolist()]
    return back(res)


def _resolve_udf(name: str) -> Any:
    try:
        from xlfuncs.registry import resolve

        return resolve(name)
    except Exception:  # the function table is not importable: no user functions
        return None


_SCALAR_SET = frozenset(_SCALAR_TYPES)
#: first element of a memo key with range arguments (other keys are 2-tuples of tuples)
_RANGE_KEY = ("range-key",)


def _udf_caller(
    spec: Any, mask: str, memo: dict[tuple[Any, ...], Any] | None, date1904: bool = False
) -> Callable[..., Any]:
    """Call ``spec`` with arguments as the generated code passes them (see
    :meth:`_Env.udf`): a range argument becomes rows, any other a scalar; results of
    scalar calls are memoised in ``memo`` (``None``: no memo). ``date1904``: the workbook's
    date system is 1904 (passed to :meth:`~xlfuncs.registry.FunctionSpec.invoke`)."""
    kinds = [a.kind for a in spec.args]
    invoke = functools.partial(spec.invoke, date1904=True) if date1904 else spec.invoke
    n = len(mask)
    is_range = [i < len(kinds) and kinds[i] == "range" for i in range(n)]
    if not any(is_range):
        return _scalar_caller(invoke, mask, memo)
    cell = [m == "v" for m in mask]
    scalar_types = _SCALAR_TYPES
    scalar_set = _SCALAR_SET
    miss = _MISS

    def convert(args: tuple[Any, ...]) -> list[Any]:
        conv: list[Any] = []
        for i, a in enumerate(args):
            if i < n and is_range[i]:
                if cell[i]:
                    conv.append([[a]])  # one cell's value: the 1x1 range it was written as
                else:
                    conv.append(None if a is None else as_rows(a))
            elif type(a) is Rng or type(a) is list:
                conv.append(to_scalar(a))
            else:
                conv.append(a)
        return conv

    def call(*args: Any) -> Any:
        if memo is None:
            return invoke(*convert(args))
        # key: per range, its row count, value types and values; per scalar, type and value
        key: list[Any] = [_RANGE_KEY]
        for i, a in enumerate(args):
            t = type(a)
            if i < n and is_range[i]:
                if cell[i]:
                    key += (1, (t,), (a,))
                    continue
                if a is None:
                    key.append(None)
                    continue
                if t is Rng:
                    r1 = a.r1
                    r2 = a.r2
                    c1 = a.c1
                    if (r2 - r1 + 1) * (a.c2 - c1 + 1) > 256:
                        return invoke(*convert(args))
                    if c1 == a.c2:
                        g = a.V.get
                        sh = a.s
                        flat = [g((sh, r, c1)) for r in range(r1, r2 + 1)]
                    else:
                        flat = a.flat()
                    nr = r2 - r1 + 1
                else:
                    rows = as_rows(a)
                    flat = [x for row in rows for x in row]
                    if len(flat) > 256:
                        return invoke(*convert(args))
                    nr = len(rows)
                key += (nr, tuple(map(type, flat)), tuple(flat))
                continue
            if t is Rng:
                a = a.V.get((a.s, a.r1, a.c1))
                t = type(a)
            elif t is list:
                a = to_scalar(a)
                t = type(a)
            if t not in scalar_set:
                return invoke(*convert(args))
            key += (t, a)
        k = tuple(key)
        try:
            v = memo.get(k, miss)
        except TypeError:  # an unhashable value inside a range
            return invoke(*convert(args))
        if v is miss:
            v = invoke(*convert(args))
            if type(v) in scalar_types:
                memo[k] = v
        return v

    return call


def _scalar_caller(
    invoke: Callable[..., Any], mask: str, memo: dict[tuple[Any, ...], Any] | None
) -> Callable[..., Any]:
    """:func:`_udf_caller` for a function without range arguments: every argument is
    made a scalar; the memo key is (argument types, arguments). The caller is generated
    per argument count and positions of the one-cell values (one Python call per use)."""
    shape = (mask.replace(".", "x"), memo is None)
    factory = _CALLER_FACTORIES.get(shape)
    if factory is None:
        factory = _CALLER_FACTORIES[shape] = _caller_factory(mask, memo is None)
    return factory(  # type: ignore[no-any-return]
        invoke, memo, {}, _SCALAR_SET, _MISS, Rng, to_scalar, _generic_scalar_call
    )


#: generated caller factories by (mask, without memo)
_CALLER_FACTORIES: dict[tuple[str, bool], Callable[..., Any]] = {}


def _generic_scalar_call(invoke: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    """A call with another argument count than its mask: every argument as a scalar."""
    return invoke(*(to_scalar(a) for a in args))


def _caller_factory(mask: str, no_memo: bool) -> Callable[..., Any]:
    n = len(mask)
    names = [f"a{i}" for i in range(n)]
    params = "".join(f"{x}=_NO, " for x in names)
    argl = "".join(f"{x}, " for x in names)
    lines = [
        "def factory(invoke, memo, ok_types, scalar_set, miss, Rng, to_scalar, generic):",
        f"    def call({params}*extra):",
        "        if extra" + "".join(f" or {x} is _NO" for x in names) + ":",
        f"            return generic(invoke, tuple(x for x in ({argl}) + extra if x is not _NO))",
    ]
    for i, m in enumerate(mask):
        if m != "v":  # may be a reference or an array: its top-left value
            x = names[i]
            lines += [
                f"        t = type({x})",
                "        if t is Rng:",
                f"            {x} = {x}.V.get(({x}.s, {x}.r1, {x}.c1))",
                "        elif t is list:",
                f"            {x} = to_scalar({x})",
            ]
    if no_memo:
        lines.append(f"        return invoke({argl})")
    else:
        lines += [
            f"        ts = ({''.join(f'type({x}), ' for x in names)})",
            "        ok = ok_types.get(ts)",
            "        if ok is None:",
            "            ok = ok_types[ts] = all(t in scalar_set for t in ts)",
            "        if not ok:",
            f"            return invoke({argl})",
            f"        k = (ts, ({argl}))",
            "        v = memo.get(k, miss)",
            "        if v is miss:",
            f"            v = invoke({argl})",
            "            if type(v) in scalar_set:",
            "                memo[k] = v",
            "        return v",
        ]
    lines.append("    return call")
    ns: dict[str, Any] = {"_NO": _NO_ARG}
    exec(compile("\n".join(lines), "<xlfuncs-udf-caller>", "exec"), ns)  # noqa: S102  (our own source)
    return ns["factory"]  # type: ignore[no-any-return]


#: default of a generated caller's parameters: told apart from a passed None
_NO_ARG = object()


_Names = dict[tuple[int | None, str], str]


def _sheets_and_names(book: WorkbookData) -> tuple[dict[str, int], _Names, TableIndex]:
    """Sheet indexes by lower-case name; the defined names' formulas by (scope, upper-case
    name), their structured references resolved; the workbook's tables."""
    sheet_ix = {sh.name.lower(): i for i, sh in enumerate(book.sheets)}
    names: _Names = {}
    for dn in book.names:
        text = dn.text[1:] if dn.text.startswith("=") else dn.text
        names[(dn.scope, dn.name.upper())] = text
    tix = TableIndex(book, {n for _s, n in names})
    for key, text in names.items():
        if tix.mentions(text):
            names[key] = tix.resolve(text, key[0] or 0, (1, 1), None)
    return sheet_ix, names, tix


def _extents(book: WorkbookData) -> tuple[list[int], list[int]]:
    """Each sheet's last used row and column (what whole-column and whole-row references
    span)."""
    maxrows: list[int] = []
    maxcols: list[int] = []
    col = _second
    for sh in book.sheets:
        mr = mc = 1
        for keys in (sh.values, sh.formulas, sh.array_members):
            if keys:
                r = max(keys)[0]
                c = max(map(col, keys))
                if r > mr:
                    mr = r
                if c > mc:
                    mc = c
        maxrows.append(mr)
        maxcols.append(mc)
    for cells in _external_sheets(book)[1]:
        maxrows.append(max((r for r, _c in cells), default=1))
        maxcols.append(max((c for _r, c in cells), default=1))
    return maxrows, maxcols


def _external_sheets(book: WorkbookData) -> tuple[dict[str, int], list[dict[Any, Any]]]:
    """The sheets of the linked workbooks as extra sheets of the value store, after the
    book's own: their indexes by lower-case ``[N]name`` (as formulas write them) and their
    cached cells, in index order. Their values are constants: no cell depends on them
    through the dependency graph."""
    if not book.externals:
        return {}, []
    ix: dict[str, int] = {}
    cells: list[dict[Any, Any]] = []
    base = len(book.sheets)
    for n, ext in enumerate(book.externals, 1):
        if ext is None:
            continue
        for name, data in zip(ext.sheet_names, ext.cells):
            ix.setdefault(f"[{n}]{name}".lower(), base + len(cells))
            cells.append(data)
    return ix, cells


def _external_structure(book: WorkbookData) -> tuple[Any, ...]:
    """What of the linked workbooks the bound plans depend on: sheet names and defined
    names (not the cached values, which are read into the value store on every run)."""
    return tuple(
        None if ext is None else (tuple(ext.sheet_names), tuple(sorted(
            ext.names.items(), key=lambda kv: (-1 if kv[0][0] is None else kv[0][0], kv[0][1])
        )))
        for ext in book.externals
    )


def _fill_externals(V: dict[_Cell, Any], book: WorkbookData) -> None:
    """Put the cached values of the linked workbooks' cells into the value store."""
    for s, cells in enumerate(_external_sheets(book)[1], len(book.sheets)):
        for (r, c), v in cells.items():
            V[(s, r, c)] = v


#: ``[N]`` and the sheet name of an external sheet prefix, e.g. ``[1]Rates``
_EXT_PREFIX = re.compile(r"^\[(\d+)\](.*)$", re.DOTALL)
#: a name's ``refersTo`` in a linked workbook that the cached cells can answer: one cell or
#: one area of one of its sheets
_EXT_REFERS = re.compile(
    r"^(?:'((?:[^']|'')+)'|([^'!:\s()]+))!(\$?[A-Za-z]{1,3}\$?\d+(?::\$?[A-Za-z]{1,3}\$?\d+)?)$"
)


class _Env:
    """What a compiled plan binds to: the value store and the workbook's names/sheets."""

    def __init__(
        self, book: WorkbookData, today: _dt.date | None, cache: PlanCache,
        sheet_ix: dict[str, int], names: _Names, session: RecalcSession,
    ) -> None:
        self.book = book
        self.V: dict[_Cell, Any] = {}
        self.cache = cache
        self.session = session
        self.ctx = B.Ctx(book.date1904, today, book.mac)
        self.sheet_ix = sheet_ix
        self.names = names
        self.maxrows, self.maxcols = _extents(book)
        self.ext_ix = _external_sheets(book)[0]
        #: set once a plan bound here asked for a sheet's extents
        self.used_extents = False
        self._name_fns: dict[tuple[Any, ...], Any] = {}
        self._building: set[tuple[Any, ...]] = set()
        self._udfs: dict[tuple[str, str], Callable[..., Any]] = {}
        self.warnings: dict[str, None] = {}
        self.used_keys: set[str] = set()
        #: set while binding a formula that calls a fallback (``formulas``) function
        self.binding_fallback = False
        #: the formula cells and their bound closures (set once bound, for :meth:`plan_at`)
        self.plans: tuple[list[_Cell], list[Any], Any] | None = None
        self._plan_at: dict[_Cell, Any] | None = None

    def warn(self, msg: str) -> None:
        self.warnings[msg] = None

    def plan_at(self, s: int, r: int, c: int) -> Callable[[int, int], Any] | None:
        """The bound closure of the (non-array) formula in cell ``(s, r, c)``, callable at
        another position ``(row, col)`` with its relative references moved (the computed
        criteria of the database functions), or ``None``."""
        if self._plan_at is None:
            if self.plans is None:
                return None
            cells, fns, arrays = self.plans
            self._plan_at = {
                cell: fn for i, (cell, fn) in enumerate(zip(cells, fns)) if i not in arrays
            }
        return self._plan_at.get((s, r, c))

    # -- called by generated code at bind time
    def sheet(self, name: str) -> int:
        ix = self.sheet_ix.get(name.lower())
        if ix is None:
            if name.startswith("["):
                ix = self.ext_ix.get(name.lower())
                if ix is None:
                    raise _BindError(
                        ERR.REF, f"reference to {name!r}: no such linked workbook or sheet"
                    )
                return ix
            raise _BindError(ERR.REF, f"reference to a missing sheet {name!r}")
        return ix

    def maxrow(self, s: int) -> int:
        self.used_extents = True
        return self.maxrows[s]

    def maxcol(self, s: int) -> int:
        self.used_extents = True
        return self.maxcols[s]

    def ctxfn(self, name: str, lifted: bool) -> Callable[..., Any]:
        fn = functools.partial(B.BUILTINS[name][1], self.ctx)
        return B.lift(fn) if lifted else fn

    def udf(self, name: str, mask: str = "") -> Callable[..., Any]:
        """The callable behind a user function call; ``mask`` marks with ``v`` the arguments
        the generated code passes as the value of one cell instead of a 1x1 :class:`Rng`."""
        key = (name, mask)
        fn = self._udfs.get(key)
        if fn is None:
            fn = self._make_udf(name, mask)
            self._udfs[key] = fn
        if getattr(fn, "fallback", False):
            self.binding_fallback = True
        return fn

    def _make_udf(self, name: str, mask: str) -> Callable[..., Any]:
        if (None, name) in self.names:
            return self._name_lambda(name)
        spec = _resolve_udf(name)
        if spec is None:
            fb = self.session.fallback_table().get(name)
            if fb is not None:
                self.warn(
                    f"function {name} is not built in: computed by the optional 'formulas' "
                    "package (see the fallback cells)"
                )
                cellpos = [i for i, m in enumerate(mask) if m == "v"]

                def fallback(*args: Any) -> Any:
                    if cellpos:  # a cell's value as the 1x1 range it was written as
                        lst = list(args)
                        for i in cellpos:
                            lst[i] = [[lst[i]]]
                        args = tuple(lst)
                    return _fallback_call(fb, args)

                fallback.fallback = True  # type: ignore[attr-defined]
                return fallback
            self.warn(f"unsupported function {name}: its cells are #NAME?")

            def missing(*args: Any) -> Any:
                return ERR.NAME

            return missing
        # a date serial argument is read in the workbook's date system
        date1904 = self.ctx.date1904 and bool(getattr(spec, "has_date_args", False))
        memo: dict[tuple[Any, ...], Any] | None = None
        S = self.session
        if not getattr(spec, "volatile", True) and S.udf_stamp[0] is not None:
            memo = S.udf_memo.setdefault((spec, date1904), {})
        return _udf_caller(spec, mask, memo, date1904)

    def _name_lambda(self, name: str) -> Callable[..., Any]:
        """``MYLAMBDA(1, 2)``: a workbook name defined as a LAMBDA, called by its name."""
        from xlfuncs.recalc.functions.lambdas import invoke

        fn = self.name(name, 0, None)

        def call(*args: Any) -> Any:
            return invoke(fn(1, 1), *args)

        call.deps = fn.deps  # type: ignore[attr-defined]
        return call

    def name(self, name: str, s: int, qualifier: str | None) -> Any:
        key = (name, s, qualifier)
        fn = self._name_fns.get(key)
        if fn is not None:
            if getattr(fn, "fallback", False):
                self.binding_fallback = True
            return fn
        text = None
        scope_sheet = s
        if qualifier is not None and qualifier.startswith("["):
            text = self._external_name(name, qualifier)
            if text is None:
                self.warn(
                    f"{qualifier}!{name}: the linked workbook keeps no value for this name: #REF!"
                )
                fn, deps = _const(ERR.REF)
                fn.deps = deps  # type: ignore[attr-defined]
                self._name_fns[key] = fn
                return fn
        elif qualifier is not None:
            q = self.sheet_ix.get(qualifier.lower())
            if q is None:
                raise _BindError(ERR.REF, f"reference to a missing sheet {qualifier!r}")
            text = self.names.get((q, name))
            scope_sheet = q
        else:
            text = self.names.get((s, name))
        if text is None:
            text = self.names.get((None, name))
        if text is None or key in self._building:
            if text is None:
                self.warn(f"unknown name {name}: its cells are #NAME?")
            else:
                self.warn(f"name {name} refers to itself")
            f, d = _const(ERR.NAME)
        else:
            self._building.add(key)
            try:
                pk = "n:" + normalize(text, (1, 1))
                self.used_keys.add(pk)
                f, d = self.cache.get(pk)(self, scope_sheet)
            except _BindError as e:
                self.warn(f"name {name}: {e.why}")
                f, d = _const(e.err)
            except (FormulaSyntaxError, SyntaxError, RecursionError):
                self.warn(f"name {name}: cannot read its formula {text!r}")
                f, d = _const(ERR.NAME)
            finally:
                self._building.discard(key)
        # a name is called by generated code as N(r, c) and N.deps(r, c)
        fn = f
        fn.deps = d  # type: ignore[attr-defined]
        if self.binding_fallback:
            fn.fallback = True  # type: ignore[attr-defined]
        self._name_fns[key] = fn
        return fn

    def _external_name(self, name: str, qualifier: str) -> str | None:
        """``[N]!Name`` / ``[N]Sheet!Name``: the name of linked workbook N as a formula on its
        cached cells (``'[N]Sheet'!$A$1``), or ``None`` (``#REF!``) when the link, the sheet
        or the name is unknown or the name is no reference to a cell or area of its sheets
        (Excel keeps no value for it)."""
        m = _EXT_PREFIX.match(qualifier)
        exts = self.book.externals
        if m is None or not 1 <= int(m.group(1)) <= len(exts):
            return None
        n = int(m.group(1))
        ext = exts[n - 1]
        if ext is None:
            return None
        lower = [x.lower() for x in ext.sheet_names]
        text = None
        if m.group(2):
            if m.group(2).lower() not in lower:
                return None
            text = ext.names.get((lower.index(m.group(2).lower()), name))
        if text is None:
            text = ext.names.get((None, name))
        ref = _EXT_REFERS.match(text.strip()) if text is not None else None
        if ref is None:
            return None
        sheet = ref.group(1).replace("''", "'") if ref.group(1) is not None else ref.group(2)
        if sheet.lower() not in lower:
            return None
        quoted = f"[{n}]{sheet}".replace("'", "''")
        return f"'{quoted}'!{ref.group(3)}"


def _final(v: Any) -> Any:
    """A formula result as a cell value (blank -> 0, inf/nan -> #NUM!, array -> top-left,
    text over Excel's 32,767 characters -> #VALUE!)."""
    t = type(v)
    if t is float:
        if v - v == 0.0:
            return v + 0.0
        return ERR.NUM
    if t is str:
        return ERR.VALUE if len(v) > _TEXT_SURELY_SHORT and text_too_long(v) else v
    if t is bool or t is ExcelError:
        return v
    if v is None:
        return 0.0
    if t is int:
        try:
            return float(v)
        except OverflowError:
            return ERR.NUM
    if t is Rng or t is list:
        return _final(to_scalar(v))
    if t is Lam:  # a LAMBDA value left uncalled
        return ERR.CALC
    # foreign numbers (numpy, Decimal, ...) and anything else from a user function
    if isinstance(v, bool):
        return bool(v)
    if isinstance(v, ExcelError):
        return v
    if isinstance(v, str):
        return _final(str(v))
    try:
        return _final(float(v))
    except (TypeError, ValueError, OverflowError):
        return ERR.VALUE


def _a1(book: WorkbookData, cell: _Cell) -> str:
    s, r, c = cell
    name = book.sheets[s].name
    if not name.replace("_", "").isalnum():
        name = "'" + name.replace("'", "''") + "'"
    return f"{name}!{column_letters(c)}{r}"


def evaluate(
    book: WorkbookData,
    *,
    today: _dt.date | None = None,
    cache: PlanCache | None = None,
    rulebook: Rulebook | None = None,
    session: RecalcSession | None = None,
) -> EvalResult:
    """Evaluate every formula cell of ``book``.

    ``today`` fixes TODAY()/NOW() (default: the real date); ``session`` holds the engine's
    caches and settings (default: the process's, see :mod:`xlfuncs.recalc.session`);
    ``cache`` is the plan cache (default: the session's); ``rulebook`` is the rulebook every
    xlfuncs function of the workbook uses (default: the active one, see
    :func:`~xlfuncs.rulebook.active_rulebook`). Never raises for bad formulas: they become
    error values, with a warning in :attr:`EvalResult.warnings`; a rulebook that cannot be
    loaded raises :class:`~xlfuncs.errors.RulebookError`.
    """
    S = session if session is not None else default_session()
    with gc_paused():
        if rulebook is None:
            return _evaluate(book, today, cache if cache is not None else S.plans, S)
        with _pinned_rulebook(rulebook):
            return _evaluate(book, today, cache if cache is not None else S.plans, S)


def _evaluate(book: WorkbookData, today: _dt.date | None, cache: PlanCache, S: RecalcSession) -> EvalResult:
    clock = time.perf_counter
    t0 = clock()
    rulebook = _udf_memo_check(S)
    sheet_ix, names, tix = _sheets_and_names(book)
    tables = book.tables

    # ---- cells and their plan keys
    cells: list[_Cell] = []
    pkeys: list[str | None] = []
    arrays: dict[int, tuple[int, int, int, int]] = {}
    memo = S.key_memo
    if len(memo) > 1_000_000:
        memo.clear()
    table = _registry_table()
    plain = not tables and not book.anchor_refs and not any(sh.array_members for sh in book.sheets)
    done = False
    if plain and memo:
        # the common case in bulk: every formula's plan key known in this session
        for si, sh in enumerate(book.sheets):
            mks = [(fc.text, fc.anchor, fc.array_ref is not None) for fc in sh.formulas.values()]
            got = list(map(memo.get, mks, repeat("")))
            if "" in got or True in map(_third, mks):
                cells, pkeys = [], []
                break
            cells += [(si, r, c) for r, c in sh.formulas]
            pkeys += got
        else:
            done = True
    # a workbook structure seen before, in any process: its plan keys and order from disk
    sdigest = stored = None
    if not done and plain and cache.directory is not None:
        sdigest = _structure_digest(book, names, sheet_ix, S, table)
        if sdigest is not None:
            stored = cache.load_structure(sdigest)
            if stored is not None:
                cells = [(si, r, c) for si, sh in enumerate(book.sheets) for r, c in sh.formulas]
                if len(stored[0]) == len(cells):
                    pkeys, done = stored[0], True
                    if len(cells) <= _MEMO_FILL_CELLS:  # the next file of a batch: from memory
                        memo.update(zip(
                            [(fc.text, fc.anchor, False) for sh in book.sheets
                             for fc in sh.formulas.values()],
                            pkeys,
                        ))
                else:
                    cells, stored = [], None
    for si, sh in enumerate(book.sheets if not done else ()):
        formulas = sh.formulas
        members = sh.array_members
        for (r, c), fc in formulas.items():
            if members and (r, c) in members:
                continue
            is_arr = fc.array_ref is not None
            if book.anchor_refs and "ANCHORARRAY(" in fc.text.upper():
                # the spill operator (A1#): resolved for this cell to the range the anchor's
                # array formula fills, never through the process-wide memo
                # (then through the tables' per-cell keys, which also resolve what it holds)
                text = _spill_ranges(book, sheet_ix, si, fc.text.removeprefix("="), fc.anchor, (r, c))
                pk = tix.plan_key("a:" if is_arr else "c:", text, si, fc.anchor, (r, c))
            elif tix.mentions(fc.text):
                # structured references: resolved for this cell against this workbook's
                # tables, never through the process-wide memo
                text = fc.text.removeprefix("=")
                pk = tix.plan_key("a:" if is_arr else "c:", text, si, fc.anchor, (r, c))
            else:
                mk = (fc.text, fc.anchor, is_arr)
                pk = memo.get(mk, "")
                if pk == "":
                    text = fc.text[1:] if fc.text.startswith("=") else fc.text
                    try:
                        pk = ("a:" if is_arr else "c:") + normalize(text, fc.anchor)
                    except Exception:
                        pk = None
                    memo[mk] = pk
            if is_arr:
                try:
                    ref = fc.array_ref or ""
                    a, _, b = ref.partition(":")
                    r1, c1 = split_a1(a)
                    r2, c2 = split_a1(b) if b else (r1, c1)
                    arrays[len(cells)] = (min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2))
                except Exception:
                    arrays[len(cells)] = (r, c, r, c)
            cells.append((si, r, c))
            pkeys.append(pk)
    n = len(cells)
    # the workbook's structure: the cells, their formula shapes, names and sheets (and the
    # sheets' extents, compared only when a bound plan depends on them)
    skey = (
        tuple(cells),
        tuple(pkeys),
        tuple(sorted(arrays.items())),
        tuple(names.items()),
        tuple(sheet_ix.items()),
        _external_structure(book) if book.externals else (),
        tix.signature,
    )
    bkey = (skey, book.date1904, S.fallback)
    bound = _take_bound(S, bkey, cache, table, book)

    t1 = clock()
    if bound is not None:
        # the same structure was bound before: reuse its closures over a cleared store
        E = bound.E
        E.book = book
        E.ctx.__init__(book.date1904, today, book.mac)  # type: ignore[misc]  # TODAY()/NOW() afresh
        E.warnings = dict(bound.warnings)
        V = E.V
        V.clear()
        for si, sh in enumerate(book.sheets):
            for (r, c), v in sh.values.items():
                V[(si, r, c)] = v
        if book.externals:
            _fill_externals(V, book)
        fns = bound.fns
        fallback_cells = list(bound.fallback_cells)
        order = bound.order
        deps = bound.deps
        t2 = t3 = clock()
    else:
        E = _Env(book, today, cache, sheet_ix, names, S)
        V = E.V
        for si, sh in enumerate(book.sheets):
            for (r, c), v in sh.values.items():
                V[(si, r, c)] = v
        if book.externals:
            _fill_externals(V, book)
        fns, dfns, fallback_cells = _bind_all(E, book, cells, pkeys, cache)
        E.plans = (cells, fns, arrays)

        t2 = clock()
        extents = (tuple(E.maxrows), tuple(E.maxcols))
        kept = _stored_order(stored, extents, n)
        if kept is not None:
            order, deps = kept, []
            S.keep_order(skey + extents, (order, None))
        else:
            order, deps = _plan_order(S, skey + extents, cells, dfns, arrays, n)
            if sdigest is not None and len(order) == n:
                cache.save_structure(sdigest, pkeys, array("i", order).tobytes(), extents)
        del dfns
        # dependency lists are kept only when a cycle needs them
        bound = _Bound(E, fns, fallback_cells, order, deps if len(order) < n else [], cache, table)
        fallback_cells = list(fallback_cells)
        t3 = clock()
    try:
        times = (t0, t1, t2, t3)
        # every user function of this workbook uses the rulebook the memo is valid for
        with _pinned_rulebook(rulebook):
            return _run(book, E, V, cells, fns, arrays, order, deps, n, fallback_cells, times)
    finally:
        V.clear()  # the values are in the result: do not keep them alive
        E.book = None  # type: ignore[assignment]  # nor the workbook
        S.keep_bound(bkey, bound, n)


#: a structure read from disk up to this many formula cells also goes into the session's
#: memo of plan keys (bigger ones would hold a key per cell in memory)
_MEMO_FILL_CELLS = 200_000


def _structure_digest(
    book: WorkbookData, names: _Names, sheet_ix: dict[str, int], S: RecalcSession, table: Any
) -> str | None:
    """What the formula cells' plan keys and their evaluation order depend on, as one
    digest: every formula's position, anchor and text, the names, the sheets, the linked
    workbooks' structure and the functions known; ``None`` for a workbook with array
    formulas (their keys and extents are found per cell)."""
    h = hashlib.sha1(b"xlfuncs structure 1\0")
    for sh in book.sheets:
        if sh.array_members:
            return None
        fcs = list(sh.formulas.values())
        if [fc.array_ref for fc in fcs].count(None) != len(fcs):
            return None
        texts = [fc.text for fc in fcs]
        h.update(f"{len(fcs)}|{sh.name}\0".encode("utf-8", "surrogatepass"))
        h.update(array("i", chain.from_iterable(sh.formulas)).tobytes())
        h.update(array("i", chain.from_iterable([fc.anchor for fc in fcs])).tobytes())
        h.update(array("i", map(len, texts)).tobytes())
        h.update("".join(texts).encode("utf-8", "surrogatepass"))
    rest = (
        sorted(names.items(), key=repr), sorted(sheet_ix.items()),
        _external_structure(book) if book.externals else (), S.fallback,
        sorted(table) if table is not None else None,
    )
    h.update(repr(rest).encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def _stored_order(stored: Any, extents: tuple[Any, ...], n: int) -> list[int] | None:
    """The evaluation order of a structure loaded from disk, when it was made for these
    sheet extents and covers the ``n`` cells."""
    if stored is None or stored[2] != extents or len(stored[1]) != n * array("i").itemsize:
        return None
    order = array("i")
    order.frombytes(stored[1])
    if n and (min(order) < 0 or max(order) >= n):
        return None
    return order.tolist()


class _Bound:
    """A workbook structure bound once: its environment (value store, names, functions),
    the cells' compiled closures, and the evaluation order; reused by the next workbook
    of the same structure in this process."""

    __slots__ = (
        "E", "cache", "deps", "extents", "fallback_cells", "fns", "order", "table", "warnings"
    )

    def __init__(
        self, E: _Env, fns: list[Any], fallback_cells: list[str], order: list[int],
        deps: list[list[int]], cache: PlanCache, table: Any,
    ) -> None:
        self.E = E
        self.fns = fns
        self.fallback_cells = fallback_cells
        self.warnings = dict(E.warnings)
        self.order = order
        self.deps = deps
        self.cache = cache
        self.table = table
        #: the sheets' extents when a plan was bound to them, else None
        self.extents = (E.maxrows, E.maxcols) if E.used_extents else None


def _registry_table() -> Any:
    global _current_table
    try:
        if _current_table is None:
            from xlfuncs.registry import current_table

            _current_table = current_table
        return _current_table()
    except Exception:  # the function table is not importable: no user functions
        return None


_current_table: Callable[[], Any] | None = None


_ANCHOR = re.compile(
    r"_xlfn\.ANCHORARRAY\(\s*(?:('(?:[^']|'')+'|[A-Za-z_][\w.]*)!)?(\$?)([A-Za-z]{1,3})(\$?)(\d+)\s*\)",
    re.IGNORECASE,
)


def _spill_ranges(
    book: WorkbookData, sheet_ix: dict[str, int], si: int, text: str,
    anchor: tuple[int, int], cell: tuple[int, int],
) -> str:
    """``text`` (written for ``anchor``) with each ``_xlfn.ANCHORARRAY(ref)`` (what Excel
    stores for the spill operator ``ref#``) replaced by the absolute range that the array
    formula anchored at ``ref`` fills, as seen from ``cell``; ``#REF!`` when no array
    formula is anchored there, as in Excel.

    >>> from xlfuncs.recalc.model import FormulaCell, SheetData, WorkbookData
    >>> sh = SheetData("S", formulas={(1, 1): FormulaCell("SEQUENCE(3)", (1, 1), array_ref="A1:A3")})
    >>> _spill_ranges(WorkbookData([sh]), {"s": 0}, 0, "SUM(_xlfn.ANCHORARRAY(A1))", (1, 2), (1, 2))
    "SUM('S'!$A$1:$A$3)"
    """
    dr, dc = cell[0] - anchor[0], cell[1] - anchor[1]

    def repl(m: re.Match[str]) -> str:
        sheet = m.group(1)
        if sheet is None:
            target = si
        else:
            name = sheet[1:-1].replace("''", "'") if sheet.startswith("'") else sheet
            found = sheet_ix.get(name.lower())
            if found is None or found >= len(book.sheets):
                return "#REF!"
            target = found
        c = col_number(m.group(3)) + (0 if m.group(2) else dc)
        r = int(m.group(5)) + (0 if m.group(4) else dr)
        sh = book.sheets[target]
        fc = sh.formulas.get((r, c))
        if fc is None or fc.array_ref is None:
            return "#REF!"
        a, _, b = fc.array_ref.partition(":")
        r1, c1 = split_a1(a)
        r2, c2 = split_a1(b) if b else (r1, c1)
        quoted = "'" + sh.name.replace("'", "''") + "'"
        return f"{quoted}!${column_letters(c1)}${r1}:${column_letters(c2)}${r2}"

    return _ANCHOR.sub(repl, text)


def _take_bound(
    S: RecalcSession, key: tuple[Any, ...], cache: PlanCache, table: Any, book: WorkbookData
) -> _Bound | None:
    """A structure bound before for ``key`` with the same plan cache and function table,
    taken out of the session's pool (given back by :meth:`RecalcSession.keep_bound`)."""
    pool = S.bound.get(key)
    if not pool:
        return None
    extents: tuple[list[int], list[int]] | None = None
    for i in range(len(pool) - 1, -1, -1):
        try:
            b: _Bound = pool[i]
        except IndexError:  # taken meanwhile by another thread
            continue
        if b.cache is cache and b.table is table:
            if b.extents is not None:
                if extents is None:
                    extents = _extents(book)
                if b.extents != extents:
                    continue
            try:
                pool.remove(b)
            except ValueError:  # taken meanwhile by another thread
                continue
            return b
    return None


def _bind_all(
    E: _Env, book: WorkbookData, cells: list[_Cell], pkeys: list[str | None], cache: PlanCache
) -> tuple[list[Any], list[Any], list[str]]:
    """Bind every cell's plan (each distinct plan once per sheet): the cells' value and
    dependency functions, and the cells computed by a fallback function."""
    distinct = {k for k in pkeys if k is not None}
    digest = ""
    if any(k not in cache for k in distinct):
        names_part = sorted(f"{s}|{n}|{t}" for (s, n), t in E.names.items())
        # the tables too: the shapes already hold the ranges their structured references
        # resolved to, and a resized table must never meet a plan saved for the old size
        tables_part = [repr(t.signature()) for t in book.tables]
        digest = cache.digest(
            list(distinct) + ["names:" + x for x in names_part] + ["tables:" + x for x in tables_part]
        )
        cache.preload(digest)
    compiled_before = cache.compiled

    binds: dict[tuple[str | None, int], Any] = {}
    n = len(cells)
    fns: list[Any] = [None] * n
    dfns: list[Any] = [None] * n
    fallback_keys: set[tuple[str | None, int]] = set()
    fallback_cells: list[str] = []
    for i in range(n):
        si = cells[i][0]
        pk = pkeys[i]
        bk = (pk, si)
        bound = binds.get(bk)
        if bound is None:
            E.binding_fallback = False
            bound = _bind(E, pk, si, book, cells[i])
            if E.binding_fallback:
                fallback_keys.add(bk)
            binds[bk] = bound
        if fallback_keys and bk in fallback_keys:
            fallback_cells.append(_a1(book, cells[i]))
        fns[i], dfns[i] = bound

    if digest and cache.compiled > compiled_before:
        cache.save(digest, distinct | E.used_keys)
    return fns, dfns, fallback_cells


def _plan_order(
    S: RecalcSession, skey: tuple[Any, ...], cells: list[_Cell], dfns: list[Any],
    arrays: dict[int, tuple[int, int, int, int]], n: int,
) -> tuple[list[int], list[list[int]]]:
    """Evaluation order and dependency lists: reused for a workbook of the same structure."""
    hit = S.orders.get(skey)
    if hit is not None and (hit[1] is not None or len(hit[0]) == n):
        return hit[0], hit[1] if hit[1] is not None else []
    order, deps = _order(cells, dfns, arrays, n)
    # dependency lists are kept only when a cycle needs them
    S.keep_order(skey, (order, deps if len(order) < n else None))
    return order, deps


def _run(
    book: WorkbookData, E: _Env, V: dict[_Cell, Any], cells: list[_Cell], fns: list[Any],
    arrays: dict[int, tuple[int, int, int, int]], order: list[int], deps: list[list[int]],
    n: int, fallback_cells: list[str], times: tuple[float, float, float, float],
) -> EvalResult:
    """Evaluate the cells in ``order`` (then any cycles) into the result."""
    clock = time.perf_counter
    t0, t1, t2, t3 = times
    out: dict[_Cell, Any] = {}
    failed: list[str] = []

    def run(i: int) -> None:
        s, r, c = cells[i]
        try:
            v = fns[i](r, c)
        except RecursionError:
            v = ERR.VALUE
            failed.append(_a1(book, cells[i]))
        except Exception:
            v = ERR.VALUE
            failed.append(_a1(book, cells[i]))
        if i in arrays:
            _fill_array(V, out, s, arrays[i], v)
            return
        v = _final(v)
        V[(s, r, c)] = v
        out[(s, r, c)] = v

    # hot loop: the common case without array formulas inlined
    if not arrays:
        for i in order:
            cell = cells[i]
            try:
                v = fns[i](cell[1], cell[2])
                t = type(v)
                if t is float and v - v == 0.0:
                    v = v + 0.0
                else:
                    v = _final(v)
            except Exception:
                v = ERR.VALUE
                failed.append(_a1(book, cell))
            V[cell] = v
            out[cell] = v
    else:
        for i in order:
            run(i)

    circular: list[str] = []
    if len(order) < n:
        done = bytearray(n)
        for i in order:
            done[i] = 1
        left = [i for i in range(n) if not done[i]]
        #: cells on a true circular reference, and those downstream of one, when iteration
        #: is off: Excel leaves them uncalculated (0)
        dead: set[int] = set()
        for comp in _sccs(left, deps, done):
            cyclic = len(comp) > 1 or comp[0] in deps[comp[0]]
            if dead and any(j in dead for i in comp for j in deps[i]):
                for i in comp:
                    s, r, c = cells[i]
                    dead.add(i)
                    if i in arrays:
                        _fill_array(V, out, s, arrays[i], 0.0)
                    else:
                        V[(s, r, c)] = out[(s, r, c)] = 0.0
                continue
            if not cyclic:
                run(comp[0])
                continue
            stuck = _settle(comp, cells, V, run)
            if not stuck:
                continue  # a cycle of the static graph only (IF, CHOOSE, OFFSET...)
            if not book.iterate:
                dead.update(stuck)
                comp = [i for i in comp if i in stuck]
                for i in comp:
                    s, r, c = cells[i]
                    circular.append(_a1(book, cells[i]))
                    if i in arrays:
                        _fill_array(V, out, s, arrays[i], 0.0)
                    else:
                        V[(s, r, c)] = 0.0
                        out[(s, r, c)] = 0.0
                continue
            _iterate(book, comp, cells, V, run)

    t4 = clock()
    LAST_TIMINGS.update(
        setup=t1 - t0, bind=t2 - t1, graph=t3 - t2, evaluate=t4 - t3, cells=float(n)
    )
    if failed:
        E.warn(
            f"internal error evaluating {len(failed)} cell(s), e.g. {failed[0]}: shown as #VALUE!"
        )
    return EvalResult(
        values=out, warnings=list(E.warnings), fallback_cells=fallback_cells, circular=circular
    )



def _order(
    cells: list[_Cell], dfns: list[Any], arrays: dict[int, tuple[int, int, int, int]], n: int
) -> tuple[list[int], list[list[int]]]:
    """Evaluation order (Kahn; cells on cycles are left out) and each cell's dependencies."""
    deps_raw: list[Any] = [()] * n
    for i in range(n):
        _s, r, c = cells[i]
        try:
            deps_raw[i] = dfns[i](r, c)
        except Exception:
            deps_raw[i] = ()
    # ---- dependency graph
    index: dict[_Cell, int] = {cell: i for i, cell in enumerate(cells)}
    for i, (r1, c1, r2, c2) in arrays.items():
        s = cells[i][0]
        for rr in range(r1, r2 + 1):
            for cc in range(c1, c2 + 1):
                index.setdefault((s, rr, cc), i)
    colrows: dict[tuple[int, int], list[int]] | None = None

    deps: list[list[int]] = [[]] * n
    for i in range(n):
        dl = deps_raw[i]
        if not dl:
            continue
        lst: list[int] = []
        for s, r1, c1, r2, c2 in dl:
            if r1 == r2 and c1 == c2:
                j = index.get((s, r1, c1))
                if j is not None:
                    lst.append(j)
                continue
            if (r2 - r1 + 1) * (c2 - c1 + 1) <= 64:
                for rr in range(r1, r2 + 1):
                    for cc in range(c1, c2 + 1):
                        j = index.get((s, rr, cc))
                        if j is not None:
                            lst.append(j)
                continue
            if colrows is None:
                colrows = {}
                for (cs, cr, ccol) in index:
                    colrows.setdefault((cs, ccol), []).append(cr)
                for v in colrows.values():
                    v.sort()
            for cc in range(c1, c2 + 1):
                rows = colrows.get((s, cc))
                if not rows:
                    continue
                lo = bisect_left(rows, r1)
                hi = bisect_right(rows, r2)
                for rr in rows[lo:hi]:
                    lst.append(index[(s, rr, cc)])
        deps[i] = lst

    # ---- topological order (Kahn)
    indeg = [0] * n
    users: list[list[int]] = [[] for _ in range(n)]
    for i in range(n):
        for j in deps[i]:
            users[j].append(i)
            indeg[i] += 1
    order = [i for i in range(n) if indeg[i] == 0]
    k = 0
    while k < len(order):
        j = order[k]
        k += 1
        for i in users[j]:
            indeg[i] -= 1
            if indeg[i] == 0:
                order.append(i)
    return order, deps

def _bind(E: _Env, pk: str | None, si: int, book: WorkbookData, cell: _Cell) -> Any:
    if pk is None:
        E.warn(f"{_a1(book, cell)}: cannot read the formula")
        return _const(ERR.NAME)
    try:
        make = E.cache.get(pk)
    except (FormulaSyntaxError, SyntaxError, RecursionError, MemoryError) as e:
        E.warn(f"{_a1(book, cell)}: unsupported formula syntax ({e}): shown as #NAME?")
        return _const(ERR.NAME)
    except Exception as e:  # a compiler bug must not stop the workbook
        E.warn(f"{_a1(book, cell)}: cannot compile the formula ({type(e).__name__}): shown as #VALUE!")
        return _const(ERR.VALUE)
    E.used_keys.add(pk)
    try:
        return make(E, si)
    except _BindError as e:
        E.warn(f"{_a1(book, cell)}: {e.why}")
        return _const(e.err)
    except Exception as e:
        E.warn(f"{_a1(book, cell)}: cannot bind the formula ({type(e).__name__}): shown as #VALUE!")
        return _const(ERR.VALUE)


def _fill_array(
    V: dict[_Cell, Any], out: dict[_Cell, Any], s: int, area: tuple[int, int, int, int], v: Any
) -> None:
    r1, c1, r2, c2 = area
    rows = as_rows(v) if (type(v) is Rng or type(v) is list) else [[v]]
    h = len(rows)
    w = len(rows[0]) if rows else 0
    for i in range(r2 - r1 + 1):
        for j in range(c2 - c1 + 1):
            if (h > 1 and i >= h) or (w > 1 and j >= w) or w == 0:
                x: Any = ERR.NA
            else:
                x = _final(rows[i if h > 1 else 0][j if w > 1 else 0])
            V[(s, r1 + i, c1 + j)] = x
            out[(s, r1 + i, c1 + j)] = x


def _sccs(nodes: list[int], deps: list[list[int]], done: bytearray) -> list[list[int]]:
    """Strongly connected components of the not-yet-evaluated nodes, dependencies first
    (iterative Tarjan)."""
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[int] = []
    result: list[list[int]] = []
    counter = 0
    for root in nodes:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            v, pi = work[-1]
            if pi == 0:
                index[v] = low[v] = counter
                counter += 1
                stack.append(v)
                on_stack.add(v)
            recurse = False
            dl = deps[v]
            while pi < len(dl):
                w = dl[pi]
                pi += 1
                if done[w]:
                    continue
                if w not in index:
                    work[-1] = (v, pi)
                    work.append((w, 0))
                    recurse = True
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            if recurse:
                continue
            work.pop()
            if work:
                u = work[-1][0]
                low[u] = min(low[u], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                comp.reverse()
                result.append(comp)
    return result


def _settle(
    comp: list[int], cells: list[_Cell], V: dict[_Cell, Any], run: Callable[[int], None]
) -> set[int]:
    """Evaluate a cycle of the static dependency graph as Excel does when the values break
    it (``IF(x, A1, 0)`` in A1 with x false, CHOOSE, OFFSET...): the cells are evaluated
    over and over, in sheet order, until a pass changes nothing, from blank cells and again
    from cells holding 1. A cell that ends with the same value both times depends on no
    cell of the cycle through itself, so its value is Excel's; the others are on a true
    circular reference: they are returned (empty when the whole cycle settled), blank."""
    order = sorted(comp, key=cells.__getitem__)
    keys = [cells[i] for i in order]
    cap = min(len(order) + 2, 64)

    def passes(start: Any) -> tuple[list[Any], list[Any]]:
        for k in keys:
            if start is None:
                V.pop(k, None)
            else:
                V[k] = start
        prev: list[Any] = [_MISS] * len(keys)
        now = prev
        for _ in range(cap):
            for i in order:
                run(i)
            prev, now = now, [V.get(k) for k in keys]
            if now == prev:
                break
        return prev, now

    p1, a = passes(None)
    p2, b = passes(1.0)
    stuck = {
        i for i, x, y, x0, y0 in zip(order, a, b, p1, p2)
        if not (x == y and x == x0 and y == y0 and type(x) is type(y))
    }
    if stuck:
        for i, k, x in zip(order, keys, a):
            if i in stuck:
                V.pop(k, None)
            else:
                V[k] = x
    return stuck


def _iterate(
    book: WorkbookData, comp: list[int], cells: list[_Cell], V: dict[_Cell, Any],
    run: Callable[[int], None],
) -> None:
    """Iterative calculation of one cycle, as Excel does with iteration enabled."""
    for i in comp:
        s, r, c = cells[i]
        if (s, r, c) not in V:
            cached = book.sheets[s].cached.get((r, c))
            V[(s, r, c)] = cached if type(cached) in (float, int) else 0.0
    for _ in range(max(1, book.iterate_count)):
        delta = 0.0
        for i in comp:
            key = cells[i]
            before: Any = V.get(key)
            run(i)
            after: Any = V.get(key)
            if type(before) in (float, int) and type(after) in (float, int):
                delta = max(delta, abs(after - before))
            elif before != after:
                delta = float("inf")
        if delta < book.iterate_delta:
            break
