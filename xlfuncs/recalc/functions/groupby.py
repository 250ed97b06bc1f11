"""GROUPBY and PIVOTBY: a summary of data by row (and column) fields, aggregated by a LAMBDA
(``_xleta.SUM``, ``_xleta.PERCENTOF``, ``LAMBDA(x, ...)``), with Microsoft's optional
arguments: field headers, total depth (subtotals, totals at the top when negative), sort
order (a field or a value column, negative descending, or a row of them), a filter, the
field relationship (GROUPBY) and what PERCENTOF is relative to (PIVOTBY).

Layout, as Excel writes it: leaf rows repeat every key; a subtotal row shows its group's keys
then blanks; the grand total row is labelled ``Total`` (``Grand Total`` when there are
subtotals); cells with no data are blank. A function of two parameters (PERCENTOF) gets the
group's values and the values it is relative to.
"""

from __future__ import annotations

from functools import cmp_to_key
from typing import Any

from xlfuncs.errors import ExcelError
from xlfuncs.recalc.functions._registry import XErr, registrar
from xlfuncs.recalc.functions.dynamic import _sort_cmp
from xlfuncs.recalc.functions.operators import _tv
from xlfuncs.recalc.values import Lam, Rng, as_rows, is_num

ERR = ExcelError
reg = registrar("lookup")

#: one line of a summary axis: kind ("leaf", "sub", "grand"), its keys, its record indices
_Line = tuple[str, tuple[Any, ...], list[int]]


def _rows(x: Any) -> list[list[Any]]:
    if type(x) is ExcelError:
        raise XErr(x)
    if type(x) is Lam:
        raise XErr(ERR.VALUE)
    return [list(r) for r in as_rows(x)]


def _gkey(v: Any) -> Any:
    return (type(v).__name__, v.lower() if type(v) is str else v)


def _sort_specs(x: Any, limit: int) -> list[tuple[int, int]]:
    """sort_order: one number or a row/column of them; each a 1-based column of the result
    (fields first, then values), negative for descending."""
    if x is None:
        return []
    out = []
    for row in _rows(x) if type(x) in (list, Rng) else [[x]]:
        for v in row:
            if type(v) is ExcelError:
                raise XErr(v)
            if v is None:
                continue
            if not is_num(v):
                raise XErr(ERR.VALUE)
            k = int(v)
            if k == 0 or abs(k) > limit:
                raise XErr(ERR.VALUE)
            out.append((abs(k) - 1, 1 if k > 0 else -1))
    return out


class _Summary:
    def __init__(self, vals: list[list[Any]], fn: Lam) -> None:
        self.vals = vals
        self.fn = fn
        self.pair = fn.n == 2 or (fn.n < 0 and fn.name == "PERCENTOF")

    def agg(self, idxs: list[int], whole: list[int], v: int) -> Any:
        if not idxs:
            return ""
        col = [[self.vals[i][v]] for i in idxs]
        if self.pair:
            res = self.fn(col, [[self.vals[i][v]] for i in whole])
        else:
            res = self.fn(col)
        t = type(res)
        if t is Rng or t is list:
            rows = as_rows(res)
            return rows[0][0] if len(rows) == 1 and len(rows[0]) == 1 else ERR.CALC
        if t is Lam:
            return ERR.CALC
        return 0.0 if res is None else res


def _axis(
    keys: list[list[Any]], idxs: list[int], depth: int, specs: list[tuple[int, int]],
    value_key: Any, table: bool,
) -> list[_Line]:
    """The lines of one axis: groups by each field in turn, sorted, with subtotals for the
    levels above ``abs(depth)`` and the grand total (at the top when ``depth < 0``)."""
    nlev = len(keys[0]) if keys else 0
    top = depth < 0
    d = abs(depth)

    def order(level: int, groups: list[tuple[Any, list[int]]]) -> None:
        rules: list[tuple[int, int]] = []
        for k, o in specs:
            if k == level or (k >= nlev and level == nlev - 1):
                rules.append((k, o))
        if not any(k == level for k, _ in rules):
            rules.append((level, 1))
        cache: dict[tuple[int, int], Any] = {}

        def val(g: tuple[Any, list[int]], k: int) -> Any:
            if k < nlev:
                return g[0]
            ck = (id(g), k)
            if ck not in cache:
                cache[ck] = value_key(g[1], k - nlev)
            return cache[ck]

        def cmp(a: tuple[Any, list[int]], b: tuple[Any, list[int]]) -> int:
            for k, o in rules:
                c = _sort_cmp(val(a, k), val(b, k), o)
                if c:
                    return c
            return 0

        groups.sort(key=cmp_to_key(cmp))

    def build(level: int, sel: list[int], path: tuple[Any, ...]) -> list[_Line]:
        if level == nlev:
            return [("leaf", path, sel)]
        found: dict[Any, tuple[Any, list[int]]] = {}
        for i in sel:
            v = keys[i][level]
            found.setdefault(_gkey(v), (v, []))[1].append(i)
        groups = list(found.values())
        order(level, groups)
        out: list[_Line] = []
        for key, members in groups:
            p = path + (key,)
            inner = build(level + 1, members, p)
            if not table and level + 1 < nlev and level + 1 < d:
                sub: _Line = ("sub", p, members)
                out += [sub] + inner if top else inner + [sub]
            else:
                out += inner
        return out

    lines = build(0, idxs, ())
    if d >= 1:
        grand: _Line = ("grand", (), idxs)
        lines = [grand] + lines if top else lines + [grand]
    return lines


