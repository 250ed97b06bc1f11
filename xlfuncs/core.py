"""The pure core: localization-points calculations over numbers or arrays.

Every function takes plain numbers (or numpy arrays / pandas Series, which broadcast),
looks the rule up in a :class:`~xlfuncs.rulebook.Rulebook` by date and vehicle category, and
raises the exceptions of :mod:`xlfuncs.errors` on bad input. Nothing here knows about Excel.

Dates: ``year`` is a year number (meaning 1 January of it), a :class:`datetime.date`, an
array of either, or ``None`` for today.

The R&D rule (Resolution 719 as amended by PP 661): ``points_per_step`` points for each
``step_percent`` % of revenue spent on R&D; from 2023 licence costs count as R&D. Under the
default ``"step"`` scale only whole steps count, computed in exact decimal arithmetic so
that 1.5 % of revenue is 3 steps = 600 points, never 400 through float rounding.

>>> rnd_points(15, 1000, year=2022)         # 1.5 % -> 3 steps x 200
600.0
>>> rnd_points(7.4, 1000, year=2022)        # 0.74 % -> 1 whole step
200.0
>>> rnd_points(7.4, 1000, year=2022, scale="linear")
296.0
>>> rnd_points(5, 1000, licence=5, year=2023)   # licences count from 2023: 1 %
400.0
>>> rnd_points(5, 1000, licence=5, year=2022)   # ... but not before
200.0
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable, Hashable, Iterable
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any, Literal, TypeVar

import numpy as np

from xlfuncs.errors import DomainError, InputError
from xlfuncs.rulebook import RndRule, Rulebook, active_rulebook

__all__ = [
    "eligible",
    "gap",
    "licence_cost",
    "operation_points",
    "parse_done_flag",
    "rnd_points",
    "spend_needed",
    "threshold",
    "to_date",
    "total_score",
]

Number = float | int
ArrayLike = Any  # float | int | numpy array | pandas Series | sequence
YearLike = Any  # int | date | None | array of those
Scale = Literal["step", "linear"]
T = TypeVar("T")

# A quotient this close to a whole number is decided in exact decimal arithmetic.
_NEAR = 1e-9


def to_date(year: float | datetime.date | None) -> datetime.date:
    """Turn a year number or a date into the date a rule lookup uses.

    >>> to_date(2027)
    datetime.date(2027, 1, 1)
    >>> to_date(datetime.datetime(2025, 9, 1, 12, 30))
    datetime.date(2025, 9, 1)
    """
    if year is None:
        return datetime.date.today()
    if isinstance(year, datetime.datetime):
        return year.date()
    if isinstance(year, datetime.date):
        return year
    if isinstance(year, np.datetime64):
        return to_date(year.astype("datetime64[D]").item())
    if isinstance(year, (bool, np.bool_)) or not isinstance(year, (int, float, np.integer, np.floating)):
        raise InputError(f"year must be a year number or a date, got {year!r}")
    if not math.isfinite(year) or year != int(year) or not 1 <= year <= 9999:
        raise DomainError(f"year must be a whole number from 1 to 9999, got {year!r}")
    return datetime.date(int(year), 1, 1)


def _book(rules: Rulebook | None) -> Rulebook:
    return rules if rules is not None else active_rulebook()


_SCALAR_TYPES = (int, float, str, datetime.date, type(None), np.generic)


def _is_scalar(*values: Any) -> bool:
    return all(isinstance(v, _SCALAR_TYPES) or np.ndim(v) == 0 for v in values)


def _ndim0(value: Any) -> bool:
    """``np.ndim(value) == 0``, without numpy's cost for plain Python scalars."""
    return isinstance(value, _SCALAR_TYPES) or np.ndim(value) == 0


def _check_scalar(name: str, value: Any, *, positive: bool = False) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(
        value, (int, float, np.integer, np.floating)
    ):
        raise InputError(f"{name} must be a number, got {value!r}")
    x = float(value)
    if not math.isfinite(x):
        raise DomainError(f"{name} must be finite, got {value!r}")
    if (x <= 0) if positive else (x < 0):
        raise DomainError(f"{name} must be {'> 0' if positive else '>= 0'}, got {value!r}")
    return x


