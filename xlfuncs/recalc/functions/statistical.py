"""Statistical functions: averages, counts, extremes, order statistics, spread, regression
and the common distributions.

In references and arrays only numbers count (text, logicals and blanks are skipped); typed-in
arguments are coerced; errors propagate (see :func:`~._helpers._numbers`). The ``...A``
variants count text as 0 and logicals as 0/1 in references.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

from xlfuncs.errors import ExcelError
from xlfuncs.recalc.functions._helpers import _numbers, flat, numbers, numbers_a, sample_error
from xlfuncs.recalc.functions._registry import XErr, registrar
from xlfuncs.recalc.functions.math import crit_mask, if_values
from xlfuncs.recalc.values import Areas, Rng, flat_values, text_to_num

ERR = ExcelError
reg = registrar("statistical")


# ---------------------------------------------------------------- counts and averages


@reg("COUNT", "ref+")
def COUNT(*args: Any) -> Any:
    n = 0
    for a in args:
        if type(a) is Rng or type(a) is list or type(a) is Areas:
            for v in flat_values(a):
                if type(v) is float or type(v) is int:
                    n += 1
        elif type(a) is float or type(a) is int or type(a) is bool:
            n += 1
        elif type(a) is str and type(text_to_num(a)) is not ExcelError:
            n += 1
    return float(n)


@reg("COUNTA", "ref+")
def COUNTA(*args: Any) -> Any:
    n = 0
    for a in args:
        if type(a) is Rng or type(a) is list or type(a) is Areas:
            n += sum(1 for v in flat_values(a) if v is not None)
        elif a is not None:
            n += 1
    return float(n)


@reg("COUNTBLANK", "ref")
def COUNTBLANK(rng: Any) -> Any:
    if type(rng) is not Rng:
        return ERR.VALUE
    return float(sum(1 for v in flat_values(rng) if v is None or v == ""))


@reg("AVERAGE", "ref+")
def AVERAGE(*args: Any) -> Any:
    total = 0.0
    n = 0
    for v in _numbers(args):
        total += v
        n += 1
    if n == 0:
        return ERR.DIV0
    return total / n


@reg("AVERAGEA", "ref+")
def AVERAGEA(*args: Any) -> Any:
    vals = numbers_a(args)
    if not vals:
        return ERR.DIV0
    return sum(vals) / len(vals)


@reg("MIN", "ref+")
def MIN(*args: Any) -> Any:
    vals = list(_numbers(args))
    return float(min(vals)) if vals else 0.0


@reg("MAX", "ref+")
def MAX(*args: Any) -> Any:
    vals = list(_numbers(args))
    return float(max(vals)) if vals else 0.0


@reg("MINA", "ref+")
def MINA(*args: Any) -> Any:
    vals = numbers_a(args)
    return float(min(vals)) if vals else 0.0


@reg("MAXA", "ref+")
def MAXA(*args: Any) -> Any:
    vals = numbers_a(args)
    return float(max(vals)) if vals else 0.0


@reg("COUNTIF", "ref, any")
def COUNTIF(rng: Any, crit: Any) -> Any:
    return float(sum(crit_mask((rng, crit))[0]))


@reg("COUNTIFS", "ref+, any+")
def COUNTIFS(*pairs: Any) -> Any:
    return float(sum(crit_mask(pairs)[0]))


@reg("AVERAGEIF", "ref, any, ref=-")
def AVERAGEIF(rng: Any, crit: Any, avg_range: Any = None) -> Any:
    vals = if_values(rng if avg_range is None else avg_range, (rng, crit))
    return sum(vals) / len(vals) if vals else ERR.DIV0


@reg("AVERAGEIFS", "ref, ref+, any+")
def AVERAGEIFS(avg_range: Any, *pairs: Any) -> Any:
    vals = if_values(avg_range, pairs)
    return sum(vals) / len(vals) if vals else ERR.DIV0


@reg("MINIFS", "ref, ref+, any+")
def MINIFS(rng: Any, *pairs: Any) -> Any:
    vals = if_values(rng, pairs)
    return float(min(vals)) if vals else 0.0


@reg("MAXIFS", "ref, ref+, any+")
def MAXIFS(rng: Any, *pairs: Any) -> Any:
    vals = if_values(rng, pairs)
    return float(max(vals)) if vals else 0.0


# ---------------------------------------------------------------- order statistics


@reg("MEDIAN", "ref+")
def MEDIAN(*args: Any) -> Any:
    vals = sorted(_numbers(args))
    n = len(vals)
    if n == 0:
        return ERR.NUM
    mid = n // 2
    return float(vals[mid]) if n % 2 else (vals[mid - 1] + vals[mid]) / 2.0


@reg("MODE", "MODE.SNGL", "ref+")
def MODE(*args: Any) -> Any:
    # MODE.MULT's first value: typed text skipped, an empty argument #VALUE! (STATISTICAL!S71, T71)
    modes = _modes(args)
    return modes[0] if isinstance(modes, list) else modes


@reg("MODE.MULT", "ref+", array=True)
def MODE_MULT(*args: Any) -> Any:
    # text typed as an argument is skipped, an empty argument is #VALUE! (STATISTICAL!S69,
    # T69, AG69 of vinci1it2000+formulas/test.xlsx)
    modes = _modes(args)
    return [[v] for v in modes] if isinstance(modes, list) else modes


def _modes(args: tuple[Any, ...]) -> list[float] | ExcelError:
    """The values reaching the highest count (at least 2), each once, in order of first
    appearance; ``#VALUE!`` for an empty argument, ``#N/A`` when no value repeats."""
    if any(a is None for a in args):
        return ERR.VALUE
    vals = numbers(args, direct_text=False)
    counts: dict[float, int] = {}
    for v in vals:
        counts[v] = counts.get(v, 0) + 1
    best = max(counts.values(), default=0)
    if best < 2:
        return ERR.NA
    out: list[float] = []
    seen: set[float] = set()
    for v in vals:
        if counts[v] == best and v not in seen:
            seen.add(v)
            out.append(float(v))
    return out


def _sorted_data(arr: Any) -> list[float]:
    return sorted(_numbers((arr,), direct_text=False))


@reg("LARGE", "ref, number")
def LARGE(arr: Any, k: float) -> Any:
    vals = sorted(_numbers((arr,), direct_text=False), reverse=True)
    i = int(math.ceil(k))
    # k below 1 is #NUM! before rounding up (LARGE(...,0.9): STATISTICAL!AG57 of
    # vinci1it2000+formulas/test.xlsx); 2.2 is the 3rd (AK57)
    if k < 1 or i > len(vals):
        return ERR.NUM
    return float(vals[i - 1])


@reg("SMALL", "ref, number")
def SMALL(arr: Any, k: float) -> Any:
    vals = _sorted_data(arr)
    # k below 1 is #NUM! (STATISTICAL!AG95 of vinci1it2000+formulas/test.xlsx); a fraction
    # is cut down here (SMALL(...,2.2) is the 2nd: AK95), where LARGE rounds up
    i = math.trunc(k)
    if k < 1 or i > len(vals):
        return ERR.NUM
    return float(vals[i - 1])


def _pct_inc(vals: list[float], p: float) -> Any:
    n = len(vals)
    if n == 0 or p < 0 or p > 1:
        return ERR.NUM
    h = (n - 1) * p
    lo = math.floor(h)
    if lo + 1 >= n:
        return float(vals[-1])
    return vals[lo] + (h - lo) * (vals[lo + 1] - vals[lo])


def _pct_exc(vals: list[float], p: float) -> Any:
    n = len(vals)
    if n == 0 or p <= 0 or p >= 1:
        return ERR.NUM
    h = (n + 1) * p
    if h < 1 or h > n:
        return ERR.NUM
    lo = math.floor(h)
    if lo >= n:
        return float(vals[-1])
    return vals[lo - 1] + (h - lo) * (vals[lo] - vals[lo - 1])


@reg("PERCENTILE", "PERCENTILE.INC", "ref, number")
def PERCENTILE(arr: Any, p: float) -> Any:
    return _pct_inc(_sorted_data(arr), p)


@reg("PERCENTILE.EXC", "ref, number")
def PERCENTILE_EXC(arr: Any, p: float) -> Any:
    return _pct_exc(_sorted_data(arr), p)


