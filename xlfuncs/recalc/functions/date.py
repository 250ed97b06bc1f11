"""Date and time functions. Dates are serial numbers of Excel's calendar (1900 system with
its fictitious 1900-02-29, or the 1904 system when the workbook uses it)."""

from __future__ import annotations

import calendar
import datetime as _dt
import math
import re
from typing import Any

from xlfuncs.errors import ExcelError
from xlfuncs.recalc.functions._helpers import flat
from xlfuncs.recalc.functions._registry import Ctx, XErr, registrar
from xlfuncs.recalc.values import Rng, date_to_serial, serial_ymd, text_to_num

ERR = ExcelError
reg = registrar("date")


def _ymd(ctx: Ctx, v: float) -> tuple[int, int, int]:
    res = serial_ymd(v, ctx.date1904)
    if res is None:
        raise XErr(ERR.NUM)
    return res


def _serial(ctx: Ctx, y: int, m: int, d: int) -> float:
    """Serial of a valid date (day 29 of February 1900 included)."""
    if not ctx.date1904 and (y, m, d) == (1900, 2, 29):
        return 60.0
    if not ctx.date1904 and (y, m, d) == (1900, 1, 0):
        return 0.0
    return float(date_to_serial(_dt.date(y, m, d), ctx.date1904))


def _day(ctx: Ctx, v: float) -> int:
    """A date argument as a whole serial (negative or beyond 9999-12-31: ``#NUM!``)."""
    n = math.floor(v)
    if n < 0 or n > (2957003 if ctx.date1904 else 2958465):
        raise XErr(ERR.NUM)
    return n


@reg("YEAR", "number", ctx=True)
def YEAR(ctx: Ctx, x: float) -> Any:
    return float(_ymd(ctx, x)[0])


@reg("MONTH", "number", ctx=True)
def MONTH(ctx: Ctx, x: float) -> Any:
    return float(_ymd(ctx, x)[1])


@reg("DAY", "number", ctx=True)
def DAY(ctx: Ctx, x: float) -> Any:
    return float(_ymd(ctx, x)[2])


def date_serial(ctx: Ctx, y: int, m: int, d: int) -> float:
    """DATE(y, m, d) with Excel's overflow of months and days."""
    if 0 <= y < 1900 and not ctx.date1904:
        y += 1900
    elif 0 <= y < 1900:
        y += 1900
    y += (m - 1) // 12
    m = (m - 1) % 12 + 1
    if y < (1904 if ctx.date1904 else 1900) or y > 9999:
        raise XErr(ERR.NUM)
    base = date_to_serial(_dt.date(y, m, 1), ctx.date1904)
    if not ctx.date1904 and (y, m) < (1900, 3):
        pass  # serials before March 1900 already count Excel's 1900-02-29
    s = base + d - 1
    if s < 0 or s > (2957003 if ctx.date1904 else 2958465):
        raise XErr(ERR.NUM)
    return float(s)


@reg("DATE", "integer, integer, integer", ctx=True)
def DATE(ctx: Ctx, y: int, m: int, d: int) -> Any:
    return date_serial(ctx, y, m, d)


@reg("TIME", "integer, integer, integer")
def TIME(h: int, m: int, s: int) -> Any:
    total = h * 3600 + m * 60 + s
    if total < 0 or h > 32767 or m > 32767 or s > 32767:
        return ERR.NUM
    return (total % 86400) / 86400.0


@reg("TODAY", "", ctx=True, volatile=True)
def TODAY(ctx: Ctx) -> Any:
    return ctx.today


@reg("NOW", "", ctx=True, volatile=True)
def NOW(ctx: Ctx) -> Any:
    return ctx.now


def _hms(v: float) -> tuple[int, int, int]:
    if v < 0:
        raise XErr(ERR.NUM)
    secs = round((v - math.floor(v)) * 86400)
    if secs >= 86400:
        secs -= 86400
    h, rem = divmod(secs, 3600)
    m, s = divmod(rem, 60)
    return h, m, s


