"""Excel built-in functions and operators for the compiled evaluator.

:data:`BUILTINS` maps an upper-case Excel name to ``(kind, function)``:

* ``"scalar"``: receives plain values (references already resolved to a value);
* ``"raw"``: receives references as :class:`~xlfuncs.recalc.values.Rng` (SUM, INDEX, ...);
* ``"ctx"``: like ``"scalar"`` but the first argument is the evaluation context
  (date system, today's date);
* ``"lazy"``: compiled specially (IF, IFERROR, CHOOSE, ...): the value arguments arrive
  as zero-argument callables so that only the chosen branch is evaluated.

Every function returns an Excel value and never raises for bad input (an internal bug
surfaces as ``#VALUE!`` in the engine).

>>> BUILTINS["ROUND"][1](2.5, 0)
3.0
>>> BUILTINS["MOD"][1](-3.0, 2.0)
1.0
>>> _add("2", True)
3.0
>>> _eq("ABC", "abc"), _lt(5.0, "1")
(True, True)
"""

from __future__ import annotations

import datetime as _dt
import math
import operator
import re
from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any

from xlfuncs.errors import ExcelError
from xlfuncs.recalc.values import (
    _TEXT_SURELY_SHORT,
    ROUND_MODES,
    TEXT_LIMIT,
    Rng,
    as_rows,
    compare,
    date_to_serial,
    excel_round,
    flat_values,
    general_number,
    parse_criteria,
    serial_ymd,
    shape_of,
    text_to_num,
    text_too_long,
    to_bool,
    to_num,
    to_scalar,
    to_text,
)

__all__ = ["BUILTINS", "Ctx", "XErr"]

ERR = ExcelError
_NUM_T = (float, int)


class Ctx:
    """Evaluation context for date-aware functions."""

    __slots__ = ("date1904", "today", "now")

    def __init__(self, date1904: bool = False, today: _dt.date | None = None) -> None:
        self.date1904 = date1904
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


BUILTINS: dict[str, tuple[str, Callable[..., Any]]] = {}


