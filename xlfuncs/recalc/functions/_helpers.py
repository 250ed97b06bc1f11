"""Argument helpers for function bodies: coercions that raise :class:`XErr` and the
aggregate number rule."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from xlfuncs.errors import ExcelError
from xlfuncs.recalc.functions._registry import XErr
from xlfuncs.recalc.values import Areas, Rng, to_bool, to_num, to_scalar, to_text

ERR = ExcelError



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
        if t is Rng or t is list or t is Areas:
            it = a.values() if t is Rng else a.flat() if t is Areas else (v for row in a for v in row)
            for v in it:
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




def numbers(args: tuple[Any, ...], direct_text: bool = True) -> list[float]:
    """:func:`_numbers` as a list."""
    return list(_numbers(args, direct_text))


def numbers_a(args: tuple[Any, ...]) -> list[float]:
    """The numbers of the ``...A`` functions (AVERAGEA, MAXA, STDEVA...): in references and
    arrays text counts as 0 and logicals as 0/1; blanks are skipped; errors propagate."""
    out: list[float] = []
    for a in args:
        t = type(a)
        if t is Rng or t is list:
            for v in (a.values() if t is Rng else (v for row in a for v in row)):
                tv = type(v)
                if tv is float or tv is int:
                    out.append(v)
                elif tv is bool:
                    out.append(1.0 if v else 0.0)
                elif tv is str:
                    out.append(0.0)
                elif tv is ExcelError:
                    raise XErr(v)
        elif a is None:
            continue
        elif t is ExcelError:
            raise XErr(a)
        else:
            out.append(num(a))
    return out


def flat(x: Any) -> list[Any]:
    """Every value of a reference, array or scalar, row by row."""
    t = type(x)
    if t is Rng:
        return x.flat()  # type: ignore[no-any-return]
    if t is list:
        return [v for row in x for v in row]
    return [x]


def num_array(x: Any, error_is_value: bool = False) -> list[list[float]]:
    """A reference or array of numbers as rows (blank, text or logical: ``#VALUE!``); an
    error value in it is the result, or ``#VALUE!`` with ``error_is_value`` (the least-squares
    functions LINEST, LOGEST, TREND and GROWTH)."""
    from xlfuncs.recalc.values import as_rows

    rows = as_rows(x)
    out: list[list[float]] = []
    for row in rows:
        r: list[float] = []
        for v in row:
            tv = type(v)
            if tv is float or tv is int:
                r.append(float(v))
            elif tv is ExcelError and not error_is_value:
                raise XErr(v)
            else:
                raise XErr(ERR.VALUE)
        out.append(r)
    return out


def sample_error(a: list[Any], b: list[Any], paired: bool = False) -> ExcelError | None:
    """The error value a two-sample statistic (SLOPE, PEARSON, COVARIANCE.P, F.TEST, T.TEST,
    CHISQ.TEST...) returns for the flattened arrays ``a`` and ``b``, else ``None``.

    The first error of ``a`` then of ``b`` in reading order (``paired``: of the pairs, a pair's
    error being ``a``'s, else ``b``'s), passing over ``#NULL!``, which these functions skip when another error
    follows: Excel's stored values in vinci1it2000+formulas/test.xlsx STATISTICAL!AD17 to
    AD112 (``SLOPE({#NULL!,#NUM!},{#REF!,""})`` is ``#NUM!``). ``#NULL!`` when it is the only
    error.

    >>> E = ExcelError
    >>> sample_error([E.NULL, E.NUM], [E.REF, None]), sample_error([1.0], [E.NULL])
    (<ExcelError.NUM: '#NUM!'>, <ExcelError.NULL: '#NULL!'>)
    >>> sample_error([True, E.VALUE], [E.NA, E.DIV0], paired=True)
    <ExcelError.NA: '#N/A'>
    """
    if paired:  # a pair's error is its first one (that of ``a - b``)
        seq = [x if type(x) is ExcelError else y for x, y in zip(a, b)]
    else:
        seq = [*a, *b]
    null = None
    for v in seq:
        if type(v) is ExcelError:
            if v is not ExcelError.NULL:
                return v
            null = v
    return null


def sig15(x: float) -> float:
    """``x`` rounded to 15 significant digits (what Excel keeps)."""
    if x == 0 or not math.isfinite(x):
        return x
    return float("%.15g" % x)