def _time_arg(x: Any, ctx: Ctx) -> float:
    if type(x) is str:
        v = parse_datetime(x, ctx)
        if v is None:
            # numeric text is a serial too: HOUR("1.25") is 6 (Sheet1!F14 of
            # dgorissen+pycel/date-time.xlsx), HOUR("3") 0
            n = text_to_num(x, ctx.date1904)
            if isinstance(n, ExcelError):
                raise XErr(ERR.VALUE)
            return float(n)
        return v
    from xlfuncs.recalc.functions._registry import c_number

    return c_number(x)


@reg("HOUR", "scalar", ctx=True)
def HOUR(ctx: Ctx, x: Any) -> Any:
    return float(_hms(_time_arg(x, ctx))[0])


@reg("MINUTE", "scalar", ctx=True)
def MINUTE(ctx: Ctx, x: Any) -> Any:
    return float(_hms(_time_arg(x, ctx))[1])


@reg("SECOND", "scalar", ctx=True)
def SECOND(ctx: Ctx, x: Any) -> Any:
    return float(_hms(_time_arg(x, ctx))[2])


# ------------------------------------------------------------------ text to date

_MON = {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}
_MON.update({m.lower(): i for i, m in enumerate(calendar.month_name) if m})
_TIME_RE = re.compile(
    r"(?:^|\s)(\d+):(\d+(?:\.\d*)?)(?::(\d+(?:\.\d*)?))?\s*(am|pm|a|p)?$", re.IGNORECASE
)
_TIME_ONLY_RE = re.compile(r"^(\d{1,2})\s*(am|pm)$", re.IGNORECASE)


def _year(y: str) -> int:
    n = int(y)
    if len(y) <= 2:
        n += 2000 if n < 30 else 1900
    return n


def _date_part(s: str) -> tuple[int, int, int] | None:
    t = s.strip().rstrip(",").strip()
    if not t:
        return None
    m = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", t)
    if m:
        return int(m[1]), int(m[2]), int(m[3])
    m = re.fullmatch(r"(\d{1,2})[/\-.](\d{1,2})[/\-.](\d{2,4})", t)
    if m:
        a, b, y = int(m[1]), int(m[2]), _year(m[3])
        if a <= 12:
            return y, a, b  # month/day/year (en-US)
        return y, b, a  # day/month/year when the first part cannot be a month
    m = re.fullmatch(r"(\d{1,2})[/\-](\d{1,2})", t)
    if m:
        return -1, int(m[1]), int(m[2])  # month/day of the current year
    m = re.fullmatch(r"(\d{1,2})[\s\-/]+([A-Za-z]+)\.?[\s\-/,]+(\d{2,4})", t)
    if m and m[2].lower() in _MON:
        return _year(m[3]), _MON[m[2].lower()], int(m[1])
    m = re.fullmatch(r"([A-Za-z]+)\.?[\s\-/]+(\d{1,2})(?:st|nd|rd|th)?[\s,\-/]+(\d{2,4})", t)
    if m and m[1].lower() in _MON:
        return _year(m[3]), _MON[m[1].lower()], int(m[2])
    m = re.fullmatch(r"([A-Za-z]+)\.?[\s\-/]+(\d{4})", t)
    if m and m[1].lower() in _MON:
        return int(m[2]), _MON[m[1].lower()], 1
    m = re.fullmatch(r"(\d{1,2})[\s\-/]+([A-Za-z]+)\.?", t)
    if m and m[2].lower() in _MON:
        return -1, _MON[m[2].lower()], int(m[1])
    return None


