"""Dynamic-array functions: SEQUENCE, SORT, SORTBY, UNIQUE, FILTER, TRANSPOSE, VSTACK,
HSTACK, TAKE, DROP, CHOOSECOLS, CHOOSEROWS, TOCOL, TOROW, WRAPROWS, WRAPCOLS, EXPAND,
RANDARRAY. Each returns an array (in a cell formula, its top-left value)."""

from __future__ import annotations

import random
from functools import cmp_to_key
from typing import Any

from xlfuncs.errors import ExcelError
from xlfuncs.recalc.functions._registry import XErr, registrar
from xlfuncs.recalc.functions.operators import _tv
from xlfuncs.recalc.values import as_rows, compare

ERR = ExcelError
reg = registrar("dynamic")


def _rows(x: Any) -> list[list[Any]]:
    if type(x) is ExcelError:
        raise XErr(x)
    return [list(r) for r in as_rows(x)]


def _blank0(rows: list[list[Any]]) -> list[list[Any]]:
    return [[0.0 if v is None else v for v in r] for r in rows]


@reg("SEQUENCE", "integer, integer=1, number=1, number=1", array=True)
def SEQUENCE(rows: int, cols: int, start: float, step: float) -> Any:
    if rows < 1 or cols < 1:
        return ERR.CALC
    return [[start + (i * cols + j) * step for j in range(cols)] for i in range(rows)]


@reg("RANDARRAY", "integer=1, integer=1, number=0, number=1, bool=FALSE", array=True,
     volatile=True)
def RANDARRAY(rows: int, cols: int, lo: float, hi: float, whole: bool) -> Any:
    if rows < 1 or cols < 1 or lo > hi:
        return ERR.VALUE
    if whole:
        return [[float(random.randint(int(lo), int(hi))) for _ in range(cols)] for _ in range(rows)]
    return [[lo + random.random() * (hi - lo) for _ in range(cols)] for _ in range(rows)]


@reg("TRANSPOSE", "ref", array=True)
def TRANSPOSE(x: Any) -> Any:
    return [list(t) for t in zip(*_blank0(_rows(x)))]


def _cmp(a: Any, b: Any) -> int:
    c = compare(a, b)
    return 0 if type(c) is ExcelError else c  # type: ignore[return-value]


def _sort_rank(v: Any) -> int:
    t = type(v)
    return 4 if v is None else 3 if t is ExcelError else 2 if t is bool else 1 if t is str else 0


def _sort_cmp(a: Any, b: Any, order: int) -> int:
    """Excel's sort order: numbers, text, logicals, errors; blanks last either way."""
    ra, rb = _sort_rank(a), _sort_rank(b)
    if ra == 4 or rb == 4:
        return (ra == 4) - (rb == 4)
    if ra != rb:
        return (ra - rb) * order
    if ra == 3:  # errors by their ERROR.TYPE number
        from xlfuncs.recalc.functions.information import _ERROR_TYPE

        ea, eb = _ERROR_TYPE.get(a, 99.0), _ERROR_TYPE.get(b, 99.0)
        return int((ea > eb) - (ea < eb)) * order
    return _cmp(a, b) * order


def _keys(x: Any) -> list[int]:
    """SORT's sort_index or sort_order: one whole number or an array of them (an empty
    argument is 1, a blank cell 0: LOOKUP!AT117 of vinci1it2000+formulas/test.xlsx)."""
    from xlfuncs.recalc.functions._registry import c_integer

    if x is None:
        return [1]
    return [c_integer(v) for r in _rows(x) for v in r]


@reg("SORT", "ref, ref=1, ref=1, bool=FALSE", array=True)
def SORT(x: Any, idx: Any, order: Any, by_col: bool) -> Any:
    """Sorted by one key or by several (arrays of sort_index and sort_order, one order for
    all or one per key: more orders than keys is #VALUE!, LOOKUP!AR118 of
    vinci1it2000+formulas/test.xlsx)."""
    rows = _rows(x)
    ks, os_ = _keys(idx), _keys(order)
    if any(o not in (1, -1) for o in os_) or len(os_) not in (1, len(ks)):
        return ERR.VALUE
    if len(os_) == 1:
        os_ = os_ * len(ks)
    items = [list(t) for t in zip(*rows)] if by_col else rows
    width = len(rows) if by_col else len(rows[0])
    if any(not 1 <= k <= width for k in ks):
        return ERR.VALUE

    def cmp(a: list[Any], b: list[Any]) -> int:
        for k, o in zip(ks, os_):
            c = _sort_cmp(a[k - 1], b[k - 1], o)
            if c:
                return c
        return 0

    items.sort(key=cmp_to_key(cmp))
    return _blank0([list(t) for t in zip(*items)] if by_col else items)


