"""Math and trigonometry: SUM and friends, rounding, SUMIF(S), SUBTOTAL, AGGREGATE, trig,
combinatorics, matrices, number bases."""

from __future__ import annotations

import math
import random
from typing import Any

from xlfuncs.errors import ExcelError
from xlfuncs.recalc.functions._helpers import (
    _numbers,
    flat,
    num_array,
    numbers,
    sig15,
)
from xlfuncs.recalc.functions._registry import XErr, registrar
from xlfuncs.recalc.functions.operators import _is_arr, _power
from xlfuncs.recalc.values import (
    ROUND_MODES,
    Rng,
    as_rows,
    excel_round,
    flat_values,
    parse_criteria,
    shape_of,
    text_to_num,
)

ERR = ExcelError
reg = registrar("math")


@reg("SUM", "ref+")
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


@reg("PRODUCT", "ref+")
def PRODUCT(*args: Any) -> Any:
    p = 1.0
    seen = False
    for v in _numbers(args):
        p *= v
        seen = True
    return p if seen else 0.0


@reg("SUMSQ", "ref+")
def SUMSQ(*args: Any) -> Any:
    return float(sum(v * v for v in _numbers(args)))


@reg("SUMPRODUCT", "ref+")
def SUMPRODUCT(*args: Any) -> Any:
    arrays = [as_rows(a) for a in args]
    shape = (len(arrays[0]), len(arrays[0][0]))
    for a in arrays:
        if (len(a), len(a[0])) != shape:
            # an error among the arrays comes before the size mismatch (MATH & TRIG!AE75:AF75
            # of vinci1it2000+formulas/test.xlsx: the first array's #NUM!, #REF!)
            for b in arrays:
                for row in b:
                    for v in row:
                        if type(v) is ExcelError:
                            return v
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


def _pairs(a: Any, b: Any) -> list[tuple[float, float]]:
    xa, xb = flat(a), flat(b)
    if len(xa) != len(xb):
        raise XErr(ERR.NA)
    out = []
    for x, y in zip(xa, xb):
        if type(x) is ExcelError:
            raise XErr(x)
        if type(y) is ExcelError:
            raise XErr(y)
        if type(x) in (float, int) and type(y) in (float, int):
            out.append((float(x), float(y)))
    return out


@reg("SUMX2MY2", "ref, ref")
def SUMX2MY2(a: Any, b: Any) -> Any:
    return sum(x * x - y * y for x, y in _pairs(a, b))


@reg("SUMX2PY2", "ref, ref")
def SUMX2PY2(a: Any, b: Any) -> Any:
    return sum(x * x + y * y for x, y in _pairs(a, b))


@reg("SUMXMY2", "ref, ref")
def SUMXMY2(a: Any, b: Any) -> Any:
    return sum((x - y) ** 2 for x, y in _pairs(a, b))


# ---------------------------------------------------------------- rounding


@reg("ROUND", "number, integer=0")
def ROUND(x: float, digits: int) -> Any:
    return excel_round(x, digits, ROUND_MODES["near"])


@reg("ROUNDUP", "number, integer=0")
def ROUNDUP(x: float, digits: int) -> Any:
    return excel_round(x, digits, ROUND_MODES["up"])


@reg("ROUNDDOWN", "number, integer=0")
def ROUNDDOWN(x: float, digits: int) -> Any:
    return excel_round(x, digits, ROUND_MODES["down"])


@reg("TRUNC", "number, integer=0")
def TRUNC(x: float, digits: int) -> Any:
    return excel_round(x, digits, ROUND_MODES["down"])


@reg("INT", "number")
def INT(x: float) -> Any:
    return float(math.floor(x))


@reg("MOD", "number, number")
def MOD(x: float, y: float) -> Any:
    if y == 0:
        return ERR.DIV0
    q = x / y
    if abs(q) >= 2**50:  # Excel's limit on the quotient
        return ERR.NUM
    r = x - y * math.floor(q)
    if r != 0 and abs(r - y) < abs(y) * 1e-15:
        return 0.0
    return r


@reg("ABS", "number")
def ABS(x: float) -> Any:
    return abs(x)


@reg("SIGN", "number")
def SIGN(v: float) -> Any:
    return 1.0 if v > 0 else (-1.0 if v < 0 else 0.0)


@reg("POWER", "number, number")
def POWER(a: float, b: float) -> Any:
    return _power(a, b)


@reg("SQRT", "number")
def SQRT(v: float) -> Any:
    if v < 0:
        return ERR.NUM
    return math.sqrt(v)


