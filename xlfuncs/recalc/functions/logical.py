"""Logical functions: IF and its relatives (lazy: only the chosen branch is evaluated),
AND, OR, XOR, NOT, TRUE, FALSE.

The lazy functions are compiled specially (:meth:`xlfuncs.recalc.compiler._Gen.lazy`):
their value arguments arrive as zero-argument callables.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from xlfuncs.errors import ExcelError
from xlfuncs.recalc.functions._helpers import boo
from xlfuncs.recalc.functions._registry import XErr, registrar
from xlfuncs.recalc.functions.operators import _approx_cmp, _is_arr, _tv
from xlfuncs.recalc.values import Rng, as_rows, flat_values, to_scalar

ERR = ExcelError
reg = registrar("logical")


@reg("IF", "any, any, any=-", lazy=True)
def IF(cond: Any, yes: Callable[[], Any], no: Callable[[], Any] | None = None) -> Any:
    """IF(condition, value_if_true, [value_if_false]): an array condition picks element by
    element."""
    if _is_arr(cond):
        c = as_rows(cond)
        y = yes()
        n = no() if no is not None else False
        Y = as_rows(y)
        N = as_rows(n)
        return _bcast3(c, Y, N)
    t = _tv(cond)
    if t is True:
        v = yes()
    elif t is False:
        if no is None:
            return False
        v = no()
    else:
        return t
    return 0.0 if v is None else v


def _bcast3(c: list[list[Any]], Y: list[list[Any]], N: list[list[Any]]) -> list[list[Any]]:
    def pick(m: list[list[Any]], i: int, j: int) -> Any:
        h, w = len(m), len(m[0])
        if (h > 1 and i >= h) or (w > 1 and j >= w):
            return ERR.NA
        return m[i if h > 1 else 0][j if w > 1 else 0]

    nr = max(len(c), len(Y), len(N))
    nc = max(len(c[0]), len(Y[0]), len(N[0]))
    out = []
    for i in range(nr):
        row = []
        for j in range(nc):
            t = _tv(pick(c, i, j))
            if t is True:
                v = pick(Y, i, j)
            elif t is False:
                v = pick(N, i, j)
            else:
                v = t
            row.append(0.0 if v is None else v)
        out.append(row)
    return out


def _replace(rows: list[list[Any]], alt: Any, hit: Callable[[Any], bool]) -> list[list[Any]]:
    """``rows`` with the elements ``hit`` picks replaced by ``alt``'s (an array is taken
    element by element, a single row or column broadcast; #N/A outside it)."""
    A = as_rows(alt) if _is_arr(alt) else [[alt]]
    ah, aw = len(A), len(A[0]) if A else 0
    out = []
    for i, row in enumerate(rows):
        r = []
        for j, v in enumerate(row):
            if hit(v):
                if (ah > 1 and i >= ah) or (aw > 1 and j >= aw) or not aw:
                    v = ERR.NA
                else:
                    v = A[i if ah > 1 else 0][j if aw > 1 else 0]
                    v = 0.0 if v is None else v
            r.append(v)
        out.append(r)
    return out


@reg("IFERROR", "any, any", lazy=True)
def IFERROR(value: Any, alt: Callable[[], Any]) -> Any:
    if _is_arr(value):
        rows = as_rows(value)
        if any(type(v) is ExcelError for row in rows for v in row):
            return _replace(rows, alt(), lambda v: type(v) is ExcelError)
        return value
    if type(value) is ExcelError:
        v = alt()
        return 0.0 if v is None else v
    return value


@reg("IFNA", "any, any", lazy=True)
def IFNA(value: Any, alt: Callable[[], Any]) -> Any:
    if _is_arr(value):
        rows = as_rows(value)
        if any(v is ERR.NA for row in rows for v in row):
            return _replace(rows, alt(), lambda v: v is ERR.NA)
        return value
    if value is ERR.NA:
        v = alt()
        return 0.0 if v is None else v
    return value


