"""Excel's operators (arithmetic, ``&``, comparisons), implicit intersection and lifting.

The compiled code calls these by name (see :data:`OPERATORS`).

>>> _add("2", True)
3.0
>>> _eq("ABC", "abc"), _lt(5.0, "1")
(True, True)
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any

from xlfuncs.errors import ExcelError
from xlfuncs.recalc.values import (
    _TEXT_SURELY_SHORT,
    Areas,
    Rng,
    as_rows,
    compare,
    text_too_long,
    to_bool,
    to_num,
    to_text,
)

__all__ = [
    "OPERATORS", "_add", "_approx_cmp", "_bcast", "_cat", "_div", "_eq", "_ge", "_gt", "_ii",
    "_is_arr", "_le", "_lt", "_map", "_mul", "_ne", "_neg", "_pct", "_pos", "_pow", "_power",
    "_rangeop", "_sub", "_tv", "lift", "_isect", "_union",
]

ERR = ExcelError



def _is_arr(x: Any) -> bool:
    t = type(x)
    return t is list or t is Rng


def _bcast(fn: Callable[[Any, Any], Any], a: Any, b: Any) -> list[list[Any]]:
    A = as_rows(a)
    B = as_rows(b)
    ra, ca = len(A), len(A[0])
    rb, cb = len(B), len(B[0])
    nr = max(ra, rb)
    nc = max(ca, cb)
    out: list[list[Any]] = []
    for i in range(nr):
        row = []
        for j in range(nc):
            if (ra > 1 and i >= ra) or (ca > 1 and j >= ca) or (rb > 1 and i >= rb) or (
                cb > 1 and j >= cb
            ):
                row.append(ERR.NA)
                continue
            x = A[i if ra > 1 else 0][j if ca > 1 else 0]
            y = B[i if rb > 1 else 0][j if cb > 1 else 0]
            row.append(fn(x, y))
        out.append(row)
    return out


def _map(fn: Callable[[Any], Any], a: Any) -> list[list[Any]]:
    return [[fn(v) for v in row] for row in as_rows(a)]


def _arith(a: Any, b: Any, op: Callable[[Any, Any], Any]) -> Any:
    if _is_arr(a) or _is_arr(b):
        return _bcast(lambda x, y: _arith(x, y, op), a, b)
    x = to_num(a)
    if type(x) is ExcelError:
        return x
    y = to_num(b)
    if type(y) is ExcelError:
        return y
    try:
        return op(x, y)
    except ZeroDivisionError:
        return ERR.DIV0
    except (OverflowError, ValueError):
        return ERR.NUM


def _add(a: Any, b: Any) -> Any:
    ta = type(a)
    tb = type(b)
    if (ta is float or ta is int) and (tb is float or tb is int):
        return a + b
    return _arith(a, b, operator.add)


def _sub(a: Any, b: Any) -> Any:
    ta = type(a)
    tb = type(b)
    if (ta is float or ta is int) and (tb is float or tb is int):
        return a - b
    return _arith(a, b, operator.sub)


def _mul(a: Any, b: Any) -> Any:
    ta = type(a)
    tb = type(b)
    if (ta is float or ta is int) and (tb is float or tb is int):
        return a * b
    return _arith(a, b, operator.mul)


def _truediv(x: Any, y: Any) -> Any:
    if y == 0:
        return ERR.DIV0
    return x / y


def _div(a: Any, b: Any) -> Any:
    ta = type(a)
    tb = type(b)
    if (ta is float or ta is int) and (tb is float or tb is int):
        if b == 0:
            return ERR.DIV0
        return a / b
    return _arith(a, b, _truediv)


def _power(x: Any, y: Any) -> Any:
    x = float(x)
    y = float(y)
    if x == 0:
        if y == 0:
            return ERR.NUM
        if y < 0:
            return ERR.DIV0
        return 0.0
    if x < 0 and not y.is_integer():
        return ERR.NUM
    try:
        return math.pow(x, y)
    except (OverflowError, ValueError):
        return ERR.NUM


def _pow(a: Any, b: Any) -> Any:
    return _arith(a, b, _power)


def _cat(a: Any, b: Any) -> Any:
    ta = type(a)
    if ta is str and type(b) is str:  # the common case, as below
        s = a + b
    elif ta is list or ta is Rng or _is_arr(b):
        return _bcast(_cat, a, b)
    else:
        x = to_text(a)
        if type(x) is ExcelError:
            return x
        y = to_text(b)
        if type(y) is ExcelError:
            return y
        s = x + y  # type: ignore[operator]
    if len(s) > _TEXT_SURELY_SHORT and text_too_long(s):
        return ExcelError.VALUE  # over Excel's 32,767 characters
    return s


def _approx_cmp(a: Any, b: Any) -> Any:
    ta = type(a)
    tb = type(b)
    if (ta is float or ta is int) and (tb is float or tb is int):
        if a == b:
            return 0
        # values equal to ~15 significant digits compare equal, as in the spreadsheet engines
        if abs(a - b) <= max(abs(a), abs(b)) * 3.6e-15:
            return 0
        return -1 if a < b else 1
    return compare(a, b)


def _cmp_op(test: Callable[[int], bool]) -> Callable[[Any, Any], Any]:
    def op(a: Any, b: Any) -> Any:
        if _is_arr(a) or _is_arr(b):
            return _bcast(op, a, b)
        c = _approx_cmp(a, b)
        if type(c) is ExcelError:
            return c
        return test(c)

    return op


_eq = _cmp_op(lambda c: c == 0)
_ne = _cmp_op(lambda c: c != 0)
_lt = _cmp_op(lambda c: c < 0)
_gt = _cmp_op(lambda c: c > 0)
_le = _cmp_op(lambda c: c <= 0)
_ge = _cmp_op(lambda c: c >= 0)


def _neg(a: Any) -> Any:
    t = type(a)
    if t is float or t is int:
        return -a
    if _is_arr(a):
        return _map(_neg, a)
    x = to_num(a)
    return x if type(x) is ExcelError else -x  # type: ignore[operator]


def _pos(a: Any) -> Any:
    return a


def _pct(a: Any) -> Any:
    if _is_arr(a):
        return _map(_pct, a)
    x = to_num(a)
    return x if type(x) is ExcelError else x / 100.0  # type: ignore[operator]


OPERATORS = {
    "+": "_add", "-": "_sub", "*": "_mul", "/": "_div", "^": "_pow", "&": "_cat",
    "=": "_eq", "<>": "_ne", "<": "_lt", ">": "_gt", "<=": "_le", ">=": "_ge",
}


def _ii(x: Any, r: int, c: int) -> Any:
    """Implicit intersection of a reference with the formula cell (row ``r``, col ``c``)."""
    t = type(x)
    if t is Rng:
        if x.r1 == x.r2:
            if x.c1 == x.c2:
                return x.V.get((x.s, x.r1, x.c1))
            if x.c1 <= c <= x.c2:
                return x.V.get((x.s, x.r1, c))
            return ERR.VALUE
        if x.c1 == x.c2 and x.r1 <= r <= x.r2:
            return x.V.get((x.s, r, x.c1))
        return ERR.VALUE
    if t is list:
        return x[0][0] if x and x[0] else ERR.VALUE
    if t is Areas:
        return ERR.VALUE
    return x


def _tv(x: Any) -> Any:
    """Truth value of an IF condition: True, False or an error."""
    if x is True or x is False:
        return x
    return to_bool(x)


def _ref_areas(*xs: Any) -> tuple[Rng, ...] | ExcelError:
    """The areas of references (an error argument is the result; a value is #VALUE!)."""
    out: list[Rng] = []
    for x in xs:
        t = type(x)
        if t is Rng:
            out.append(x)
        elif t is Areas:
            out.extend(x.areas)
        elif t is ExcelError:
            err: ExcelError = x
            return err
        else:
            return ERR.VALUE
    return tuple(out)


def _union(*xs: Any) -> Any:
    """``(ref,ref,...)`` - the union operator: a reference of several areas on one sheet."""
    areas = _ref_areas(*xs)
    if type(areas) is ExcelError:
        return areas
    assert isinstance(areas, tuple)
    if len({a.s for a in areas}) != 1:
        return ERR.VALUE
    return areas[0] if len(areas) == 1 else Areas(areas)


def _isect(a: Any, b: Any) -> Any:
    """``ref ref`` - the intersection operator: the cells in both; ``#NULL!`` when none."""
    xa = _ref_areas(a)
    if type(xa) is ExcelError:
        return xa
    xb = _ref_areas(b)
    if type(xb) is ExcelError:
        return xb
    assert isinstance(xa, tuple) and isinstance(xb, tuple)
    out: list[Rng] = []
    for p in xa:
        for q in xb:
            if p.s != q.s:
                return ERR.VALUE
            r1, c1, r2, c2 = max(p.r1, q.r1), max(p.c1, q.c1), min(p.r2, q.r2), min(p.c2, q.c2)
            if r1 <= r2 and c1 <= c2:
                out.append(Rng(p.V, p.s, r1, c1, r2, c2))
    if not out:
        return ERR.NULL
    return out[0] if len(out) == 1 else Areas(tuple(out))


def _rangeop(a: Any, b: Any) -> Any:
    """``ref:ref`` - the bounding box of two references on one sheet."""
    if type(a) is Areas or type(b) is Areas:
        areas = _ref_areas(a, b)
        if type(areas) is ExcelError:
            return areas
        assert isinstance(areas, tuple)
        if len({x.s for x in areas}) != 1:
            return ERR.VALUE
        return Rng(areas[0].V, areas[0].s, min(x.r1 for x in areas), min(x.c1 for x in areas),
                   max(x.r2 for x in areas), max(x.c2 for x in areas))
    if type(a) is not Rng or type(b) is not Rng or a.s != b.s:
        if type(a) is ExcelError:
            return a
        if type(b) is ExcelError:
            return b
        return ERR.VALUE
    return Rng(a.V, a.s, min(a.r1, b.r1), min(a.c1, b.c1), max(a.r2, b.r2), max(a.c2, b.c2))


def lift(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Apply a scalar function element by element when an argument is an array."""

    def w(*args: Any) -> Any:
        for a in args:
            if type(a) is list or type(a) is Rng:
                break
        else:
            return fn(*args)
        arrs = [as_rows(a) if (type(a) is list or type(a) is Rng) else None for a in args]
        nr = max(len(x) for x in arrs if x is not None)
        nc = max(len(x[0]) for x in arrs if x is not None)
        out = []
        for i in range(nr):
            row = []
            for j in range(nc):
                vals = []
                bad = False
                for a, x in zip(args, arrs):
                    if x is None:
                        vals.append(a)
                    else:
                        h, wd = len(x), len(x[0])
                        if (h > 1 and i >= h) or (wd > 1 and j >= wd):
                            bad = True
                            break
                        vals.append(x[i if h > 1 else 0][j if wd > 1 else 0])
                row.append(ERR.NA if bad else fn(*vals))
            out.append(row)
        return out

    return w