def parse_datetime(text: str, ctx: Ctx, need_date: bool = False) -> float | None:
    """A date and/or time typed as text, as a serial (``None`` when it is not one)."""
    s = text.strip()
    if not s:
        return None
    frac = 0.0
    has_time = False
    m = _TIME_RE.search(s)
    if m:
        # the last part may overflow up to 9999 (Excel reads "23:99" as 24:39, not
        # "23:10000"); "m:s.f" when the second of two parts has decimals; an hour past 23
        # takes no overflowing minutes ("24:99" stays text): dgorissen+pycel/text.xlsx
        # TextDates!C30:C48
        last = m[3] if m[3] is not None else m[2]
        if float(last) >= 10000 or (m[3] is not None and "." in m[2]):
            return None
        if m[3] is None and "." in m[2] and not m[2].endswith("."):
            h, mi, sec = 0, int(m[1]), float(m[2])
            if mi > 59:
                return None
        else:
            h, mi = int(m[1]), int(float(m[2]))
            sec = float(m[3]) if m[3] else 0.0
            if m[3] is not None and mi > 59:
                return None
            if m[3] is None and h > 23 and mi > 59:
                return None
        ap = (m[4] or "").lower()
        if ap:
            if h > 12 or h == 0:
                return None
            if ap.startswith("p") and h != 12:
                h += 12
            if ap.startswith("a") and h == 12:
                h = 0
        frac = (h * 3600 + mi * 60 + sec) / 86400.0
        has_time = True
        s = s[: m.start()].strip()
    else:
        m2 = _TIME_ONLY_RE.match(s)
        if m2:
            h = int(m2[1])
            if h > 12 or h == 0:
                return None
            if m2[2].lower() == "pm" and h != 12:
                h += 12
            if m2[2].lower() == "am" and h == 12:
                h = 0
            return h / 24.0
    if not s:
        return None if need_date else frac
    ymd = _date_part(s)
    if ymd is None:
        return None
    y, mo, d = ymd
    if y == -1:
        y = _ymd(ctx, ctx.today)[0]
    if not 1 <= mo <= 12 or d < 1:
        return None
    if not ctx.date1904 and (y, mo, d) == (1900, 2, 29):
        return 60.0 + frac
    try:
        _dt.date(y, mo, d)
    except ValueError:
        return None
    if y < (1904 if ctx.date1904 else 1900) or y > 9999:
        return None
    _ = has_time
    return _serial(ctx, y, mo, d) + frac


@reg("DATEVALUE", "scalar", ctx=True)
def DATEVALUE(ctx: Ctx, x: Any) -> Any:
    if type(x) is not str:
        return ERR.VALUE
    v = parse_datetime(x, ctx, need_date=True)
    if v is None:
        return ERR.VALUE
    return float(math.floor(v))


@reg("TIMEVALUE", "scalar", ctx=True)
def TIMEVALUE(ctx: Ctx, x: Any) -> Any:
    if type(x) is not str:
        return ERR.VALUE
    v = parse_datetime(x, ctx)
    if v is None:
        return ERR.VALUE
    return v - math.floor(v)


# ------------------------------------------------------------------ months and days


def _date_arg(ctx: Ctx, x: Any) -> float:
    """A date argument of the analysis functions (EDATE, WORKDAY...): a number, or text
    that reads as a date; logicals are ``#VALUE!``."""
    t = type(x)
    if t is float or t is int:
        return float(x)
    if x is None:
        return 0.0
    if t is str:
        v = parse_datetime(x, ctx)
        if v is None:
            from xlfuncs.recalc.values import text_to_num

            n = text_to_num(x)
            if type(n) is ExcelError:
                raise XErr(ERR.VALUE)
            return float(n)  # type: ignore[arg-type]
        return v
    if t is ExcelError:
        raise XErr(x)
    raise XErr(ERR.VALUE)


def _add_months(ctx: Ctx, start: Any, months: Any, end_of_month: bool) -> float:
    sv = _date_arg(ctx, start)
    k = math.trunc(_date_arg(ctx, months))
    if sv < 0:
        raise XErr(ERR.NUM)
    y, m, d = _ymd(ctx, sv)
    if d == 0:
        # serial 0 is 0 January 1900: EDATE(0,0) is 0 and EOMONTH(0,0) 31, and day 0 of a
        # later month is the last day of the one before (DATE & TIME!V9, V10, W9, W10 of
        # vinci1it2000+formulas/test.xlsx)
        y, m = 1900, 1
    total = y * 12 + (m - 1) + k
    ny, nm = divmod(total, 12)
    nm += 1
    if ny < (1904 if ctx.date1904 else 1900) or ny > 9999:
        raise XErr(ERR.NUM)
    last = calendar.monthrange(ny, nm)[1]
    day = last if end_of_month else min(d, last)
    if day == 0:
        return _serial(ctx, ny, nm, 1) - 1
    return _serial(ctx, ny, nm, day)