@reg("SQRTPI", "number", atp=True)
def SQRTPI(v: float) -> Any:
    if v < 0:
        return ERR.NUM
    return math.sqrt(v * math.pi)


@reg("EXP", "number")
def EXP(x: float) -> Any:
    return math.exp(x)


@reg("LN", "number")
def LN(v: float) -> Any:
    if v <= 0:
        return ERR.NUM
    return math.log(v)


@reg("LOG10", "number")
def LOG10(v: float) -> Any:
    if v <= 0:
        return ERR.NUM
    return math.log10(v)


@reg("LOG", "number, number=10.0")
def LOG(v: float, b: float) -> Any:
    if v <= 0 or b <= 0:
        return ERR.NUM
    if b == 1:
        return ERR.DIV0
    return math.log(v) / math.log(b)


@reg("PI", "")
def PI() -> Any:
    return math.pi


def _mult_round(q: float, up: bool) -> float:
    """ceil/floor of a quotient taken at 15 significant digits (so 0.3/0.1 is 3)."""
    q15 = sig15(q)
    return float(math.ceil(q15) if up else math.floor(q15))


@reg("CEILING", "ECMA.CEILING", "number, number")
def CEILING(v: float, s: float) -> Any:
    """CEILING(number, significance): up to a multiple of significance; a negative number
    with a negative significance rounds away from zero. ECMA.CEILING is the same function
    (Microsoft has no page for it; its described remarks are CEILING's: a negative number with
    a positive significance rounds toward zero, -2.5 and 2 give -2)."""
    if v == 0 or s == 0:
        return 0.0
    if v > 0 and s < 0:
        return ERR.NUM
    if s < 0:
        return sig15(-_mult_round(-v / -s, True) * -s)
    return sig15(_mult_round(v / s, True) * s)


@reg("FLOOR", "number, number")
def FLOOR(v: float, s: float) -> Any:
    """FLOOR(number, significance): down to a multiple; a negative number with a negative
    significance rounds toward zero."""
    if v == 0:
        return 0.0
    if s == 0:
        return ERR.DIV0
    if v > 0 and s < 0:
        return ERR.NUM
    if s < 0:
        return sig15(-_mult_round(-v / -s, False) * -s)
    return sig15(_mult_round(v / s, False) * s)


@reg("CEILING.MATH", "number, number=1.0, number=0")
def CEILING_MATH(v: float, s: float, mode: float) -> Any:
    if s == 0 or v == 0:
        return 0.0
    s = abs(s)
    if v < 0 and mode != 0:
        return sig15(-_mult_round(-v / s, True) * s)
    return sig15(_mult_round(v / s, True) * s)


@reg("CEILING.PRECISE", "ISO.CEILING", "number, number=1.0")
def CEILING_PRECISE(v: float, s: float) -> Any:
    if s == 0 or v == 0:
        return 0.0
    s = abs(s)
    return sig15(_mult_round(v / s, True) * s)


@reg("FLOOR.MATH", "number, number=1.0, number=0")
def FLOOR_MATH(v: float, s: float, mode: float) -> Any:
    if s == 0 or v == 0:
        return 0.0
    s = abs(s)
    if v < 0 and mode != 0:
        return sig15(-_mult_round(-v / s, False) * s)
    return sig15(_mult_round(v / s, False) * s)


@reg("FLOOR.PRECISE", "number, number=1.0")
def FLOOR_PRECISE(v: float, s: float) -> Any:
    if s == 0 or v == 0:
        return 0.0
    s = abs(s)
    return sig15(_mult_round(v / s, False) * s)


@reg("MROUND", "number, number", atp=True)
def MROUND(v: float, k: float) -> Any:
    if k == 0 or v == 0:
        return 0.0
    if (v > 0 > k) or (v < 0 < k):
        return ERR.NUM
    return sig15(excel_round(v / k, 0) * k)


@reg("EVEN", "number")
def EVEN(v: float) -> Any:
    m = math.ceil(abs(v) / 2 - 1e-15) * 2
    return float(m if v >= 0 else -m)


@reg("ODD", "number")
def ODD(v: float) -> Any:
    a = abs(v)
    m = math.ceil(a)
    if m % 2 == 0:
        m += 1
    return float(m if v >= 0 else -m)


@reg("QUOTIENT", "number, number", atp=True)
def QUOTIENT(a: float, b: float) -> Any:
    if b == 0:
        return ERR.DIV0
    return float(math.trunc(a / b))