@reg("QUARTILE", "QUARTILE.INC", "ref, number")
def QUARTILE(arr: Any, q: float) -> Any:
    data = _sorted_data(arr)  # an error in the data comes first (COMPATIBILITY!AF32)
    k = math.trunc(q)
    # a quart below 0 is #NUM! before it is cut down (QUARTILE(...,-0.1): COMPATIBILITY!U32
    # of vinci1it2000+formulas/test.xlsx)
    if q < 0 or k > 4:
        return ERR.NUM
    return _pct_inc(data, k / 4)


@reg("QUARTILE.EXC", "ref, number")
def QUARTILE_EXC(arr: Any, q: float) -> Any:
    data = _sorted_data(arr)  # an error in the data comes first (STATISTICAL!AF87)
    k = math.trunc(q)
    if k <= 0 or k >= 4:
        return ERR.NUM
    return _pct_exc(data, k / 4)


def _percentrank(arr: Any, x: float, digits: float, exc: bool) -> Any:
    vals = _sorted_data(arr)
    sig = math.trunc(digits)
    n = len(vals)
    if n == 0 or sig < 1:
        return ERR.NUM
    if x < vals[0] or x > vals[-1]:
        return ERR.NA
    below = sum(1 for v in vals if v < x)
    if x in vals:
        r = (below + 1) / (n + 1) if exc else (below / (n - 1) if n > 1 else 1.0)
    else:
        # interpolate between the neighbours
        lo = max(v for v in vals if v < x)
        hi = min(v for v in vals if v > x)
        i = below - 1
        if exc:
            r0, r1 = (i + 1) / (n + 1), (i + 2) / (n + 1)
        else:
            r0, r1 = i / (n - 1), (i + 1) / (n - 1)
        r = r0 + (x - lo) / (hi - lo) * (r1 - r0)
    f = 10 ** sig
    return math.floor(r * f + 1e-9) / f


@reg("PERCENTRANK", "PERCENTRANK.INC", "ref, number, number=3")
def PERCENTRANK(arr: Any, x: float, digits: float) -> Any:
    return _percentrank(arr, x, digits, False)


@reg("PERCENTRANK.EXC", "ref, number, number=3")
def PERCENTRANK_EXC(arr: Any, x: float, digits: float) -> Any:
    return _percentrank(arr, x, digits, True)


def _rank(x: float, ref: Any, order: float, avg: bool) -> Any:
    if type(ref) is not Rng and type(ref) is not list:
        return ERR.VALUE
    vals = [v for v in flat(ref) if type(v) in (float, int)]
    if x not in vals:
        return ERR.NA
    if order:
        better = sum(1 for v in vals if v < x)
    else:
        better = sum(1 for v in vals if v > x)
    if avg:
        same = sum(1 for v in vals if v == x)
        return better + (same + 1) / 2
    return float(better + 1)


@reg("RANK", "RANK.EQ", "number, ref, number=0")
def RANK(x: float, ref: Any, order: float) -> Any:
    return _rank(x, ref, order, False)


@reg("RANK.AVG", "number, ref, number=0")
def RANK_AVG(x: float, ref: Any, order: float) -> Any:
    return _rank(x, ref, order, True)


# ---------------------------------------------------------------- spread


def _var(vals: list[float], sample: bool) -> Any:
    n = len(vals)
    if n < (2 if sample else 1):
        return ERR.DIV0
    m = math.fsum(vals) / n
    return math.fsum((v - m) ** 2 for v in vals) / (n - 1 if sample else n)


def _sqrt(v: Any) -> Any:
    return v if type(v) is ExcelError else math.sqrt(v)


@reg("STDEV", "STDEV.S", "ref+")
def STDEV(*args: Any) -> Any:
    return _sqrt(_var(numbers(args), True))


@reg("STDEVP", "STDEV.P", "ref+")
def STDEVP(*args: Any) -> Any:
    return _sqrt(_var(numbers(args), False))


@reg("STDEVA", "ref+")
def STDEVA(*args: Any) -> Any:
    return _sqrt(_var(numbers_a(args), True))


@reg("STDEVPA", "ref+")
def STDEVPA(*args: Any) -> Any:
    return _sqrt(_var(numbers_a(args), False))


@reg("VAR", "VAR.S", "ref+")
def VAR(*args: Any) -> Any:
    return _var(numbers(args), True)


@reg("VARP", "VAR.P", "ref+")
def VARP(*args: Any) -> Any:
    return _var(numbers(args), False)


@reg("VARA", "ref+")
def VARA(*args: Any) -> Any:
    return _var(numbers_a(args), True)


@reg("VARPA", "ref+")
def VARPA(*args: Any) -> Any:
    return _var(numbers_a(args), False)


@reg("AVEDEV", "ref+")
def AVEDEV(*args: Any) -> Any:
    vals = numbers(args)
    if not vals:
        return ERR.NUM
    m = sum(vals) / len(vals)
    return sum(abs(v - m) for v in vals) / len(vals)


@reg("DEVSQ", "ref+")
def DEVSQ(*args: Any) -> Any:
    vals = numbers(args)
    if not vals:
        return ERR.NUM
    m = sum(vals) / len(vals)
    return math.fsum((v - m) ** 2 for v in vals)


@reg("GEOMEAN", "ref+")
def GEOMEAN(*args: Any) -> Any:
    vals = numbers(args)
    if not vals or any(v <= 0 for v in vals):
        return ERR.NUM
    return math.exp(math.fsum(math.log(v) for v in vals) / len(vals))


@reg("HARMEAN", "ref+")
def HARMEAN(*args: Any) -> Any:
    vals = numbers(args)
    if not vals or any(v <= 0 for v in vals):
        return ERR.NUM
    return len(vals) / math.fsum(1 / v for v in vals)


@reg("KURT", "ref+")
def KURT(*args: Any) -> Any:
    vals = numbers(args)
    n = len(vals)
    if n < 4:
        return ERR.DIV0
    m = sum(vals) / n
    s = math.sqrt(math.fsum((v - m) ** 2 for v in vals) / (n - 1))
    if s == 0:
        return ERR.DIV0
    k = math.fsum(((v - m) / s) ** 4 for v in vals)
    return n * (n + 1) / ((n - 1) * (n - 2) * (n - 3)) * k - 3 * (n - 1) ** 2 / ((n - 2) * (n - 3))


@reg("SKEW", "ref+")
def SKEW(*args: Any) -> Any:
    vals = numbers(args)
    n = len(vals)
    if n < 3:
        return ERR.DIV0
    m = sum(vals) / n
    s = math.sqrt(math.fsum((v - m) ** 2 for v in vals) / (n - 1))
    if s == 0:
        return ERR.DIV0
    return n / ((n - 1) * (n - 2)) * math.fsum(((v - m) / s) ** 3 for v in vals)


@reg("SKEW.P", "ref+")
def SKEW_P(*args: Any) -> Any:
    vals = numbers(args)
    n = len(vals)
    if n < 1:
        return ERR.DIV0
    m = sum(vals) / n
    s = math.sqrt(math.fsum((v - m) ** 2 for v in vals) / n)
    if s == 0:
        return ERR.DIV0
    return math.fsum(((v - m) / s) ** 3 for v in vals) / n


@reg("TRIMMEAN", "ref, number")
def TRIMMEAN(arr: Any, p: float) -> Any:
    vals = _sorted_data(arr)
    if p < 0 or p >= 1 or not vals:
        return ERR.NUM
    k = math.floor(len(vals) * p / 2)
    kept = vals[k: len(vals) - k]
    return sum(kept) / len(kept)


@reg("STANDARDIZE", "number, number, number")
def STANDARDIZE(x: float, m: float, s: float) -> Any:
    if s <= 0:
        return ERR.NUM
    return (x - m) / s


# ---------------------------------------------------------------- two variables


def _xy(ys: Any, xs: Any) -> tuple[list[float], list[float]]:
    a, b = flat(ys), flat(xs)
    if len(a) != len(b):
        raise XErr(ERR.NA)
    e = sample_error(a, b, paired=True)
    if e is not None:
        raise XErr(e)
    yy: list[float] = []
    xx: list[float] = []
    for y, x in zip(a, b):
        if type(y) in (float, int) and type(x) in (float, int):
            yy.append(float(y))
            xx.append(float(x))
    return yy, xx


