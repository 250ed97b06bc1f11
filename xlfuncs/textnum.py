"""Text that stands for a number: the one policy of the whole product.

Excel turns text into a number wherever a number is expected (``=A1+0``, ``VALUE(A1)``, a
function argument) when the text is "in any of the constant number, date, or time formats
recognized by Microsoft Excel" (Microsoft, VALUE function); otherwise the result is
``#VALUE!``. Both the recalculation engine (:mod:`xlfuncs.recalc.values`) and the Excel
functions (:mod:`xlfuncs.functions`) call :func:`number_from_text`, so ``=A1+0`` and
``=LICENSECOST(A1)`` read the same text as the same number.

The rules are those of the invariant (en-US) locale, which is how batch recalculation reads
every file (a workbook does not record the locale of the machine that will open it):

* leading and trailing spaces (U+0020 only) are ignored; nothing else is trimmed;
* an optional sign, ``+`` or ``-``, or parentheses around the whole number for a negative
  amount, ``(5)`` = -5, as Excel's accounting format writes it;
* an optional dollar sign after the sign or inside the parentheses: ``$1,000`` = 1000 (the
  example of Microsoft's VALUE page), ``-$5`` = -5, ``($5)`` = -5;
* digits 0-9 only, with commas as thousands separators only in whole groups of three
  (``1,200`` = 1200, ``12,00`` and ``1,2`` are not numbers), a point as the decimal separator
  (``.5`` and ``5.`` are numbers), an exponent (``1e3``, ``2.5E-2``) only without thousands
  separators;
* a trailing percent sign divides by 100 (``5%`` = 0.05, also ``5 %``), not together with a
  dollar sign or parentheses;
* dates ``yyyy-mm-dd`` and ``m/d/yyyy`` (the en-US order) from 1900 (1904 in the 1904 date
  system) to 9999 as their serial numbers, ``2/29/1900`` as Excel's fictitious serial 60;
* times ``h:mm``, ``h:mm:ss`` and ``h:mm:ss.fff`` with an optional ``AM``/``PM`` as fractions
  of a day (``16:48:00`` - ``12:00:00`` = 0.2, the other example of the VALUE page), alone or
  after a date.

Refused, although Python's :func:`float` takes them: underscores (``1_5``), digits of other
scripts (full-width ``１２``, Arabic-Indic ``١٢``), ``nan``, ``inf``, ``infinity``, hexadecimal
(``0x10``), other white space (tabs, no-break spaces) and numbers too large for a double.
Decimal commas (``1,5``) and space-grouped thousands (``1 200``) are other locales' and are
refused as well.

>>> number_from_text("1,200"), number_from_text(" -1.5e3 "), number_from_text("5%")
(1200.0, -1500.0, 0.05)
>>> number_from_text("$1,000"), number_from_text("(2,500.50)")
(1000.0, -2500.5)
>>> number_from_text("2024-01-31"), number_from_text("1/31/2024"), number_from_text("18:00")
(45322.0, 45322.0, 0.75)
>>> [number_from_text(t) for t in ("1,2", "1_5", "nan", "inf", "0x10", "１２", "1 200", "")]
[None, None, None, None, None, None, None, None]
"""

from __future__ import annotations

import datetime as _dt
import re

__all__ = ["number_from_text"]

#: a number without sign: digits in thousands groups (no exponent), or plain digits with an
#: optional fraction and exponent
_NUMBER = (
    r"(?:[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?"
    r"|(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)"
)
_NUMBER_RE = re.compile(
    rf" *(?:(?P<sign>[+-])?(?P<cur>\$)?(?P<num>{_NUMBER})(?P<pct> *%)?"
    rf"|\(\$?(?P<neg>{_NUMBER})\)) *",
    re.ASCII,
)
_TIME_RE = re.compile(
    r" *(?P<h>[0-9]{1,4}):(?P<m>[0-9]{1,2})(?::(?P<s>[0-9]{1,2}(?:\.[0-9]+)?))?"
    r"(?: *(?P<ampm>[AaPp][Mm]))? *",
    re.ASCII,
)
#: a date, then optionally spaces and a time (``rest``)
_DATE_RE = re.compile(
    r" *(?:(?P<y>[0-9]{4})-(?P<mo>[0-9]{1,2})-(?P<d>[0-9]{1,2})"
    r"|(?P<us_mo>[0-9]{1,2})/(?P<us_d>[0-9]{1,2})/(?P<us_y>[0-9]{4}))(?P<rest>(?: .*)?)",
    re.ASCII | re.DOTALL,
)
_EPOCH_1900 = _dt.date(1899, 12, 30)
_EPOCH_1904 = _dt.date(1904, 1, 1)