@reg("EDATE", "scalar, scalar", ctx=True, atp=True)
def EDATE(ctx: Ctx, start: Any, months: Any) -> Any:
    return _add_months(ctx, start, months, False)


@reg("EOMONTH", "scalar, scalar", ctx=True, atp=True)
def EOMONTH(ctx: Ctx, start: Any, months: Any) -> Any:
    return _add_months(ctx, start, months, True)


def _dow(ctx: Ctx, n: int) -> int:
    """0 = Sunday ... 6 = Saturday (serial 1 of the 1900 system is a Sunday)."""
    if ctx.date1904:
        n += 1462
    return (n - 1) % 7 if n >= 1 else 6


_WEEKDAY_START = {1: 0, 2: 1, 3: 1, 11: 1, 12: 2, 13: 3, 14: 4, 15: 5, 16: 6, 17: 0}


@reg("WEEKDAY", "number, integer=1", ctx=True)
def WEEKDAY(ctx: Ctx, x: float, k: int) -> Any:
    n = _day(ctx, x)
    first = _WEEKDAY_START.get(k)
    if first is None:
        return ERR.NUM
    dow = _dow(ctx, n)
    pos = (dow - first) % 7
    return float(pos if k == 3 else pos + 1)


_WEEKNUM_START = {1: 0, 2: 1, 11: 1, 12: 2, 13: 3, 14: 4, 15: 5, 16: 6, 17: 0}