def _check_array(name: str, value: Any, *, positive: bool = False) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"{name} must hold numbers only") from None
    bad = ~np.isfinite(arr) | ((arr <= 0) if positive else (arr < 0))
    if bad.any():
        n = int(bad.sum())
        raise DomainError(
            f"{name}: {n} value(s) not finite or {'<= 0' if positive else '< 0'} (first at index "
            f"{int(np.flatnonzero(bad.ravel())[0])})"
        )
    return arr


def _dec(x: float) -> Decimal:
    return Decimal(repr(float(x)))


def _rule_table(
    lookup: Callable[[datetime.date, str], T], years: Any, categories: Any
) -> tuple[list[T], np.ndarray]:
    """Rules per element for arrays of years/categories: (unique rules, index array)."""
    y = np.asarray(years, dtype=object) if years is not None else np.asarray(None, dtype=object)
    c = np.asarray(categories, dtype=object)
    y, c = np.broadcast_arrays(y, c)
    keys: dict[tuple[Hashable, Hashable], int] = {}
    rules: list[T] = []
    idx = np.empty(y.shape, dtype=np.intp)
    flat_idx = idx.reshape(-1)
    for i, (yy, cc) in enumerate(zip(y.reshape(-1), c.reshape(-1))):
        key = (yy.item() if isinstance(yy, np.generic) else yy, cc)
        j = keys.get(key)
        if j is None:
            j = keys[key] = len(rules)
            rules.append(lookup(to_date(key[0]), str(cc)))
        flat_idx[i] = j
    return rules, idx


def _per_element(
    lookup: Callable[[datetime.date, str], T], year: YearLike, category: Any
) -> tuple[list[T], np.ndarray]:
    # Fast path: a single year and category (the common case for a whole frame).
    if _ndim0(year) and _ndim0(category):
        return [lookup(to_date(year), str(category))], np.zeros((), dtype=np.intp)
    yarr = np.asarray(year)
    if yarr.dtype.kind in "iu" and _ndim0(category):
        uniq, inv = np.unique(yarr, return_inverse=True)
        rules = [lookup(to_date(int(u)), str(category)) for u in uniq]
        return rules, inv.reshape(yarr.shape)
    return _rule_table(lookup, year, category)


def licence_cost(
    lump_sum: ArrayLike,
    royalty_per_unit: ArrayLike = 0,
    units: ArrayLike = 0,
    fx_rate: ArrayLike = 1,
    amortization_years: ArrayLike = 1,
) -> Any:
    """Licence cost attributable to one year, in the reporting currency.

    ``lump_sum * fx_rate / amortization_years + royalty_per_unit * units * fx_rate``.
    How licences are amortised is not regulated in the public sources; the default of one
    year expenses the lump sum in the year it is paid.

    >>> licence_cost(1_000_000, 50, 20_000, fx_rate=12.5, amortization_years=5)
    15000000.0
    """
    if _is_scalar(lump_sum, royalty_per_unit, units, fx_rate, amortization_years):
        ls = _check_scalar("lump_sum", lump_sum)
        r = _check_scalar("royalty_per_unit", royalty_per_unit)
        u = _check_scalar("units", units)
        fx = _check_scalar("fx_rate", fx_rate, positive=True)
        am = _check_scalar("amortization_years", amortization_years)
        if am < 1:
            raise DomainError(f"amortization_years must be >= 1, got {amortization_years!r}")
        return ls * fx / am + r * u * fx
    ls_a = _check_array("lump_sum", lump_sum)
    r_a = _check_array("royalty_per_unit", royalty_per_unit)
    u_a = _check_array("units", units)
    fx_a = _check_array("fx_rate", fx_rate, positive=True)
    am_a = _check_array("amortization_years", amortization_years)
    if (am_a < 1).any():
        raise DomainError("amortization_years must be >= 1")
    return ls_a * fx_a / am_a + r_a * u_a * fx_a


