"""Financial functions: time value of money (PV, FV, PMT, NPER, RATE, IPMT, PPMT, CUMIPMT,
CUMPRINC), cash flows (NPV, IRR, XNPV, XIRR, MIRR), depreciation (SLN, SYD, DDB, DB, VDB)
and rates (EFFECT, NOMINAL, RRI, PDURATION).

Signs follow Excel: money paid out is negative. The iterative solvers RATE and IRR use
Newton's method from the guess with Excel's limits (at most 20 steps, tolerance 1e-7); XIRR
bisects between 0 and the guess as Excel's stored digits show; no convergence is ``#NUM!``.
"""

from __future__ import annotations

import math
from typing import Any

from xlfuncs.errors import ExcelError
from xlfuncs.recalc.functions._helpers import _numbers, flat
from xlfuncs.recalc.functions._registry import XErr, registrar

ERR = ExcelError
reg = registrar("financial")


def _fv(r: float, n: float, pmt: float, pv: float, t: float) -> float:
    if r == 0:
        return -(pv + pmt * n)
    f = (1 + r) ** n
    return float(-(pv * f + pmt * (1 + r * t) * (f - 1) / r))


def _pmt(r: float, n: float, pv: float, fv: float, t: float) -> float:
    if r == 0:
        if n == 0:
            raise XErr(ERR.NUM)
        return -(pv + fv) / n
    f = (1 + r) ** n
    den = (1 + r * t) * (f - 1)
    if den == 0:
        raise XErr(ERR.NUM)
    return float(-(fv + pv * f) * r / den)


def _type(t: float) -> float:
    return 0.0 if t == 0 else 1.0


@reg("PV", "number, number, number, number=0, number=0")
def PV(r: float, n: float, pmt: float, fv: float, t: float) -> Any:
    t = _type(t)
    if r == 0:
        return -(pmt * n + fv)
    if r <= -1:
        return ERR.NUM
    f = (1 + r) ** n
    return -(fv + pmt * (1 + r * t) * (f - 1) / r) / f


@reg("FV", "number, number, number, number=0, number=0")
def FV(r: float, n: float, pmt: float, pv: float, t: float) -> Any:
    return _fv(r, n, pmt, pv, _type(t))


@reg("PMT", "number, number, number, number=0, number=0")
def PMT(r: float, n: float, pv: float, fv: float, t: float) -> Any:
    if n == 0:
        return ERR.NUM
    return _pmt(r, n, pv, fv, _type(t))


@reg("NPER", "number, number, number, number=0, number=0")
def NPER(r: float, pmt: float, pv: float, fv: float, t: float) -> Any:
    t = _type(t)
    if r == 0:
        if pmt == 0:
            return ERR.NUM
        return -(pv + fv) / pmt
    a = pmt * (1 + r * t) - fv * r
    b = pmt * (1 + r * t) + pv * r
    if b == 0 or a / b <= 0 or r <= -1:
        return ERR.NUM
    return math.log(a / b) / math.log(1 + r)


@reg("RATE", "number, number, number, number=0, number=0, number=0.1")
def RATE(n: float, pmt: float, pv: float, fv: float, t: float, guess: float) -> Any:
    t = _type(t)
    r = guess

    def f(x: float) -> float:
        if abs(x) < 1e-12:
            return pv + pmt * n + fv
        g = (1 + x) ** n
        return float(pv * g + pmt * (1 + x * t) * (g - 1) / x + fv)

    for _ in range(50):
        if r <= -1:
            return ERR.NUM
        y = f(r)
        h = 1e-7 * max(1.0, abs(r))
        d = (f(r + h) - f(r - h)) / (2 * h)
        if d == 0 or not math.isfinite(d):
            return ERR.NUM
        nr = r - y / d
        if abs(nr - r) < 1e-10:
            return nr
        r = nr
    return ERR.NUM


def _ipmt(r: float, per: float, n: float, pv: float, fv: float, t: float) -> float:
    if per < 1 or per >= n + 1:
        raise XErr(ERR.NUM)
    pmt = _pmt(r, n, pv, fv, t)
    if t == 1 and per == 1:
        return 0.0
    ip = _fv(r, per - 1, pmt, pv, t) * r
    if t == 1:
        ip /= 1 + r
    return ip


@reg("IPMT", "number, number, number, number, number=0, number=0")
def IPMT(r: float, per: float, n: float, pv: float, fv: float, t: float) -> Any:
    return _ipmt(r, per, n, pv, fv, _type(t))


@reg("PPMT", "number, number, number, number, number=0, number=0")
def PPMT(r: float, per: float, n: float, pv: float, fv: float, t: float) -> Any:
    t = _type(t)
    return _pmt(r, n, pv, fv, t) - _ipmt(r, per, n, pv, fv, t)