def _guard(fn: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(fn)
    def w(*a: Any) -> Any:
        try:
            r = fn(*a)
        except XErr as e:
            return e.err
        except ZeroDivisionError:
            return ERR.DIV0
        except (OverflowError, ValueError):
            return ERR.NUM
        except TypeError:
            return ERR.VALUE
        if type(r) is str and len(r) > _TEXT_SURELY_SHORT and text_too_long(r):
            return ERR.VALUE  # Excel: a text result over 32,767 characters is #VALUE!
        return r

    return w


def reg(*names: str, kind: str = "scalar") -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        g = fn if kind == "lazy" else _guard(fn)
        for n in names:
            BUILTINS[n] = (kind, g)
        return g

    return deco


# ---------------------------------------------------------------- argument helpers


def num(x: Any) -> float:
    v = to_num(x)
    if type(v) is ExcelError:
        raise XErr(v)
    return v  # type: ignore[return-value]


def opt_num(x: Any, default: float) -> float:
    return default if x is None else num(x)


def txt(x: Any) -> str:
    v = to_text(x)
    if type(v) is ExcelError:
        raise XErr(v)
    return v  # type: ignore[return-value]


def boo(x: Any) -> bool:
    v = to_bool(x)
    if type(v) is ExcelError:
        raise XErr(v)
    return v  # type: ignore[return-value]


def integer(x: Any) -> int:
    return int(math.trunc(num(x)))


def scal(x: Any) -> Any:
    """One value out of whatever arrived (reference/array -> top-left); errors raise."""
    v = to_scalar(x)
    if type(v) is ExcelError:
        raise XErr(v)
    return v


def check(v: Any) -> Any:
    if type(v) is ExcelError:
        raise XErr(v)
    return v


def _numbers(args: tuple[Any, ...], direct_text: bool = True) -> Iterator[float]:
    """Numbers of an aggregate's arguments, Excel style.

    In references and arrays only real numbers count (text, logicals, blanks skipped);
    typed-in arguments are coerced (text that looks like a number, TRUE -> 1).
    Errors anywhere propagate.
    """
    for a in args:
        t = type(a)
        if t is Rng or t is list:
            for v in (a.values() if t is Rng else (v for row in a for v in row)):
                tv = type(v)
                if tv is float or tv is int:
                    yield v
                elif tv is ExcelError:
                    raise XErr(v)
        elif a is None:
            continue
        elif t is ExcelError:
            raise XErr(a)
        elif t is str and not direct_text:
            continue
        else:
            yield num(a)


# ---------------------------------------------------------------- operators


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
        return ERR.VALUE  # over Excel's 32,767 characters
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
    return x


def _tv(x: Any) -> Any:
    """Truth value of an IF condition: True, False or an error."""
    if x is True or x is False:
        return x
    return to_bool(x)


def _rangeop(a: Any, b: Any) -> Any:
    """``ref:ref`` - the bounding box of two references on one sheet."""
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


# ---------------------------------------------------------------- lazy (compiled specially)


@reg("IF", kind="lazy")
def IF(cond: Any, yes: Callable[[], Any], no: Callable[[], Any] | None = None) -> Any:
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
                row.append(pick(Y, i, j))
            elif t is False:
                row.append(pick(N, i, j))
            else:
                row.append(t)
        out.append(row)
    return out


@reg("IFERROR", kind="lazy")
def IFERROR(value: Any, alt: Callable[[], Any]) -> Any:
    if _is_arr(value):
        rows = as_rows(value)
        if any(type(v) is ExcelError for row in rows for v in row):
            a = alt()
            a = to_scalar(a) if _is_arr(a) else a
            return [[a if type(v) is ExcelError else v for v in row] for row in rows]
        return value
    if type(value) is ExcelError:
        v = alt()
        return 0.0 if v is None else v
    return value


@reg("IFNA", kind="lazy")
def IFNA(value: Any, alt: Callable[[], Any]) -> Any:
    if _is_arr(value):
        rows = as_rows(value)
        if any(v is ERR.NA for row in rows for v in row):
            a = alt()
            a = to_scalar(a) if _is_arr(a) else a
            return [[a if v is ERR.NA else v for v in row] for row in rows]
        return value
    if value is ERR.NA:
        v = alt()
        return 0.0 if v is None else v
    return value


@reg("IFS", kind="lazy")
def IFS(*pairs: Callable[[], Any]) -> Any:
    if len(pairs) < 2 or len(pairs) % 2:
        return ERR.VALUE
    for i in range(0, len(pairs), 2):
        t = _tv(to_scalar(pairs[i]()))
        if type(t) is ExcelError:
            return t
        if t:
            v = pairs[i + 1]()
            return 0.0 if v is None else v
    return ERR.NA


@reg("SWITCH", kind="lazy")
def SWITCH(expr: Callable[[], Any], *rest: Callable[[], Any]) -> Any:
    x = to_scalar(expr())
    if type(x) is ExcelError:
        return x
    n = len(rest)
    for i in range(0, n - 1, 2):
        v = to_scalar(rest[i]())
        if type(v) is ExcelError:
            return v
        if _approx_cmp(x, v) == 0:
            return rest[i + 1]()
    if n % 2:
        return rest[-1]()
    return ERR.NA


@reg("CHOOSE", kind="lazy")
def CHOOSE(index: Any, *options: Callable[[], Any]) -> Any:
    i = to_num(to_scalar(index))
    if type(i) is ExcelError:
        return i
    k = int(math.trunc(i))  # type: ignore[arg-type]
    if k < 1 or k > len(options):
        return ERR.VALUE
    v = options[k - 1]()
    return 0.0 if v is None else v


# ---------------------------------------------------------------- logical / info


@reg("AND", kind="raw")
def AND(*args: Any) -> Any:
    return _logic(args, all)


@reg("OR", kind="raw")
def OR(*args: Any) -> Any:
    return _logic(args, any)


@reg("XOR", kind="raw")
def XOR(*args: Any) -> Any:
    return _logic(args, lambda vs: sum(1 for v in vs if v) % 2 == 1)


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
        else:
            vals.append(boo(a))
    if not vals:
        return ERR.VALUE
    return combine(vals)


@reg("NOT")
def NOT(x: Any) -> Any:
    return not boo(x)


@reg("TRUE")
def TRUE() -> bool:
    return True


@reg("FALSE")
def FALSE() -> bool:
    return False


@reg("NA")
def NA() -> Any:
    return ERR.NA


@reg("ISERROR")
def ISERROR(x: Any) -> bool:
    return type(x) is ExcelError


@reg("ISERR")
def ISERR(x: Any) -> bool:
    return type(x) is ExcelError and x is not ERR.NA


@reg("ISNA")
def ISNA(x: Any) -> bool:
    return x is ERR.NA


@reg("ISNUMBER")
def ISNUMBER(x: Any) -> bool:
    return type(x) is float or type(x) is int


@reg("ISTEXT")
def ISTEXT(x: Any) -> bool:
    return type(x) is str


@reg("ISNONTEXT")
def ISNONTEXT(x: Any) -> bool:
    return type(x) is not str


@reg("ISLOGICAL")
def ISLOGICAL(x: Any) -> bool:
    return type(x) is bool


@reg("ISBLANK")
def ISBLANK(x: Any) -> bool:
    return x is None


@reg("ISEVEN")
def ISEVEN(x: Any) -> bool:
    return int(math.trunc(num(check(x)))) % 2 == 0


@reg("ISODD")
def ISODD(x: Any) -> bool:
    return int(math.trunc(num(check(x)))) % 2 == 1


@reg("N")
def N(x: Any) -> Any:
    t = type(x)
    if t is float or t is int:
        return x
    if t is bool:
        return 1.0 if x else 0.0
    if t is ExcelError:
        return x
    return 0.0


# ---------------------------------------------------------------- math


@reg("SUM", kind="raw")
def SUM(*args: Any) -> Any:
    total = 0.0
    for a in args:
        t = type(a)
        if t is float or t is int:
            total += a
        elif t is Rng:
            g = a.V.get
            s = a.s
            for r in range(a.r1, a.r2 + 1):
                for c in range(a.c1, a.c2 + 1):
                    v = g((s, r, c))
                    tv = type(v)
                    if tv is float or tv is int:
                        total += v
                    elif tv is ExcelError:
                        return v
        else:
            for v in _numbers((a,)):
                total += v
    return total


@reg("PRODUCT", kind="raw")
def PRODUCT(*args: Any) -> Any:
    p = 1.0
    seen = False
    for v in _numbers(args):
        p *= v
        seen = True
    return p if seen else 0.0


@reg("SUMSQ", kind="raw")
def SUMSQ(*args: Any) -> Any:
    return sum(v * v for v in _numbers(args))


@reg("COUNT", kind="raw")
def COUNT(*args: Any) -> Any:
    n = 0
    for a in args:
        if type(a) is Rng or type(a) is list:
            for v in flat_values(a):
                if type(v) is float or type(v) is int:
                    n += 1
        elif type(a) is float or type(a) is int or type(a) is bool:
            n += 1
        elif type(a) is str and type(text_to_num(a)) is not ExcelError:
            n += 1
    return float(n)


@reg("COUNTA", kind="raw")
def COUNTA(*args: Any) -> Any:
    n = 0
    for a in args:
        if type(a) is Rng or type(a) is list:
            n += sum(1 for v in flat_values(a) if v is not None)
        elif a is not None:
            n += 1
    return float(n)


@reg("COUNTBLANK", kind="raw")
def COUNTBLANK(rng: Any) -> Any:
    return float(sum(1 for v in flat_values(rng) if v is None or v == ""))


@reg("AVERAGE", kind="raw")
def AVERAGE(*args: Any) -> Any:
    total = 0.0
    n = 0
    for v in _numbers(args):
        total += v
        n += 1
    if n == 0:
        return ERR.DIV0
    return total / n


@reg("AVERAGEA", kind="raw")
def AVERAGEA(*args: Any) -> Any:
    total = 0.0
    n = 0
    for a in args:
        for v in flat_values(a) if _is_arr(a) else [a]:
            if v is None:
                continue
            if type(v) is ExcelError:
                raise XErr(v)
            total += num(v) if type(v) is not str else 0.0
            n += 1
    if n == 0:
        return ERR.DIV0
    return total / n


@reg("MIN", kind="raw")
def MIN(*args: Any) -> Any:
    vals = list(_numbers(args))
    return float(min(vals)) if vals else 0.0


@reg("MAX", kind="raw")
def MAX(*args: Any) -> Any:
    vals = list(_numbers(args))
    return float(max(vals)) if vals else 0.0


@reg("MEDIAN", kind="raw")
def MEDIAN(*args: Any) -> Any:
    vals = sorted(_numbers(args))
    n = len(vals)
    if n == 0:
        return ERR.NUM
    mid = n // 2
    return float(vals[mid]) if n % 2 else (vals[mid - 1] + vals[mid]) / 2.0


@reg("LARGE", kind="raw")
def LARGE(arr: Any, k: Any) -> Any:
    vals = sorted(_numbers((arr,), direct_text=False), reverse=True)
    i = int(math.ceil(num(scal(k))))
    if i < 1 or i > len(vals):
        return ERR.NUM
    return float(vals[i - 1])


@reg("SMALL", kind="raw")
def SMALL(arr: Any, k: Any) -> Any:
    vals = sorted(_numbers((arr,), direct_text=False))
    i = int(math.ceil(num(scal(k))))
    if i < 1 or i > len(vals):
        return ERR.NUM
    return float(vals[i - 1])


@reg("STDEV", "STDEV.S", kind="raw")
def STDEV(*args: Any) -> Any:
    vals = list(_numbers(args))
    n = len(vals)
    if n < 2:
        return ERR.DIV0
    m = sum(vals) / n
    return math.sqrt(sum((v - m) ** 2 for v in vals) / (n - 1))


@reg("STDEVP", "STDEV.P", kind="raw")
def STDEVP(*args: Any) -> Any:
    vals = list(_numbers(args))
    n = len(vals)
    if n < 1:
        return ERR.DIV0
    m = sum(vals) / n
    return math.sqrt(sum((v - m) ** 2 for v in vals) / n)


@reg("SUMPRODUCT", kind="raw")
def SUMPRODUCT(*args: Any) -> Any:
    if not args:
        return ERR.VALUE
    arrays = [as_rows(a) for a in args]
    shape = (len(arrays[0]), len(arrays[0][0]))
    for a in arrays:
        if (len(a), len(a[0])) != shape:
            return ERR.VALUE
    total = 0.0
    cols = [[v for row in a for v in row] for a in arrays]
    for vals in zip(*cols):
        p = 1.0
        for v in vals:
            tv = type(v)
            if tv is float or tv is int:
                p *= v
            elif tv is ExcelError:
                return v
            else:
                p = 0.0
        total += p
    return total


def _round(x: Any, digits: Any, mode: str) -> Any:
    return excel_round(num(x), integer(digits) if digits is not None else 0, ROUND_MODES[mode])


@reg("ROUND")
def ROUND(x: Any, digits: Any = None) -> Any:
    return _round(x, digits, "near")


@reg("ROUNDUP")
def ROUNDUP(x: Any, digits: Any = None) -> Any:
    return _round(x, digits, "up")


@reg("ROUNDDOWN")
def ROUNDDOWN(x: Any, digits: Any = None) -> Any:
    return _round(x, digits, "down")


@reg("TRUNC")
def TRUNC(x: Any, digits: Any = None) -> Any:
    return _round(x, digits, "down")


@reg("INT")
def INT(x: Any) -> Any:
    return float(math.floor(num(x)))


@reg("MOD")
def MOD(a: Any, b: Any) -> Any:
    x = num(a)
    y = num(b)
    if y == 0:
        return ERR.DIV0
    return x - y * math.floor(x / y)


@reg("ABS")
def ABS(x: Any) -> Any:
    return abs(num(x))


@reg("SIGN")
def SIGN(x: Any) -> Any:
    v = num(x)
    return 1.0 if v > 0 else (-1.0 if v < 0 else 0.0)


@reg("POWER")
def POWER(a: Any, b: Any) -> Any:
    return _power(num(a), num(b))


@reg("SQRT")
def SQRT(x: Any) -> Any:
    v = num(x)
    if v < 0:
        return ERR.NUM
    return math.sqrt(v)


@reg("EXP")
def EXP(x: Any) -> Any:
    return math.exp(num(x))


@reg("LN")
def LN(x: Any) -> Any:
    v = num(x)
    if v <= 0:
        return ERR.NUM
    return math.log(v)


@reg("LOG10")
def LOG10(x: Any) -> Any:
    v = num(x)
    if v <= 0:
        return ERR.NUM
    return math.log10(v)


@reg("LOG")
def LOG(x: Any, base: Any = None) -> Any:
    v = num(x)
    b = opt_num(base, 10.0)
    if v <= 0 or b <= 0 or b == 1:
        return ERR.NUM if b != 1 else ERR.DIV0
    return math.log(v) / math.log(b)


@reg("PI")
def PI() -> Any:
    return math.pi


@reg("CEILING", "CEILING.MATH")
def CEILING(x: Any, sig: Any = None) -> Any:
    v = num(x)
    s = opt_num(sig, 1.0)
    if s == 0 or v == 0:
        return 0.0
    if v > 0 and s < 0:
        return ERR.NUM
    return math.ceil(v / s - 1e-12) * s if v > 0 or s > 0 else math.floor(v / s) * s


@reg("FLOOR", "FLOOR.MATH")
def FLOOR(x: Any, sig: Any = None) -> Any:
    v = num(x)
    s = opt_num(sig, 1.0)
    if v == 0:
        return 0.0
    if s == 0:
        return ERR.DIV0
    if v > 0 and s < 0:
        return ERR.NUM
    return math.floor(v / s + 1e-12) * s


@reg("MROUND")
def MROUND(x: Any, m: Any) -> Any:
    v = num(x)
    k = num(m)
    if k == 0:
        return 0.0
    if (v > 0 > k) or (v < 0 < k):
        return ERR.NUM
    return excel_round(v / k, 0) * k


# ---------------------------------------------------------------- conditional aggregates


def _crit_mask(pairs: tuple[Any, ...]) -> tuple[list[bool], tuple[int, int]] | ExcelError:
    if len(pairs) % 2 or not pairs:
        return ERR.VALUE
    mask: list[bool] | None = None
    shape: tuple[int, int] | None = None
    for i in range(0, len(pairs), 2):
        rng, crit = pairs[i], pairs[i + 1]
        if not _is_arr(rng):
            rng = [[rng]]
        shp = shape_of(rng)
        if shape is None:
            shape = shp
        elif shp != shape:
            return ERR.VALUE
        pred = parse_criteria(crit)
        vals = flat_values(rng)
        if mask is None:
            mask = [pred(v) for v in vals]
        else:
            mask = [m and pred(v) for m, v in zip(mask, vals)]
    assert mask is not None and shape is not None
    return mask, shape


def _resized(target: Any, shape: tuple[int, int]) -> list[Any]:
    """The values of ``target`` resized to ``shape`` from its top-left cell (Excel resizes)."""
    if type(target) is Rng:
        if shape_of(target) != shape:
            target = Rng(target.V, target.s, target.r1, target.c1,
                         target.r1 + shape[0] - 1, target.c1 + shape[1] - 1)
        cells: list[Any] = target.flat()
        return cells
    if type(target) is list:
        if shape_of(target) != shape:
            raise XErr(ERR.VALUE)
        return flat_values(target)
    return [target] if shape == (1, 1) else [None] * (shape[0] * shape[1])


def _if_values(target: Any, pairs: tuple[Any, ...]) -> list[float]:
    res = _crit_mask(pairs)
    if type(res) is ExcelError:
        raise XErr(res)
    mask, shape = res  # type: ignore[misc]
    out: list[float] = []
    for m, v in zip(mask, _resized(target, shape)):
        if m:
            tv = type(v)
            if tv is float or tv is int:
                out.append(v)
            elif tv is ExcelError:
                raise XErr(v)
    return out


@reg("SUMIF", kind="raw")
def SUMIF(rng: Any, crit: Any, sum_range: Any = None) -> Any:
    return float(sum(_if_values(rng if sum_range is None else sum_range, (rng, crit))))


@reg("SUMIFS", kind="raw")
def SUMIFS(sum_range: Any, *pairs: Any) -> Any:
    return float(sum(_if_values(sum_range, pairs)))


@reg("COUNTIF", kind="raw")
def COUNTIF(rng: Any, crit: Any) -> Any:
    res = _crit_mask((rng, crit))
    if type(res) is ExcelError:
        return res
    return float(sum(res[0]))  # type: ignore[index]


@reg("COUNTIFS", kind="raw")
def COUNTIFS(*pairs: Any) -> Any:
    res = _crit_mask(pairs)
    if type(res) is ExcelError:
        return res
    return float(sum(res[0]))  # type: ignore[index]


@reg("AVERAGEIF", kind="raw")
def AVERAGEIF(rng: Any, crit: Any, avg_range: Any = None) -> Any:
    vals = _if_values(rng if avg_range is None else avg_range, (rng, crit))
    return sum(vals) / len(vals) if vals else ERR.DIV0


@reg("AVERAGEIFS", kind="raw")
def AVERAGEIFS(avg_range: Any, *pairs: Any) -> Any:
    vals = _if_values(avg_range, pairs)
    return sum(vals) / len(vals) if vals else ERR.DIV0


@reg("MINIFS", kind="raw")
def MINIFS(rng: Any, *pairs: Any) -> Any:
    vals = _if_values(rng, pairs)
    return float(min(vals)) if vals else 0.0


@reg("MAXIFS", kind="raw")
def MAXIFS(rng: Any, *pairs: Any) -> Any:
    vals = _if_values(rng, pairs)
    return float(max(vals)) if vals else 0.0


# ---------------------------------------------------------------- lookup


def _vector(x: Any) -> list[Any]:
    rows = as_rows(x)
    if len(rows) == 1:
        return list(rows[0])
    if len(rows[0]) == 1:
        return [row[0] for row in rows]
    raise XErr(ERR.NA)


def _same_kind(a: Any, b: Any) -> bool:
    ta = type(a)
    tb = type(b)
    if ta is int:
        ta = float
    if tb is int:
        tb = float
    return ta is tb


def _find(x: Any, vec: list[Any], mode: int) -> int:
    """0-based position of ``x`` in ``vec``; ``-1`` when absent.

    ``mode`` 0: exact (text case-insensitive, wildcards); 1: largest value <= x in an
    ascending list; -1: smallest value >= x in a descending list.
    """
    if mode == 0:
        if type(x) is str and ("*" in x or "?" in x or "~" in x):
            pred = parse_criteria("=" + x)
            for i, v in enumerate(vec):
                if type(v) is str and pred(v):
                    return i
            return -1
        for i, v in enumerate(vec):
            if v is not None and _same_kind(v, x) and _approx_cmp(v, x) == 0:
                return i
        return -1
    best = -1
    for i, v in enumerate(vec):
        if v is None or not _same_kind(v, x):
            continue
        c = _approx_cmp(v, x)
        if mode == 1:
            if c <= 0:
                best = i
            else:
                break
        else:
            if c >= 0:
                best = i
            else:
                break
    return best


@reg("MATCH", kind="raw")
def MATCH(x: Any, arr: Any, mode: Any = None) -> Any:
    v = scal(x)
    if v is None:
        return ERR.NA
    m = 1 if mode is None else integer(scal(mode))
    m = 0 if m == 0 else (1 if m > 0 else -1)
    i = _find(v, _vector(arr), m)
    return ERR.NA if i < 0 else float(i + 1)


@reg("INDEX", kind="raw")
def INDEX(arr: Any, row: Any = None, col: Any = None) -> Any:
    if type(arr) is ExcelError:
        return arr
    nr, nc = shape_of(arr)
    r = 0 if row is None else integer(scal(row))
    c = 0 if col is None else integer(scal(col))
    if col is None and nr == 1 and nc > 1:  # INDEX(row_vector, n)
        r, c = 1, r
    if r < 0 or c < 0 or r > nr or c > nc:
        return ERR.REF
    if type(arr) is Rng:
        r1 = arr.r1 + r - 1 if r else arr.r1
        r2 = r1 if r else arr.r2
        c1 = arr.c1 + c - 1 if c else arr.c1
        c2 = c1 if c else arr.c2
        if r1 == r2 and c1 == c2:
            return Rng(arr.V, arr.s, r1, c1, r1, c1)
        return Rng(arr.V, arr.s, r1, c1, r2, c2)
    rows = as_rows(arr)
    if r and c:
        return rows[r - 1][c - 1]
    if r:
        return [rows[r - 1]]
    if c:
        return [[row[c - 1]] for row in rows]
    return rows


@reg("VLOOKUP", kind="raw")
def VLOOKUP(x: Any, table: Any, col: Any, approx: Any = None) -> Any:
    return _xlookup_table(x, table, col, approx, vertical=True)


@reg("HLOOKUP", kind="raw")
def HLOOKUP(x: Any, table: Any, row: Any, approx: Any = None) -> Any:
    return _xlookup_table(x, table, row, approx, vertical=False)


def _xlookup_table(x: Any, table: Any, idx: Any, approx: Any, vertical: bool) -> Any:
    v = scal(x)
    k = integer(scal(idx))
    rows = as_rows(table)
    if not vertical:
        rows = [list(t) for t in zip(*rows)]
    if k < 1:
        return ERR.VALUE
    if k > len(rows[0]):
        return ERR.REF
    exact = approx is not None and not boo(scal(approx))
    i = _find(v, [row[0] for row in rows], 0 if exact else 1)
    if i < 0:
        return ERR.NA
    out = rows[i][k - 1]
    return out


@reg("XLOOKUP", kind="raw")
def XLOOKUP(
    x: Any,
    look: Any,
    ret: Any,
    not_found: Any = None,
    match_mode: Any = None,
    search_mode: Any = None,
) -> Any:
    v = scal(x)
    vec = _vector(look)
    mm = 0 if match_mode is None else integer(scal(match_mode))
    sm = 1 if search_mode is None else integer(scal(search_mode))
    order = list(range(len(vec)))
    if sm < 0:
        order.reverse()
    found = -1
    if mm == 2 or (mm == 0 and type(v) is str and False):
        pred = parse_criteria("=" + txt(v))
        for i in order:
            if type(vec[i]) is str and pred(vec[i]):
                found = i
                break
    elif mm == 0:
        for i in order:
            w = vec[i]
            if w is not None and _same_kind(w, v) and _approx_cmp(w, v) == 0:
                found = i
                break
    else:
        best: Any = None
        for i in order:
            w = vec[i]
            if w is None or not _same_kind(w, v):
                continue
            c = _approx_cmp(w, v)
            if c == 0:
                found = i
                break
            if mm == -1 and c < 0 and (best is None or _approx_cmp(w, vec[best]) > 0):
                best = i
            if mm == 1 and c > 0 and (best is None or _approx_cmp(w, vec[best]) < 0):
                best = i
        if found < 0 and best is not None:
            found = best
    if found < 0:
        if not_found is not None:
            return not_found
        return ERR.NA
    rows = as_rows(ret)
    lr, lc = shape_of(look)
    if lc == 1 or (lr > 1):
        if len(rows) != len(vec):
            return ERR.VALUE
        res = rows[found]
        return res[0] if len(res) == 1 else [list(res)]
    if len(rows[0]) != len(vec):
        return ERR.VALUE
    col = [[row[found]] for row in rows]
    return col[0][0] if len(col) == 1 else col


@reg("LOOKUP", kind="raw")
def LOOKUP(x: Any, look: Any, result: Any = None) -> Any:
    v = scal(x)
    vec = _vector(look)
    i = _find(v, vec, 1)
    if i < 0:
        return ERR.NA
    if result is None:
        return vec[i]
    res = _vector(result)
    return res[i] if i < len(res) else ERR.NA


@reg("ROWS", kind="raw")
def ROWS(x: Any) -> Any:
    return float(shape_of(x)[0])


@reg("COLUMNS", kind="raw")
def COLUMNS(x: Any) -> Any:
    return float(shape_of(x)[1])


@reg("ROW", kind="raw")
def ROW(x: Any) -> Any:
    if type(x) is Rng:
        return float(x.r1)
    return ERR.VALUE


@reg("COLUMN", kind="raw")
def COLUMN(x: Any) -> Any:
    if type(x) is Rng:
        return float(x.c1)
    return ERR.VALUE


@reg("TRANSPOSE", kind="raw")
def TRANSPOSE(x: Any) -> Any:
    return [list(t) for t in zip(*as_rows(x))]


# ---------------------------------------------------------------- dates


def _ymd(ctx: Ctx, x: Any) -> tuple[int, int, int]:
    v = num(x)
    res = serial_ymd(v, ctx.date1904)
    if res is None:
        raise XErr(ERR.NUM)
    return res


@reg("YEAR", kind="ctx")
def YEAR(ctx: Ctx, x: Any) -> Any:
    return float(_ymd(ctx, x)[0])


@reg("MONTH", kind="ctx")
def MONTH(ctx: Ctx, x: Any) -> Any:
    return float(_ymd(ctx, x)[1])


@reg("DAY", kind="ctx")
def DAY(ctx: Ctx, x: Any) -> Any:
    return float(_ymd(ctx, x)[2])


def _date_serial(ctx: Ctx, y: int, m: int, d: int) -> float:
    if 0 <= y < 1900:
        y += 1900
    y += (m - 1) // 12
    m = (m - 1) % 12 + 1
    if y < 1900 or y > 9999:
        raise XErr(ERR.NUM)
    base = date_to_serial(_dt.date(y, m, 1), ctx.date1904)
    # serials count Excel's own calendar (with 1900-02-29), so day overflow just adds days
    s = base + d - 1
    if s < 0:
        raise XErr(ERR.NUM)
    return float(s)


@reg("DATE", kind="ctx")
def DATE(ctx: Ctx, y: Any, m: Any, d: Any) -> Any:
    return _date_serial(ctx, integer(y), integer(m), integer(d))


@reg("TODAY", kind="ctx")
def TODAY(ctx: Ctx) -> Any:
    return ctx.today


@reg("NOW", kind="ctx")
def NOW(ctx: Ctx) -> Any:
    return ctx.now


def _add_months(ctx: Ctx, start: Any, months: Any, end_of_month: bool) -> float:
    y, m, d = _ymd(ctx, start)
    if d == 0:
        y, m, d = 1899, 12, 31
    k = integer(months)
    total = y * 12 + (m - 1) + k
    ny, nm = divmod(total, 12)
    nm += 1
    if ny < 1900 or ny > 9999:
        raise XErr(ERR.NUM)
    last = (_dt.date(ny + (nm == 12), nm % 12 + 1, 1) - _dt.timedelta(days=1)).day
    day = last if end_of_month else min(d, last)
    return float(date_to_serial(_dt.date(ny, nm, day), ctx.date1904))


@reg("EDATE", kind="ctx")
def EDATE(ctx: Ctx, start: Any, months: Any) -> Any:
    return _add_months(ctx, start, months, False)


@reg("EOMONTH", kind="ctx")
def EOMONTH(ctx: Ctx, start: Any, months: Any) -> Any:
    return _add_months(ctx, start, months, True)


@reg("WEEKDAY", kind="ctx")
def WEEKDAY(ctx: Ctx, x: Any, kind: Any = None) -> Any:
    v = int(math.floor(num(x)))
    if ctx.date1904:
        v += 1462
    k = 1 if kind is None else integer(kind)
    # serial 1 (1900-01-01 in Excel's calendar) is a Sunday
    dow = (v - 1) % 7  # 0 = Sunday
    if k == 1:
        return float(dow + 1)
    if k == 2:
        return float((dow - 1) % 7 + 1)
    if k == 3:
        return float((dow - 1) % 7)
    return ERR.NUM


@reg("DATEVALUE", kind="ctx")
def DATEVALUE(ctx: Ctx, x: Any) -> Any:
    if type(x) is not str:
        return ERR.VALUE
    v = text_to_num(x, ctx.date1904)
    if type(v) is ExcelError or not float(v).is_integer():  # type: ignore[arg-type]
        return ERR.VALUE
    return float(v)  # type: ignore[arg-type]


# ---------------------------------------------------------------- text


@reg("CONCAT", kind="raw")
def CONCAT(*args: Any) -> Any:
    parts = []
    for a in args:
        for v in flat_values(a) if _is_arr(a) else [a]:
            parts.append(txt(v))
    return "".join(parts)


@reg("CONCATENATE")
def CONCATENATE(*args: Any) -> Any:
    return "".join(txt(a) for a in args)


@reg("TEXTJOIN", kind="raw")
def TEXTJOIN(delim: Any, ignore_empty: Any, *args: Any) -> Any:
    d = txt(scal(delim))
    skip = boo(scal(ignore_empty))
    parts = []
    for a in args:
        for v in flat_values(a) if _is_arr(a) else [a]:
            t = txt(v)
            if skip and t == "":
                continue
            parts.append(t)
    return d.join(parts)


@reg("LEN")
def LEN(x: Any) -> Any:
    return float(len(txt(x)))


@reg("LEFT")
def LEFT(x: Any, n: Any = None) -> Any:
    k = 1 if n is None else integer(n)
    if k < 0:
        return ERR.VALUE
    return txt(x)[:k]


@reg("RIGHT")
def RIGHT(x: Any, n: Any = None) -> Any:
    k = 1 if n is None else integer(n)
    if k < 0:
        return ERR.VALUE
    s = txt(x)
    return s[len(s) - k:] if k else ""


@reg("MID")
def MID(x: Any, start: Any, n: Any) -> Any:
    s = txt(x)
    a = integer(start)
    k = integer(n)
    if a < 1 or k < 0:
        return ERR.VALUE
    return s[a - 1 : a - 1 + k]


@reg("UPPER")
def UPPER(x: Any) -> Any:
    return txt(x).upper()


@reg("LOWER")
def LOWER(x: Any) -> Any:
    return txt(x).lower()


@reg("PROPER")
def PROPER(x: Any) -> Any:
    return re.sub(r"[A-Za-z\u00c0-\uffff]+", lambda m: m.group(0).capitalize(), txt(x))


@reg("TRIM")
def TRIM(x: Any) -> Any:
    return " ".join(p for p in txt(x).split(" ") if p)


@reg("VALUE")
def VALUE(x: Any) -> Any:
    if type(x) is str:
        v = text_to_num(x)
        return v
    if x is None:
        return 0.0
    return num(x)


@reg("EXACT")
def EXACT(a: Any, b: Any) -> Any:
    return txt(a) == txt(b)


@reg("REPT")
def REPT(x: Any, n: Any) -> Any:
    k = integer(n)
    if k < 0:
        return ERR.VALUE
    s = txt(x)
    if len(s) * k > TEXT_LIMIT:  # over the text limit: never built
        return ERR.VALUE
    return s * k


@reg("SUBSTITUTE")
def SUBSTITUTE(x: Any, old: Any, new: Any, instance: Any = None) -> Any:
    s = txt(x)
    o = txt(old)
    nw = txt(new)
    if not o:
        return s
    if instance is None:
        if len(nw) > len(o) and len(s) + s.count(o) * (len(nw) - len(o)) > TEXT_LIMIT:
            return ERR.VALUE  # the result would be over the text limit: never built
        return s.replace(o, nw)
    k = integer(instance)
    if k < 1:
        return ERR.VALUE
    pos = -1
    for _ in range(k):
        pos = s.find(o, pos + 1)
        if pos < 0:
            return s
    return s[:pos] + nw + s[pos + len(o):]


@reg("FIND")
def FIND(what: Any, within: Any, start: Any = None) -> Any:
    a = 1 if start is None else integer(start)
    s = txt(within)
    if a < 1 or a > len(s) + 1:
        return ERR.VALUE
    i = s.find(txt(what), a - 1)
    return ERR.VALUE if i < 0 else float(i + 1)


@reg("SEARCH")
def SEARCH(what: Any, within: Any, start: Any = None) -> Any:
    a = 1 if start is None else integer(start)
    s = txt(within)
    w = txt(what)
    if a < 1 or a > len(s) + 1:
        return ERR.VALUE
    pat = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in w)
    m = re.compile(pat, re.IGNORECASE | re.DOTALL).search(s, a - 1)
    return ERR.VALUE if m is None else float(m.start() + 1)