@reg("FACT", "number")
def FACT(v: float) -> Any:
    if v < 0:
        return ERR.NUM
    n = math.trunc(v)
    if n > 170:
        return ERR.NUM
    return float(math.factorial(n))


@reg("FACTDOUBLE", "number", atp=True)
def FACTDOUBLE(v: float) -> Any:
    n = math.trunc(v)
    if v < -1:  # before truncation: -1.1 is #NUM!, -1 is 1 (MATH & TRIG!T31, V31 of the corpus)
        return ERR.NUM
    if n > 300:
        return ERR.NUM
    p = 1
    while n > 1:
        p *= n
        n -= 2
    return float(p)


@reg("COMBIN", "number, number")
def COMBIN(n: float, k: float) -> Any:
    a, b = math.trunc(n), math.trunc(k)
    if a < 0 or b < 0 or a < b:
        return ERR.NUM
    return float(math.comb(a, b))


@reg("COMBINA", "number, number")
def COMBINA(n: float, k: float) -> Any:
    a, b = math.trunc(n), math.trunc(k)
    if a < 0 or b < 0 or a < b and a == 0 and b > 0:
        return ERR.NUM
    if a == 0 and b == 0:
        return 1.0
    return float(math.comb(a + b - 1, b))


@reg("MULTINOMIAL", "ref+")
def MULTINOMIAL(*args: Any) -> Any:
    vals = [math.trunc(v) for v in _numbers(args)]
    if any(v < 0 for v in vals):
        return ERR.NUM
    p = math.factorial(sum(vals))
    for v in vals:
        p //= math.factorial(v)
    return float(p)


def _gcd_args(args: tuple[Any, ...]) -> list[int]:
    """GCD/LCM's arguments as whole numbers: a blank, text or logical (in a range or typed) is
    #VALUE!, numeric text typed in is read; errors propagate; a negative or huge number is
    #NUM! once every argument has been checked (GCD(-0.4,TRUE) is #VALUE!: MATH & TRIG!W34:Y34
    and AR34 of vinci1it2000+formulas/test.xlsx)."""
    out: list[int] = []
    bad = False
    for a in args:
        ranged = type(a) is Rng or type(a) is list
        for v in (flat_values(a) if ranged else [a]):
            t = type(v)
            if t is ExcelError:
                raise XErr(v)
            if t is str and not ranged:
                v = text_to_num(v)
                t = type(v)
                if t is ExcelError:
                    raise XErr(ERR.VALUE)
            if t is not float and t is not int:
                raise XErr(ERR.VALUE)
            if v < 0 or v >= 2**53:
                bad = True
            else:
                out.append(math.trunc(v))
    if bad:
        raise XErr(ERR.NUM)
    return out


@reg("GCD", "ref+")
def GCD(*args: Any) -> Any:
    g = 0
    for v in _gcd_args(args):
        g = math.gcd(g, v)
    return float(g)


@reg("LCM", "ref+")
def LCM(*args: Any) -> Any:
    m = 1
    for v in _gcd_args(args):
        if v == 0:
            return 0.0
        m = m * v // math.gcd(m, v)
    return float(m)


@reg("SERIESSUM", "number, number, number, ref", atp=True)
def SERIESSUM(x: float, n: float, m: float, coeffs: Any) -> Any:
    total = 0.0
    for i, a in enumerate(flat(coeffs)):
        if type(a) is ExcelError:
            return a
        if type(a) not in (float, int):
            return ERR.VALUE
        total += a * x ** (n + i * m)
    return total


# ---------------------------------------------------------------- random (volatile)


@reg("RAND", "", volatile=True)
def RAND() -> Any:
    return random.random()


@reg("RANDBETWEEN", "number, number", volatile=True, atp=True)
def RANDBETWEEN(lo: float, hi: float) -> Any:
    a, b = math.ceil(lo), math.floor(hi)
    if a > b:
        return ERR.NUM
    return float(random.randint(a, b))


# ---------------------------------------------------------------- trigonometry


def _trig_arg(x: float) -> float:
    if abs(x) >= 2**27:
        raise XErr(ERR.NUM)
    return x


@reg("SIN", "number")
def SIN(x: float) -> Any:
    return math.sin(_trig_arg(x))


@reg("COS", "number")
def COS(x: float) -> Any:
    return math.cos(_trig_arg(x))


@reg("TAN", "number")
def TAN(x: float) -> Any:
    return math.tan(_trig_arg(x))


@reg("ASIN", "number")
def ASIN(x: float) -> Any:
    return math.asin(x)