def _rnd_scalar(spend: float, licence: float, revenue: float, rule: RndRule, scale: Scale) -> float:
    """R&D points of one programme-year; decimal arithmetic only near a step boundary."""
    total = spend + licence if rule.licence_counts else spend
    q = total * 100.0 / (revenue * rule.step_percent)
    if scale == "step":
        steps = math.floor(q)
        if abs(q - round(q)) <= _NEAR * max(1.0, abs(q)):  # decide a near-whole quotient exactly
            exact = (_dec(spend) + (_dec(licence) if rule.licence_counts else 0)) * 100
            exact /= _dec(revenue) * _dec(rule.step_percent)
            steps = int(exact.to_integral_value(rounding=ROUND_FLOOR))
        pts = float(steps * rule.points_per_step)
    else:
        pts = q * rule.points_per_step
    if rule.cap is not None:
        pts = min(pts, rule.cap)
    return float(pts)


def _whole(q: np.ndarray, exact: Callable[[int], Decimal], rounding: str) -> np.ndarray:
    """floor/ceil of the quotients ``q``, recomputed exactly (``exact(i)``) near whole numbers."""
    r = np.floor(q) if rounding == ROUND_FLOOR else np.ceil(q)
    near = np.abs(q - np.rint(q)) <= _NEAR * np.maximum(1.0, np.abs(q))
    for i in np.flatnonzero(near.ravel()):
        r.flat[i] = float(exact(int(i)).to_integral_value(rounding=rounding))
    return np.asarray(r, dtype=float)