@reg("CHAR")
def CHAR(x: Any) -> Any:
    k = integer(x)
    if k < 1 or k > 255:
        return ERR.VALUE
    return bytes([k]).decode("cp1252", errors="replace")


@reg("CODE")
def CODE(x: Any) -> Any:
    s = txt(x)
    if not s:
        return ERR.VALUE
    return float(s[0].encode("cp1252", errors="replace")[0])


@reg("T")
def T(x: Any) -> Any:
    return x if type(x) is str else ("" if type(x) is not ExcelError else x)


# ---------------------------------------------------------------- TEXT()

_DATE_TOKENS = re.compile(
    r'yyyy|yy|mmmm|mmm|mm|m|dddd|ddd|dd|d|hh|h|ss|s|am/pm|"[^"]*"|\\.|.',
    re.IGNORECASE,
)
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _format_date(ctx: Ctx, v: float, fmt: str) -> str:
    res = serial_ymd(v, ctx.date1904)
    if res is None:
        raise XErr(ERR.VALUE)
    y, mo, d = res
    frac = v - math.floor(v)
    secs = int(round(frac * 86400))
    hh, rem = divmod(secs, 3600)
    mi, ss = divmod(rem, 60)
    dd = serial_to_weekday(v, ctx)
    toks = _DATE_TOKENS.findall(fmt)
    out = []
    prev_h = False
    for i, tok in enumerate(toks):
        low = tok.lower()
        nxt = next((t.lower() for t in toks[i + 1:] if t.strip(":. ")), "")
        if low in ("m", "mm") and (prev_h or nxt in ("s", "ss")):
            out.append(f"{mi:02d}" if low == "mm" else str(mi))
            prev_h = False
            continue
        if low == "yyyy":
            out.append(f"{y:04d}")
        elif low == "yy":
            out.append(f"{y % 100:02d}")
        elif low == "mmmm":
            out.append(_MONTHS[mo - 1])
        elif low == "mmm":
            out.append(_MONTHS[mo - 1][:3])
        elif low == "mm":
            out.append(f"{mo:02d}")
        elif low == "m":
            out.append(str(mo))
        elif low == "dddd":
            out.append(_DAYS[dd])
        elif low == "ddd":
            out.append(_DAYS[dd][:3])
        elif low == "dd":
            out.append(f"{d:02d}")
        elif low == "d":
            out.append(str(d))
        elif low in ("hh", "h"):
            out.append(f"{hh:02d}" if low == "hh" else str(hh))
            prev_h = True
            continue
        elif low in ("ss", "s"):
            out.append(f"{ss:02d}" if low == "ss" else str(ss))
        elif tok.startswith('"'):
            out.append(tok[1:-1])
        elif tok.startswith("\\"):
            out.append(tok[1:])
        else:
            out.append(tok)
        if tok[:1].isalpha():
            prev_h = False
    return "".join(out)


