"""Lookup and reference: MATCH, XMATCH, INDEX, VLOOKUP, HLOOKUP, XLOOKUP, LOOKUP, CHOOSE,
OFFSET, INDIRECT, ADDRESS, ROW(S), COLUMN(S), AREAS.

OFFSET and INDIRECT are volatile and return references found only when they run: the
compiler gives their cells a conservative dependency (the sheet of OFFSET's reference, every
sheet for INDIRECT), and the engine evaluates the cycles that this creates in the static
graph as Excel does, by the values (see :func:`xlfuncs.recalc.engine._settle`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from xlfuncs.errors import ExcelError
from xlfuncs.recalc.functions._helpers import boo, txt
from xlfuncs.recalc.functions._registry import XErr, registrar
from xlfuncs.recalc.functions.operators import _approx_cmp
from xlfuncs.recalc.values import Areas, Rng, as_rows, parse_criteria, shape_of, to_num, to_scalar

ERR = ExcelError
reg = registrar("lookup")

MAX_ROW = 1_048_576
MAX_COL = 16_384


@reg("CHOOSE", "scalar, any+", lazy=True)
def CHOOSE(index: Any, *options: Callable[[], Any]) -> Any:
    if type(index) is list or type(index) is Rng:
        return _choose_array(as_rows(index), options)
    i = to_num(to_scalar(index))
    if type(i) is ExcelError:
        return i
    k = int(math.trunc(i))  # type: ignore[arg-type]
    if k < 1 or k > len(options):
        return ERR.VALUE
    v = options[k - 1]()
    return 0.0 if v is None else v


def _choose_array(idx: list[list[Any]], options: tuple[Callable[[], Any], ...]) -> Any:
    """CHOOSE with an array of indexes (an array formula): element by element, each
    option evaluated once and broadcast."""
    got: dict[int, list[list[Any]]] = {}
    h = len(idx)
    w = len(idx[0]) if h else 0
    out: list[list[Any]] = []
    for i in range(h):
        row: list[Any] = []
        for j in range(w):
            k = to_num(idx[i][j])
            if type(k) is ExcelError:
                row.append(k)
                continue
            n = int(math.trunc(k))  # type: ignore[arg-type]
            if n < 1 or n > len(options):
                row.append(ERR.VALUE)
                continue
            if n not in got:
                got[n] = as_rows(options[n - 1]())
            m = got[n]
            mh, mw = len(m), len(m[0]) if m else 0
            if (mh > 1 and i >= mh) or (mw > 1 and j >= mw) or not mw:
                row.append(ERR.NA)
            else:
                v = m[i if mh > 1 else 0][j if mw > 1 else 0]
                row.append(0.0 if v is None else v)
        out.append(row)
    return out


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


def _wild(x: Any) -> bool:
    return type(x) is str and ("*" in x or "?" in x or "~" in x)


def _find(x: Any, vec: list[Any], mode: int) -> int:
    """0-based position of ``x`` in ``vec``; ``-1`` when absent.

    ``mode`` 0: exact (text case-insensitive, wildcards); 1: largest value <= x in an
    ascending list; -1: smallest value >= x in a descending list.
    """
    if mode == 0:
        if _wild(x):
            pred = parse_criteria("=" + x)
            for i, v in enumerate(vec):
                if type(v) is str and pred(v):
                    return i
            return -1
        for i, v in enumerate(vec):
            if v is not None and _same_kind(v, x) and _approx_cmp(v, x) == 0:
                return i
        return -1
    if mode == 1:
        return _bsearch(x, vec)
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


def _bsearch(x: Any, vec: list[Any]) -> int:
    """LOOKUP's binary search for the largest value <= ``x``: 0-based position or -1.

    Excel halves the range; a middle item of another type than ``x`` (or blank) gives way to
    the nearest item of its type above it, else below it (none: the search stops), and an
    equal item ends the search.
    This reproduces Excel's results on unsorted and mixed arrays (LOOKUP!R56:Y64 of
    vinci1it2000+formulas/test.xlsx: LOOKUP(4.1,{"b",4.1,"a",1.1}) is 4.1,
    LOOKUP(2,{4.1,2.1,3.1,1.1}) is #N/A; LookupBlanks!F5:F12 of dgorissen+pycel/lookup.xlsx).
    """
    lo, hi = 0, len(vec) - 1
    while lo <= hi:
        m = (lo + hi) // 2
        if vec[m] is None or not _same_kind(vec[m], x):
            for j in (*range(m + 1, hi + 1), *range(m - 1, lo - 1, -1)):
                if vec[j] is not None and _same_kind(vec[j], x):
                    m = j
                    break
            else:
                break
        c = _approx_cmp(vec[m], x)
        if c == 0:
            return m
        if c < 0:
            lo = m + 1
        else:
            hi = m - 1
    while hi >= 0 and (vec[hi] is None or not _same_kind(vec[hi], x)):
        hi -= 1
    return hi


@reg("MATCH", "scalar, ref, integer=1")
def MATCH(v: Any, arr: Any, m: int) -> Any:
    m = 0 if m == 0 else (1 if m > 0 else -1)
    if v is None:  # a blank looks for 0 in an approximate search
        if m == 0:
            return ERR.NA
        v = 0.0
    i = _find(v, _vector(arr), m)
    return ERR.NA if i < 0 else float(i + 1)


@reg("INDEX", "ref, integer=-, integer=-, integer=-", array=True)
def INDEX(arr: Any, row: int | None = None, col: int | None = None,
          area: int | None = None) -> Any:
    if type(arr) is ExcelError:
        return arr
    if type(arr) is Areas:  # INDEX((A1:B2,D1:E2),1,1,2): the area's number picks one
        k = 1 if area is None else area
        if not 1 <= k <= len(arr.areas):
            return ERR.REF
        arr = arr.areas[k - 1]
    elif area is not None and area != 1:
        return ERR.REF
    nr, nc = shape_of(arr)
    r = 0 if row is None else row
    c = 0 if col is None else col
    if col is None and nr == 1 and nc > 1:  # INDEX(row_vector, n)
        r, c = 1, r
    elif col is None and nc == 1:
        c = 1
    if r < 0 or c < 0:
        return ERR.VALUE
    if col is None and nr > 1 and nc > 1 and type(arr) is Rng:
        # the reference form needs column_num when the area has several rows and columns
        # (Microsoft's INDEX page; LOOKUP!R53 of vinci1it2000+formulas/test.xlsx: #REF!)
        return ERR.REF
    if r > nr or c > nc:
        return ERR.REF
    if type(arr) is Rng:
        r1 = arr.r1 + r - 1 if r else arr.r1
        r2 = r1 if r else arr.r2
        c1 = arr.c1 + c - 1 if c else arr.c1
        c2 = c1 if c else arr.c2
        return Rng(arr.V, arr.s, r1, c1, r2, c2)
    rows = as_rows(arr)
    if r and c:
        return rows[r - 1][c - 1]
    if r:
        return [rows[r - 1]]
    if c:
        return [[row[c - 1]] for row in rows]
    return rows


def _table_lookup(v: Any, table: Any, k: int, approx: Any, vertical: bool) -> Any:
    rows = as_rows(table)
    if not vertical:
        rows = [list(t) for t in zip(*rows)]
    if k < 1:
        return ERR.VALUE
    if k > len(rows[0]):
        return ERR.REF
    a = to_scalar(approx)
    if type(a) is ExcelError:
        return a
    exact = not boo(a)
    if v is None:
        if exact:
            return ERR.NA
        v = 0.0
    i = _find(v, [row[0] for row in rows], 0 if exact else 1)
    if i < 0:
        return ERR.NA
    return rows[i][k - 1]


@reg("VLOOKUP", "scalar, ref, integer, any=TRUE")
def VLOOKUP(v: Any, table: Any, col: int, approx: Any) -> Any:
    return _table_lookup(v, table, col, approx, True)


@reg("HLOOKUP", "scalar, ref, integer, any=TRUE")
def HLOOKUP(v: Any, table: Any, row: int, approx: Any) -> Any:
    return _table_lookup(v, table, row, approx, False)


def _xkind(x: Any) -> int:
    t = type(x)
    return 2 if t is bool else 1 if t is str else 0


def _xcmp(w: Any, v: Any) -> int:
    """XMATCH's order of an array item ``w`` against the lookup value ``v``: numbers < text <
    logicals (vinci1it2000+formulas/test.xlsx LOOKUP!X173: the next smaller of a text among
    {FALSE,2.1,TRUE,4.1} is 4.1); text case-insensitive with Unicode case folding ("ß" is
    "ss", EXTRA!L75); a blank lookup value is above everything (LOOKUP!W172:W197)."""
    if v is None:
        return -1
    kw, kv = _xkind(w), _xkind(v)
    if kw != kv:
        return -1 if kw < kv else 1
    if kw == 1:
        a, b = w.casefold(), v.casefold()
        return 0 if a == b else -1 if a < b else 1
    c = _approx_cmp(w, v)
    return c if type(c) is int else 1


def _xfind(v: Any, vec: list[Any], mm: int, sm: int) -> int:
    """XMATCH/XLOOKUP's search: 0-based position or -1.

    ``mm`` 0 exact, -1 exact or next smaller, 1 exact or next larger (in :func:`_xcmp`'s
    order across types), 2 wildcards, 3 a regular expression found in a text item
    (case-sensitive, as REGEXTEST); ``sm`` 1/-1 first/last to first, 2/-2 binary search of
    an ascending/descending array (with 2 or 3: ``#VALUE!``)."""
    if mm not in (-1, 0, 1, 2, 3) or sm not in (-2, -1, 1, 2):
        raise XErr(ERR.VALUE)
    n = len(vec)
    if sm in (2, -2):  # binary search (ascending for 2, descending for -2)
        if mm in (2, 3):
            raise XErr(ERR.VALUE)  # LOOKUP!R183:Y184: wildcards with a binary search
        lo, hi = 0, n - 1
        found = -1
        sign = 1 if sm == 2 else -1
        while lo <= hi:
            mid = (lo + hi) // 2
            w = vec[mid]
            c = -1 if w is None or type(w) is ExcelError else _xcmp(w, v)
            c *= sign
            if c == 0:
                found = mid
                break
            if c < 0:
                lo = mid + 1
            else:
                hi = mid - 1
        if found >= 0 or mm == 0:
            return found
        # next smaller / larger after the search narrowed down
        cand = [hi, lo] if sign == 1 else [lo, hi]
        pick = cand[0] if mm == -1 else cand[1]
        return pick if 0 <= pick < n else -1
    order: range | list[int] = range(n) if sm == 1 else range(n - 1, -1, -1)
    if mm == 3:
        if type(v) is not str:
            raise XErr(ERR.VALUE)
        try:
            rx = re.compile(v)
        except re.error:
            raise XErr(ERR.VALUE) from None
        for i in order:
            if type(vec[i]) is str and rx.search(vec[i]):
                return i
        return -1
    cmp: Callable[[Any, Any], Any] = _xcmp
    if mm == 2:
        if not _wild(v):
            # no case folding in the wildcard mode: "ß" is not "ss" there (EXTRA!L77)
            mm, cmp = 0, _approx_cmp
        else:
            pred = parse_criteria("=" + txt(v))
            for i in order:
                if type(vec[i]) is str and pred(vec[i]):
                    return i
            return -1
    if mm == 0:
        for i in order:
            w = vec[i]
            if w is not None and _same_kind(w, v) and cmp(w, v) == 0:
                return i
        if v == "" or v is None:
            for i in order:
                if vec[i] is None:
                    return i
        return -1
    best = -1
    for i in order:
        w = vec[i]
        if w is None or type(w) is ExcelError:
            continue
        c = _xcmp(w, v)
        if c == 0:
            return i
        if mm == -1 and c < 0 and (best < 0 or _xcmp(w, vec[best]) > 0):
            best = i
        if mm == 1 and c > 0 and (best < 0 or _xcmp(w, vec[best]) < 0):
            best = i
    return best


@reg("XMATCH", "scalar, ref, integer=0, integer=1")
def XMATCH(v: Any, look: Any, mm: int, sm: int) -> Any:
    i = _xfind(v, _vector(look), mm, sm)
    return ERR.NA if i < 0 else float(i + 1)


@reg("XLOOKUP", "scalar, ref, ref, any=-, integer=0, integer=1", array=True)
def XLOOKUP(v: Any, look: Any, ret: Any, not_found: Any = None, mm: int = 0,
            sm: int = 1) -> Any:
    if type(look) is ExcelError:
        return look
    if type(ret) is ExcelError:
        return ret
    vec = _vector(look)
    found = _xfind(v, vec, mm, sm)
    if found < 0:
        if not_found is not None:
            return not_found
        return ERR.NA
    lr, lc = shape_of(look)
    rr, rc = shape_of(ret)
    vertical = lc == 1 and lr > 1 or (lr == 1 and lc == 1 and rr > 1)
    if lr == 1 and lc == 1 and rr == 1:
        vertical = True
    if vertical:
        if rr != len(vec):
            return ERR.VALUE
        if type(ret) is Rng:
            return Rng(ret.V, ret.s, ret.r1 + found, ret.c1, ret.r1 + found, ret.c2)
        return [list(as_rows(ret)[found])]
    if rc != len(vec):
        return ERR.VALUE
    if type(ret) is Rng:
        return Rng(ret.V, ret.s, ret.r1, ret.c1 + found, ret.r2, ret.c1 + found)
    return [[row[found]] for row in as_rows(ret)]


@reg("LOOKUP", "scalar, ref, ref=-")
def LOOKUP(v: Any, look: Any, result: Any = None) -> Any:
    if v is None:
        v = 0.0
    rows = as_rows(look)
    if result is None and len(rows) > 1 and len(rows[0]) > 1:
        # array form: search the first row or column, return from the last
        if len(rows[0]) > len(rows):
            keys, vals = rows[0], rows[-1]
        else:
            keys, vals = [r[0] for r in rows], [r[-1] for r in rows]
        i = _bsearch(v, list(keys))
        return ERR.NA if i < 0 else vals[i]
    if len(rows) > 1 and len(rows[0]) > 1:  # a block with a result vector: its first column
        vec = [r[0] for r in rows] if len(rows) >= len(rows[0]) else list(rows[0])
    else:
        vec = _vector(look)
    i = _bsearch(v, vec)
    if i < 0:
        return ERR.NA
    if result is None:
        return vec[i]
    res = as_rows(result)
    if len(res) == 1:
        return res[0][i] if i < len(res[0]) else ERR.NA
    if len(res[0]) == 1:
        return res[i][0] if i < len(res) else ERR.NA
    return ERR.NA


@reg("ROWS", "ref")
def ROWS(x: Any) -> Any:
    if type(x) is ExcelError:
        return x
    if type(x) is Areas:
        return ERR.REF
    return float(shape_of(x)[0])


@reg("COLUMNS", "ref")
def COLUMNS(x: Any) -> Any:
    if type(x) is ExcelError:
        return x
    if type(x) is Areas:
        return ERR.REF
    return float(shape_of(x)[1])


@reg("ROW", "ref=-", env=True, array=True)
def ROW(env: Any, sheet: int, row: int, col: int, x: Any = None) -> Any:
    if x is None:
        return float(row)
    if type(x) is Rng:
        if x.r1 == x.r2:
            return float(x.r1)
        return [[float(r)] for r in range(x.r1, x.r2 + 1)]
    if type(x) is ExcelError:
        return x
    return ERR.VALUE


@reg("COLUMN", "ref=-", env=True, array=True)
def COLUMN(env: Any, sheet: int, row: int, col: int, x: Any = None) -> Any:
    if x is None:
        return float(col)
    if type(x) is Rng:
        if x.c1 == x.c2:
            return float(x.c1)
        return [[float(c) for c in range(x.c1, x.c2 + 1)]]
    if type(x) is ExcelError:
        return x
    return ERR.VALUE


@reg("AREAS", "ref")
def AREAS(x: Any) -> Any:
    if type(x) is ExcelError:
        return x
    if type(x) is Areas:
        return float(len(x.areas))
    return 1.0 if type(x) is Rng else ERR.VALUE


@reg("OFFSET", "ref, integer, integer, integer=-, integer=-", volatile=True, dynamic_ref=True)
def OFFSET(ref: Any, rows: int, cols: int, height: int | None = None,
           width: int | None = None) -> Any:
    if type(ref) is ExcelError:
        return ref
    if type(ref) is not Rng:
        return ERR.VALUE
    h = ref.nrows if height is None else height
    w = ref.ncols if width is None else width
    if h == 0 or w == 0:
        return ERR.REF
    r1 = ref.r1 + rows
    c1 = ref.c1 + cols
    r2 = r1 + h - 1 if h > 0 else r1 + h + 1
    c2 = c1 + w - 1 if w > 0 else c1 + w + 1
    if min(r1, r2) < 1 or min(c1, c2) < 1 or max(r1, r2) > MAX_ROW or max(c1, c2) > MAX_COL:
        return ERR.REF
    return Rng(ref.V, ref.s, r1, c1, r2, c2)


_COL = r"\$?([A-Za-z]{1,3})"
_ROWN = r"\$?(\d+)"
_A1_CELL = re.compile(rf"^{_COL}{_ROWN}$")
_A1_COLS = re.compile(rf"^{_COL}:{_COL}$")
_A1_ROWS = re.compile(rf"^{_ROWN}:{_ROWN}$")
_R1C1 = re.compile(r"^R(\[-?\d+\]|\d+)?C(\[-?\d+\]|\d+)?$", re.IGNORECASE)


def _col_num(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def _split_sheet(text: str) -> tuple[str | None, str]:
    if "!" not in text:
        return None, text
    k = text.rindex("!")
    sh, ref = text[:k], text[k + 1:]
    if sh.startswith("'") and sh.endswith("'"):
        sh = sh[1:-1].replace("''", "'")
    if sh.startswith("[") and "]" in sh:  # [Book]Sheet: this workbook assumed
        sh = sh[sh.index("]") + 1:]
    return sh, ref


def _one_cell(part: str, a1: bool, row: int, col: int) -> tuple[int, int] | None:
    if a1:
        m = _A1_CELL.match(part)
        if not m:
            return None
        return int(m.group(2)), _col_num(m.group(1))
    m = _R1C1.match(part)
    if not m:
        return None

    def axis(g: str | None, here: int) -> int:
        if g is None:
            return here
        if g.startswith("["):
            return here + int(g[1:-1])
        return int(g)

    return axis(m.group(1), row), axis(m.group(2), col)


@reg("INDIRECT", "text, bool=TRUE", env=True, volatile=True, dynamic_ref=True)
def INDIRECT(env: Any, sheet: int, row: int, col: int, text: str, a1: bool) -> Any:
    sh_name, ref = _split_sheet(text.strip())
    s = sheet
    if sh_name is not None:
        ix = env.sheet_ix.get(sh_name.lower())
        if ix is None:
            return ERR.REF
        s = ix
    V = env.V
    parts = ref.split(":")
    if len(parts) == 1:
        cell = _one_cell(parts[0], a1, row, col)
        if cell is None:
            # a defined name
            if re.match(r"^[A-Za-z_\\][\w.]*$", ref):
                try:
                    fn = env.name(ref.upper(), sheet, sh_name)
                    res = fn(row, col)
                except Exception:  # noqa: BLE001  (an unknown name)
                    return ERR.REF
                return res if type(res) is Rng else ERR.REF
            return ERR.REF
        r1, c1 = r2, c2 = cell
    elif len(parts) == 2:
        if a1 and _A1_COLS.match(ref):
            m = _A1_COLS.match(ref)
            assert m is not None
            r1, r2 = 1, env.maxrow(s)
            c1, c2 = _col_num(m.group(1)), _col_num(m.group(2))
        elif a1 and _A1_ROWS.match(ref):
            m = _A1_ROWS.match(ref)
            assert m is not None
            r1, r2 = int(m.group(1)), int(m.group(2))
            c1, c2 = 1, env.maxcol(s)
        else:
            p1 = _one_cell(parts[0], a1, row, col)
            p2 = _one_cell(parts[1], a1, row, col)
            if p1 is None or p2 is None:
                return ERR.REF
            (r1, c1), (r2, c2) = p1, p2
    else:
        return ERR.REF
    if min(r1, r2, c1, c2) < 1 or max(r1, r2) > MAX_ROW or max(c1, c2) > MAX_COL:
        return ERR.REF
    return Rng(V, s, r1, c1, r2, c2)


@reg("ADDRESS", "integer, integer, integer=1, bool=TRUE, text=-")
def ADDRESS(row: int, col: int, abs_num: int, a1: bool, sheet: str | None = None) -> Any:
    if row < 1 or col < 1 or row > MAX_ROW or col > MAX_COL or abs_num not in (1, 2, 3, 4):
        return ERR.VALUE
    abs_row = abs_num in (1, 2)
    abs_col = abs_num in (1, 3)
    if a1:
        letters = ""
        n = col
        while n:
            n, rem = divmod(n - 1, 26)
            letters = chr(65 + rem) + letters
        ref = f"{'$' if abs_col else ''}{letters}{'$' if abs_row else ''}{row}"
    else:
        ref = f"R{row if abs_row else f'[{row}]'}C{col if abs_col else f'[{col}]'}"
    if sheet is not None:
        if sheet == "":
            return "!" + ref
        needs_quote = not re.match(r"^[A-Za-z_][\w.]*$", sheet)
        sh = "'" + sheet.replace("'", "''") + "'" if needs_quote else sheet
        return f"{sh}!{ref}"
    return ref


def _trim_mode(x: Any) -> int:
    """TRIMRANGE's trim_rows/trim_cols: 0 none, 1 leading, 2 trailing, 3 both; a whole number
    or numeric text ("3"), else #VALUE! (LOOKUP!W135 "3.3", Z135 2.3, AA135 {1,1} of
    vinci1it2000+formulas/test.xlsx)."""
    if type(x) is Rng:
        if x.nrows != 1 or x.ncols != 1:
            raise XErr(ERR.VALUE)
        x = x.top_left()
    if type(x) is list or type(x) is bool:
        raise XErr(ERR.VALUE)
    if type(x) is ExcelError:
        raise XErr(x)
    n = to_num(0.0 if x is None else x)
    if type(n) is ExcelError:
        raise XErr(n)
    assert isinstance(n, (int, float))
    if n != int(n) or not 0 <= n <= 3:
        raise XErr(ERR.VALUE)
    return int(n)


@reg("TRIMRANGE", "ref, ref=3, ref=3", array=True)
def TRIMRANGE(ref: Any, trim_rows: Any, trim_cols: Any) -> Any:
    """The reference without its leading and/or trailing blank rows and columns; ``#REF!``
    when every cell is blank (LOOKUP!Z136)."""
    if type(ref) is ExcelError:
        return ref
    tr, tc = _trim_mode(trim_rows), _trim_mode(trim_cols)
    if type(ref) is not Rng:
        return ERR.VALUE
    g, s = ref.V.get, ref.s
    rows = [r for r in range(ref.r1, ref.r2 + 1)
            if any(g((s, r, c)) is not None for c in range(ref.c1, ref.c2 + 1))]
    if not rows:
        return ERR.REF
    cols = [c for c in range(ref.c1, ref.c2 + 1)
            if any(g((s, r, c)) is not None for r in range(rows[0], rows[-1] + 1))]
    r1 = rows[0] if tr & 1 else ref.r1
    r2 = rows[-1] if tr & 2 else ref.r2
    c1 = cols[0] if tc & 1 else ref.c1
    c2 = cols[-1] if tc & 2 else ref.c2
    return Rng(ref.V, s, r1, c1, r2, c2)


@reg("HYPERLINK", "scalar, scalar=-",
     note="the cell's value only (the friendly name, else the link location); no link is made")
def HYPERLINK(link: Any, friendly: Any = None) -> Any:
    """HYPERLINK(link_location, [friendly_name]): the value Excel shows in the cell."""
    v = link if friendly is None else friendly
    return 0.0 if v is None else v  # a blank shows 0, as a reference to it does