def _moments(ys: Any, xs: Any) -> tuple[int, float, float, float, float, float]:
    yy, xx = _xy(ys, xs)
    n = len(yy)
    if n == 0:
        raise XErr(ERR.DIV0)
    my = math.fsum(yy) / n
    mx = math.fsum(xx) / n
    sxy = math.fsum((x - mx) * (y - my) for x, y in zip(xx, yy))
    sxx = math.fsum((x - mx) ** 2 for x in xx)
    syy = math.fsum((y - my) ** 2 for y in yy)
    return n, mx, my, sxx, syy, sxy


@reg("SLOPE", "ref, ref")
def SLOPE(ys: Any, xs: Any) -> Any:
    n, mx, my, sxx, syy, sxy = _moments(ys, xs)
    if sxx == 0:
        return ERR.DIV0
    return sxy / sxx


@reg("INTERCEPT", "ref, ref")
def INTERCEPT(ys: Any, xs: Any) -> Any:
    n, mx, my, sxx, syy, sxy = _moments(ys, xs)
    if sxx == 0:
        return ERR.DIV0
    return my - sxy / sxx * mx


@reg("CORREL", "PEARSON", "ref, ref")
def CORREL(a: Any, b: Any) -> Any:
    n, mx, my, sxx, syy, sxy = _moments(a, b)
    if sxx == 0 or syy == 0:
        return ERR.DIV0
    return sxy / math.sqrt(sxx * syy)


@reg("RSQ", "ref, ref")
def RSQ(ys: Any, xs: Any) -> Any:
    r = CORREL(ys, xs)
    return r if type(r) is ExcelError else r * r


@reg("STEYX", "ref, ref")
def STEYX(ys: Any, xs: Any) -> Any:
    n, mx, my, sxx, syy, sxy = _moments(ys, xs)
    if n < 3 or sxx == 0:
        return ERR.DIV0
    return math.sqrt((syy - sxy * sxy / sxx) / (n - 2))


@reg("COVAR", "COVARIANCE.P", "ref, ref")
def COVAR(a: Any, b: Any) -> Any:
    n, mx, my, sxx, syy, sxy = _moments(a, b)
    return sxy / n


@reg("COVARIANCE.S", "ref, ref")
def COVARIANCE_S(a: Any, b: Any) -> Any:
    n, mx, my, sxx, syy, sxy = _moments(a, b)
    if n < 2:
        return ERR.DIV0
    return sxy / (n - 1)


@reg("FORECAST", "FORECAST.LINEAR", "number, ref, ref")
def FORECAST(x: float, ys: Any, xs: Any) -> Any:
    n, mx, my, sxx, syy, sxy = _moments(ys, xs)
    if sxx == 0:
        return ERR.DIV0
    b = sxy / sxx
    return my - b * mx + b * x


@reg("FISHER", "number")
def FISHER(x: float) -> Any:
    if x <= -1 or x >= 1:
        return ERR.NUM
    return 0.5 * math.log((1 + x) / (1 - x))


@reg("FISHERINV", "number")
def FISHERINV(y: float) -> Any:
    return math.tanh(y)


@reg("PERMUT", "number, number")
def PERMUT(n: float, k: float) -> Any:
    a, b = math.trunc(n), math.trunc(k)
    if a < 0 or b < 0 or a < b:
        return ERR.NUM
    return float(math.perm(a, b))


@reg("PERMUTATIONA", "number, number")
def PERMUTATIONA(n: float, k: float) -> Any:
    a, b = math.trunc(n), math.trunc(k)
    if a < 0 or b < 0:
        return ERR.NUM
    return float(a ** b)


# ---------------------------------------------------------------- distributions


def _norm_cdf(z: float) -> float:
    return 0.5 * math.erfc(-z / math.sqrt(2))


def _norm_pdf(z: float) -> float:
    return math.exp(-z * z / 2) / math.sqrt(2 * math.pi)