def _cum(r: float, n: float, pv: float, s: float, e: float, t: float, interest: bool) -> Any:
    si, ei = math.trunc(s), math.trunc(e)
    if r <= 0 or n <= 0 or pv <= 0 or si < 1 or ei < 1 or si > ei or t not in (0, 1) or ei > n:
        return ERR.NUM
    total = 0.0
    for per in range(si, ei + 1):
        ip = _ipmt(r, per, n, pv, 0.0, t)
        total += ip if interest else _pmt(r, n, pv, 0.0, t) - ip
    return total


@reg("CUMIPMT", "number, number, number, number, number, number", atp=True)
def CUMIPMT(r: float, n: float, pv: float, s: float, e: float, t: float) -> Any:
    return _cum(r, n, pv, s, e, t, True)


@reg("CUMPRINC", "number, number, number, number, number, number", atp=True)
def CUMPRINC(r: float, n: float, pv: float, s: float, e: float, t: float) -> Any:
    return _cum(r, n, pv, s, e, t, False)


@reg("ISPMT", "number, number, number, number")
def ISPMT(r: float, per: float, n: float, pv: float) -> Any:
    if n == 0:
        return ERR.DIV0
    return pv * r * (per / n - 1)


@reg("NPV", "number, ref+")
def NPV(r: float, *values: Any) -> Any:
    if r == -1:
        return ERR.DIV0
    total = 0.0
    for i, v in enumerate(_numbers(values), start=1):
        total += v / (1 + r) ** i
    return total


def _cash(values: Any) -> list[float]:
    out = []
    for v in flat(values):
        if type(v) is ExcelError:  # Excel: an error among the cash flows is #VALUE!
            raise XErr(ERR.VALUE)
        if type(v) in (float, int):
            out.append(float(v))
    return out


def _irr_discount(cf: list[float], guess: float) -> float | None:
    """IRR by Newton's method on the discount factor x = 1/(1+r), where the NPV is a
    polynomial: it converges from guesses far from the rate, where Newton's method on r
    jumps below -1 (IRR({-7,2,1,4,-3;-7,2,-1,4,4},7) is -0.0211...: FINANCIAL!T26 of
    vinci1it2000+formulas/test.xlsx)."""
    if guess <= -1:
        return None
    x = 1.0 / (1.0 + guess)
    for _ in range(100):
        f = 0.0
        d = 0.0
        p = 1.0
        for k, v in enumerate(cf):
            if k:
                d += k * v * p
                p *= x
            f += v * p
        if d == 0:
            return None
        nx = x - f / d
        if abs(nx - x) <= 1e-15 * max(1.0, abs(x)):
            return 1.0 / nx - 1.0 if nx > 0 else None
        x = nx
    return None


@reg("IRR", "ref, number=0.1")
def IRR(values: Any, guess: float) -> Any:
    cf = _cash(values)
    if not (any(v > 0 for v in cf) and any(v < 0 for v in cf)):
        return ERR.NUM
    r = guess
    for _ in range(50):
        if r <= -1:
            break
        f = sum(v / (1 + r) ** i for i, v in enumerate(cf))
        d = sum(-i * v / (1 + r) ** (i + 1) for i, v in enumerate(cf))
        if d == 0:
            break
        nr = r - f / d
        if abs(nr - r) < 1e-12 * max(1.0, abs(r)):
            return nr
        r = nr
    else:
        if abs(sum(v / (1 + r) ** i for i, v in enumerate(cf))) < 1e-7:
            return r
    alt = _irr_discount(cf, guess)
    return ERR.NUM if alt is None else alt


@reg("MIRR", "ref, number, number")
def MIRR(values: Any, fr: float, rr: float) -> Any:
    cf = _cash(values)
    n = len(cf)
    pos = sum(v * (1 + rr) ** (n - 1 - i) for i, v in enumerate(cf) if v > 0)
    neg = sum(v / (1 + fr) ** i for i, v in enumerate(cf) if v < 0)
    if pos == 0 or neg == 0 or n < 2:
        return ERR.DIV0
    return (-pos / neg) ** (1 / (n - 1)) - 1