@reg("ACOS", "number")
def ACOS(x: float) -> Any:
    return math.acos(x)


@reg("ATAN", "number")
def ATAN(x: float) -> Any:
    return math.atan(x)


@reg("ATAN2", "number, number")
def ATAN2(x: float, y: float) -> Any:
    if x == 0 and y == 0:
        return ERR.DIV0
    return math.atan2(y, x)


@reg("SINH", "number")
def SINH(x: float) -> Any:
    return math.sinh(x)


@reg("COSH", "number")
def COSH(x: float) -> Any:
    return math.cosh(x)


@reg("TANH", "number")
def TANH(x: float) -> Any:
    return math.tanh(x)


@reg("ASINH", "number")
def ASINH(x: float) -> Any:
    return math.asinh(x)


@reg("ACOSH", "number")
def ACOSH(x: float) -> Any:
    return math.acosh(x)


@reg("ATANH", "number")
def ATANH(x: float) -> Any:
    return math.atanh(x)


@reg("COT", "number")
def COT(x: float) -> Any:
    t = math.tan(_trig_arg(x))
    return ERR.DIV0 if t == 0 else 1 / t


@reg("COTH", "number")
def COTH(x: float) -> Any:
    return ERR.DIV0 if x == 0 else 1 / math.tanh(x)


@reg("CSC", "number")
def CSC(x: float) -> Any:
    s = math.sin(_trig_arg(x))
    return ERR.DIV0 if s == 0 else 1 / s


@reg("CSCH", "number")
def CSCH(x: float) -> Any:
    return ERR.DIV0 if x == 0 else 1 / math.sinh(x)


@reg("SEC", "number")
def SEC(x: float) -> Any:
    return 1 / math.cos(_trig_arg(x))


@reg("SECH", "number")
def SECH(x: float) -> Any:
    return 1 / math.cosh(x)


@reg("ACOT", "number")
def ACOT(x: float) -> Any:
    return math.pi / 2 - math.atan(x)


@reg("ACOTH", "number")
def ACOTH(x: float) -> Any:
    if abs(x) <= 1:
        return ERR.NUM
    return 0.5 * math.log((x + 1) / (x - 1))


@reg("DEGREES", "number")
def DEGREES(x: float) -> Any:
    return math.degrees(x)


@reg("RADIANS", "number")
def RADIANS(x: float) -> Any:
    return math.radians(x)


# ---------------------------------------------------------------- conditional sums


def crit_mask(pairs: tuple[Any, ...]) -> tuple[list[bool], tuple[int, int]]:
    """The cells meeting every (range, criterion) pair, and the ranges' shape."""
    if len(pairs) % 2 or not pairs:
        raise XErr(ERR.VALUE)
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
            raise XErr(ERR.VALUE)
        pred = parse_criteria(crit)
        vals = flat_values(rng)
        if mask is None:
            mask = [pred(v) for v in vals]
        else:
            mask = [m and pred(v) for m, v in zip(mask, vals)]
    assert mask is not None and shape is not None
    return mask, shape


def resized(target: Any, shape: tuple[int, int]) -> list[Any]:
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


def if_values(target: Any, pairs: tuple[Any, ...]) -> list[float]:
    """The numbers of ``target`` where every criterion holds (errors there propagate)."""
    mask, shape = crit_mask(pairs)
    out: list[float] = []
    for m, v in zip(mask, resized(target, shape)):
        if m:
            tv = type(v)
            if tv is float or tv is int:
                out.append(v)
            elif tv is ExcelError:
                raise XErr(v)
    return out


@reg("SUMIF", "ref, any, ref=-")
def SUMIF(rng: Any, crit: Any, sum_range: Any = None) -> Any:
    return float(sum(if_values(rng if sum_range is None else sum_range, (rng, crit))))


@reg("SUMIFS", "ref, ref+, any+")
def SUMIFS(sum_range: Any, *pairs: Any) -> Any:
    return float(sum(if_values(sum_range, pairs)))


# ---------------------------------------------------------------- SUBTOTAL, AGGREGATE


