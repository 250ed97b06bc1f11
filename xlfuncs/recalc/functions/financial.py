"""Financial functions: time value of money (PV, FV, PMT, NPER, RATE, IPMT, PPMT, CUMIPMT,
CUMPRINC), cash flows (NPV, IRR, XNPV, XIRR, MIRR), depreciation (SLN, SYD, DDB, DB, VDB and
the French AMORLINC, AMORDEGRC), rates (EFFECT, NOMINAL, RRI, PDURATION) and securities:
coupon dates (COUP*), coupon bonds (PRICE, YIELD, DURATION, MDURATION, ACCRINT), odd first
and last periods (ODDF*, ODDL*), discounted and at-maturity securities (DISC, INTRATE,
RECEIVED, PRICEDISC, YIELDDISC, PRICEMAT, YIELDMAT, ACCRINTM) and T-bills (TBILL*).

The securities follow Microsoft's formulas; where its pages leave a rule open (day counts
at month ends, the quasi-coupon periods of odd periods, the end of AMORDEGRC) they follow
Excel's own values (the test data of fsprojects/ExcelFinancialFunctions, generated with
Excel, agrees line by line). YIELD and ODDFYIELD solve by Newton's method to 1e-12.

Signs follow Excel: money paid out is negative. The iterative solvers RATE and IRR use
Newton's method from the guess with Excel's limits (at most 20 steps, tolerance 1e-7); XIRR
bisects between 0 and the guess as Excel's stored digits show; no convergence is ``#NUM!``.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Callable
from typing import Any

from xlfuncs.errors import ExcelError
from xlfuncs.recalc.functions._helpers import _numbers, flat
from xlfuncs.recalc.functions._registry import Ctx, XErr, registrar
from xlfuncs.recalc.functions.date import (
    YEARFRAC,
    _date_arg,
    _day,
    _is_last_of_feb,
    _serial,
    _ymd,
)

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


# ---------------------------------------------------------------- securities
#
# Dates are whole serials (a fraction is dropped; text that reads as a date is one; a
# logical is #VALUE!, as in every Analysis ToolPak function). Coupon dates step back from
# the maturity by 12/frequency months, on the maturity's day (the last day of a shorter
# month), or on the last day of every month when the maturity is the last day of its
# month (the end-of-month rule). The day-count bases:
# 0 US (NASD) 30/360, 1 actual/actual, 2 actual/360, 3 actual/365, 4 European 30/360.


def _dt(ctx: Ctx, v: Any) -> int:
    """A date argument as a whole serial."""
    return _day(ctx, _date_arg(ctx, v))


def _basis(basis: int) -> int:
    if not 0 <= basis <= 4:
        raise XErr(ERR.NUM)
    return basis


def _freq(freq: int) -> int:
    if freq not in (1, 2, 4):
        raise XErr(ERR.NUM)
    return freq


def _days(ctx: Ctx, a: int, b: int, basis: int, both: bool = False) -> float:
    """Days from serial ``a`` to ``b`` counted by ``basis`` (30/360 for 0 and 4).

    US 30/360 moves the end (a 31st, or the last day of February) to the 30th only when
    the start is on the 30th/31st (the last of February), as it is before being moved
    itself; ``both``: whatever the start (the length of a coupon period)."""
    if basis not in (0, 4):
        return float(b - a)
    y1, m1, d1 = _ymd(ctx, a)
    y2, m2, d2 = _ymd(ctx, b)
    if basis == 4:
        d1, d2 = min(d1, 30), min(d2, 30)
    else:
        feb1 = _is_last_of_feb(y1, m1, d1)
        if _is_last_of_feb(y2, m2, d2) and (feb1 or both):
            d2 = 30
        if d2 == 31 and (d1 >= 30 or both):
            d2 = 30
        if d1 == 31 or feb1:
            d1 = 30
    return float((y2 - y1) * 360 + (m2 - m1) * 30 + (d2 - d1))


def _year_days(ctx: Ctx, a: int, b: int, basis: int) -> float:
    """The days of a year of ``basis`` (for actual/actual YEARFRAC's: 365 or 366 within a
    year, else the average year length of the years from ``a`` to ``b``)."""
    if basis == 3:
        return 365.0
    if basis != 1:
        return 360.0
    return (b - a) / _yearfrac1(ctx, a, b) if b != a else 365.0


def _yearfrac1(ctx: Ctx, a: int, b: int) -> float:
    return float(YEARFRAC.__wrapped__(ctx, float(a), float(b), 1))  # type: ignore[attr-defined]


def _yearfrac(ctx: Ctx, a: int, b: int, basis: int) -> float:
    """The days from ``a`` to ``b`` over the days of a year, both by ``basis``."""
    if basis == 1:
        return _yearfrac1(ctx, a, b)
    return _days(ctx, a, b, basis) / _year_days(ctx, a, b, basis)


def _add_months(ctx: Ctx, ymd: tuple[int, int, int], months: int, eom: bool
                ) -> tuple[int, int, int]:
    """The date ``months`` after ``ymd``: its day, or the month's last day when ``eom`` or
    when the month is shorter."""
    y, m, d = ymd
    ny, nm = divmod(y * 12 + m - 1 + months, 12)
    nm += 1
    if ny < (1904 if ctx.date1904 else 1900) or ny > 9999:
        raise XErr(ERR.NUM)
    last = calendar.monthrange(ny, nm)[1]
    return ny, nm, last if eom else min(d, last)


def _serial_of(ctx: Ctx, ymd: tuple[int, int, int]) -> int:
    return int(_serial(ctx, *ymd))


def _shift(ctx: Ctx, ymd: tuple[int, int, int], months: int, eom: bool) -> int:
    """The serial ``months`` after the date ``ymd`` (see :func:`_add_months`)."""
    return _serial_of(ctx, _add_months(ctx, ymd, months, eom))


def _eom(ymd: tuple[int, int, int]) -> bool:
    return ymd[2] == calendar.monthrange(ymd[0], ymd[1])[1]


def _coupons(ctx: Ctx, settle: int, mat: int, freq: int) -> tuple[int, int, int]:
    """The coupon dates around ``settle`` on the schedule that ends at ``mat``: the
    previous one (on or before settlement), the next one (after it) and how many are left
    (the next one to the maturity)."""
    step = 12 // freq
    my = _ymd(ctx, mat)
    eom = _eom(my)
    sy = _ymd(ctx, settle)
    k = max(((my[0] - sy[0]) * 12 + my[1] - sy[1]) // step, 1)
    while _shift(ctx, my, -k * step, eom) > settle:
        k += 1
    while k > 1 and _shift(ctx, my, -(k - 1) * step, eom) <= settle:
        k -= 1
    return _shift(ctx, my, -k * step, eom), _shift(ctx, my, -(k - 1) * step, eom), k


def _period_days(ctx: Ctx, pcd: int, ncd: int, freq: int, basis: int) -> float:
    """The length of the coupon period from ``pcd`` to ``ncd`` (COUPDAYS)."""
    if basis == 1:
        return float(ncd - pcd)
    return (365.0 if basis == 3 else 360.0) / freq


class _Coupon:
    """The coupon period of a settlement: A (days from its start), E (its length), DSC
    (days to the next coupon) and N (coupons left)."""

    __slots__ = ("a", "dsc", "e", "n", "ncd", "pcd")

    def __init__(self, ctx: Ctx, settle: int, mat: int, freq: int, basis: int) -> None:
        if settle >= mat:
            raise XErr(ERR.NUM)
        self.pcd, self.ncd, self.n = _coupons(ctx, settle, mat, freq)
        self.a = _days(ctx, self.pcd, settle, basis)
        self.e = _period_days(ctx, self.pcd, self.ncd, freq, basis)
        if basis == 0:  # the period (its ends both moved) less the days accrued
            self.dsc = _days(ctx, self.pcd, self.ncd, 0, both=True) - self.a
        else:
            self.dsc = _days(ctx, settle, self.ncd, basis)


def _coupon_args(ctx: Ctx, settle: Any, mat: Any, freq: int, basis: int) -> _Coupon:
    s, m = _dt(ctx, settle), _dt(ctx, mat)
    return _Coupon(ctx, s, m, _freq(freq), _basis(basis))


@reg("COUPDAYBS", "scalar, scalar, integer, integer=0", ctx=True, atp=True)
def COUPDAYBS(ctx: Ctx, settle: Any, mat: Any, freq: int, basis: int) -> Any:
    return _coupon_args(ctx, settle, mat, freq, basis).a


@reg("COUPDAYS", "scalar, scalar, integer, integer=0", ctx=True, atp=True)
def COUPDAYS(ctx: Ctx, settle: Any, mat: Any, freq: int, basis: int) -> Any:
    return _coupon_args(ctx, settle, mat, freq, basis).e


@reg("COUPDAYSNC", "scalar, scalar, integer, integer=0", ctx=True, atp=True)
def COUPDAYSNC(ctx: Ctx, settle: Any, mat: Any, freq: int, basis: int) -> Any:
    return _coupon_args(ctx, settle, mat, freq, basis).dsc


@reg("COUPNCD", "scalar, scalar, integer, integer=0", ctx=True, atp=True)
def COUPNCD(ctx: Ctx, settle: Any, mat: Any, freq: int, basis: int) -> Any:
    return float(_coupon_args(ctx, settle, mat, freq, basis).ncd)


@reg("COUPPCD", "scalar, scalar, integer, integer=0", ctx=True, atp=True)
def COUPPCD(ctx: Ctx, settle: Any, mat: Any, freq: int, basis: int) -> Any:
    return float(_coupon_args(ctx, settle, mat, freq, basis).pcd)


@reg("COUPNUM", "scalar, scalar, integer, integer=0", ctx=True, atp=True)
def COUPNUM(ctx: Ctx, settle: Any, mat: Any, freq: int, basis: int) -> Any:
    return float(_coupon_args(ctx, settle, mat, freq, basis).n)


def _price(c: _Coupon, rate: float, yld: float, redemption: float, freq: int) -> float:
    """PRICE from the coupon period of the settlement (Microsoft's formula, DSC being
    E - A); with one coupon left, simple interest over the rest of the period."""
    cpn = 100 * rate / freq
    x = (c.e - c.a) / c.e
    if c.n == 1:
        return (cpn + redemption) / (1 + yld / freq * x) - cpn * c.a / c.e
    v = 1 + yld / freq
    total = redemption / v ** (c.n - 1 + x)
    total += sum(cpn / v ** (k - 1 + x) for k in range(1, c.n + 1))
    return float(total - cpn * c.a / c.e)


def _dprice(c: _Coupon, rate: float, yld: float, redemption: float, freq: int) -> float:
    """The derivative of :func:`_price` in the yield."""
    cpn = 100 * rate / freq
    x = (c.e - c.a) / c.e
    v = 1 + yld / freq
    d = -(c.n - 1 + x) * redemption / v ** (c.n + x) / freq
    d -= sum((k - 1 + x) * cpn / v ** (k + x) for k in range(1, c.n + 1)) / freq
    return float(d)


@reg("PRICE", "scalar, scalar, number, number, number, integer, integer=0", ctx=True, atp=True)
def PRICE(ctx: Ctx, settle: Any, mat: Any, rate: float, yld: float, redemption: float,
          freq: int, basis: int) -> Any:
    c = _coupon_args(ctx, settle, mat, freq, basis)
    if rate < 0 or yld < 0 or redemption <= 0:
        return ERR.NUM
    return _price(c, rate, yld, redemption, freq)


def _newton(f: Callable[[float], float], df: Callable[[float], float], x: float,
            lo: float = -1e300) -> float:
    """The root of ``f`` near ``x`` by Newton's method (to 1e-12; #NUM! when it does not
    converge within 100 steps)."""
    for _ in range(100):
        d = df(x)
        if d == 0 or not math.isfinite(d):
            break
        nx = x - f(x) / d
        if nx <= lo:
            nx = (x + lo) / 2
        if abs(nx - x) < 1e-12 * max(1.0, abs(nx)):
            return nx
        x = nx
    raise XErr(ERR.NUM)


@reg("YIELD", "scalar, scalar, number, number, number, integer, integer=0", ctx=True, atp=True)
def YIELD(ctx: Ctx, settle: Any, mat: Any, rate: float, pr: float, redemption: float,
          freq: int, basis: int) -> Any:
    """One coupon left: Microsoft's closed form (PRICE's inverse); more: Newton's method
    on PRICE."""
    c = _coupon_args(ctx, settle, mat, freq, basis)
    if rate < 0 or pr <= 0 or redemption <= 0:
        return ERR.NUM
    if c.n == 1:
        paid = pr / 100 + c.a / c.e * rate / freq
        return (redemption / 100 + rate / freq - paid) / paid * freq * c.e / (c.e - c.a)
    return _newton(lambda y: _price(c, rate, y, redemption, freq) - pr,
                   lambda y: _dprice(c, rate, y, redemption, freq), max(rate, 0.05), -freq)


def _duration(c: _Coupon, rate: float, yld: float, freq: int) -> float:
    cpn = 100 * rate / freq
    x = (c.e - c.a) / c.e
    v = 1 + yld / freq
    num = den = 0.0
    for k in range(1, c.n + 1):
        t = k - 1 + x
        cf = cpn + (100 if k == c.n else 0)
        pv = cf / v ** t
        num += t * pv
        den += pv
    return num / den / freq


@reg("DURATION", "scalar, scalar, number, number, integer, integer=0", ctx=True, atp=True)
def DURATION(ctx: Ctx, settle: Any, mat: Any, rate: float, yld: float, freq: int,
             basis: int) -> Any:
    """Macaulay duration of a bond of par 100."""
    c = _coupon_args(ctx, settle, mat, freq, basis)
    if rate < 0 or yld < 0:
        return ERR.NUM
    return _duration(c, rate, yld, freq)


@reg("MDURATION", "scalar, scalar, number, number, integer, integer=0", ctx=True, atp=True)
def MDURATION(ctx: Ctx, settle: Any, mat: Any, rate: float, yld: float, freq: int,
              basis: int) -> Any:
    """DURATION / (1 + yield/frequency)."""
    c = _coupon_args(ctx, settle, mat, freq, basis)
    if rate < 0 or yld < 0:
        return ERR.NUM
    return _duration(c, rate, yld, freq) / (1 + yld / freq)


# ------------------------------------------- discounted and at-maturity securities


def _span(ctx: Ctx, settle: Any, mat: Any, basis: int) -> float:
    """The year fraction from settlement to maturity (settlement >= maturity: #NUM!)."""
    s, m = _dt(ctx, settle), _dt(ctx, mat)
    _basis(basis)
    if s >= m:
        raise XErr(ERR.NUM)
    return _yearfrac(ctx, s, m, basis)


@reg("DISC", "scalar, scalar, number, number, integer=0", ctx=True, atp=True)
def DISC(ctx: Ctx, settle: Any, mat: Any, pr: float, redemption: float, basis: int) -> Any:
    t = _span(ctx, settle, mat, basis)
    if pr <= 0 or redemption <= 0:
        return ERR.NUM
    return (redemption - pr) / redemption / t


@reg("INTRATE", "scalar, scalar, number, number, integer=0", ctx=True, atp=True)
def INTRATE(ctx: Ctx, settle: Any, mat: Any, inv: float, redemption: float, basis: int) -> Any:
    t = _span(ctx, settle, mat, basis)
    if inv <= 0 or redemption <= 0:
        return ERR.NUM
    return (redemption - inv) / inv / t


@reg("RECEIVED", "scalar, scalar, number, number, integer=0", ctx=True, atp=True)
def RECEIVED(ctx: Ctx, settle: Any, mat: Any, inv: float, discount: float, basis: int) -> Any:
    t = _span(ctx, settle, mat, basis)
    if inv <= 0 or discount <= 0 or 1 - discount * t <= 0:
        return ERR.NUM
    return inv / (1 - discount * t)


@reg("PRICEDISC", "scalar, scalar, number, number, integer=0", ctx=True, atp=True)
def PRICEDISC(ctx: Ctx, settle: Any, mat: Any, discount: float, redemption: float,
              basis: int) -> Any:
    t = _span(ctx, settle, mat, basis)
    if discount <= 0 or redemption <= 0:
        return ERR.NUM
    return redemption * (1 - discount * t)


@reg("YIELDDISC", "scalar, scalar, number, number, integer=0", ctx=True, atp=True)
def YIELDDISC(ctx: Ctx, settle: Any, mat: Any, pr: float, redemption: float, basis: int) -> Any:
    t = _span(ctx, settle, mat, basis)
    if pr <= 0 or redemption <= 0:
        return ERR.NUM
    return (redemption - pr) / pr / t


def _at_maturity(ctx: Ctx, settle: Any, mat: Any, issue: Any, basis: int
                 ) -> tuple[float, float, float]:
    """DIM/B, A/B and DSM/B: the days issue-maturity, issue-settlement and their
    difference, over the days of a year of the issue-settlement span."""
    s, m, i = _dt(ctx, settle), _dt(ctx, mat), _dt(ctx, issue)
    _basis(basis)
    if s >= m or i >= s:
        raise XErr(ERR.NUM)
    b = _year_days(ctx, i, s, basis)
    dim, a = _days(ctx, i, m, basis), _days(ctx, i, s, basis)
    return dim / b, a / b, (dim - a) / b


@reg("PRICEMAT", "scalar, scalar, scalar, number, number, integer=0", ctx=True, atp=True)
def PRICEMAT(ctx: Ctx, settle: Any, mat: Any, issue: Any, rate: float, yld: float,
             basis: int) -> Any:
    im, is_, sm = _at_maturity(ctx, settle, mat, issue, basis)
    if rate < 0 or yld < 0:
        return ERR.NUM
    return (100 + im * rate * 100) / (1 + sm * yld) - is_ * rate * 100


@reg("YIELDMAT", "scalar, scalar, scalar, number, number, integer=0", ctx=True, atp=True)
def YIELDMAT(ctx: Ctx, settle: Any, mat: Any, issue: Any, rate: float, pr: float,
             basis: int) -> Any:
    im, is_, sm = _at_maturity(ctx, settle, mat, issue, basis)
    if rate < 0 or pr <= 0:
        return ERR.NUM
    paid = pr / 100 + is_ * rate
    return (1 + im * rate - paid) / paid / sm


def _tbill_days(ctx: Ctx, settle: Any, mat: Any) -> int:
    """Actual days from settlement to maturity, at most one year (else #NUM!)."""
    s, m = _dt(ctx, settle), _dt(ctx, mat)
    if s >= m:
        raise XErr(ERR.NUM)
    y, mo, d = _ymd(ctx, s)
    if m > _shift(ctx, (y, mo, d), 12, False):
        raise XErr(ERR.NUM)
    return m - s


@reg("TBILLPRICE", "scalar, scalar, number", ctx=True, atp=True)
def TBILLPRICE(ctx: Ctx, settle: Any, mat: Any, discount: float) -> Any:
    dsm = _tbill_days(ctx, settle, mat)
    price = 100 * (1 - discount * dsm / 360)
    if discount <= 0 or price <= 0:
        return ERR.NUM
    return price


@reg("TBILLYIELD", "scalar, scalar, number", ctx=True, atp=True)
def TBILLYIELD(ctx: Ctx, settle: Any, mat: Any, pr: float) -> Any:
    dsm = _tbill_days(ctx, settle, mat)
    if pr <= 0:
        return ERR.NUM
    return (100 - pr) / pr * 360 / dsm


@reg("TBILLEQ", "scalar, scalar, number", ctx=True, atp=True)
def TBILLEQ(ctx: Ctx, settle: Any, mat: Any, discount: float) -> Any:
    """The bond-equivalent yield: Microsoft's 365 x rate / (360 - rate x DSM) up to 182
    days; beyond, the yield y of semi-annual compounding that the price p = 1 - rate x
    DSM/360 pays, p (1 + y/2)(1 + (t - 1/2) y) = 1 with t = DSM/365 (366 for 366 days)."""
    dsm = _tbill_days(ctx, settle, mat)
    if discount <= 0:
        return ERR.NUM
    if dsm <= 182:
        if 360 - discount * dsm <= 0:
            return ERR.NUM
        return 365 * discount / (360 - discount * dsm)
    price = 1 - discount * dsm / 360
    t = dsm / (366.0 if dsm == 366 else 365.0)
    disc = t * t - (2 * t - 1) * (1 - 1 / price) if price > 0 else -1.0
    if disc < 0:
        return ERR.NUM
    return 2 * (math.sqrt(disc) - t) / (2 * t - 1)


# ------------------------------------------------------------- accrued interest


def _par(par: Any) -> float:
    if par is None:
        return 1000.0
    from xlfuncs.recalc.functions._registry import c_number

    if type(par) is bool:
        raise XErr(ERR.VALUE)
    return c_number(par)


def _own_length(ctx: Ctx, lo: int, hi: int, freq: int, basis: int) -> float:
    """A quasi-coupon period's own length (ACCRINT): 30/360 with both ends moved on basis
    0, with the start moved on basis 2, European on 4, 365/frequency on 3, actual on 1."""
    if basis == 3:
        return 365.0 / freq
    if basis == 1:
        return float(hi - lo)
    return _days(ctx, lo, hi, 0 if basis == 2 else basis, both=basis == 0)


@reg("ACCRINT", "scalar, scalar, scalar, number, scalar, integer, integer=0, bool=TRUE",
     ctx=True, atp=True)
def ACCRINT(ctx: Ctx, issue: Any, first: Any, settle: Any, rate: float, par: Any, freq: int,
            basis: int, calc_method: bool) -> Any:
    """par x rate/frequency x the sum of A_i/NL_i over the quasi-coupon periods of the
    schedule through the first interest date, as Excel adds them: the days from the
    period before the first interest date (or, ``calc_method`` TRUE and a settlement after
    it, from the coupon date on or after settlement, negative) to settlement over a regular
    period, then back to the issue a whole period at a time (each 1 when ``calc_method``
    is TRUE, 0 when FALSE) and the issue's part of the period it falls in. Microsoft's DAX
    ACCRINT page: 116.944444444444 (TRUE) and 66.9444444444445 (FALSE). A left-out par
    is 1,000."""
    i, f, s = _dt(ctx, issue), _dt(ctx, first), _dt(ctx, settle)
    p = _par(par)
    _freq(freq)
    _basis(basis)
    if rate <= 0 or p <= 0 or i >= s:
        return ERR.NUM
    step = 12 // freq
    fy = _ymd(ctx, f)
    eom = _eom(fy)
    if s > f and calc_method:
        k = 1
        while _shift(ctx, fy, k * step, eom) < s:
            k += 1
    else:
        k = -1
    pcd = _shift(ctx, fy, k * step, eom)
    ref_lo, ref_hi = (_shift(ctx, fy, (k - 1) * step, eom), pcd) if k > 0 else (pcd, f)
    ref = _period_days(ctx, ref_lo, ref_hi, freq, basis)
    acc = _days(ctx, max(i, pcd), s, basis) / ref
    hi = pcd
    while hi > i:
        k -= 1
        lo = _shift(ctx, fy, k * step, eom)
        if i <= lo:
            acc += 1.0 if calc_method else 0.0
        else:
            acc += _days(ctx, i, hi, basis) / _own_length(ctx, lo, hi, freq, basis)
        hi = lo
    return p * rate / freq * acc


@reg("ACCRINTM", "scalar, scalar, number, scalar, integer=0", ctx=True, atp=True)
def ACCRINTM(ctx: Ctx, issue: Any, settle: Any, rate: float, par: Any, basis: int) -> Any:
    """par x rate x the year fraction from issue to maturity; a left-out par is 1,000."""
    i, s = _dt(ctx, issue), _dt(ctx, settle)
    p = _par(par)
    _basis(basis)
    if rate <= 0 or p <= 0 or i >= s:
        return ERR.NUM
    return p * rate * _yearfrac(ctx, i, s, basis)


# ------------------------------------------------------------- odd coupon periods


def _oddf_parts(ctx: Ctx, s: int, m: int, i: int, fc: int, freq: int, basis: int
                ) -> tuple[float, float, float, float, float]:
    """For an odd first period (issue ``i`` to first coupon ``fc``): DC (the odd coupon in
    regular coupons), A (the coupons accrued to settlement), DSC/E (the fraction of the
    settlement's period left), Nq (whole quasi-periods from there to the first coupon) and
    N (regular coupons after the first one), as Microsoft's two formulas (short and long
    first period) take them; the price is then one expression of these."""
    if not (m > fc > s > i) or _coupons(ctx, fc, m, freq)[0] != fc:
        # the first coupon must be a date of the maturity's schedule
        raise XErr(ERR.NUM)
    step = 12 // freq
    pcd, ncd, _ = _coupons(ctx, s, fc, freq)
    e = _period_days(ctx, pcd, ncd, freq, basis)
    n = float(_coupons(ctx, fc, m, freq)[2])
    dfc = _days(ctx, i, fc, basis)
    if dfc < e:  # short: one quasi-period, the settlement in it
        return dfc / e, _days(ctx, i, s, basis) / e, _days(ctx, s, fc, basis) / e, 0.0, n
    # long: the quasi-periods step back from the first coupon, each from the one after it
    nc = _coupons(ctx, i, fc, freq)[2]
    dc = a = 0.0
    hi, hi_ymd = fc, _ymd(ctx, fc)
    for k in range(nc, 0, -1):
        lo_ymd = _add_months(ctx, hi_ymd, -step, False)
        lo = _serial_of(ctx, lo_ymd)
        nl = float(hi - lo) if basis == 1 else e
        dc += (nl if k > 1 else _days(ctx, i, hi, basis)) / nl
        ai = _days(ctx, max(i, lo), min(s, hi), basis)
        a += max(ai, 0.0) / nl
        hi, hi_ymd = lo, lo_ymd
    dsc = float(ncd - s) if basis in (2, 3) else e - _days(ctx, pcd, s, basis)
    return dc, a, dsc / e, _quasi_count(ctx, s, fc, step), n


def _quasi_count(ctx: Ctx, s: int, fc: int, step: int) -> float:
    """Nq: the whole quasi-coupon periods between settlement and the first coupon, counted
    on from the settlement (on the last day of its month for a first coupon on the 29th
    or 30th of a month that is longer, not February, or on a month's last day)."""
    fy = _ymd(ctx, fc)
    eom = _eom(fy)
    if not eom and fy[1] != 2 and fy[2] > 28:
        eom = _eom(_ymd(ctx, s))
    sy = _ymd(ctx, s)
    start_ymd = _add_months(ctx, sy, 0, eom)
    count = 1.0 if s < _serial_of(ctx, start_ymd) else 0.0
    cur = _add_months(ctx, start_ymd, step, eom)
    while _serial_of(ctx, cur) < fc:
        cur = _add_months(ctx, cur, step, eom)
        count += 1
    return count


def _oddf_price(parts: tuple[float, float, float, float, float], rate: float, yld: float,
                redemption: float, freq: int) -> float:
    dc, a, x, nq, n = parts
    cpn = 100 * rate / freq
    v = 1 + yld / freq
    t0 = nq + x
    price = redemption / v ** (n + t0) + cpn * dc / v ** t0
    price += sum(cpn / v ** (k + t0) for k in range(1, int(n) + 1))
    return float(price - cpn * a)


@reg("ODDFPRICE",
     "scalar, scalar, scalar, scalar, number, number, number, integer, integer=0",
     ctx=True, atp=True)
def ODDFPRICE(ctx: Ctx, settle: Any, mat: Any, issue: Any, first: Any, rate: float, yld: float,
              redemption: float, freq: int, basis: int) -> Any:
    """Microsoft's price of a bond with an odd (short or long) first period."""
    s, m, i, fc = _dt(ctx, settle), _dt(ctx, mat), _dt(ctx, issue), _dt(ctx, first)
    parts = _oddf_parts(ctx, s, m, i, fc, _freq(freq), _basis(basis))
    if rate < 0 or yld < 0 or redemption <= 0:
        return ERR.NUM
    return _oddf_price(parts, rate, yld, redemption, freq)


@reg("ODDFYIELD",
     "scalar, scalar, scalar, scalar, number, number, number, integer, integer=0",
     ctx=True, atp=True)
def ODDFYIELD(ctx: Ctx, settle: Any, mat: Any, issue: Any, first: Any, rate: float, pr: float,
              redemption: float, freq: int, basis: int) -> Any:
    """The yield at which ODDFPRICE is ``pr``, by Newton's method."""
    s, m, i, fc = _dt(ctx, settle), _dt(ctx, mat), _dt(ctx, issue), _dt(ctx, first)
    parts = _oddf_parts(ctx, s, m, i, fc, _freq(freq), _basis(basis))
    if rate < 0 or pr <= 0 or redemption <= 0:
        return ERR.NUM

    def f(y: float) -> float:
        return _oddf_price(parts, rate, y, redemption, freq) - pr

    def df(y: float) -> float:
        h = 1e-7 * max(1.0, abs(y))
        return (f(y + h) - f(y - h)) / (2 * h)

    return _newton(f, df, max(rate, 0.05), -freq)


def _oddl_parts(ctx: Ctx, s: int, m: int, last: int, freq: int, basis: int
                ) -> tuple[float, float, float]:
    """For an odd last period (last interest ``last`` to maturity ``m``), over the quasi-
    coupon periods stepping on from the last interest date: the sums of DC_i/NL_i (last
    interest to maturity), A_i/NL_i (to settlement) and DSC_i/NL_i (settlement to
    maturity). NL_i is the period's own length (30/360 with both ends moved on basis 0,
    actual days on bases 1 to 3)."""
    if not (m > s > last):
        raise XErr(ERR.NUM)
    step = 12 // freq
    nc = _coupons(ctx, last, m, freq)[2]
    dc = a = dsc = 0.0
    lo = last
    lo_ymd = _ymd(ctx, last)
    for k in range(1, nc + 1):
        hi_ymd = _add_months(ctx, lo_ymd, step, False)
        hi = _serial_of(ctx, hi_ymd)
        nl = _days(ctx, lo, hi, basis, both=True)
        dci = nl if k < nc else _days(ctx, lo, m, basis, both=True)
        if hi < s:
            ai = dci
        elif lo < s:
            ai = _days(ctx, lo, s, basis)
        else:
            ai = 0.0
        dsci = max(_days(ctx, max(s, lo), min(m, hi), basis), 0.0)
        dc += dci / nl
        a += ai / nl
        dsc += dsci / nl
        lo, lo_ymd = hi, hi_ymd
    return dc, a, dsc


@reg("ODDLPRICE", "scalar, scalar, scalar, number, number, number, integer, integer=0",
     ctx=True, atp=True)
def ODDLPRICE(ctx: Ctx, settle: Any, mat: Any, last: Any, rate: float, yld: float,
              redemption: float, freq: int, basis: int) -> Any:
    """Microsoft's price of a bond with an odd last period."""
    s, m, li = _dt(ctx, settle), _dt(ctx, mat), _dt(ctx, last)
    dc, a, dsc = _oddl_parts(ctx, s, m, li, _freq(freq), _basis(basis))
    if rate < 0 or yld < 0 or redemption <= 0:
        return ERR.NUM
    cpn = 100 * rate / freq
    return (redemption + dc * cpn) / (1 + dsc * yld / freq) - a * cpn


@reg("ODDLYIELD", "scalar, scalar, scalar, number, number, number, integer, integer=0",
     ctx=True, atp=True)
def ODDLYIELD(ctx: Ctx, settle: Any, mat: Any, last: Any, rate: float, pr: float,
              redemption: float, freq: int, basis: int) -> Any:
    """Microsoft's closed form (ODDLPRICE solved for the yield)."""
    s, m, li = _dt(ctx, settle), _dt(ctx, mat), _dt(ctx, last)
    dc, a, dsc = _oddl_parts(ctx, s, m, li, _freq(freq), _basis(basis))
    if rate < 0 or pr <= 0 or redemption <= 0:
        return ERR.NUM
    cpn = 100 * rate / freq
    paid = pr + a * cpn
    return (redemption + dc * cpn - paid) / paid * freq / dsc


# ------------------------------------------------------- French depreciation


def _round_half_up(x: float) -> float:
    """Rounded to a whole number, halves away from zero, after rounding to 13 decimals (so
    that 329.49999999999994 from 0.366 x 0.375 x 2400 is 330, as Excel shows it)."""
    x = round(x, 13)
    return float(math.floor(x + 0.5)) if x >= 0 else -float(math.floor(-x + 0.5))


def _amor_args(ctx: Ctx, cost: float, bought: Any, first: Any, salvage: float, period: float,
               rate: float, basis: int) -> float:
    """The first period's share of a year: its days by ``basis`` over the days of the
    purchase year (366 in a leap year on actual/actual; 29 February counts as the 28th on
    bases 1 and 3); checks the arguments (basis 2 is not one of the bases these functions
    take: #NUM!)."""
    b, f = _dt(ctx, bought), _dt(ctx, first)
    if basis not in (0, 1, 3, 4) or cost < 0 or salvage < 0 or salvage > cost or rate <= 0 \
            or period < 0 or b > f:
        raise XErr(ERR.NUM)
    by = _ymd(ctx, b)
    if basis in (1, 3):
        b, f = (_feb28(ctx, x) for x in (b, f))
    year = (366.0 if calendar.isleap(by[0]) else 365.0) if basis == 1 else _year_days(
        ctx, b, f, basis)
    return _days(ctx, b, f, basis) / year


def _feb28(ctx: Ctx, n: int) -> int:
    _, m, d = _ymd(ctx, n)
    return n - 1 if m == 2 and d == 29 else n


@reg("AMORLINC", "number, scalar, scalar, number, number, number, integer=0", ctx=True,
     atp=True)
def AMORLINC(ctx: Ctx, cost: float, bought: Any, first: Any, salvage: float, period: float,
             rate: float, basis: int) -> Any:
    """Straight-line depreciation of the French system: period 0 is the first period
    prorated by its share of a year (a whole one when it has no days), then cost x rate a
    period until the asset is down to its salvage value, then 0; nothing after the life
    of ceil(1/rate) periods. A fraction of a period counts as the whole periods in it (a
    period between 0 and 1 is cost x rate: Excel's values in the test data of
    fsprojects/ExcelFinancialFunctions, amorlinc.test)."""
    t0 = _amor_args(ctx, cost, bought, first, salvage, period, rate, basis)
    if cost == salvage or period > math.ceil(1 / rate):
        return 0.0
    full = cost * rate
    avail = cost - salvage
    first_dep = min(t0 * full or full, avail)
    if period == 0:
        return first_dep
    avail -= first_dep
    dep = full
    for _ in range(math.floor(period)):
        dep = min(dep, avail)
        avail = max(avail - dep, 0.0)
    return dep


@reg("AMORDEGRC", "number, scalar, scalar, number, number, number, integer=0", ctx=True,
     atp=True)
def AMORDEGRC(ctx: Ctx, cost: float, bought: Any, first: Any, salvage: float, period: float,
              rate: float, basis: int) -> Any:
    """Declining-balance depreciation of the French system: the rate times the coefficient
    of the asset's life 1/rate (1.5 for 3 to 4 years, 2 for 5 to 6, 2.5 beyond; a life
    between 0 and 1, 1 and 2, 2 and 3 or 4 and 5 is #NUM!). Period 0 is the first period
    prorated by its share of a year; the later ones take the rate of the remaining value,
    half of it in the period before the last (the life of ceil(1/rate) periods, one more
    after a partial first period) and all of it in the last, nothing once the value is
    below the salvage value or past the life; each result rounded to a whole number (a
    period between 0 and 1 is 0: Excel's values in the test data of
    fsprojects/ExcelFinancialFunctions, amordegrc.test)."""
    t0 = _amor_args(ctx, cost, bought, first, salvage, period, rate, basis)
    life = 1 / rate
    if life < 1 or 1 < life < 2 or 2 < life < 3 or 4 < life < 5:
        return ERR.NUM
    whole = math.ceil(life)
    if cost == salvage or period > whole:
        return 0.0
    coeff = 1.5 if 3 <= whole <= 4 else 2.0 if 5 <= whole <= 6 else 2.5 if whole > 6 else 1.0
    r = rate * coeff
    first_dep = t0 * r * cost
    periods = whole + 1 if first_dep else whole
    first_dep = _round_half_up(min(first_dep or r * cost, cost - salvage))
    if period == 0:
        return first_dep
    value = cost - first_dep
    dep = 0.0
    k = 1
    while k <= period:
        k += 1
        left = periods - k
        step = value * 0.5 if left == 2 else r * value
        if left == 2:
            r = 1.0
        dep = 0.0 if value < salvage else step
        value -= dep
    return _round_half_up(dep)