def _norm_ppf(p: float) -> float:
    """Inverse of the standard normal CDF (Acklam's rational start + Newton steps)."""
    if p <= 0 or p >= 1:
        raise XErr(ERR.NUM)
    a = [-3.969683028665376e01, 2.209460984245205e02, -2.759285104469687e02,
         1.383577518672690e02, -3.066479806614716e01, 2.506628277459239e00]
    b = [-5.447609879822406e01, 1.615858368580409e02, -1.556989798598866e02,
         6.680131188771972e01, -1.328068155288572e01]
    c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e00,
         -2.549732539343734e00, 4.374664141464968e00, 2.938163982698783e00]
    d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00,
         3.754408661907416e00]
    lo = 0.02425
    if p < lo:
        q = math.sqrt(-2 * math.log(p))
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / (
            (((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    elif p <= 1 - lo:
        q = p - 0.5
        r = q * q
        x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (
            ((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
    else:
        q = math.sqrt(-2 * math.log(1 - p))
        x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / (
            (((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    for _ in range(3):  # Newton refinement to full precision
        e = _norm_cdf(x) - p
        x -= e / _norm_pdf(x)
    return x


@reg("NORM.DIST", "NORMDIST", "number, number, number, bool")
def NORM_DIST(x: float, m: float, s: float, cum: bool) -> Any:
    if s <= 0:
        return ERR.NUM
    z = (x - m) / s
    return _norm_cdf(z) if cum else _norm_pdf(z) / s


@reg("NORM.S.DIST", "number, bool")
def NORM_S_DIST(z: float, cum: bool) -> Any:
    return _norm_cdf(z) if cum else _norm_pdf(z)


@reg("NORMSDIST", "number")
def NORMSDIST(z: float) -> Any:
    return _norm_cdf(z)


@reg("NORM.INV", "NORMINV", "number, number, number")
def NORM_INV(p: float, m: float, s: float) -> Any:
    if s <= 0:
        return ERR.NUM
    return m + s * _norm_ppf(p)


@reg("NORM.S.INV", "NORMSINV", "number")
def NORM_S_INV(p: float) -> Any:
    return _norm_ppf(p)


@reg("PHI", "number")
def PHI(x: float) -> Any:
    return _norm_pdf(x)


@reg("GAUSS", "number")
def GAUSS(x: float) -> Any:
    return _norm_cdf(x) - 0.5


@reg("EXPON.DIST", "EXPONDIST", "number, number, bool")
def EXPON_DIST(x: float, lam: float, cum: bool) -> Any:
    if x < 0 or lam <= 0:
        return ERR.NUM
    return 1 - math.exp(-lam * x) if cum else lam * math.exp(-lam * x)


@reg("POISSON.DIST", "POISSON", "number, number, bool")
def POISSON_DIST(x: float, m: float, cum: bool) -> Any:
    k = math.trunc(x)
    if k < 0 or m < 0:
        return ERR.NUM
    if cum:
        return math.fsum(math.exp(-m + i * math.log(m) - math.lgamma(i + 1)) if m > 0 else
                         (1.0 if i == 0 else 0.0) for i in range(k + 1))
    if m == 0:
        return 1.0 if k == 0 else 0.0
    return math.exp(-m + k * math.log(m) - math.lgamma(k + 1))


def _binom_pmf(k: int, n: int, p: float) -> float:
    if p == 0:
        return 1.0 if k == 0 else 0.0
    if p == 1:
        return 1.0 if k == n else 0.0
    return math.comb(n, k) * p ** k * (1 - p) ** (n - k)


@reg("BINOM.DIST", "BINOMDIST", "number, number, number, bool")
def BINOM_DIST(x: float, n: float, p: float, cum: bool) -> Any:
    k, nn = math.trunc(x), math.trunc(n)
    if k < 0 or k > nn or p < 0 or p > 1:
        return ERR.NUM
    if cum:
        return math.fsum(_binom_pmf(i, nn, p) for i in range(k + 1))
    return _binom_pmf(k, nn, p)


@reg("BINOM.DIST.RANGE", "number, number, number, number=-")
def BINOM_DIST_RANGE(n: float, p: float, s: float, s2: float | None = None) -> Any:
    nn, a = math.trunc(n), math.trunc(s)
    b = a if s2 is None else math.trunc(s2)
    if nn < 0 or p < 0 or p > 1 or a < 0 or a > nn or b < a or b > nn:
        return ERR.NUM
    return math.fsum(_binom_pmf(i, nn, p) for i in range(a, b + 1))


@reg("BINOM.INV", "CRITBINOM", "number, number, number")
def BINOM_INV(n: float, p: float, alpha: float) -> Any:
    nn = math.trunc(n)
    if nn < 0 or p < 0 or p > 1 or alpha <= 0 or alpha >= 1:
        return ERR.NUM
    total = 0.0
    for k in range(nn + 1):
        total += _binom_pmf(k, nn, p)
        if total >= alpha - 1e-15:
            return float(k)
    return float(nn)


@reg("NEGBINOM.DIST", "number, number, number, bool")
def NEGBINOM_DIST(x: float, r: float, p: float, cum: bool) -> Any:
    k, rr = math.trunc(x), math.trunc(r)
    # a success probability of 0 is #NUM! too (STATISTICAL!X72 of vinci1it2000+formulas/
    # test.xlsx, where the page names only p < 0 and p > 1)
    if k < 0 or rr < 1 or p <= 0 or p > 1:
        return ERR.NUM

    def pmf(i: int) -> float:
        return math.comb(i + rr - 1, rr - 1) * p ** rr * (1 - p) ** i

    return math.fsum(pmf(i) for i in range(k + 1)) if cum else pmf(k)


@reg("HYPGEOM.DIST", "number, number, number, number, bool")
def HYPGEOM_DIST(x: float, n: float, M: float, N: float, cum: bool) -> Any:
    k, nn, mm, NN = (math.trunc(v) for v in (x, n, M, N))
    # Excel: negative arguments or a sample/successes above the population are #NUM!; an
    # impossible count of successes has probability 0 (HYPGEOM.DIST(0,0,0,0,FALSE) is 1,
    # HYPGEOM.DIST(0,2,3,3,TRUE) is 0, HYPGEOM.DIST(5,3,2,30,TRUE) is 1: STATISTICAL!R54,
    # AG54, AI54 of vinci1it2000+formulas/test.xlsx)
    if k < 0 or nn < 0 or mm < 0 or NN < 0 or nn > NN or mm > NN:
        return ERR.NUM
    lo, hi = max(0, nn - NN + mm), min(nn, mm)

    def pmf(i: int) -> float:
        if not lo <= i <= hi:
            return 0.0
        return math.comb(mm, i) * math.comb(NN - mm, nn - i) / math.comb(NN, nn)

    return math.fsum(pmf(i) for i in range(lo, min(k, hi) + 1)) if cum else pmf(k)


@reg("NEGBINOMDIST", "number, number, number")
def NEGBINOMDIST(x: float, r: float, p: float) -> Any:
    """NEGBINOMDIST(number_f, number_s, probability_s): NEGBINOM.DIST's probability mass."""
    return NEGBINOM_DIST(x, r, p, False)


@reg("HYPGEOMDIST", "number, number, number, number")
def HYPGEOMDIST(x: float, n: float, M: float, N: float) -> Any:
    """HYPGEOMDIST(sample_s, number_sample, population_s, number_pop): HYPGEOM.DIST's
    probability mass."""
    return HYPGEOM_DIST(x, n, M, N, False)


@reg("WEIBULL.DIST", "WEIBULL", "number, number, number, bool")
def WEIBULL_DIST(x: float, a: float, b: float, cum: bool) -> Any:
    if x < 0 or a <= 0 or b <= 0:
        return ERR.NUM
    if cum:
        return 1 - math.exp(-((x / b) ** a))
    return a / b ** a * x ** (a - 1) * math.exp(-((x / b) ** a))


@reg("LOGNORM.DIST", "number, number, number, bool")
def LOGNORM_DIST(x: float, m: float, s: float, cum: bool) -> Any:
    if x <= 0 or s <= 0:
        return ERR.NUM
    z = (math.log(x) - m) / s
    return _norm_cdf(z) if cum else _norm_pdf(z) / (x * s)


@reg("LOGNORMDIST", "number, number, number")
def LOGNORMDIST(x: float, m: float, s: float) -> Any:
    return LOGNORM_DIST.__wrapped__(x, m, s, True)  # type: ignore[attr-defined]


@reg("LOGNORM.INV", "LOGINV", "number, number, number")
def LOGNORM_INV(p: float, m: float, s: float) -> Any:
    if s <= 0:
        return ERR.NUM
    return math.exp(m + s * _norm_ppf(p))


@reg("CONFIDENCE.NORM", "CONFIDENCE", "number, number, number")
def CONFIDENCE_NORM(alpha: float, s: float, n: float) -> Any:
    nn = math.trunc(n)
    if alpha <= 0 or alpha >= 1 or s <= 0 or nn < 1:
        return ERR.NUM
    return _norm_ppf(1 - alpha / 2) * s / math.sqrt(nn)


@reg("GAMMA", "number")
def GAMMA(x: float) -> Any:
    if x <= 0 and x == math.floor(x):
        return ERR.NUM
    return math.gamma(x)


@reg("GAMMALN", "GAMMALN.PRECISE", "number")
def GAMMALN(x: float) -> Any:
    if x <= 0:
        return ERR.NUM
    return math.lgamma(x)


# regularized incomplete gamma and beta (Numerical Recipes), for the chi-square, gamma,
# t, F and beta distributions


def _gammp(a: float, x: float) -> float:
    if x <= 0:
        return 0.0
    if x < a + 1:
        ap, s, d = a, 1.0 / a, 1.0 / a
        for _ in range(1000):
            ap += 1
            d *= x / ap
            s += d
            if abs(d) < abs(s) * 1e-16:
                break
        return s * math.exp(-x + a * math.log(x) - math.lgamma(a))
    return 1.0 - _gammq_cf(a, x)


def _gammq_cf(a: float, x: float) -> float:
    tiny = 1e-300
    b = x + 1 - a
    c = 1 / tiny
    d = 1 / b
    h = d
    for i in range(1, 1000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        de = d * c
        h *= de
        if abs(de - 1) < 1e-16:
            break
    return math.exp(-x + a * math.log(x) - math.lgamma(a)) * h


def _betacf(a: float, b: float, x: float) -> float:
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1, a - 1
    c, d = 1.0, 1 - qab * x / qap
    d = tiny if abs(d) < tiny else d
    d = 1 / d
    h = d
    for m in range(1, 1000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1 + aa * d
        d = tiny if abs(d) < tiny else d
        c = 1 + aa / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1 + aa * d
        d = tiny if abs(d) < tiny else d
        c = 1 + aa / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        de = d * c
        h *= de
        if abs(de - 1) < 1e-16:
            break
    return h


def _betai(a: float, b: float, x: float) -> float:
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    bt = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                  + a * math.log(x) + b * math.log(1 - x))
    if x < (a + 1) / (a + b + 2):
        return bt * _betacf(a, b, x) / a
    return 1 - bt * _betacf(b, a, 1 - x) / b


def _invert(cdf: Callable[[float], float], p: float, lo: float, hi: float) -> float:
    """The x with cdf(x) = p by bisection on [lo, hi] (hi grows while too small)."""
    if p <= 0 or p >= 1:
        raise XErr(ERR.NUM)
    while cdf(hi) < p:
        hi *= 2
        if hi > 1e300:
            raise XErr(ERR.NUM)
    for _ in range(200):
        mid = (lo + hi) / 2
        if cdf(mid) < p:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-15 * max(1.0, abs(mid)):
            break
    return (lo + hi) / 2


@reg("GAMMA.DIST", "GAMMADIST", "number, number, number, bool")
def GAMMA_DIST(x: float, a: float, b: float, cum: bool) -> Any:
    if x < 0 or a <= 0 or b <= 0:
        return ERR.NUM
    if cum:
        return _gammp(a, x / b)
    if x == 0:
        return 0.0 if a > 1 else (1 / b if a == 1 else ERR.NUM)
    return math.exp((a - 1) * math.log(x) - x / b - math.lgamma(a) - a * math.log(b))


@reg("GAMMA.INV", "GAMMAINV", "number, number, number")
def GAMMA_INV(p: float, a: float, b: float) -> Any:
    if a <= 0 or b <= 0:
        return ERR.NUM
    if p == 0:  # documented: only p < 0 or p > 1 is #NUM! (STATISTICAL!W46: 0)
        return 0.0
    return _invert(lambda x: _gammp(a, x / b), p, 0.0, max(1.0, a * b * 2))


@reg("CHISQ.DIST", "number, number, bool")
def CHISQ_DIST(x: float, df: float, cum: bool) -> Any:
    k = math.trunc(df)
    if x < 0 or k < 1:
        return ERR.NUM
    return GAMMA_DIST.__wrapped__(x, k / 2, 2.0, cum)  # type: ignore[attr-defined]


@reg("CHISQ.DIST.RT", "CHIDIST", "number, number")
def CHISQ_DIST_RT(x: float, df: float) -> Any:
    k = math.trunc(df)
    if x < 0 or k < 1:
        return ERR.NUM
    return 1 - _gammp(k / 2, x / 2)


@reg("CHISQ.INV", "number, number")
def CHISQ_INV(p: float, df: float) -> Any:
    k = math.trunc(df)
    if k < 1:
        return ERR.NUM
    if p == 0:  # documented: only p < 0 or p > 1 is #NUM! (STATISTICAL!W15: 0)
        return 0.0
    return _invert(lambda x: _gammp(k / 2, x / 2), p, 0.0, max(1.0, 2.0 * k))


@reg("CHISQ.INV.RT", "CHIINV", "number, number")
def CHISQ_INV_RT(p: float, df: float) -> Any:
    k = math.trunc(df)
    if k < 1:
        return ERR.NUM
    return _invert(lambda x: _gammp(k / 2, x / 2), 1 - p, 0.0, max(1.0, 2.0 * k))


def _t_cdf(t: float, df: float) -> float:
    x = df / (df + t * t)
    tail = 0.5 * _betai(df / 2, 0.5, x)
    return 1 - tail if t > 0 else tail


@reg("T.DIST", "number, number, bool")
def T_DIST(t: float, df: float, cum: bool) -> Any:
    k = math.trunc(df)
    if k == 0 and not cum:
        # the density at 0 degrees of freedom is #DIV/0!, the distribution #NUM!
        # (STATISTICAL!R102 and W102 of vinci1it2000+formulas/test.xlsx)
        return ERR.DIV0
    if k < 1:
        return ERR.NUM
    if cum:
        return _t_cdf(t, k)
    return math.exp(math.lgamma((k + 1) / 2) - math.lgamma(k / 2)) / math.sqrt(k * math.pi) * (
        1 + t * t / k) ** (-(k + 1) / 2)


@reg("T.DIST.RT", "number, number")
def T_DIST_RT(t: float, df: float) -> Any:
    k = math.trunc(df)
    if k < 1:
        return ERR.NUM
    return 1 - _t_cdf(t, k)


@reg("T.DIST.2T", "number, number")
def T_DIST_2T(t: float, df: float) -> Any:
    k = math.trunc(df)
    if k < 1 or t < 0:
        return ERR.NUM
    return 2 * (1 - _t_cdf(t, k))


@reg("TDIST", "number, number, number")
def TDIST(t: float, df: float, tails: float) -> Any:
    k, tl = math.trunc(df), math.trunc(tails)
    if k < 1 or t < 0 or tl not in (1, 2):
        return ERR.NUM
    return tl * (1 - _t_cdf(t, k))


@reg("T.INV", "number, number")
def T_INV(p: float, df: float) -> Any:
    k = math.trunc(df)
    if k < 1 or p <= 0 or p >= 1:
        return ERR.NUM
    if p == 0.5:
        return 0.0
    if p < 0.5:
        return -_invert(lambda t: _t_cdf(t, k), 1 - p, 0.0, 10.0)
    return _invert(lambda t: _t_cdf(t, k), p, 0.0, 10.0)


@reg("T.INV.2T", "TINV", "number, number")
def T_INV_2T(p: float, df: float) -> Any:
    k = math.trunc(df)
    if k < 1 or p <= 0 or p > 1:
        return ERR.NUM
    return _invert(lambda t: _t_cdf(t, k), 1 - p / 2, 0.0, 10.0)


@reg("CONFIDENCE.T", "number, number, number")
def CONFIDENCE_T(alpha: float, s: float, n: float) -> Any:
    nn = math.trunc(n)
    # #NUM! for alpha or the deviation first, then a size of 1 is #DIV/0! (STATISTICAL!V19,
    # W19 of vinci1it2000+formulas/test.xlsx)
    if alpha <= 0 or alpha >= 1 or s <= 0 or nn < 1:
        return ERR.NUM
    if nn == 1:
        return ERR.DIV0
    t = _invert(lambda t: _t_cdf(t, nn - 1), 1 - alpha / 2, 0.0, 10.0)
    return t * s / math.sqrt(nn)


def _f_cdf(x: float, d1: float, d2: float) -> float:
    return _betai(d1 / 2, d2 / 2, d1 * x / (d1 * x + d2))


@reg("F.DIST", "number, number, number, bool")
def F_DIST(x: float, d1: float, d2: float, cum: bool) -> Any:
    a, b = math.trunc(d1), math.trunc(d2)
    if x < 0 or a < 1 or b < 1:
        return ERR.NUM
    if cum:
        return _f_cdf(x, a, b)
    if x == 0:
        return 0.0 if a > 2 else (1.0 if a == 2 else ERR.NUM)
    lb = math.lgamma(a / 2) + math.lgamma(b / 2) - math.lgamma((a + b) / 2)
    return math.exp((a / 2) * math.log(a * x / (a * x + b)) + (b / 2) * math.log(b / (a * x + b))
                    - lb) / x


@reg("F.DIST.RT", "FDIST", "number, number, number")
def F_DIST_RT(x: float, d1: float, d2: float) -> Any:
    a, b = math.trunc(d1), math.trunc(d2)
    if x < 0 or a < 1 or b < 1:
        return ERR.NUM
    return 1 - _f_cdf(x, a, b)


@reg("F.INV", "number, number, number")
def F_INV(p: float, d1: float, d2: float) -> Any:
    a, b = math.trunc(d1), math.trunc(d2)
    if a < 1 or b < 1:
        return ERR.NUM
    if p == 0:  # documented: only p < 0 or p > 1 is #NUM! (STATISTICAL!W32: 0)
        return 0.0
    return _invert(lambda x: _f_cdf(x, a, b), p, 0.0, 10.0)


@reg("F.INV.RT", "FINV", "number, number, number")
def F_INV_RT(p: float, d1: float, d2: float) -> Any:
    a, b = math.trunc(d1), math.trunc(d2)
    if a < 1 or b < 1:
        return ERR.NUM
    return _invert(lambda x: _f_cdf(x, a, b), 1 - p, 0.0, 10.0)


@reg("BETA.DIST", "number, number, number, bool, number=0.0, number=1.0")
def BETA_DIST(x: float, a: float, b: float, cum: bool, lo: float, hi: float) -> Any:
    if a <= 0 or b <= 0 or x < lo or x > hi or lo == hi:
        return ERR.NUM
    z = (x - lo) / (hi - lo)
    if cum:
        return _betai(a, b, z)
    if z in (0.0, 1.0):
        return ERR.NUM if (z == 0 and a < 1) or (z == 1 and b < 1) else 0.0
    lb = math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    return math.exp((a - 1) * math.log(z) + (b - 1) * math.log(1 - z) - lb) / (hi - lo)


@reg("BETADIST", "number, number, number, number=0.0, number=1.0")
def BETADIST(x: float, a: float, b: float, lo: float, hi: float) -> Any:
    return BETA_DIST.__wrapped__(x, a, b, True, lo, hi)  # type: ignore[attr-defined]


@reg("BETA.INV", "BETAINV", "number, number, number, number=0.0, number=1.0")
def BETA_INV(p: float, a: float, b: float, lo: float, hi: float) -> Any:
    if a <= 0 or b <= 0 or lo >= hi:
        return ERR.NUM
    return lo + (hi - lo) * _invert(lambda z: _betai(a, b, z), p, 0.0, 1.0)


def _samples(a: Any) -> list[float]:
    """The numbers of a reference or array; an error among them is the result."""
    out = []
    for v in flat(a):
        if type(v) is ExcelError:
            raise XErr(v)
        if type(v) in (float, int):
            out.append(float(v))
    return out


def _two_samples(a: Any, b: Any) -> tuple[list[float], list[float]]:
    """The numbers of two independent samples; an error is the result (:func:`sample_error`)."""
    fa, fb = flat(a), flat(b)
    e = sample_error(fa, fb)
    if e is not None:
        raise XErr(e)
    return _samples([fa]), _samples([fb])


@reg("Z.TEST", "ZTEST", "ref, number, number=-")
def Z_TEST(arr: Any, x: float, sigma: float | None = None) -> Any:
    vals = _samples(arr)
    n = len(vals)
    if n < 2 and sigma is None:
        return ERR.DIV0
    if n == 0:
        return ERR.NA
    # one number is #DIV/0! and a sigma of 0 or below #NUM! even with sigma given
    # (STATISTICAL!V121 and U121 of vinci1it2000+formulas/test.xlsx)
    if n == 1:
        return ERR.DIV0
    if sigma is not None and sigma <= 0:
        return ERR.NUM
    m = sum(vals) / n
    s = sigma if sigma is not None else math.sqrt(_var(vals, True))
    if s == 0:
        return ERR.DIV0
    return 1 - _norm_cdf((m - x) / (s / math.sqrt(n)))


@reg("T.TEST", "TTEST", "ref, ref, number, number")
def T_TEST(a: Any, b: Any, tails: float, kind: float) -> Any:
    tl, k = math.trunc(tails), math.trunc(kind)
    if tl not in (1, 2) or k not in (1, 2, 3):
        return ERR.NUM
    if k == 1:
        xa, xb = flat(a), flat(b)
        if len(xa) != len(xb):
            return ERR.NA
        # the differences a - b: each pair's first error (STATISTICAL!Y107 of
        # vinci1it2000+formulas/test.xlsx: T.TEST({TRUE,#VALUE!},{#N/A,#DIV/0!},1,1) is #N/A)
        e = sample_error(xa, xb, paired=True)
        if e is not None:
            return e
        d = [float(x) - float(y) for x, y in zip(xa, xb)
             if type(x) in (float, int) and type(y) in (float, int)]
        n = len(d)
        if n < 2:
            return ERR.DIV0
        m = sum(d) / n
        s = math.sqrt(_var(d, True))
        if s == 0:
            return ERR.DIV0
        t = abs(m) / (s / math.sqrt(n))
        df: float = n - 1
    else:
        va, vb = _two_samples(a, b)
        na, nb = len(va), len(vb)
        if na < 2 or nb < 2:
            return ERR.DIV0
        ma, mb = sum(va) / na, sum(vb) / nb
        sa, sb = _var(va, True), _var(vb, True)
        if k == 2:
            df = na + nb - 2
            sp = ((na - 1) * sa + (nb - 1) * sb) / df
            se = math.sqrt(sp * (1 / na + 1 / nb))
        else:
            se = math.sqrt(sa / na + sb / nb)
            df = (sa / na + sb / nb) ** 2 / ((sa / na) ** 2 / (na - 1) + (sb / nb) ** 2 / (nb - 1))
        if se == 0:
            return ERR.DIV0
        t = abs(ma - mb) / se
    x = df / (df + t * t)
    p = _betai(df / 2, 0.5, x)  # two-tailed
    return p if tl == 2 else p / 2


@reg("CHISQ.TEST", "CHITEST", "ref, ref")
def CHISQ_TEST(obs: Any, exp: Any) -> Any:
    from xlfuncs.recalc.values import as_rows

    A, Bm = as_rows(obs), as_rows(exp)
    # Excel pairs the two ranges cell by cell in reading order when they hold as many
    # cells (a 2x2 against a 4x1 is computed: STATISTICAL!R17 of
    # vinci1it2000+formulas/test.xlsx); the first error of the observed range, then of the
    # expected one, is the result (W17:AF17); no numeric pair is #DIV/0! (V17)
    fa = [v for row in A for v in row]
    fb = [v for row in Bm for v in row]
    if len(fa) != len(fb):
        return ERR.NA
    e = sample_error(fa, fb)
    if e is not None:
        return e
    r, c = len(A), len(A[0])
    chi = 0.0
    pairs = 0
    for o, e in zip(fa, fb):
        if type(o) in (float, int) and type(e) in (float, int):
            if e == 0:
                return ERR.DIV0
            chi += (o - e) ** 2 / e
            pairs += 1
    if not pairs:
        return ERR.DIV0
    df = (r - 1) * (c - 1) if r > 1 and c > 1 else max(r, c) - 1
    if df < 1:
        return ERR.NA
    return 1 - _gammp(df / 2, chi / 2)


@reg("F.TEST", "FTEST", "ref, ref")
def F_TEST(a: Any, b: Any) -> Any:
    va, vb = _two_samples(a, b)
    if len(va) < 2 or len(vb) < 2:
        return ERR.DIV0
    sa, sb = _var(va, True), _var(vb, True)
    if sa == 0 or sb == 0:
        return ERR.DIV0
    f = sa / sb
    p = _f_cdf(f, len(va) - 1, len(vb) - 1)
    return 2 * min(p, 1 - p)


@reg("PROB", "ref, ref, number, number=-")
def PROB(xs: Any, ps: Any, lo: float, hi: float | None = None) -> Any:
    xv, pv = flat(xs), flat(ps)
    if len(xv) != len(pv):
        return ERR.NA
    pairs = [(float(x), float(p)) for x, p in zip(xv, pv)
             if type(x) in (float, int) and type(p) in (float, int)]
    if any(p < 0 or p > 1 for _, p in pairs) or abs(sum(p for _, p in pairs) - 1) > 1e-9:
        return ERR.NUM
    top = lo if hi is None else hi
    return sum(p for x, p in pairs if lo <= x <= top)


@reg("FREQUENCY", "ref, ref", array=True)
def FREQUENCY(data: Any, bins: Any) -> Any:
    vals = _samples(data)
    edges = _samples(bins)
    if not edges:
        # bins with no number (blank cells) count as the one bin 0: Excel's stored values
        # (STATISTICAL!W43 and EXTRA!J50:J51 of vinci1it2000+formulas/test.xlsx: {1,2,3,0,-1}
        # against a blank cell is {2;3})
        edges = [0.0]
    order = sorted(range(len(edges)), key=lambda i: edges[i])
    counts = [0.0] * (len(edges) + 1)
    for v in vals:
        for i in order:
            if v <= edges[i]:
                counts[i] += 1
                break
        else:
            counts[-1] += 1
    return [[c] for c in counts]



# ---------------------------------------------------------------- least squares


def _ls_inputs(ys: Any, xs: Any) -> tuple[list[float], list[list[float]], bool]:
    """(y values, one row of regressors per observation, y given as a row).

    The shapes are checked first (``#REF!`` when they do not fit, even where a cell is blank:
    LinestArrayExp!B29 of dgorissen+pycel/stats.xlsx), then the values: a blank, text or
    logical, and also an error value, is ``#VALUE!`` (vinci1it2000+formulas/test.xlsx
    STATISTICAL!AA51:AF51, AB58:AF59, AA113:AF113).
    """
    from xlfuncs.recalc.functions._helpers import num_array
    from xlfuncs.recalc.values import as_rows

    Yr = as_rows(ys)
    h, w = len(Yr), len(Yr[0]) if Yr else 0
    row = h == 1
    n = h * w if h > 1 and w > 1 else w if row else h
    if xs is not None:
        Xr = as_rows(xs)
        xh, xw = len(Xr), len(Xr[0]) if Xr else 0
        if (xh * xw if h > 1 and w > 1 else xw if row else xh) != n:
            raise XErr(ERR.REF)
    Y = num_array(Yr, True)
    yv = Y[0] if row else [r[0] for r in Y] if w == 1 else [v for r in Y for v in r]
    if xs is None:
        return yv, [[float(i + 1)] for i in range(n)], row
    X = num_array(Xr, True)
    if h > 1 and w > 1:  # y a 2-D block: x of the same shape, one variable
        return yv, [[v] for r in X for v in r], row
    if row:
        return yv, [[X[k][i] for k in range(len(X))] for i in range(n)], row
    return yv, [list(r) for r in X], row


def _fit(yv: list[float], rows: list[list[float]], const: bool) -> tuple[Any, Any, Any, list[int]]:
    import numpy as np

    A = np.array(rows, dtype=float)
    k = A.shape[1]
    if const:
        A = np.hstack([A, np.ones((A.shape[0], 1))])
    y = np.array(yv, dtype=float)
    # a regressor that is constant (collinear with the intercept) or all zero gets the
    # coefficient 0, as Excel drops it
    keep = [j for j in range(k)
            if not (np.ptp(A[:, j]) == 0 and (const or not A[:, j].any()))]
    cols = keep + ([k] if const else [])
    coef = np.zeros(A.shape[1])
    if cols:
        sol, *_ = np.linalg.lstsq(A[:, cols], y, rcond=None)
        coef[cols] = sol
    return coef, A, y, cols


def _new_rows(new_x: Any, k: int, y_row: bool, default: list[list[float]]) -> tuple[list[list[float]], tuple[int, int]]:
    from xlfuncs.recalc.functions._helpers import num_array

    if new_x is None:
        return default, ((1, len(default)) if y_row else (len(default), 1))
    X = num_array(new_x, True)
    if k == 1:
        vals = [v for r in X for v in r]
        return [[v] for v in vals], (len(X), len(X[0]))
    if y_row:
        if len(X) != k:
            raise XErr(ERR.REF)
        return [[X[j][i] for j in range(k)] for i in range(len(X[0]))], (1, len(X[0]))
    if len(X[0]) != k:
        raise XErr(ERR.REF)
    return [list(r) for r in X], (len(X), 1)


def _predict(ys: Any, xs: Any, new_x: Any, const: bool, log: bool) -> Any:
    yv, rows, y_row = _ls_inputs(ys, xs)
    if log:
        if any(v <= 0 for v in yv):
            return ERR.NUM
        yv = [math.log(v) for v in yv]
    coef, _, _, _ = _fit(yv, rows, const)
    k = len(rows[0])
    nr, shape = _new_rows(new_x, k, y_row, rows)
    out = []
    for r in nr:
        v = sum(float(coef[j]) * r[j] for j in range(k)) + (float(coef[k]) if const else 0.0)
        out.append(math.exp(v) if log else v)
    h, w = shape
    return [out[i * w:(i + 1) * w] for i in range(h)]


@reg("TREND", "ref, ref=-, ref=-, bool=TRUE", array=True)
def TREND(ys: Any, xs: Any = None, new_x: Any = None, const: bool = True) -> Any:
    return _predict(ys, xs, new_x, const, False)


@reg("GROWTH", "ref, ref=-, ref=-, bool=TRUE", array=True)
def GROWTH(ys: Any, xs: Any = None, new_x: Any = None, const: bool = True) -> Any:
    return _predict(ys, xs, new_x, const, True)


def _linest(ys: Any, xs: Any, const: bool, stats: bool, log: bool) -> Any:
    import numpy as np

    yv, rows, _ = _ls_inputs(ys, xs)
    if log:
        if any(v <= 0 for v in yv):
            return ERR.NUM
        yv = [math.log(v) for v in yv]
    coef, A, y, cols = _fit(yv, rows, const)
    k = len(rows[0])
    m = [float(coef[j]) for j in range(k)]
    b = float(coef[k]) if const else (0.0 if not log else 0.0)
    first = list(reversed(m)) + [b]
    if log:
        first = [math.exp(v) for v in first]
    if not stats:
        return [first]
    n = len(yv)
    fitted = A @ coef
    ss_resid = float(np.sum((y - fitted) ** 2))
    if ss_resid <= 1e-26 * float(np.sum(y ** 2)):
        # a fit exact up to rounding: Excel's residual is 0, so F is #NUM! (Stats!D45:E49
        # of dgorissen+pycel/stats.xlsx)
        ss_resid = 0.0
    ss_tot = float(np.sum((y - y.mean()) ** 2)) if const else float(np.sum(y ** 2))
    df = n - k - (1 if const else 0)
    if df == 0:
        # as many coefficients as points: Excel reports an exact fit (residual, standard
        # errors and sey 0, r2 1) even when collinear columns were dropped
        # (LinestArrayExp!F21:H25 of dgorissen+pycel/stats.xlsx)
        ss_resid = 0.0
    ss_reg = ss_tot - ss_resid
    r2 = ss_reg / ss_tot if ss_tot else 1.0
    sey = math.sqrt(ss_resid / df) if df > 0 else 0.0 if df == 0 else ERR.NUM
    # the standard errors of the columns kept; a dropped (collinear) column's is 0
    cov: Any = np.zeros((A.shape[1], A.shape[1])) if df >= 0 else None
    if df > 0 and ss_resid and cols:
        try:
            cov[np.ix_(cols, cols)] = np.linalg.inv(A[:, cols].T @ A[:, cols]) * (ss_resid / df)
        except np.linalg.LinAlgError:
            cov = None
    se = [math.sqrt(float(cov[j, j])) if cov is not None else ERR.NUM for j in range(k)]
    se_b = (math.sqrt(float(cov[k, k])) if cov is not None else ERR.NUM) if const else ERR.NA
    f = (ss_reg / k) / (ss_resid / df) if df > 0 and ss_resid else ERR.NUM
    pad = [ERR.NA] * (k - 1)
    return [
        first,
        list(reversed(se)) + [se_b],
        [r2, sey] + pad,
        [f, float(df)] + pad,
        [ss_reg, ss_resid] + pad,
    ]


@reg("LINEST", "ref, ref=-, bool=TRUE, bool=FALSE", array=True)
def LINEST(ys: Any, xs: Any = None, const: bool = True, stats: bool = False) -> Any:
    return _linest(ys, xs, const, stats, False)


@reg("LOGEST", "ref, ref=-, bool=TRUE, bool=FALSE", array=True,
     note="the statistics rows (stats=TRUE) are those of the fit of ln(y)")
def LOGEST(ys: Any, xs: Any = None, const: bool = True, stats: bool = False) -> Any:
    return _linest(ys, xs, const, stats, True)


# ---------------------------------------------------------------- exponential smoothing
#
# FORECAST.ETS and its companions fit Excel's "AAA" model (additive error, trend and
# seasonality: Holt-Winters) to the values ordered by the timeline. Documented (Microsoft's
# function pages): the timeline is sorted, points with one time stamp are aggregated
# (AVERAGE by default), it needs one constant step, up to 30 % missing points are completed
# (1: the mean of the neighbours, 0: zero), seasonality is 1 (detect), 0 (none) or a length
# up to 8760. Our own choices, within those rules: the start state is the first season's mean
# and the seasons' deviations from it (the trend from the first two seasons), the smoothing
# weights are those of least squared one-step errors found on a grid refined three times,
# and detection takes the highest significant autocorrelation peak among lags up to a third
# of the points. Excel's own optimiser is not documented, so alpha, beta and gamma (and so
# the forecasts of series that the model does not fit exactly) may differ from Excel's.

_ETS_AGG: dict[int, Callable[[list[float]], float]] = {
    0: lambda v: math.fsum(v) / len(v),
    1: lambda v: math.fsum(v) / len(v),
    2: lambda v: float(len(v)),
    3: lambda v: float(len(v)),
    4: max,
    5: lambda v: _median(v),
    6: min,
    7: math.fsum,
}


def _median(v: list[float]) -> float:
    s = sorted(v)
    k = len(s) // 2
    return s[k] if len(s) % 2 else (s[k - 1] + s[k]) / 2


def _ets_series(values: Any, timeline: Any, completion: float, aggregation: float
                ) -> tuple[list[float], float, float]:
    """(the series on its constant step, the first time, the step) or an error raised."""
    if completion not in (0, 1):
        raise XErr(ERR.NUM)
    agg = _ETS_AGG.get(math.trunc(aggregation)) if 0 <= aggregation < 8 else None
    if agg is None:
        raise XErr(ERR.NUM)
    vs, ts = flat(values), flat(timeline)
    if len(vs) != len(ts):
        raise XErr(ERR.NA)
    for x in (*vs, *ts):
        if type(x) is ExcelError:
            raise XErr(x)
    groups: dict[float, list[float]] = {}
    for v, t in zip(vs, ts):
        if type(v) not in (float, int) or type(t) not in (float, int):
            raise XErr(ERR.VALUE)
        groups.setdefault(float(t), []).append(float(v))
    times = sorted(groups)
    if len(times) < 3:
        raise XErr(ERR.NUM)
    step = min(b - a for a, b in itertools.pairwise(times))
    if step <= 0:
        raise XErr(ERR.NUM)
    size = round((times[-1] - times[0]) / step) + 1
    index = {}
    for t in times:
        k = (t - times[0]) / step
        if abs(k - round(k)) > 1e-9 * max(1.0, k):
            raise XErr(ERR.NUM)  # no constant step
        index[round(k)] = agg(groups[t])
    if size - len(index) > 0.3 * size:
        raise XErr(ERR.NUM)  # more than 30 % missing
    series: list[float] = []
    for k in range(size):
        if k in index:
            series.append(index[k])
        elif completion == 0:
            series.append(0.0)
        else:
            nxt = next(j for j in range(k + 1, size) if j in index)
            series.append((series[-1] + index[nxt]) / 2)
    return series, times[0], step


def _ets_detect(y: list[float]) -> int:
    """The season length detected in ``y`` (0: none): the lag of the highest significant
    local peak of the autocorrelation of the linearly detrended series, lags 2 to n/3."""
    n = len(y)
    xm = (n - 1) / 2
    ym = math.fsum(y) / n
    sxx = math.fsum((i - xm) ** 2 for i in range(n))
    b = math.fsum((i - xm) * (v - ym) for i, v in enumerate(y)) / sxx
    d = [v - ym - b * (i - xm) for i, v in enumerate(y)]
    c0 = math.fsum(v * v for v in d)
    top = n // 3
    if c0 == 0 or top < 2:
        return 0
    r = [math.fsum(d[i] * d[i + k] for i in range(n - k)) / c0 for k in range(top + 2)]
    best, lag = 2 / math.sqrt(n), 0
    for k in range(2, top + 1):
        if r[k] > best and r[k] >= r[k - 1] and (k + 1 > top or r[k] >= r[k + 1]):
            best, lag = r[k], k
    return lag


class _Ets:
    """An AAA fit of ``y`` with season length ``m`` (0: none)."""

    def __init__(self, y: list[float], m: int) -> None:
        n = len(y)
        if m and n < m + 2:
            m = 0  # too short for one season and a step: no seasonality
        self.y, self.m = y, m
        w = m or min(n, 2)
        mean1 = math.fsum(y[:w]) / w
        if m and n >= 2 * m:
            b0 = (math.fsum(y[m:2 * m]) / m - mean1) / m
        else:
            b0 = (y[w - 1] - y[0]) / (w - 1) if w > 1 else 0.0
        mid = (w - 1) / 2
        self.l0 = mean1 - b0 * (mid + 1)
        self.b0 = b0
        self.s0 = [y[i] - (mean1 + b0 * (i - mid)) for i in range(m)]
        self.alpha, self.beta, self.gamma = self._optimise()
        self.sse, self.fitted, self.state = self._run(self.alpha, self.beta, self.gamma)

    def _run(self, a: float, b: float, g: float
             ) -> tuple[float, list[float], tuple[float, float, list[float]]]:
        lv, tr, s = self.l0, self.b0, list(self.s0)
        m = self.m
        sse = 0.0
        fitted = []
        for t, v in enumerate(self.y):
            si = s[t % m] if m else 0.0
            f = lv + tr + si
            e = v - f
            fitted.append(f)
            sse += e * e
            lv = lv + tr + a * e
            tr = tr + a * b * e
            if m:
                s[t % m] = si + g * (1 - a) * e
        return sse, fitted, (lv, tr, s)

    def _optimise(self) -> tuple[float, float, float]:
        grid = [0.0, 0.25, 0.5, 0.75, 1.0]
        gs = grid if self.m else [0.0]
        best = min((self._run(a, b, g)[0], a, b, g) for a in grid for b in grid for g in gs)
        h = 0.125
        for _ in range(3):
            _, a0, b0, g0 = best
            cand = [(min(1.0, max(0.0, a0 + da)), min(1.0, max(0.0, b0 + db)),
                     min(1.0, max(0.0, g0 + dg)) if self.m else 0.0)
                    for da in (-h, 0, h) for db in (-h, 0, h) for dg in (-h, 0, h)]
            best = min([best] + [(self._run(a, b, g)[0], a, b, g) for a, b, g in cand])
            h /= 2
        return best[1], best[2], best[3]

    def at(self, p: float) -> float:
        """The value at 0-based position ``p`` of the series: the fitted one-step values
        inside it, the forecast after it, linear between whole positions."""
        lo = math.floor(p)
        v0 = self._point(lo)
        return v0 if p == lo else v0 + (p - lo) * (self._point(lo + 1) - v0)

    def _point(self, k: int) -> float:
        n = len(self.y)
        if k < 0:
            return 0.0
        if k < n:
            return self.fitted[k]
        lv, tr, s = self.state
        return float(lv + (k - n + 1) * tr + (s[k % self.m] if self.m else 0.0))

    def stat(self, kind: int, step: float) -> float:
        y, f = self.y, self.fitted
        n = len(y)
        err = [a - b for a, b in zip(y, f)]
        if kind == 1:
            return self.alpha
        if kind == 2:
            return self.beta
        if kind == 3:
            return self.gamma
        if kind == 4:
            mae = math.fsum(abs(e) for e in err) / n
            naive = math.fsum(abs(y[i] - y[i - 1]) for i in range(1, n)) / (n - 1)
            if naive == 0:
                return 0.0 if mae == 0 else ERR.DIV0  # type: ignore[return-value]
            return mae / naive
        if kind == 5:
            return math.fsum(2 * abs(e) / (abs(a) + abs(b)) if abs(a) + abs(b) else 0.0
                             for e, a, b in zip(err, y, f)) / n
        if kind == 6:
            return math.fsum(abs(e) for e in err) / n
        if kind == 7:
            return math.sqrt(math.fsum(e * e for e in err) / n)
        return step


def _ets_fit(values: Any, timeline: Any, seasonality: float, completion: float,
             aggregation: float) -> tuple[_Ets, float, float]:
    if not 0 <= seasonality <= 8760:
        raise XErr(ERR.NUM)
    y, t0, step = _ets_series(values, timeline, completion, aggregation)
    m = math.trunc(seasonality)
    return _Ets(y, _ets_detect(y) if m == 1 else m), t0, step


def _ets_position(target: float, t0: float, step: float) -> float:
    p = (target - t0) / step
    if p <= -1:
        raise XErr(ERR.NUM)
    return p


_ETS_NOTE = ("AAA model with our own start state and least-squares weights (Excel's optimiser "
             "is not documented): exact fits match Excel; a target inside the timeline gives "
             "the fitted value there (Excel returns values there too, vinci1it2000+formulas/"
             "test.xlsx STATISTICAL!S38:Y38)")


@reg("FORECAST.ETS", "number, ref, ref, number=1, number=1, number=1", note=_ETS_NOTE)
def FORECAST_ETS(target: float, values: Any, timeline: Any, seasonality: float,
                 completion: float, aggregation: float) -> Any:
    model, t0, step = _ets_fit(values, timeline, seasonality, completion, aggregation)
    return model.at(_ets_position(target, t0, step))


@reg("FORECAST.ETS.CONFINT", "number, ref, ref, number=0.95, number=1, number=1, number=1",
     note=_ETS_NOTE)
def FORECAST_ETS_CONFINT(target: float, values: Any, timeline: Any, level: float,
                         seasonality: float, completion: float, aggregation: float) -> Any:
    if not 0 <= level < 1:
        return ERR.NUM
    model, t0, step = _ets_fit(values, timeline, seasonality, completion, aggregation)
    p = _ets_position(target, t0, step)
    sigma2 = model.sse / len(model.y)
    h = max(1, math.ceil(p - (len(model.y) - 1)))
    a, b, g, m = model.alpha, model.beta, model.gamma, model.m
    var = 1.0 + math.fsum((a * (1 + j * b) + (g * (1 - a) if m and j % m == 0 else 0.0)) ** 2
                          for j in range(1, h))
    if sigma2 == 0:
        return 0.0
    return _norm_ppf((1 + level) / 2) * math.sqrt(sigma2 * var)


@reg("FORECAST.ETS.SEASONALITY", "ref, ref, number=1, number=1",
     note="our detection (Excel's is not documented): the highest significant autocorrelation "
     "peak of the detrended series, lags 2 to a third of the points")
def FORECAST_ETS_SEASONALITY(values: Any, timeline: Any, completion: float,
                             aggregation: float) -> Any:
    y, _, _ = _ets_series(values, timeline, completion, aggregation)
    return float(_ets_detect(y))


@reg("FORECAST.ETS.STAT", "ref, ref, number, number=1, number=1, number=1", note=_ETS_NOTE)
def FORECAST_ETS_STAT(values: Any, timeline: Any, kind: float, seasonality: float,
                      completion: float, aggregation: float) -> Any:
    k = math.trunc(kind)
    if not 1 <= k <= 8:
        return ERR.NUM
    model, _, step = _ets_fit(values, timeline, seasonality, completion, aggregation)
    return model.stat(k, step)