def _label(lines: list[_Line]) -> str:
    return "Grand Total" if any(k == "sub" for k, _, _ in lines) else "Total"


def _keys_cells(line: _Line, width: int, label: str) -> list[Any]:
    kind, path, _ = line
    if kind == "grand":
        return [label] + [""] * (width - 1)
    return [("" if v is None else v) for v in path] + [""] * (width - len(path))


def _depth(x: int | None, nlev: int) -> int:
    d = 1 if x is None else x
    if abs(d) > max(nlev + 1, 1) or (nlev == 0 and d):
        raise XErr(ERR.VALUE)
    return d


def _prepare(
    fields: list[list[list[Any]]], values: Any, fn: Any, headers: int | None, filt: Any,
) -> tuple[list[list[list[Any]]], list[list[Any]], list[list[Any]], list[int], bool, Lam]:
    """Shared checks: same row counts, headers found and cut off, the filter applied."""
    if type(fn) is Rng or type(fn) is list:
        cells = as_rows(fn)
        fn = cells[0][0] if len(cells) == 1 and len(cells[0]) == 1 else ERR.VALUE
    if type(fn) is ExcelError:
        raise XErr(fn)
    if type(fn) is not Lam:
        raise XErr(ERR.VALUE)
    vals = _rows(values)
    n = len(vals)
    if any(len(f) != n for f in fields):
        raise XErr(ERR.VALUE)
    if headers is None:
        has = n > 1 and type(vals[0][0]) is str and is_num(vals[1][0])
        show = False
    elif headers in (0, 1, 2, 3):
        has = headers in (1, 3)
        show = headers in (2, 3)
    else:
        raise XErr(ERR.VALUE)
    heads = [f[0] if has else None for f in fields] + [vals[0] if has else None]
    start = 1 if has else 0
    keep = list(range(n - start))
    if filt is not None:
        fl = _rows(filt)
        if len(fl) != n:
            raise XErr(ERR.VALUE)
        keep = []
        for i, row in enumerate(fl[start:]):
            t = _tv(row[0])
            if type(t) is ExcelError:
                raise XErr(t)
            if t:
                keep.append(i)
    if not keep:
        raise XErr(ERR.CALC)  # nothing to summarise (as FILTER with no match)
    out_fields = [f[start:] for f in fields]
    out_heads: list[list[Any]] = []
    for j, h in enumerate(heads):
        width = len(fields[j][0]) if j < len(fields) else len(vals[0])
        if h is None:
            kind = ("Row Field" if j == 0 else "Column Field") if j < len(fields) else "Value"
            h = [f"{kind} {k + 1}" for k in range(width)] if headers == 2 else [""] * width
        out_heads.append(["" if v is None else v for v in h])
    return out_fields, vals[start:], out_heads, keep, show, fn


_NOTE = ("a row or column of LAMBDAs (several aggregations at once) is #VALUE!; headers "
         "generated by field_headers 2 are named 'Row Field n', 'Column Field n', 'Value n'")


@reg("GROUPBY", "ref, ref, ref, integer=-, integer=-, ref=-, ref=-, integer=-", array=True,
     note=_NOTE)