def _without_subtotals(env: Any, args: tuple[Any, ...]) -> tuple[Any, ...]:
    """References with the cells holding SUBTOTAL/AGGREGATE formulas blanked out (so
    nested subtotals are not counted twice)."""
    out: list[Any] = []
    for a in args:
        if (
            type(a) is Rng and env is not None and env.book is not None
            and a.s < len(env.book.sheets)  # not a linked workbook's cached cells
        ):
            sh = env.book.sheets[a.s]
            fs = sh.formulas
            rows = a.rows()
            hit = False
            for i, row in enumerate(rows):
                for j in range(len(row)):
                    fc = fs.get((a.r1 + i, a.c1 + j))
                    if fc is not None:
                        up = fc.text.upper()
                        if "SUBTOTAL(" in up or "AGGREGATE(" in up:
                            row[j] = None
                            hit = True
            out.append(rows if hit else a)
        else:
            out.append(a)
    return tuple(out)


def _stat(name: str) -> Any:
    from xlfuncs.recalc.functions._registry import REGISTRY

    return REGISTRY[name].call


_SUBTOTAL = {
    1: "AVERAGE", 2: "COUNT", 3: "COUNTA", 4: "MAX", 5: "MIN", 6: "PRODUCT", 7: "STDEV.S",
    8: "STDEV.P", 9: "SUM", 10: "VAR.S", 11: "VAR.P",
}


@reg("SUBTOTAL", "integer, ref+", env=True,
     note="function numbers 101-111 count hidden rows too (row visibility is not read)")
def SUBTOTAL(env: Any, sheet: int, row: int, col: int, k: int, *refs: Any) -> Any:
    name = _SUBTOTAL.get(k if k < 100 else k - 100)
    if name is None:
        return ERR.VALUE
    return _stat(name)(*_without_subtotals(env, refs))


_AGGREGATE = {
    1: "AVERAGE", 2: "COUNT", 3: "COUNTA", 4: "MAX", 5: "MIN", 6: "PRODUCT", 7: "STDEV.S",
    8: "STDEV.P", 9: "SUM", 10: "VAR.S", 11: "VAR.P", 12: "MEDIAN", 13: "MODE.SNGL",
    14: "LARGE", 15: "SMALL", 16: "PERCENTILE.INC", 17: "QUARTILE.INC", 18: "PERCENTILE.EXC",
    19: "QUARTILE.EXC",
}


@reg("AGGREGATE", "integer, integer, ref, ref*", env=True,
     note="hidden rows are not known: options that ignore them act as the ones that do not")
def AGGREGATE(env: Any, sheet: int, row: int, col: int, k: int, opt: int, *refs: Any) -> Any:
    name = _AGGREGATE.get(k)
    if name is None or not 0 <= opt <= 7:
        return ERR.VALUE
    args = refs
    if opt in (0, 1, 2, 3):
        args = _without_subtotals(env, args)
    if k >= 14:
        if len(args) < 2:
            return ERR.VALUE
        data, kk = args[0], args[1]
        if opt in (2, 3, 6, 7):
            data = [[v for v in flat(data) if type(v) is not ExcelError]] or [[None]]
        return _stat(name)(data, kk)
    if opt in (2, 3, 6, 7):
        args = tuple(
            [[v for v in flat(a) if type(v) is not ExcelError] or [None]]
            if _is_arr(a) else a
            for a in args
        )
    return _stat(name)(*args)


# ---------------------------------------------------------------- matrices


@reg("MMULT", "ref, ref", array=True)
def MMULT(a: Any, b: Any) -> Any:
    A = num_array(a)
    Bm = num_array(b)
    if len(A[0]) != len(Bm):
        return ERR.VALUE
    return [[sum(x * Bm[k][j] for k, x in enumerate(row)) for j in range(len(Bm[0]))] for row in A]


def _lu(A: list[list[float]]) -> tuple[list[list[float]], float]:
    n = len(A)
    M = [row[:] for row in A]
    det = 1.0
    for i in range(n):
        p = max(range(i, n), key=lambda r: abs(M[r][i]))
        if M[p][i] == 0:
            return M, 0.0
        if p != i:
            M[i], M[p] = M[p], M[i]
            det = -det
        det *= M[i][i]
        for r in range(i + 1, n):
            f = M[r][i] / M[i][i]
            for c in range(i, n):
                M[r][c] -= f * M[i][c]
    return M, det


@reg("MDETERM", "ref")
def MDETERM(a: Any) -> Any:
    A = num_array(a)
    if len(A) != len(A[0]):
        return ERR.VALUE
    return _lu(A)[1]