def _xpairs(values: Any, dates: Any) -> tuple[list[float], list[float]]:
    """The cash flows and their whole-day dates of XNPV and XIRR.

    A pair whose value is blank or text is skipped (FINANCIAL!AD54 and AE54 of
    vinci1it2000+formulas/test.xlsx: ranges one and two columns longer, with a blank pair
    and the text "1" dated 32015, give the same XIRR); a date's error comes before its
    value's (U54: ``{..,#N/A,..}`` against ``{..,#REF!,..}`` is #REF!); any other
    non-number is #VALUE! (a date that is not one: Microsoft's XIRR page); a date before
    the first is #NUM! (T54).
    """
    vs, ds = flat(values), flat(dates)
    if len(vs) != len(ds):
        raise XErr(ERR.NUM)
    cv: list[float] = []
    cd: list[float] = []
    for v, d in zip(vs, ds):
        if type(d) is ExcelError:
            raise XErr(d)
        if type(v) is ExcelError:
            raise XErr(v)
        if (v is None or type(v) is str) and (d is None or type(d) in (float, int)):
            continue
        if type(v) not in (float, int) or type(d) not in (float, int):
            raise XErr(ERR.VALUE)
        cv.append(float(v))
        cd.append(float(math.floor(d)))
    if not cv or any(d < cd[0] for d in cd) or any(d < 0 for d in cd):
        raise XErr(ERR.NUM)
    return cv, cd


def _xnpv(r: float, cv: list[float], cd: list[float]) -> float:
    return float(sum(v / (1 + r) ** ((d - cd[0]) / 365.0) for v, d in zip(cv, cd)))


@reg("XNPV", "number, ref, ref", atp=True)
def XNPV(r: float, values: Any, dates: Any) -> Any:
    """A rate of 0 or below is #NUM! (FINANCIAL!S56, U56 and X56 of
    vinci1it2000+formulas/test.xlsx: rates -0.1, 0 and a blank)."""
    cv, cd = _xpairs(values, dates)
    if r <= 0:
        return ERR.NUM
    return _xnpv(r, cv, cd)


def _xirr_bisect(cv: list[float], cd: list[float], lo: float, hi: float) -> float | None:
    """The rate between ``lo`` and ``hi`` (where the XNPV changes sign) by halving until
    half the interval is below 1e-8, the midpoint then."""
    flo = _xnpv(lo, cv, cd)
    for _ in range(200):
        mid = (lo + hi) / 2
        if abs(hi - lo) / 2 < 1e-8:
            return mid
        fm = _xnpv(mid, cv, cd)
        if fm == 0:
            return mid
        if (fm > 0) == (flo > 0):
            lo, flo = mid, fm
        else:
            hi = mid
    return None


@reg("XIRR", "ref, ref, number=0.1", atp=True)
def XIRR(values: Any, dates: Any, guess: float) -> Any:
    """The rate where XNPV is 0, by bisection between 0 and the guess, the guess doubled
    until the XNPV changes sign between them: Excel's own digits, which stop 1e-8 short of
    the root (FINANCIAL!R54:AW54 of vinci1it2000+formulas/test.xlsx: guess 1 gives
    0.5993197485804558, 0.1 gives 0.5993197500705721, 32015 gives 0.5993197540431083,
    each the midpoint at which the bisection stops). A negative guess searches below 0
    (-0.1 there is #NUM!: S55); a guess of 0 starts from 0.1 (our choice: Excel's
    0.599319755859375 there, U55, is not reproduced); no sign change is #NUM!."""
    cv, cd = _xpairs(values, dates)
    if not (any(v > 0 for v in cv) and any(v < 0 for v in cv)):
        return ERR.NUM
    g = guess if guess != 0 else 0.1
    if g <= -1:
        return ERR.NUM
    f0 = _xnpv(0.0, cv, cd)
    if f0 == 0:
        return 0.0
    for _ in range(100):
        if g < 0 and g <= -1:
            return ERR.NUM
        fg = _xnpv(g, cv, cd)
        if (fg > 0) != (f0 > 0) or fg == 0:
            r = _xirr_bisect(cv, cd, 0.0, g) if fg else g
            return ERR.NUM if r is None else r
        g *= 2
        if g > 1e10:
            break
    return ERR.NUM


@reg("FVSCHEDULE", "number, ref")
def FVSCHEDULE(p: float, schedule: Any) -> Any:
    for v in flat(schedule):
        if type(v) is ExcelError:
            return v
        if v is None:
            continue
        if type(v) not in (float, int):
            return ERR.VALUE
        p *= 1 + v
    return p


@reg("EFFECT", "number, number", atp=True)
def EFFECT(nominal: float, npery: float) -> Any:
    n = math.trunc(npery)
    if nominal <= 0 or n < 1:
        return ERR.NUM
    return (1 + nominal / n) ** n - 1


@reg("NOMINAL", "number, number", atp=True)
def NOMINAL(eff: float, npery: float) -> Any:
    n = math.trunc(npery)
    if eff <= 0 or n < 1:
        return ERR.NUM
    return ((1 + eff) ** (1 / n) - 1) * n


@reg("PDURATION", "number, number, number")
def PDURATION(r: float, pv: float, fv: float) -> Any:
    if r <= 0 or pv <= 0 or fv <= 0:
        return ERR.NUM
    return (math.log(fv) - math.log(pv)) / math.log(1 + r)