@reg("WEEKNUM", "number, integer=1", ctx=True, atp=True)
def WEEKNUM(ctx: Ctx, x: float, k: int) -> Any:
    n = _day(ctx, x)
    if k == 21:
        return ISOWEEKNUM.__wrapped__(ctx, x)  # type: ignore[attr-defined]
    first = _WEEKNUM_START.get(k)
    if first is None:
        return ERR.NUM
    y = _ymd(ctx, n)[0]
    jan1 = int(_serial(ctx, y, 1, 1))
    offset = (_dow(ctx, jan1) - first) % 7
    return float((n - jan1 + offset) // 7 + 1)


@reg("ISOWEEKNUM", "number", ctx=True)
def ISOWEEKNUM(ctx: Ctx, x: float) -> Any:
    """The ISO week of a serial, on Excel's own calendar: in the 1900 system serial 1 is a
    Sunday (1900-01-01 is in week 52 of 1899, 1900-01-08 in week 1: DATE & TIME!S12:Y12 of
    vinci1it2000+formulas/test.xlsx), a day off the real calendar before 1 March 1900."""
    n = _day(ctx, x)
    if ctx.date1904:
        y, m, d = _ymd(ctx, n)
        return float(_dt.date(y, m, d).isocalendar()[1])
    iso_wd = (n + 5) % 7 + 1  # Monday 1 .. Sunday 7; serial 1 (and 0) is a Sunday
    thu = n - iso_wd + 4  # the Thursday of the week names its year
    year = _ymd(ctx, thu)[0] if thu >= 1 else 1899
    jan1 = _serial(ctx, year, 1, 1) if year >= 1900 else -364.0
    return float((thu - jan1) // 7 + 1)


@reg("DAYS", "scalar, scalar", ctx=True)
def DAYS(ctx: Ctx, end: Any, start: Any) -> Any:
    e = _date_arg(ctx, end)
    s = _date_arg(ctx, start)
    return float(math.floor(e) - math.floor(s))


def _is_last_of_feb(y: int, m: int, d: int) -> bool:
    return m == 2 and d == calendar.monthrange(y, 2)[1]


@reg("DAYS360", "scalar, scalar, bool=FALSE", ctx=True)
def DAYS360(ctx: Ctx, start: Any, end: Any, european: bool) -> Any:
    y1, m1, d1 = _ymd(ctx, _day(ctx, _date_arg(ctx, start)))
    y2, m2, d2 = _ymd(ctx, _day(ctx, _date_arg(ctx, end)))
    if european:
        d1 = min(d1, 30)
        d2 = min(d2, 30)
    else:
        if d1 == 31 or _is_last_of_feb(y1, m1, d1):
            d1 = 30
        if d2 == 31:
            if d1 < 30:
                d2 = 1
                m2 += 1
                if m2 > 12:
                    m2, y2 = 1, y2 + 1
            else:
                d2 = 30
    return float((y2 - y1) * 360 + (m2 - m1) * 30 + (d2 - d1))


@reg("DATEDIF", "scalar, scalar, text", ctx=True)
def DATEDIF(ctx: Ctx, start: Any, end: Any, unit: str) -> Any:
    # not an Analysis ToolPak function: a logical is a number here (DATE & TIME!X4 of
    # vinci1it2000+formulas/test.xlsx: DATEDIF(TRUE,"-1","YD") is #NUM!, not #VALUE!)
    if type(start) is bool:
        start = float(start)
    if type(end) is bool:
        end = float(end)
    s = _day(ctx, _date_arg(ctx, start))
    e = _day(ctx, _date_arg(ctx, end))
    if s > e:
        return ERR.NUM
    y1, m1, d1 = _ymd(ctx, s)
    y2, m2, d2 = _ymd(ctx, e)
    u = unit.upper()
    months = (y2 - y1) * 12 + (m2 - m1) - (1 if d2 < d1 else 0)
    if u == "D":
        return float(e - s)
    if u == "M":
        return float(months)
    if u == "Y":
        return float(months // 12)
    if u == "YM":
        return float(months % 12)
    if u == "MD":
        if d2 >= d1:
            return float(d2 - d1)
        pm, py = (m2 - 1, y2) if m2 > 1 else (12, y2 - 1)
        return float(calendar.monthrange(py, pm)[1] - d1 + d2) if d1 <= calendar.monthrange(
            py, pm)[1] else float(d2)
    if u == "YD":
        yy = y2 if (m2, d2) >= (m1, d1) else y2 - 1
        try:
            anchor = _dt.date(yy, m1, d1)
        except ValueError:
            anchor = _dt.date(yy, m1, 28) + _dt.timedelta(days=1)
        return float((_dt.date(y2, m2, d2) - anchor).days)
    return ERR.NUM


def _leap(y: int) -> bool:
    return calendar.isleap(y)


@reg("YEARFRAC", "any, any, any=0", ctx=True, atp=True)
def YEARFRAC(ctx: Ctx, start: Any, end: Any, basis_arg: Any) -> Any:
    from xlfuncs.recalc.functions._registry import c_integer

    if type(basis_arg) is bool:  # Excel checks the basis first
        return ERR.VALUE
    basis = c_integer(basis_arg)
    if not 0 <= basis <= 4:
        return ERR.NUM
    s = _day(ctx, _date_arg(ctx, start))
    e = _day(ctx, _date_arg(ctx, end))
    if s > e:
        s, e = e, s
    if s == e:
        return 0.0
    y1, m1, d1 = _ymd(ctx, s)
    y2, m2, d2 = _ymd(ctx, e)
    if basis == 0:
        if _is_last_of_feb(y1, m1, d1) and _is_last_of_feb(y2, m2, d2):
            d2 = 30
        if _is_last_of_feb(y1, m1, d1):
            d1 = 30
        if d2 == 31 and d1 >= 30:
            d2 = 30
        if d1 == 31:
            d1 = 30
        return ((y2 - y1) * 360 + (m2 - m1) * 30 + (d2 - d1)) / 360.0
    if basis == 4:
        d1 = min(d1, 30)
        d2 = min(d2, 30)
        return ((y2 - y1) * 360 + (m2 - m1) * 30 + (d2 - d1)) / 360.0
    days = e - s
    if basis == 2:
        return days / 360.0
    if basis == 3:
        return days / 365.0
    # basis 1: actual/actual
    if y1 == y2 or (y2 == y1 + 1 and (m1 > m2 or (m1 == m2 and d1 >= d2))):
        if y1 == y2:
            ylen = 366 if _leap(y1) else 365
        else:
            feb29 = False
            if _leap(y1) and (m1, d1) <= (2, 29):
                feb29 = True
            if _leap(y2) and (m2, d2) >= (2, 29):
                feb29 = True
            ylen = 366 if feb29 else 365
        return days / ylen
    total = sum(366 if _leap(y) else 365 for y in range(y1, y2 + 1))
    return days / (total / (y2 - y1 + 1))


# ------------------------------------------------------------------ working days


def _weekend_mask(w: Any) -> list[bool]:
    """Weekend days as 7 flags, Monday first."""
    if type(w) is str:
        if len(w) != 7 or any(ch not in "01" for ch in w) or w == "1111111":
            raise XErr(ERR.VALUE)
        return [ch == "1" for ch in w]
    if w is None:
        n = 1
    else:
        from xlfuncs.recalc.functions._registry import c_integer

        n = c_integer(w)
    pairs = {1: (5, 6), 2: (6, 0), 3: (0, 1), 4: (1, 2), 5: (2, 3), 6: (3, 4), 7: (4, 5)}
    if n in pairs:
        a, b = pairs[n]
        return [i in (a, b) for i in range(7)]
    if 11 <= n <= 17:
        return [i == (n - 11 + 6) % 7 for i in range(7)]
    raise XErr(ERR.NUM)


def _holidays(ctx: Ctx, h: Any) -> set[int]:
    if h is None:
        return set()
    out = set()
    for v in flat(h) if (type(h) is Rng or type(h) is list) else [h]:
        if v is None:
            continue
        if type(v) is ExcelError:
            raise XErr(v)
        out.add(math.floor(_date_arg(ctx, v)))
    return out


def _is_weekend(ctx: Ctx, n: int, mask: list[bool]) -> bool:
    dow = _dow(ctx, n)  # 0 = Sunday
    return mask[(dow + 6) % 7]


def _networkdays(ctx: Ctx, start: Any, end: Any, mask: list[bool], hol: Any) -> Any:
    s = _day(ctx, _date_arg(ctx, start))
    e = _day(ctx, _date_arg(ctx, end))
    hs = _holidays(ctx, hol)
    sign = 1
    if s > e:
        s, e, sign = e, s, -1
    n = 0
    full, rest = divmod(e - s + 1, 7)
    n = full * (7 - sum(mask))
    for k in range(rest):
        if not _is_weekend(ctx, s + full * 7 + k, mask):
            n += 1
    for h in hs:
        if s <= h <= e and not _is_weekend(ctx, h, mask):
            n -= 1
    return float(sign * n)


@reg("NETWORKDAYS", "scalar, scalar, ref=-", ctx=True, atp=True)
def NETWORKDAYS(ctx: Ctx, start: Any, end: Any, hol: Any = None) -> Any:
    return _networkdays(ctx, start, end, _weekend_mask(1), hol)


@reg("NETWORKDAYS.INTL", "scalar, scalar, scalar=1, ref=-", ctx=True)
def NETWORKDAYS_INTL(ctx: Ctx, start: Any, end: Any, wk: Any, hol: Any = None) -> Any:
    return _networkdays(ctx, start, end, _weekend_mask(wk), hol)


def _workday(ctx: Ctx, start: Any, days: Any, mask: list[bool], hol: Any) -> Any:
    s = _day(ctx, _date_arg(ctx, start))
    k = math.trunc(_date_arg(ctx, days))
    hs = _holidays(ctx, hol)
    step = 1 if k >= 0 else -1
    n = s
    left = abs(k)
    while left:
        n += step
        if not _is_weekend(ctx, n, mask) and n not in hs:
            left -= 1
    if n < 0 or n > 2958465:
        return ERR.NUM
    return float(n)


@reg("WORKDAY", "scalar, scalar, ref=-", ctx=True, atp=True)
def WORKDAY(ctx: Ctx, start: Any, days: Any, hol: Any = None) -> Any:
    return _workday(ctx, start, days, _weekend_mask(1), hol)


@reg("WORKDAY.INTL", "scalar, scalar, scalar=1, ref=-", ctx=True)
def WORKDAY_INTL(ctx: Ctx, start: Any, days: Any, wk: Any, hol: Any = None) -> Any:
    return _workday(ctx, start, days, _weekend_mask(wk), hol)