@reg("MINVERSE", "ref", array=True)
def MINVERSE(a: Any) -> Any:
    A = num_array(a)
    n = len(A)
    if n != len(A[0]):
        return ERR.VALUE
    M = [row[:] + [1.0 if i == j else 0.0 for j in range(n)] for i, row in enumerate(A)]
    for i in range(n):
        p = max(range(i, n), key=lambda r: abs(M[r][i]))
        if abs(M[p][i]) < 1e-300:
            return ERR.NUM
        M[i], M[p] = M[p], M[i]
        piv = M[i][i]
        M[i] = [v / piv for v in M[i]]
        for r in range(n):
            if r != i and M[r][i] != 0:
                f = M[r][i]
                M[r] = [v - f * w for v, w in zip(M[r], M[i])]
    return [row[n:] for row in M]


@reg("MUNIT", "integer", array=True)
def MUNIT(n: int) -> Any:
    if n < 1:
        return ERR.VALUE
    return [[1.0 if i == j else 0.0 for j in range(n)] for i in range(n)]


# ---------------------------------------------------------------- numbers as text

_ROMAN = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
          (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
# the concise forms 1-4 of ROMAN allow these extra subtractive pairs
_ROMAN_FORMS = [
    [],
    [(950, "LM"), (450, "LD"), (95, "VC"), (45, "VL")],
    [(990, "XM"), (950, "LM"), (490, "XD"), (450, "LD"), (99, "IC"), (95, "VC"), (49, "IL"),
     (45, "VL")],
    [(995, "VM"), (990, "XM"), (950, "LM"), (495, "VD"), (490, "XD"), (450, "LD"), (99, "IC"),
     (95, "VC"), (49, "IL"), (45, "VL")],
    [(999, "IM"), (995, "VM"), (990, "XM"), (950, "LM"), (499, "ID"), (495, "VD"), (490, "XD"),
     (450, "LD"), (99, "IC"), (95, "VC"), (49, "IL"), (45, "VL")],
]


@reg("ROMAN", "number, scalar=0")
def ROMAN(v: float, form: Any) -> Any:
    if form is True:
        f = 0
    elif form is False:
        f = 4
    elif form is None:
        f = 0
    else:
        from xlfuncs.recalc.functions._helpers import integer

        f = integer(form)
    n = math.trunc(v)
    if n < 0 or n > 3999 or not 0 <= f <= 4:
        return ERR.VALUE
    table = sorted(_ROMAN + _ROMAN_FORMS[f], key=lambda t: -t[0])
    out = []
    for val, sym in table:
        while n >= val:
            out.append(sym)
            n -= val
    return "".join(out)


_ARABIC = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


@reg("ARABIC", "text")
def ARABIC(s: str) -> Any:
    t = s.strip().upper()
    sign = 1
    if t.startswith("-"):
        sign, t = -1, t[1:]
    if len(t) > 255:
        return ERR.VALUE
    total = 0
    prev = 0
    for ch in reversed(t):
        v = _ARABIC.get(ch)
        if v is None:
            return ERR.VALUE
        if v < prev:
            total -= v
        else:
            total += v
            prev = v
    return float(sign * total)


_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@reg("BASE", "number, number, number=0")
def BASE(v: float, radix: float, min_len: float) -> Any:
    n, b, m = math.trunc(v), math.trunc(radix), math.trunc(min_len)
    if n < 0 or n >= 2**53 or not 2 <= b <= 36 or m < 0 or m > 255:
        return ERR.NUM
    out = ""
    while n:
        n, d = divmod(n, b)
        out = _DIGITS[d] + out
    return (out or "0").rjust(m, "0")


@reg("DECIMAL", "text, number")
def DECIMAL(s: str, radix: float) -> Any:
    b = math.trunc(radix)
    if not 2 <= b <= 36:
        return ERR.NUM
    t = s.strip().upper()
    if b == 16 and t.startswith("0X"):
        t = t[2:]
    if len(t) > 255:
        return ERR.VALUE
    try:
        return float(int(t, b)) if t else 0.0
    except ValueError:
        return ERR.NUM


@reg("PERCENTOF", "ref, ref")
def PERCENTOF(part: Any, whole: Any) -> Any:
    """PERCENTOF(data_subset, data_all): SUM(subset) / SUM(all)."""
    try:
        a = SUM.__wrapped__(part)  # type: ignore[attr-defined]
        b = SUM.__wrapped__(whole)  # type: ignore[attr-defined]
    except XErr:
        return ERR.NUM
    if type(a) is ExcelError or type(b) is ExcelError:
        # an error in either range is #NUM!, whichever it is (MATH & TRIG!W49:AF49 of
        # vinci1it2000+formulas/test.xlsx)
        return ERR.NUM
    if b == 0:
        return ERR.DIV0
    return a / b