def GROUPBY(
    row_fields: Any, values: Any, function: Any, field_headers: int | None = None,
    total_depth: int | None = None, sort_order: Any = None, filter_array: Any = None,
    field_relationship: int | None = None,
) -> Any:
    """GROUPBY(row_fields, values, function, [field_headers], [total_depth], [sort_order],
    [filter_array], [field_relationship]): rows grouped by the row fields, each value column
    aggregated by ``function``."""
    rf = _rows(row_fields)
    (rf,), vals, heads, keep, show, fn = _prepare([rf], values, function, field_headers,
                                                 filter_array)
    if field_relationship not in (None, 0, 1):
        return ERR.VALUE
    table = field_relationship == 1
    kr, kv = len(rf[0]), len(vals[0])
    s = _Summary(vals, fn)
    depth = _depth(total_depth, kr)
    specs = _sort_specs(sort_order, kr + kv)
    lines = _axis(rf, keep, depth, specs, lambda ix, v: s.agg(ix, keep, v), table)
    label = _label(lines)
    out: list[list[Any]] = []
    if show:
        out.append(heads[0] + heads[1])
    for line in lines:
        out.append(_keys_cells(line, kr, label) + [s.agg(line[2], keep, v) for v in range(kv)])
    return out


@reg("PIVOTBY", "ref, ref, ref, ref, integer=-, integer=-, ref=-, integer=-, ref=-, ref=-, "
     "integer=-", array=True, note=_NOTE)
def PIVOTBY(
    row_fields: Any, col_fields: Any, values: Any, function: Any,
    field_headers: int | None = None, row_total_depth: int | None = None,
    row_sort_order: Any = None, col_total_depth: int | None = None,
    col_sort_order: Any = None, filter_array: Any = None, relative_to: int | None = None,
) -> Any:
    """PIVOTBY(row_fields, col_fields, values, function, [field_headers],
    [row_total_depth], [row_sort_order], [col_total_depth], [col_sort_order],
    [filter_array], [relative_to]): a cross tabulation; ``relative_to`` (for PERCENTOF):
    0 column totals, 1 row totals, 2 the grand total, 3 the parent column total, 4 the
    parent row total."""
    rf, cf = _rows(row_fields), _rows(col_fields)
    (rf, cf), vals, heads, keep, show, fn = _prepare([rf, cf], values, function, field_headers,
                                                    filter_array)
    rel = 0 if relative_to is None else relative_to
    if rel not in (0, 1, 2, 3, 4):
        return ERR.VALUE
    kr, kc, kv = len(rf[0]), len(cf[0]), len(vals[0])
    s = _Summary(vals, fn)
    rdepth = _depth(row_total_depth, kr)
    cdepth = _depth(col_total_depth, kc)
    rspecs = _sort_specs(row_sort_order, kr + kv)
    cspecs = _sort_specs(col_sort_order, kc + kv)
    rows = _axis(rf, keep, rdepth, rspecs, lambda ix, v: s.agg(ix, keep, v), False)
    cols = _axis(cf, keep, cdepth, cspecs, lambda ix, v: s.agg(ix, keep, v), False)
    rlabel, clabel = _label(rows), _label(cols)

    def parent(keys: list[list[Any]], line: _Line) -> list[int]:
        """The records of the group one level above ``line`` (the grand total's: its own)."""
        kind, path, ix = line
        if kind == "grand":
            return ix
        want = [_gkey(v) for v in path[:-1]]
        return [i for i in keep if [_gkey(v) for v in keys[i][:len(want)]] == want]

    out: list[list[Any]] = []
    width = len(cols) * kv
    if show:
        out.append([""] * kr + [", ".join(str(h) for h in heads[1])] + [""] * (width - 1))
    for j in range(kc):
        row = [""] * kr
        for line in cols:
            cells = _keys_cells(line, kc, clabel)
            row += [cells[j]] * kv
        out.append(row)
    if show:
        out.append(list(heads[0]) + [heads[2][v] for _ in cols for v in range(kv)])
    for rl in rows:
        row = _keys_cells(rl, kr, rlabel)
        for cl in cols:
            cset = set(cl[2])
            both = [i for i in rl[2] if i in cset]
            if rel == 0:
                whole = cl[2]
            elif rel == 1:
                whole = rl[2]
            elif rel == 2:
                whole = keep
            elif rel == 3:
                pc = set(parent(cf, cl))
                whole = [i for i in rl[2] if i in pc]
            else:
                whole = [i for i in parent(rf, rl) if i in cset]
            row += [s.agg(both, whole, v) for v in range(kv)]
        out.append(row)
    return out