@reg("SORTBY", "ref, ref+, integer*", array=True)
def SORTBY(x: Any, *by: Any) -> Any:
    """Sort the rows of ``x`` by column vectors, or its columns by row vectors (all ``by``
    arrays one way); Excel's sort order with blanks last (SORT's rule; LOOKUP!R120:AA122
    of vinci1it2000+formulas/test.xlsx)."""
    rows = _rows(x)
    keys: list[tuple[list[Any], int]] = []
    i = 0
    shapes = []
    while i < len(by):
        kr = _rows(by[i])
        o = by[i + 1] if i + 1 < len(by) else 1
        if o not in (1, -1):
            return ERR.VALUE
        shapes.append((len(kr), len(kr[0])))
        keys.append(([v for r in kr for v in r], o))
        i += 2
    nr, nc = len(rows), len(rows[0])
    if all(w == 1 and h == nr for h, w in shapes):
        by_col = False
    elif all(h == 1 and w == nc for h, w in shapes):
        by_col = True
    else:
        return ERR.VALUE
    items = [list(t) for t in zip(*rows)] if by_col else rows

    def cmp(a: int, b: int) -> int:
        for k, o in keys:
            c = _sort_cmp(k[a], k[b], o)
            if c:
                return c
        return 0

    idx = sorted(range(len(items)), key=cmp_to_key(cmp))
    out = [items[j] for j in idx]
    return _blank0([list(t) for t in zip(*out)] if by_col else out)


def _key(v: Any) -> Any:
    # blank, logicals, numbers, text and errors are distinct (TRUE is not 1, a blank not 0:
    # LOOKUP!Y140 and AN117 of vinci1it2000+formulas/test.xlsx); text ignores case
    t = type(v)
    if t is str:
        return (1, v.lower())
    if t is bool:
        return (2, v)
    if v is None:
        return (3, None)
    if t is ExcelError:
        return (4, v)
    return (0, v)


@reg("UNIQUE", "ref, bool=FALSE, bool=FALSE", array=True)
def UNIQUE(x: Any, by_col: bool, once: bool) -> Any:
    rows = _rows(x)
    items = [list(t) for t in zip(*rows)] if by_col else rows
    counts: dict[Any, int] = {}
    for it in items:
        k = tuple(_key(v) for v in it)
        counts[k] = counts.get(k, 0) + 1
    seen: set[Any] = set()
    out = []
    for it in items:
        k = tuple(_key(v) for v in it)
        if k in seen:
            continue
        seen.add(k)
        if once and counts[k] > 1:
            continue
        out.append(it)
    if not out:
        return ERR.CALC
    return _blank0([list(t) for t in zip(*out)] if by_col else out)


@reg("FILTER", "ref, ref, any=-", array=True)
def FILTER(x: Any, include: Any, empty: Any = None) -> Any:
    rows = _blank0(_rows(x))
    inc = _rows(include)
    if len(inc) == len(rows) and len(inc[0]) == 1:
        flags = [r[0] for r in inc]
        pick_rows = True
    elif len(inc) == 1 and len(inc[0]) == len(rows[0]):
        flags = inc[0]
        pick_rows = False
    else:
        return ERR.VALUE
    keep = []
    for f in flags:
        t = _tv(f)
        if type(t) is ExcelError:
            return t
        keep.append(bool(t))
    if pick_rows:
        out = [r for r, k in zip(rows, keep) if k]
    else:
        out = [[v for v, k in zip(r, keep) if k] for r in rows]
        if not out[0]:
            out = []
    if not out:
        return ERR.CALC if empty is None else empty
    return out


def _stack(args: tuple[Any, ...], vertical: bool) -> Any:
    parts = [_rows(a) for a in args]
    if vertical:
        w = max(len(p[0]) for p in parts)
        return [r + [ERR.NA] * (w - len(r)) for p in parts for r in p]
    h = max(len(p) for p in parts)
    out: list[list[Any]] = [[] for _ in range(h)]
    for p in parts:
        w = len(p[0])
        for i in range(h):
            out[i] += p[i] if i < len(p) else [ERR.NA] * w
    return out


@reg("VSTACK", "ref+", array=True)
def VSTACK(*args: Any) -> Any:
    return _stack(args, True)


@reg("HSTACK", "ref+", array=True)
def HSTACK(*args: Any) -> Any:
    return _stack(args, False)


@reg("TAKE", "ref, integer=-, integer=-", array=True)
def TAKE(x: Any, r: int | None = None, c: int | None = None) -> Any:
    rows = _blank0(_rows(x))
    if r == 0 or c == 0:
        return ERR.CALC
    if r is not None:
        rows = rows[:r] if r > 0 else rows[r:]
    if c is not None:
        rows = [row[:c] if c > 0 else row[c:] for row in rows]
    return rows