@reg("RRI", "number, number, number")
def RRI(n: float, pv: float, fv: float) -> Any:
    if n <= 0 or pv == 0:
        return ERR.NUM
    return (fv / pv) ** (1 / n) - 1


@reg("DOLLARDE", "number, number", atp=True)
def DOLLARDE(x: float, frac: float) -> Any:
    f = math.trunc(frac)
    if f < 0:
        return ERR.NUM
    if f == 0:
        return ERR.DIV0
    ip = math.trunc(x)
    digits = math.ceil(math.log10(f)) if f > 1 else 1
    return ip + (x - ip) * 10 ** digits / f


@reg("DOLLARFR", "number, number", atp=True)
def DOLLARFR(x: float, frac: float) -> Any:
    f = math.trunc(frac)
    if f < 0:
        return ERR.NUM
    if f == 0:
        return ERR.DIV0
    ip = math.trunc(x)
    digits = math.ceil(math.log10(f)) if f > 1 else 1
    return ip + (x - ip) * f / 10 ** digits


# ---------------------------------------------------------------- depreciation


@reg("SLN", "number, number, number")
def SLN(cost: float, salvage: float, life: float) -> Any:
    if life == 0:
        return ERR.DIV0
    return (cost - salvage) / life


@reg("SYD", "number, number, number, number")
def SYD(cost: float, salvage: float, life: float, per: float) -> Any:
    if life <= 0 or per <= 0 or per > life or salvage < 0:
        return ERR.NUM
    return (cost - salvage) * (life - per + 1) * 2 / (life * (life + 1))


def _ddb(cost: float, salvage: float, life: float, period: float, factor: float) -> float:
    rate = factor / life
    if rate >= 1:
        rate = 1.0
        old = cost if period == 1 else 0.0
    else:
        old = cost * (1 - rate) ** (period - 1)
    new = cost * (1 - rate) ** period
    d = old - salvage if new < salvage else old - new
    return max(d, 0.0)


@reg("DDB", "number, number, number, number, number=2")
def DDB(cost: float, salvage: float, life: float, period: float, factor: float) -> Any:
    if cost < 0 or salvage < 0 or life <= 0 or period <= 0 or factor <= 0 or period > life:
        return ERR.NUM
    return _ddb(cost, salvage, life, period, factor)


@reg("DB", "number, number, number, number, number=12")
def DB(cost: float, salvage: float, life: float, period: float, month: float) -> Any:
    m = math.trunc(month)
    p = math.trunc(period)
    if cost < 0 or salvage < 0 or life <= 0 or p < 1 or m < 1 or m > 12 or p > life + (m < 12):
        return ERR.NUM
    if cost == 0:
        return 0.0
    rate = round(1 - (salvage / cost) ** (1 / life), 3)
    total = 0.0
    dep = cost * rate * m / 12
    if p == 1:
        return dep
    total = dep
    for i in range(2, p + 1):
        if i == life + 1:
            dep = (cost - total) * rate * (12 - m) / 12
        else:
            dep = (cost - total) * rate
        total += dep
    return dep


def _vdb_walk(cost: float, salvage: float, life: float, start: float, end: float,
              factor: float, no_switch: bool) -> float:
    """Excel's VDB: the asset is depreciated in steps of one period on a grid that starts at
    the fraction of ``start`` (a first step of that fraction, then whole periods), the
    declining balance giving way to straight line over the remaining life once that is
    larger; steps that overlap ``[start, end]`` count in proportion."""
    rate = min(factor / life, 1.0)
    f = start - math.floor(start)
    points = [0.0]
    if f > 0:
        points.append(f)
    t = points[-1]
    while t + 1 < end - 1e-12:
        t += 1
        points.append(t)
    if points[-1] < end:
        points.append(end)
    value = cost
    total = 0.0
    sl: float | None = None
    for a, b in zip(points, points[1:]):
        if sl is None:
            per = min(value * rate, max(value - salvage, 0.0))
            if not no_switch and life - a > 0:
                straight = (value - salvage) / (life - a)
                if straight > per:
                    sl = straight
            step = per if sl is None else sl
        else:
            step = sl
        dep = step * (b - a)
        if b > start + 1e-12:
            total += dep * min(1.0, (b - max(a, start)) / (b - a))
        value -= dep
    return total


@reg("VDB", "number, number, number, number, number, number=2, bool=FALSE")
def VDB(cost: float, salvage: float, life: float, start: float, end: float, factor: float,
        no_switch: bool) -> Any:
    if start < 0 or end < start or end > life or cost < 0 or salvage > cost or factor <= 0 \
            or life <= 0:
        return ERR.NUM
    return _vdb_walk(cost, salvage, life, start, end, factor, no_switch)
