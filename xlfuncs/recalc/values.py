"""Excel value semantics: coercion, comparison, rounding, text and dates.

Values are plain Python: ``float``/``int``, ``str``, ``bool``, ``None`` (blank) and
:class:`~xlfuncs.errors.ExcelError`. A reference to cells is a :class:`Rng`; a computed
array is a 2-D ``list`` of rows.

>>> to_num(" 1,200.5 ")
1200.5
>>> to_num(True)
1
>>> compare("abc", "ABC")
0
>>> excel_round(2.675, 2)
2.68
>>> to_text(0.1 + 0.2)
'0.3'
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import gc
import math
import re
from collections.abc import Callable, Iterator
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal
from typing import Any, cast

from xlfuncs.errors import ExcelError
from xlfuncs.textnum import number_from_text

__all__ = [
    "gc_paused",
    "Rng",
    "Areas",
    "Lam",
    "OMITTED",
    "ExcelError",
    "to_num",
    "to_text",
    "to_bool",
    "compare",
    "excel_round",
    "date_to_serial",
    "serial_to_date",
    "parse_criteria",
    "is_num",
    "TEXT_LIMIT",
    "text_too_long",
]


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for a block that allocates many small, acyclic
    objects (reading and evaluating a large workbook); its previous state is restored.

    On leaving the outermost block, the objects it made are handed to the oldest
    generation without a scan: otherwise the first allocation after it would trigger a
    young collection over every one of them (~0.2 s per million objects), and again for
    each block of a read-evaluate-write run. They are still checked by later full
    collections. Skipped when the host process keeps frozen objects (``gc.freeze``).

    >>> with gc_paused():
    ...     gc.isenabled()
    False
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            if gc.get_freeze_count() == 0:
                # freeze moves every tracked object to the permanent generation and clears
                # the young count; unfreeze puts them all in the oldest generation
                gc.freeze()
                gc.unfreeze()
            gc.enable()

ERR = ExcelError
_EMPTY_ROW: tuple[()] = ()


class Rng:
    """A rectangular reference into the value store ``V`` (keys ``(sheet, row, col)``).

    >>> V = {(0, 1, 1): 1.0, (0, 2, 1): "x"}
    >>> Rng(V, 0, 1, 1, 3, 1).rows()
    [[1.0], ['x'], [None]]
    """

    __slots__ = ("V", "s", "r1", "c1", "r2", "c2")

    def __init__(self, V: dict[Any, Any], s: int, r1: int, c1: int, r2: int, c2: int) -> None:
        if r2 < r1:
            r1, r2 = r2, r1
        if c2 < c1:
            c1, c2 = c2, c1
        self.V = V
        self.s = s
        self.r1 = r1
        self.c1 = c1
        self.r2 = r2
        self.c2 = c2

    @property
    def nrows(self) -> int:
        return self.r2 - self.r1 + 1

    @property
    def ncols(self) -> int:
        return self.c2 - self.c1 + 1

    def rows(self) -> list[list[Any]]:
        """The values as a 2-D list of rows (blanks are ``None``)."""
        g = self.V.get
        s = self.s
        if self.c1 == self.c2:  # a column (a list of codes, of flags): no loop per row
            c = self.c1
            return [[g((s, r, c))] for r in range(self.r1, self.r2 + 1)]
        cols = range(self.c1, self.c2 + 1)
        return [[g((s, r, c)) for c in cols] for r in range(self.r1, self.r2 + 1)]

    def values(self) -> Iterator[Any]:
        """Every cell value, row by row (blanks are ``None``)."""
        g = self.V.get
        s = self.s
        if self.c1 == self.c2:
            c = self.c1
            for r in range(self.r1, self.r2 + 1):
                yield g((s, r, c))
            return
        cols = range(self.c1, self.c2 + 1)
        for r in range(self.r1, self.r2 + 1):
            for c in cols:
                yield g((s, r, c))

    def flat(self) -> list[Any]:
        return list(self.values())

    def cell(self, i: int, j: int) -> Any:
        """Value at 0-based offsets ``(i, j)`` inside the range."""
        return self.V.get((self.s, self.r1 + i, self.c1 + j))

    def top_left(self) -> Any:
        return self.V.get((self.s, self.r1, self.c1))

    def __repr__(self) -> str:
        return f"Rng(s={self.s}, R{self.r1}C{self.c1}:R{self.r2}C{self.c2})"


class Areas:
    """A reference of several areas: the union operator ``(A1:B2,D4)`` or an intersection
    of such a union; AREAS counts them, INDEX picks one, SUM and the like read them all."""

    __slots__ = ("areas",)

    def __init__(self, areas: tuple[Rng, ...]) -> None:
        self.areas = areas

    def flat(self) -> list[Any]:
        return [v for a in self.areas for v in a.values()]

    def __repr__(self) -> str:
        return f"Areas({', '.join(map(repr, self.areas))})"


def as_rows(x: Any) -> list[list[Any]]:
    """Any value as a 2-D list of rows (a scalar becomes 1x1)."""
    t = type(x)
    if t is Rng:
        rows: list[list[Any]] = x.rows()
        return rows
    if t is list:
        array: list[list[Any]] = x
        return array
    return [[x]]


def flat_values(x: Any) -> list[Any]:
    """Any value as a flat list (row by row)."""
    t = type(x)
    if t is Rng:
        cells: list[Any] = x.flat()
        return cells
    if t is list:
        return [v for row in x for v in row]
    if t is Areas:
        many: list[Any] = x.flat()
        return many
    return [x]


def shape_of(x: Any) -> tuple[int, int]:
    t = type(x)
    if t is Rng:
        return x.nrows, x.ncols
    if t is list:
        return len(x), len(x[0]) if x else 0
    return 1, 1


def is_num(v: Any) -> bool:
    """True for a real number (not a boolean)."""
    t = type(v)
    return t is float or t is int


def text_to_num(s: str, date1904: bool = False) -> float | ExcelError:
    """Parse text the way Excel does in arithmetic; ``#VALUE!`` when it is not a number.

    The rules are :func:`xlfuncs.textnum.number_from_text`, shared with the Excel functions.

    >>> text_to_num("50%")
    0.5
    >>> text_to_num("abc")
    <ExcelError.VALUE: '#VALUE!'>
    >>> text_to_num("2024-01-31")
    45322.0
    """
    v = number_from_text(s, date1904=date1904)
    if v is None and "/" in s:
        # day/month/year when the first part cannot be a month ("13/01/1900" is 13, as in
        # the day-first locales vinci1it2000+formulas/test.xlsx was saved in: STATISTICAL!X13)
        m = _DMY.match(s)
        if m is not None and int(m.group(1)) > 12:
            v = number_from_text(f"{m.group(2)}/{m.group(1)}/{m.group(3)}", date1904=date1904)
    return ERR.VALUE if v is None else v


_DMY = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{1,4}(?:\s.*)?)$", re.DOTALL)


#: Excel's limit on the characters of one text value (a cell holds at most this many); a
#: longer text result is ``#VALUE!``. Characters are UTF-16 code units, as Excel counts them.
TEXT_LIMIT = 32767
#: texts of at most this many code points are within :data:`TEXT_LIMIT` whatever they hold
_TEXT_SURELY_SHORT = TEXT_LIMIT // 2


def text_too_long(s: str) -> bool:
    """True when ``s`` has more than :data:`TEXT_LIMIT` characters (UTF-16 code units).

    >>> text_too_long("a" * 32767), text_too_long("a" * 32768), text_too_long("\U0001f600" * 16384)
    (False, True, True)
    """
    n = len(s)
    if n <= _TEXT_SURELY_SHORT:
        return False
    if n > TEXT_LIMIT:
        return True
    return len(s.encode("utf-16-le")) > 2 * TEXT_LIMIT  # characters beyond U+FFFF count twice


def to_num(v: Any) -> float | int | ExcelError:
    """Coerce a scalar to a number for arithmetic (blank -> 0, TRUE -> 1, numeric text)."""
    t = type(v)
    if t is float or t is int:
        num: float | int = v
        return num
    if v is None:
        return 0
    if t is bool:
        return int(v)
    if t is str:
        return text_to_num(v)
    if t is ExcelError:
        err: ExcelError = v
        return err
    if t is Rng:
        if v.nrows == 1 and v.ncols == 1:
            return to_num(v.top_left())
        return ERR.VALUE
    if t is list:
        return to_num(v[0][0]) if v and v[0] else ERR.VALUE
    return ERR.VALUE


def general_number(x: float) -> str:
    """Format a number as Excel's General format does (up to 15 significant digits).

    >>> general_number(1.0), general_number(1234567.125), general_number(1e20)
    ('1', '1234567.125', '1E+20')
    """
    if type(x) is int:
        return str(x)
    if x == 0:
        return "0"
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    s = "%.15g" % x
    if "e" in s:
        mant, exp = s.split("e")
        if "." in mant:
            mant = mant.rstrip("0").rstrip(".")
        sign = exp[0]
        digits = exp[1:].lstrip("0") or "0"
        if len(digits) < 2:
            digits = digits.rjust(2, "0")
        return f"{mant}E{sign}{digits}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def to_text(v: Any) -> str | ExcelError:
    """Coerce a scalar to text for ``&`` and text functions."""
    t = type(v)
    if t is str:
        text: str = v
        return text
    if t is float or t is int:
        return general_number(v)
    if v is None:
        return ""
    if t is bool:
        return "TRUE" if v else "FALSE"
    if t is ExcelError:
        err: ExcelError = v
        return err
    if t is Rng or t is list:
        return to_text(to_scalar(v))
    return ERR.VALUE


def to_bool(v: Any) -> bool | ExcelError:
    """Coerce a scalar to a logical value (IF, AND, OR, NOT)."""
    t = type(v)
    if t is bool:
        flag: bool = v
        return flag
    if t is float or t is int:
        nonzero: bool = v != 0
        return nonzero
    if v is None:
        return False
    if t is str:
        u = v.strip().upper()
        if u == "TRUE":
            return True
        if u == "FALSE":
            return False
        return ERR.VALUE
    if t is ExcelError:
        err: ExcelError = v
        return err
    if t is Rng or t is list:
        return to_bool(to_scalar(v))
    return ERR.VALUE


def to_scalar(v: Any) -> Any:
    """A reference or array as one value (its top-left element)."""
    t = type(v)
    if t is Rng:
        return v.top_left()
    if t is list:
        return v[0][0] if v and v[0] else ERR.VALUE
    return v


def _rank(v: Any) -> int:
    t = type(v)
    if t is bool:
        return 2
    if t is str:
        return 1
    return 0


def compare(a: Any, b: Any) -> int | ExcelError:
    """Excel ordering: -1, 0 or 1; numbers < text < logicals; text case-insensitive.

    A blank compares as 0, ``""`` or FALSE depending on the other side.

    >>> compare(None, 0), compare(None, ""), compare(5, "a"), compare(True, "z")
    (0, 0, -1, 1)
    """
    ta = type(a)
    tb = type(b)
    if ta is ExcelError:
        err: ExcelError = a
        return err
    if tb is ExcelError:
        err = b
        return err
    if a is None:
        if b is None:
            return 0
        a = "" if tb is str else (False if tb is bool else 0)
        ta = type(a)
    elif b is None:
        b = "" if ta is str else (False if ta is bool else 0)
        tb = type(b)
    ra = _rank(a)
    rb = _rank(b)
    if ra != rb:
        return -1 if ra < rb else 1
    if ra == 1:
        a = a.lower()
        b = b.lower()
    order: int = (a > b) - (a < b)
    return order


def excel_round(x: float | int, digits: int = 0, mode: str = ROUND_HALF_UP) -> float | int:
    """ROUND/ROUNDUP/ROUNDDOWN on ``x`` as 15 significant decimal digits (half away from zero).

    Excel keeps 15 significant digits, so ``-5*1.37`` (binary -6.8500000000000005) rounds
    up to -6.85 as the decimal text shows, not to -6.86.

    >>> excel_round(-2.5), excel_round(1234.5678, -2), excel_round(1.005, 2)
    (-3.0, 1200.0, 1.01)
    >>> excel_round(-5 * 1.37, 2, ROUND_UP)
    -6.85
    >>> excel_round(7.1e44), excel_round(1.5, 400), excel_round(123.0, -400)
    (7.1e+44, 1.5, 0.0)
    """
    if type(x) is int and digits >= 0:
        return x
    if mode is ROUND_HALF_UP and 0 <= digits <= 9 and type(x) is float:
        # the common case without decimals: x * 10**digits far from a half (by more than
        # the error of the product and of x against its 15-digit text) rounds as the
        # decimal text does, and n / 10**digits is the double nearest the decimal result
        scale = _POW10[digits]
        m = abs(x) * scale
        if m < 1e9:
            n = math.floor(m + 0.5)
            if abs(m - n) < 0.49999:
                return math.copysign(n / scale, x)
    d = Decimal("%.15g" % float(x))
    if not d.is_finite() or d.as_tuple().exponent >= -digits:  # type: ignore[operator]
        return float(d)  # no digit below the rounding place (also keeps huge values exact)
    q = Decimal(1).scaleb(-digits)
    r = d.quantize(q, rounding=mode) if digits >= 0 else (d / q).quantize(
        Decimal(1), rounding=mode
    ) * q
    return float(r)


ROUND_MODES = {"near": ROUND_HALF_UP, "up": ROUND_UP, "down": ROUND_DOWN}
_POW10 = [10.0**k for k in range(10)]

# ---------------------------------------------------------------- dates

_EPOCH_1900 = _dt.date(1899, 12, 30)
_EPOCH_1904 = _dt.date(1904, 1, 1)


def date_to_serial(d: _dt.date, date1904: bool = False) -> int:
    """Excel serial of a date (1900 system keeps Excel's fictitious 1900-02-29).

    >>> date_to_serial(_dt.date(1900, 3, 1)), date_to_serial(_dt.date(1900, 1, 1))
    (61, 1)
    """
    if date1904:
        return (d - _EPOCH_1904).days
    n = (d - _EPOCH_1900).days
    if n < 61:  # dates before 1900-03-01 sit one lower: Excel counts a 1900-02-29
        n -= 1
    return n


def serial_to_date(n: float, date1904: bool = False) -> _dt.date | None:
    """Date of an Excel serial; ``None`` when out of Excel's range.

    Serial 60 (the non-existent 1900-02-29) maps to 1900-02-28 and serial 0 to
    1899-12-31; :func:`serial_ymd` gives Excel's own year/month/day for them.
    """
    n = int(math.floor(n))
    if date1904:
        if n < 0 or n > 2957003:
            return None
        return _EPOCH_1904 + _dt.timedelta(days=n)
    if n < 0 or n > 2958465:
        return None
    if n < 61:
        return _EPOCH_1900 + _dt.timedelta(days=n + 1) if n != 60 else _dt.date(1900, 2, 28)
    return _EPOCH_1900 + _dt.timedelta(days=n)


def serial_ymd(n: float, date1904: bool = False) -> tuple[int, int, int] | None:
    """Excel's (year, month, day) of a serial, including 1900-02-29 and 1900-01-00."""
    if not date1904:
        i = int(math.floor(n))
        if i == 60:
            return 1900, 2, 29
        if i == 0:
            return 1900, 1, 0
    d = serial_to_date(n, date1904)
    if d is None:
        return None
    return d.year, d.month, d.day


# ---------------------------------------------------------------- criteria (SUMIF etc.)

_CRIT_OP = re.compile(r"^(<=|>=|<>|<|>|=)?(.*)$", re.DOTALL)


def _wildcard_regex(pat: str) -> re.Pattern[str] | None:
    if "*" not in pat and "?" not in pat:
        if "~" not in pat:
            return None
    out = []
    i = 0
    while i < len(pat):
        ch = pat[i]
        if ch == "~" and i + 1 < len(pat) and pat[i + 1] in "*?~":
            out.append(re.escape(pat[i + 1]))
            i += 2
            continue
        if ch == "*":
            out.append(".*")
        elif ch == "?":
            out.append(".")
        else:
            out.append(re.escape(ch))
        i += 1
    return re.compile("^" + "".join(out) + "$", re.IGNORECASE | re.DOTALL)


_BOOL_OPS: dict[str, Callable[[bool, bool], bool]] = {
    "<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
}


def parse_criteria(crit: Any) -> Any:
    """Turn a SUMIF-style criterion into a predicate ``value -> bool``.

    >>> p = parse_criteria(">=3200"); p(3200), p(3199.9), p("x"), p(None)
    (True, False, False, False)
    >>> p = parse_criteria("a*"); p("Apple"), p("banana")
    (True, False)
    >>> p = parse_criteria("<>x"); p("X"), p(None), p(1)
    (False, True, True)
    """
    if type(crit) is Rng or type(crit) is list:
        crit = to_scalar(crit)
    if type(crit) is ExcelError:
        # an error criterion matches the cells holding that error (COUNTIFS(I25:J25,I25)
        # is 1 where I25 is #VALUE!: STATISTICAL!Z25 of vinci1it2000+formulas/test.xlsx)
        return lambda v, e=crit: v is e
    if crit is None:
        crit = 0
    if type(crit) is bool:
        return lambda v, b=crit: type(v) is bool and v == b
    if is_num(crit):
        target = crit

        def eq_num(v: Any, t: Any = target) -> bool:
            tv = type(v)
            if tv is float or tv is int:
                same: bool = v == t
                return same
            if tv is str:
                n = text_to_num(v)
                return type(n) is not ExcelError and n == t
            return False

        return eq_num
    m = _CRIT_OP.match(crit)
    assert m is not None
    op = m.group(1) or ""
    rest = m.group(2)
    num = text_to_num(rest) if rest.strip() else ERR.VALUE
    up = rest.upper()
    if up in ("TRUE", "FALSE") and not (type(num) is not ExcelError):
        bval = up == "TRUE"
        if op in ("", "="):
            return lambda v: type(v) is bool and v == bval
        if op == "<>":
            return lambda v: not (type(v) is bool and v == bval)
        # "<=TRUE": only logicals compare (FALSE < TRUE); text and numbers do not match
        # (SUMIFS(F74:G74,I74:J74,"<=TRUE") over "ciao", TRUE is -1: MATH & TRIG!Y74)
        test = _BOOL_OPS[op]
        return lambda v: type(v) is bool and test(v, bval)
    errval: ExcelError | None = None
    if rest.startswith("#"):
        try:
            errval = ExcelError.from_text(rest)
        except ValueError:
            errval = None
    if errval is not None:
        if op in ("", "="):
            return lambda v: v is errval
        if op == "<>":
            return lambda v: v is not errval
    if op in ("", "="):
        if rest == "":
            if op == "=":
                return lambda v: v is None
            return lambda v: v is None or v == ""
        if type(num) is not ExcelError:
            return parse_criteria(num)
        rx = _wildcard_regex(rest)
        if rx is not None:
            return lambda v: type(v) is str and rx.match(v) is not None
        low = rest.lower()
        return lambda v: type(v) is str and v.lower() == low
    if op == "<>":
        if rest == "":
            return lambda v: v is not None and v != ""
        if type(num) is not ExcelError:
            eq = parse_criteria(num)
            return lambda v: not eq(v)
        rx = _wildcard_regex(rest)
        if rx is not None:
            return lambda v: not (type(v) is str and rx.match(v) is not None)
        low = rest.lower()
        return lambda v: not (type(v) is str and v.lower() == low)
    # ordering operators
    import operator

    fn = {"<": operator.lt, ">": operator.gt, "<=": operator.le, ">=": operator.ge}[op]
    if type(num) is not ExcelError:
        bound = cast("float | int", num)  # mypy does not narrow on ``type(x) is not ...``
        return lambda v: (type(v) is float or type(v) is int) and fn(v, bound)
    low = rest.lower()
    return lambda v: type(v) is str and fn(v.lower(), low)


#: an argument left out of a LAMBDA call (``f(1,)`` or ``f(1)`` for ``LAMBDA(a, b, ...)``)
OMITTED: Any = type("Omitted", (), {"__repr__": lambda self: "OMITTED"})()


class Lam:
    """A LAMBDA value: a function of ``n`` parameters (``LAMBDA(x, y, x+y)``, an eta-reduced
    built-in such as ``_xleta.SUM``, or a name defined as a LAMBDA).

    ``fn`` takes the set of omitted parameter indices (for ISOMITTED) then the ``n``
    arguments; an omitted argument arrives as ``None`` (a blank). ``n`` is ``-1`` for a
    built-in, which checks its own argument count.

    >>> add = Lam(lambda om, x, y: x + y, 2)
    >>> add(1.0, 2.0), add(1.0, 2.0, 3.0)
    (3.0, <ExcelError.VALUE: '#VALUE!'>)
    """

    __slots__ = ("fn", "n", "name")

    def __init__(self, fn: Any, n: int, name: str = "LAMBDA") -> None:
        self.fn = fn
        self.n = n
        self.name = name

    def __call__(self, *args: Any) -> Any:
        n = self.n
        if n < 0:
            return self.fn(*args)
        k = len(args)
        if k > n:
            return ExcelError.VALUE
        om: frozenset[int] | tuple[()] = ()
        if k < n or OMITTED in args:
            om = frozenset([i for i, a in enumerate(args) if a is OMITTED] + list(range(k, n)))
            args = tuple(None if a is OMITTED else a for a in args) + (None,) * (n - k)
        return self.fn(om, *args)

    def __repr__(self) -> str:
        return f"<{self.name}/{self.n}>"