@reg("DROP", "ref, integer=-, integer=-", array=True)
def DROP(x: Any, r: int | None = None, c: int | None = None) -> Any:
    rows = _blank0(_rows(x))
    if r:
        rows = rows[r:] if r > 0 else rows[:r]
    if c:
        rows = [row[c:] if c > 0 else row[:c] for row in rows]
    if not rows or not rows[0]:
        return ERR.CALC
    return rows


def _indices(args: tuple[Any, ...]) -> list[int]:
    """CHOOSECOLS/CHOOSEROWS indices: numbers, or one-row/one-column arrays of them."""
    from xlfuncs.recalc.functions._registry import c_integer

    out: list[int] = []
    for a in args:
        if type(a) is list or type(a).__name__ == "Rng":
            rows = _rows(a)
            if len(rows) > 1 and len(rows[0]) > 1:
                raise XErr(ERR.VALUE)
            out += [c_integer(v) for r in rows for v in r]
        else:
            out.append(c_integer(a))
    return out


def _pick(n: int, idx: list[int]) -> list[int]:
    out = []
    for k in idx:
        if k == 0 or abs(k) > n:
            raise XErr(ERR.VALUE)
        out.append(k - 1 if k > 0 else n + k)
    return out


@reg("CHOOSECOLS", "ref, ref+", array=True)
def CHOOSECOLS(x: Any, *idx: Any) -> Any:
    rows = _blank0(_rows(x))
    cols = _pick(len(rows[0]), _indices(idx))
    return [[r[j] for j in cols] for r in rows]


@reg("CHOOSEROWS", "ref, ref+", array=True)
def CHOOSEROWS(x: Any, *idx: Any) -> Any:
    rows = _blank0(_rows(x))
    return [rows[i] for i in _pick(len(rows), _indices(idx))]


def _flat(rows: list[list[Any]], ignore: int, by_col: bool) -> list[Any]:
    seq = [v for t in zip(*rows) for v in t] if by_col else [v for r in rows for v in r]
    out = []
    for v in seq:
        if ignore in (1, 3) and v is None:
            continue
        if ignore in (2, 3) and type(v) is ExcelError:
            continue
        out.append(0.0 if v is None else v)
    return out


@reg("TOCOL", "ref, integer=0, bool=FALSE", array=True)
def TOCOL(x: Any, ignore: int, by_col: bool) -> Any:
    if not 0 <= ignore <= 3:  # LOOKUP!R126, U126 of vinci1it2000+formulas/test.xlsx
        return ERR.VALUE
    vals = _flat(_rows(x), ignore, by_col)
    return [[v] for v in vals] if vals else ERR.CALC


@reg("TOROW", "ref, integer=0, bool=FALSE", array=True)
def TOROW(x: Any, ignore: int, by_col: bool) -> Any:
    if not 0 <= ignore <= 3:  # LOOKUP!R130, U132
        return ERR.VALUE
    vals = _flat(_rows(x), ignore, by_col)
    return [vals] if vals else ERR.CALC


def _wrap(x: Any, n: int, pad: Any, rows_first: bool) -> Any:
    vals = [v for r in _blank0(_rows(x)) for v in r]
    if len(_rows(x)) > 1 and len(_rows(x)[0]) > 1:
        return ERR.VALUE
    if n < 1:
        return ERR.NUM
    fill = ERR.NA if pad is None else pad
    chunks = [vals[i:i + n] for i in range(0, len(vals), n)]
    chunks[-1] += [fill] * (n - len(chunks[-1]))
    return chunks if rows_first else [list(t) for t in zip(*chunks)]


@reg("WRAPROWS", "ref, integer, any=-", array=True)
def WRAPROWS(x: Any, n: int, pad: Any = None) -> Any:
    return _wrap(x, n, pad, True)


@reg("WRAPCOLS", "ref, integer, any=-", array=True)
def WRAPCOLS(x: Any, n: int, pad: Any = None) -> Any:
    return _wrap(x, n, pad, False)


@reg("EXPAND", "ref, integer=-, integer=-, any=-", array=True)
def EXPAND(x: Any, r: int | None = None, c: int | None = None, pad: Any = None) -> Any:
    rows = _blank0(_rows(x))
    nr = len(rows) if r is None else r
    nc = len(rows[0]) if c is None else c
    if nr < len(rows) or nc < len(rows[0]):
        return ERR.VALUE
    fill = ERR.NA if pad is None else pad
    out = [row + [fill] * (nc - len(row)) for row in rows]
    out += [[fill] * nc for _ in range(nr - len(rows))]
    return out