def _elementwise(fn: Callable[..., Any], first: Any, rest: tuple[Callable[[], Any], ...]) -> Any:
    """IFS/SWITCH over an array first argument (an array formula): every argument is
    evaluated and ``fn`` applied element by element, arrays broadcast as Excel does (an
    element past an array's size is #N/A)."""
    vals = [first] + [t() for t in rest]
    grids = [as_rows(v) if _is_arr(v) else None for v in vals]
    nr = max(len(g) for g in grids if g is not None)
    nc = max(len(g[0]) for g in grids if g is not None)

    def pick(v: Any, g: list[list[Any]] | None, i: int, j: int) -> Any:
        if g is None:
            return v
        ii = 0 if len(g) == 1 else i
        jj = 0 if len(g[0]) == 1 else j
        if ii >= len(g) or jj >= len(g[ii]):
            return ERR.NA
        return g[ii][jj]

    out = []
    for i in range(nr):
        row = []
        for j in range(nc):
            items = [pick(v, g, i, j) for v, g in zip(vals, grids)]
            row.append(fn(*[(lambda x=x: x) for x in items]))
        out.append(row)
    return out


@reg("IFS", "any+, any+", lazy=True)
def IFS(*pairs: Callable[[], Any]) -> Any:
    if len(pairs) < 2 or len(pairs) % 2:
        return ERR.VALUE
    first = pairs[0]()
    if _is_arr(first) and (type(first) is list or first.nrows * first.ncols > 1):
        # IFS(A26:C26,1,B26,2) entered over P26:R26 (dgorissen+pycel/logical.xlsx)
        return _elementwise(IFS, first, pairs[1:])
    for i in range(0, len(pairs), 2):
        t = _tv(to_scalar(first if i == 0 else pairs[i]()))
        if type(t) is ExcelError:
            return t
        if t:
            v = pairs[i + 1]()
            return 0.0 if v is None else v
    return ERR.NA


@reg("SWITCH", "any, any+, any+", lazy=True)
def SWITCH(expr: Callable[[], Any], *rest: Callable[[], Any]) -> Any:
    x = expr()
    if _is_arr(x) and (type(x) is list or x.nrows * x.ncols > 1):
        # SWITCH(A45:C45,FALSE,0,TRUE,1) entered over A44:C44 (dgorissen+pycel/logical.xlsx)
        return _elementwise(SWITCH, x, rest)
    x = to_scalar(x)
    if type(x) is ExcelError:
        return x
    n = len(rest)
    for i in range(0, n - 1, 2):
        v = to_scalar(rest[i]())
        if type(v) is ExcelError:
            return v
        a = 0.0 if x is None else x
        b = 0.0 if v is None else v
        same_kind = (type(a) in (int, float)) == (type(b) in (int, float)) and (
            type(a) is str) == (type(b) is str)
        if same_kind and _approx_cmp(a, b) == 0:
            r = rest[i + 1]()
            return 0.0 if r is None else r
    if n % 2:
        r = rest[-1]()
        return 0.0 if r is None else r
    return ERR.NA


def _logic(args: tuple[Any, ...], combine: Callable[[list[bool]], bool]) -> Any:
    vals: list[bool] = []
    for a in args:
        if type(a) is Rng or type(a) is list:
            for v in flat_values(a):
                tv = type(v)
                if tv is bool:
                    vals.append(v)
                elif tv is float or tv is int:
                    vals.append(v != 0)
                elif tv is ExcelError:
                    raise XErr(v)
        elif a is None:
            continue
        elif type(a) is str:  # typed-in text: TRUE/FALSE count, other text is skipped
            u = a.strip().upper()
            if u in ("TRUE", "FALSE"):
                vals.append(u == "TRUE")
        else:
            vals.append(boo(a))
    if not vals:
        return ERR.VALUE
    return combine(vals)


@reg("AND", "ref+")
def AND(*args: Any) -> Any:
    return _logic(args, all)


@reg("OR", "ref+")
def OR(*args: Any) -> Any:
    return _logic(args, any)


@reg("XOR", "ref+")
def XOR(*args: Any) -> Any:
    return _logic(args, lambda vs: sum(1 for v in vs if v) % 2 == 1)


@reg("NOT", "bool")
def NOT(x: bool) -> Any:
    return not x


@reg("TRUE", "")
def TRUE() -> bool:
    return True


@reg("FALSE", "")
def FALSE() -> bool:
    return False