def serial_to_weekday(v: float, ctx: Ctx) -> int:
    n = int(math.floor(v)) + (1462 if ctx.date1904 else 0)
    return (n - 2) % 7  # 0 = Monday


_NUM_FMT = re.compile(r"^(?P<pre>[^#0?.]*?)(?P<int>[#0?,]*)(?P<dec>\.[#0?]*)?(?P<post>[^#0?]*)$")


def _unquote(s: str) -> str:
    return re.sub(r'"([^"]*)"|\\(.)', lambda m: m.group(1) if m.group(1) is not None else m.group(2), s)


def _format_number(v: float, fmt: str) -> str:
    m = _NUM_FMT.match(fmt)
    if m is None:
        raise XErr(ERR.VALUE)
    pre = _unquote(m.group("pre"))
    post = _unquote(m.group("post"))
    ipart = m.group("int") or ""
    dpart = (m.group("dec") or ".")[1:]
    if "%" in pre or "%" in post:
        v = v * 100.0
    scale_commas = len(ipart) - len(ipart.rstrip(","))
    ipart = ipart.rstrip(",")
    v = v / (1000.0 ** scale_commas)
    ndec = len(dpart)
    opt = len(dpart) - len(dpart.rstrip("#?"))
    x = excel_round(abs(v), ndec)
    s = f"{x:.{ndec}f}"
    ip, _, dp = s.partition(".")
    if opt and dp:
        keep = ndec - opt
        dp = dp[:keep] + dp[keep:].rstrip("0")
    min_int = ipart.count("0")
    if ip == "0" and min_int == 0:
        ip = ""
    ip = ip.rjust(min_int, "0")
    if "," in ipart and ip:
        ip = f"{int(ip):,}"
    body = ip + ("." + dp if dp or (ndec and not opt) else ("." if dpart and not dp and opt == ndec and False else ""))
    neg = v < 0 and x != 0
    return ("-" if neg else "") + pre + body + post


@reg("TEXT", kind="ctx")
def TEXT(ctx: Ctx, value: Any, fmt: Any) -> Any:
    f = txt(fmt)
    if type(value) is ExcelError:
        return value
    if type(value) is str:
        n = text_to_num(value)
        if type(n) is ExcelError:
            return value
        value = n
    if value is None:
        value = 0.0
    if type(value) is bool:
        return "TRUE" if value else "FALSE"
    v = float(value)
    sections = f.split(";")
    if len(sections) > 1:
        if v < 0:
            f = sections[1]
            v = -v
        elif v == 0 and len(sections) > 2:
            f = sections[2]
        else:
            f = sections[0]
    low = f.lower()
    if low in ("general", ""):
        return general_number(v)
    if low == "@":
        return general_number(v)
    stripped = re.sub(r'"[^"]*"|\\.', "", low)
    if re.search(r"[ydhs]|m", stripped) and not re.search(r"[0#]", stripped):
        return _format_date(ctx, v, f)
    return _format_number(v, f)