def _rnd_arrays(
    book: Rulebook, year: YearLike, category: Any, scale: Scale | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-element R&D rule parameters: step %, points per step, licence flag, cap, step scale."""
    rules_list, idx = _per_element(book.rnd, year, category)

    def column(values: list[Any]) -> np.ndarray:
        return np.asarray(np.array(values)[idx])

    return (
        column([r.step_percent for r in rules_list]),
        column([r.points_per_step for r in rules_list]),
        column([r.licence_counts for r in rules_list]),
        column([np.inf if r.cap is None else r.cap for r in rules_list]),
        column([(scale or r.scale) == "step" for r in rules_list]),
    )


def rnd_points(
    rnd_spend: ArrayLike,
    revenue: ArrayLike,
    licence: ArrayLike = 0,
    *,
    year: YearLike = None,
    category: Any = "M1",
    rules: Rulebook | None = None,
    scale: Scale | None = None,
) -> Any:
    """R&D localization points under the rule in force.

    Parameters
    ----------
    rnd_spend, revenue, licence
        R&D spend, revenue and the year's licence cost, in one currency. Licence cost is added
        to R&D only where the rule in force counts it (from 2023 in the default edition).
    year, category
        When and for which vehicle category (default M1) to look the rule up.
    scale
        ``"step"`` (whole steps only) or ``"linear"``; default: the rulebook's.

    Raises
    ------
    DomainError
        Negative spend, revenue <= 0, non-finite values.
    NoRuleError
        No R&D rule in force.

    Examples
    --------
    >>> import numpy as np
    >>> rnd_points(np.array([5.0, 10, 15]), 1000, year=2024).tolist()
    [200.0, 400.0, 600.0]
    """
    book = _book(rules)
    if scale not in (None, "step", "linear"):
        raise InputError(f"scale must be 'step' or 'linear', got {scale!r}")
    if _is_scalar(rnd_spend, revenue, licence, year, category):
        s = _check_scalar("rnd_spend", rnd_spend)
        rev = _check_scalar("revenue", revenue, positive=True)
        lic = _check_scalar("licence", licence)
        rule = book.rnd(to_date(year), str(category))
        return _rnd_scalar(s, lic, rev, rule, scale or rule.scale)
    s_a = _check_array("rnd_spend", rnd_spend)
    rev_a = _check_array("revenue", revenue, positive=True)
    lic_a = _check_array("licence", licence)
    step, pps, counts, cap, sc = _rnd_arrays(book, year, category, scale)
    lic_c = np.where(counts, lic_a, 0.0)
    total_a = s_a + lic_c
    num, den, s_b, l_b, r_b, st_b = np.broadcast_arrays(total_a * 100.0, rev_a * step, s_a, lic_c, rev_a, step)
    q = num / den

    def exact(i: int) -> Decimal:
        return (_dec(s_b.flat[i]) + _dec(l_b.flat[i])) * 100 / (_dec(r_b.flat[i]) * _dec(st_b.flat[i]))

    if np.all(sc):
        pts = _whole(q, exact, ROUND_FLOOR) * pps
    else:
        pts = np.where(sc, _whole(q, exact, ROUND_FLOOR), q) * pps
    out = np.minimum(pts, cap)
    return _like(out, rnd_spend, revenue, licence)


def spend_needed(
    target_points: ArrayLike,
    revenue: ArrayLike,
    current_spend: ArrayLike = 0,
    *,
    year: YearLike = None,
    category: Any = "M1",
    rules: Rulebook | None = None,
    scale: Scale | None = None,
) -> Any:
    """Extra R&D (or counted licence) spend needed to earn ``target_points`` of R&D points.

    0 when ``current_spend`` already earns them. Under the step scale the target is rounded
    up to whole steps.

    >>> spend_needed(600, 1000)          # 3 steps x 0.5 % of 1000
    15.0
    >>> spend_needed(500, 1000, 4)       # 3 steps needed (2.5 rounds up): 15 - 4
    11.0
    >>> spend_needed(400, 1000, 12)      # already earned
    0.0
    """
    book = _book(rules)
    if _is_scalar(target_points, revenue, current_spend, year, category):
        t = _check_scalar("target_points", target_points)
        rev = _check_scalar("revenue", revenue, positive=True)
        cur = _check_scalar("current_spend", current_spend)
        rule = book.rnd(to_date(year), str(category))
        if rule.cap is not None and t > rule.cap:
            raise DomainError(f"target {t:g} is above the R&D points cap {rule.cap:g}")
        share = _dec(rule.step_percent) / 100
        if (scale or rule.scale) == "step":
            steps = (_dec(t) / _dec(rule.points_per_step)).to_integral_value(rounding=ROUND_CEILING)
            required = steps * share * _dec(rev)
        else:
            required = _dec(t) / _dec(rule.points_per_step) * share * _dec(rev)
        return max(0.0, float(required - _dec(cur)))
    t_a = _check_array("target_points", target_points)
    rev_a = _check_array("revenue", revenue, positive=True)
    cur_a = _check_array("current_spend", current_spend)
    step, pps, _counts, cap, sc = _rnd_arrays(book, year, category, scale)
    if np.any(t_a > cap):
        raise DomainError("a target is above the R&D points cap")
    t_b, pps_b = np.broadcast_arrays(t_a, pps)
    q = t_b / pps_b
    steps_a = np.where(
        sc, _whole(q, lambda i: _dec(t_b.flat[i]) / _dec(pps_b.flat[i]), ROUND_CEILING), q
    )
    required_a = steps_a * step / 100.0 * rev_a
    out = np.maximum(0.0, required_a - cur_a)
    return _like(out, target_points, revenue, current_spend)


def operation_points(
    code: Any, *, category: str = "M1", year: YearLike = None, rules: Rulebook | None = None
) -> Any:
    """Points of one operation code (case-insensitive), or of an array of codes.

    >>> operation_points("body_painting", year=2025)
    500.0
    """
    book = _book(rules)
    on = to_date(year) if _ndim0(year) else None
    if _ndim0(code) and on is not None:
        return float(book.operation(str(code), on, category).points)
    codes = np.asarray(code, dtype=object)
    years = np.broadcast_to(np.asarray(year, dtype=object), codes.shape)
    cache: dict[tuple[Any, Any], float] = {}
    out = np.empty(codes.shape, dtype=float)
    for i, (c, y) in enumerate(zip(codes.ravel(), years.ravel())):
        key = (c, y)
        if key not in cache:
            cache[key] = float(book.operation(str(c), to_date(y), category).points)
        out.flat[i] = cache[key]
    return out


_TRUE = {"yes", "y", "true", "да", "д", "x", "1", "+"}
_FALSE = {"no", "n", "false", "нет", "н", "0", "-", ""}


def parse_done_flag(value: Any) -> bool:
    """Read a done flag: TRUE/1/"yes"/"да"/"x" are done; FALSE/0/"no"/"нет"/blank are not.

    >>> [parse_done_flag(v) for v in (True, 1, "Да", "yes", None, 0, "нет")]
    [True, True, True, True, False, False, False]
    """
    if value is None:
        return False
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        if value in (0, 1):
            return bool(value)
        raise InputError(f"done flag must be TRUE/FALSE, 1/0 or yes/no, got {value!r}")
    if isinstance(value, str):
        key = value.strip().lower()
        if key in _TRUE:
            return True
        if key in _FALSE:
            return False
    raise InputError(f"done flag must be TRUE/FALSE, 1/0 or yes/no (да/нет), got {value!r}")


def total_score(
    operations: Iterable[Any],
    done: Iterable[Any] | None = None,
    rnd: Number = 0,
    *,
    category: str = "M1",
    year: YearLike = None,
    rules: Rulebook | None = None,
) -> float:
    """Total score: points of the operations marked done, plus ``rnd`` (R&D points).

    Blank codes (``None`` or ``""``) are skipped; a code listed twice counts once (if any of
    its flags says done). Without ``done`` every listed operation counts.

    >>> total_score(["body_welding", "body_painting", "telematics"], [True, "да", 0], rnd=400, year=2025)
    1300.0
    """
    book = _book(rules)
    on = to_date(year)
    ops = list(operations)
    flags = [True] * len(ops) if done is None else list(done)
    if len(flags) != len(ops):
        raise InputError(f"{len(ops)} operations but {len(flags)} done flags")
    rnd_f = _check_scalar("rnd_points", rnd)
    counted: set[str] = set()
    for code, flag in zip(ops, flags):
        if code is None or (isinstance(code, str) and not code.strip()):
            continue
        if not isinstance(code, str):
            raise InputError(f"operation code must be text, got {code!r}")
        key = book.code(code)
        if parse_done_flag(flag):
            counted.add(key)
    return float(sum(book.operation(c, on, category).points for c in counted) + rnd_f)


def threshold(
    purpose: str, *, year: YearLike = None, category: str = "M1", rules: Rulebook | None = None
) -> float:
    """Points needed for a purpose (procurement, loans, utilfee, spic, taxi).

    >>> threshold("loans", year=2026)
    2500.0
    >>> threshold("utilfee", year=datetime.date(2025, 9, 1))
    1500.0
    """
    row = _book(rules).threshold(purpose, to_date(year), category)
    assert row.points is not None
    return float(row.points)


def gap(
    score: ArrayLike,
    purpose: str,
    *,
    year: YearLike = None,
    category: str = "M1",
    rules: Rulebook | None = None,
) -> Any:
    """Points missing to the threshold (0 when met).

    >>> gap(2209, "procurement", year=2021)   # UAZ Patriot, 2020 output, against 3,200
    991.0
    """
    th = threshold(purpose, year=year, category=category, rules=rules)
    if _ndim0(score):
        return max(0.0, th - _check_scalar("score", score))
    return _like(np.maximum(0.0, th - _check_array("score", score)), score)


def eligible(
    score: ArrayLike,
    purpose: str,
    *,
    year: YearLike = None,
    category: str = "M1",
    rules: Rulebook | None = None,
) -> Any:
    """True where the score meets the threshold.

    >>> eligible(3280, "procurement", year=2021)   # Lada Granta, 2020 output
    True
    """
    th = threshold(purpose, year=year, category=category, rules=rules)
    if _ndim0(score):
        return _check_scalar("score", score) >= th
    return _like(_check_array("score", score) >= th, score)


def _like(result: np.ndarray, *inputs: Any) -> Any:
    """Return a pandas Series when an input was one (same index), else the array."""
    for x in inputs:
        if type(x).__name__ == "Series" and hasattr(x, "index"):
            return type(x)(np.broadcast_to(result, np.shape(x)), index=x.index)
    return result