def number_from_text(text: str, *, date1904: bool = False) -> float | None:
    """The number ``text`` stands for in Excel (en-US), or ``None`` when it is no number.

    ``date1904``: dates are serials of the 1904 date system (the workbook setting).

    >>> number_from_text("+.5"), number_from_text("5."), number_from_text("1,000.")
    (0.5, 5.0, 1000.0)
    >>> number_from_text("1,000e3"), number_from_text("$5%"), number_from_text("(-5)")
    (None, None, None)
    >>> number_from_text("1e400"), number_from_text("\\u00a012"), number_from_text("\\t12")
    (None, None, None)
    >>> number_from_text("12:00 PM"), number_from_text("2/29/1900"), number_from_text("1/1/1899")
    (0.5, 60.0, None)
    >>> number_from_text("1904-01-02", date1904=True)
    1.0
    """
    m = _NUMBER_RE.fullmatch(text)
    if m is not None:
        neg = m.group("neg")
        if neg is not None:
            x = -float(neg.replace(",", ""))
        else:
            x = float(m.group("num").replace(",", ""))
            if m.group("pct") is not None:
                if m.group("cur") is not None:
                    return None
                x /= 100.0
            if m.group("sign") == "-":
                x = -x
        if x - x != 0.0:  # too large for a double: Excel keeps such text as text
            return None
        return x + 0.0  # no negative zero
    if ":" in text or "-" in text or "/" in text:
        return _date_time(text, date1904)
    return None


def _date_time(text: str, date1904: bool) -> float | None:
    m = _DATE_RE.fullmatch(text)
    if m is None:
        return _time(text)
    if m.group("y") is not None:
        y, mo, d = int(m.group("y")), int(m.group("mo")), int(m.group("d"))
    else:
        y, mo, d = int(m.group("us_y")), int(m.group("us_mo")), int(m.group("us_d"))
    day = _serial(y, mo, d, date1904)
    if day is None:
        return None
    rest = m.group("rest")
    if not rest.strip(" "):
        return float(day)
    fraction = _time(rest)
    return None if fraction is None else day + fraction


def _serial(y: int, mo: int, d: int, date1904: bool) -> int | None:
    """Serial of a calendar date in Excel's range, Excel's 1900-02-29 included."""
    if not date1904 and (y, mo, d) == (1900, 2, 29):
        return 60
    try:
        when = _dt.date(y, mo, d)
    except ValueError:
        return None
    if date1904:
        n = (when - _EPOCH_1904).days
        return n if n >= 0 else None
    n = (when - _EPOCH_1900).days
    if n < 61:  # before 1900-03-01: Excel counts a 1900-02-29, so one lower
        n -= 1
    return n if n >= 1 else None


def _time(text: str) -> float | None:
    """A time of day as a fraction of a day (hours past 23 allowed without AM/PM)."""
    m = _TIME_RE.fullmatch(text)
    if m is None:
        return None
    hours, minutes = int(m.group("h")), int(m.group("m"))
    seconds = float(m.group("s")) if m.group("s") is not None else 0.0
    if minutes > 59 or seconds >= 60.0:
        return None
    ampm = m.group("ampm")
    if ampm is not None:
        if not 1 <= hours <= 12:
            return None
        hours %= 12
        if ampm.upper() == "PM":
            hours += 12
    return (hours * 3600 + minutes * 60 + seconds) / 86400.0
