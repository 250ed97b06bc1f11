"""LAMBDA and its helpers: LAMBDA, LET, ISOMITTED (compiled in place by the compiler, see
:mod:`xlfuncs.recalc.compiler`), MAP, REDUCE, SCAN, MAKEARRAY, BYROW, BYCOL, and the
runtime pieces generated code calls: :func:`invoke` (``f(args)`` of a LAMBDA value) and
:func:`eta` (an eta-reduced built-in, ``_xleta.SUM``, as a LAMBDA value).

A LAMBDA value is a :class:`~xlfuncs.recalc.values.Lam`; written alone in a cell it is
``#CALC!``, as in Excel.
"""

from __future__ import annotations

import functools
from typing import Any

from xlfuncs.errors import ExcelError
from xlfuncs.recalc.functions._registry import REGISTRY, XErr, registrar
from xlfuncs.recalc.values import OMITTED, Lam, Rng, as_rows

ERR = ExcelError
reg = registrar("logical")

__all__ = ["eta", "invoke", "Lam", "OMITTED"]


def invoke(f: Any, *args: Any) -> Any:
    """``f(args...)``: call a LAMBDA value (an error value is returned as it is)."""
    if type(f) is Lam:
        return f(*args)
    if type(f) is ExcelError:
        return f
    if type(f) is Rng or type(f) is list:
        rows = as_rows(f)
        if len(rows) == 1 and len(rows[0]) == 1:
            return invoke(rows[0][0], *args)
    return ERR.VALUE


def eta(env: Any, name: str) -> Any:
    """The LAMBDA value of built-in ``name`` (``_xleta.SUM``): it takes any argument count
    the built-in takes, each as the built-in would receive it."""
    spec = REGISTRY.get(name)
    if spec is None:
        return ERR.NAME
    if spec.env:
        return ERR.NAME
    call: Any = spec.lifted if spec.lifted is not None else spec.call
    if spec.ctx:
        call = functools.partial(call, env.ctx)
    if spec.lazy:
        first_value = spec.name in ("IF", "IFERROR", "IFNA", "CHOOSE")

        def fn(*args: Any) -> Any:
            why = spec.arity_error(len(args))
            if why is not None:
                return ERR.VALUE
            thunks: list[Any] = [(lambda v=v: v) for v in args]
            if first_value and args:
                thunks[0] = args[0]
            return spec.call(*thunks)
    else:
        def fn(*args: Any) -> Any:
            if spec.arity_error(len(args)) is not None:
                return ERR.VALUE
            return call(*args)

    return Lam(fn, -1, spec.name)


def _fn(x: Any) -> Lam:
    if type(x) is Lam:
        return x
    if type(x) is ExcelError:
        raise XErr(x)
    raise XErr(ERR.VALUE)


def _rows(x: Any) -> list[list[Any]]:
    if type(x) is ExcelError:
        raise XErr(x)
    if type(x) is Lam:
        raise XErr(ERR.VALUE)
    return as_rows(x)


def _one(v: Any) -> Any:
    """One element of a helper's result: an array there is #CALC! (nested arrays), except a
    1x1 one."""
    t = type(v)
    if t is Rng or t is list:
        rows = as_rows(v)
        if len(rows) == 1 and len(rows[0]) == 1:
            return rows[0][0]
        return ERR.CALC
    if t is Lam:
        return ERR.CALC
    return v


@reg("LAMBDA", "any+", array=True)
def LAMBDA(*args: Any) -> Any:
    """LAMBDA([parameter, ...], calculation): a function value; called in place
    (``LAMBDA(x, x+1)(2)``), given to MAP/REDUCE/..., or stored in a defined name and
    called by that name. Compiled by the compiler (parameters ``_xlpm.x`` are scoped)."""
    return ERR.CALC


@reg("LET", "any, any, any+", array=True)
def LET(*args: Any) -> Any:
    """LET(name1, value1, [name2, value2, ...], calculation): names for intermediate
    values. Compiled by the compiler (each value is computed once)."""
    return ERR.CALC


@reg("ISOMITTED", "any")
def ISOMITTED(x: Any) -> Any:
    """ISOMITTED(argument): TRUE when the LAMBDA parameter was left out of the call.
    Compiled by the compiler; any other argument is FALSE."""
    return False


@reg("MAP", "ref+", array=True)
def MAP(*args: Any) -> Any:
    """MAP(array1, [array2, ...], lambda): the LAMBDA applied to the elements of the arrays
    taken together (arrays of different sizes: #N/A where one has no element)."""
    if len(args) < 2:
        return ERR.VALUE
    f = _fn(args[-1])
    arrs = [_rows(a) for a in args[:-1]]
    nr = max(len(a) for a in arrs)
    nc = max(len(a[0]) for a in arrs)
    out = []
    for i in range(nr):
        row = []
        for j in range(nc):
            vals: list[Any] = []
            for a in arrs:
                h, w = len(a), len(a[0])
                if (h > 1 and i >= h) or (w > 1 and j >= w):
                    break
                vals.append(a[i if h > 1 else 0][j if w > 1 else 0])
            row.append(ERR.NA if len(vals) < len(arrs) else _one(f(*vals)))
        out.append(row)
    return out


@reg("REDUCE", "ref, ref, ref", array=True)
def REDUCE(initial: Any, array: Any, f: Any) -> Any:
    """REDUCE([initial_value], array, lambda(accumulator, value)): the accumulator after
    the LAMBDA has seen every element (row by row)."""
    fn = _fn(f)
    acc = initial
    for row in _rows(array):
        for v in row:
            acc = fn(acc, v)
    return acc


@reg("SCAN", "ref, ref, ref", array=True)
def SCAN(initial: Any, array: Any, f: Any) -> Any:
    """SCAN([initial_value], array, lambda(accumulator, value)): every intermediate
    accumulator, in the shape of ``array``."""
    fn = _fn(f)
    acc = initial
    out = []
    for row in _rows(array):
        line = []
        for v in row:
            acc = fn(acc, v)
            line.append(_one(acc))
        out.append(line)
    return out


@reg("MAKEARRAY", "number, number, ref", array=True)
def MAKEARRAY(rows: float, cols: float, f: Any) -> Any:
    """MAKEARRAY(rows, cols, lambda(row, col)): an array computed element by element; a
    count below 1 or not a whole number is #VALUE!."""
    fn = _fn(f)
    if rows < 1 or cols < 1 or rows != int(rows) or cols != int(cols):
        return ERR.VALUE
    return [[_one(fn(float(i), float(j))) for j in range(1, int(cols) + 1)]
            for i in range(1, int(rows) + 1)]


@reg("BYROW", "ref, ref", array=True)
def BYROW(array: Any, f: Any) -> Any:
    """BYROW(array, lambda(row)): one value per row (a column)."""
    fn = _fn(f)
    return [[_one(fn([row]))] for row in _rows(array)]


@reg("BYCOL", "ref, ref", array=True)
def BYCOL(array: Any, f: Any) -> Any:
    """BYCOL(array, lambda(column)): one value per column (a row)."""
    fn = _fn(f)
    rows = _rows(array)
    return [[_one(fn([[r[j]] for r in rows])) for j in range(len(rows[0]))]]
