"""The pure core: localization-points calculations over numbers or arrays.

Every function takes plain numbers (or numpy arrays / pandas Series, which broadcast),
looks the rule up in a :class:`~xlfuncs.rulebook.Rulebook` by date, vehicle category and
powertrain, and raises the exceptions of :mod:`xlfuncs.errors` on bad input. Nothing here
knows about Excel.

Dates: ``year`` is a year number (meaning 1 January of it), a :class:`datetime.date`, an
array of either, or ``None`` for today.

The R&D rule (Resolution 719, section II and footnote <12>): from PP 317 (21.03.2024) 400
points per 1 % of revenue as a whole number, capped by category and year; before it, 200
points for each full 0.5 % (press). The ratio of spend to revenue is decided at Excel's 15
significant digits, so a spend typed as ``=A1*1.5%`` is exactly 1.5 %.

>>> rnd_points(15, 1000, year=2025)         # 1.5 % x 400
600.0
>>> rnd_points(7.4, 1000, year=2025)        # 0.74 % x 400 = 296
296.0
>>> rnd_points(7.4, 1000, year=2022)        # 2019 rule: one full 0.5 % step
200.0
>>> rnd_points(50, 1000, year=2026)         # 5 % would be 2,000: capped at 1,000 from 2026
1000.0
>>> rnd_points(10, 1000, year=2024, purpose="procurement")   # x 1.3 for 2024 procurement
520.0
>>> rnd_points(5, 1000, licence=5, year=2025)   # licence costs do not count in this edition
200.0
"""

from __future__ import annotations

import datetime
import math
import sys
import warnings
from collections.abc import Callable, Hashable, Iterable
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, Literal, TypeVar

if TYPE_CHECKING:
    import numpy as np

from xlfuncs.errors import DomainError, InputError, NoRuleError, RowsWarning, UnknownCodeError, XlfuncsError
from xlfuncs.rulebook import OperationRule, RndRule, Rulebook, active_rulebook, default_rulebook

__all__ = [
    "eco_multiplier",
    "eligible",
    "excel15",
    "gap",
    "licence_cost",
    "operation_points",
    "parse_done_flag",
    "parse_share",
    "rnd_points",
    "score_lines",
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


# numpy is imported only for arrays: plain numbers (every call from a workbook) never need
# it. Before numpy is imported no numpy value can exist, so the type checks below take
# numpy's scalar types into account from the moment it is in sys.modules.
def _np() -> Any:
    """numpy, imported on first use."""
    import numpy

    return numpy


#: (booleans, numbers, scalars) with numpy's types once numpy is imported
_TYPES: list[tuple[type, ...]] = [
    (bool,), (int, float), (int, float, str, datetime.date, type(None))
]
_WITH_NUMPY = [False]


def _types() -> list[tuple[type, ...]]:
    if not _WITH_NUMPY[0]:
        np_mod = sys.modules.get("numpy")
        if np_mod is not None and hasattr(np_mod, "generic"):
            _TYPES[:] = [
                (bool, np_mod.bool_),
                (int, float, np_mod.integer, np_mod.floating),
                (int, float, str, datetime.date, type(None), np_mod.generic),
            ]
            _WITH_NUMPY[0] = True
    return _TYPES



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
    bools, numbers, _ = _types()
    if _WITH_NUMPY[0] and isinstance(year, sys.modules["numpy"].datetime64):
        return to_date(year.astype("datetime64[D]").item())
    if isinstance(year, bools) or not isinstance(year, numbers):
        raise InputError(f"year must be a year number or a date, got {year!r}")
    if not math.isfinite(year) or year != int(year) or not 1 <= year <= 9999:
        raise DomainError(f"year must be a whole number from 1 to 9999, got {year!r}")
    return datetime.date(int(year), 1, 1)


def _book(rules: Rulebook | None) -> Rulebook:
    return rules if rules is not None else active_rulebook()


def _is_scalar(*values: Any) -> bool:
    scalars = _types()[2]
    return all(isinstance(v, scalars) or _np().ndim(v) == 0 for v in values)


def _ndim0(value: Any) -> bool:
    """``np.ndim(value) == 0``, without numpy's cost for plain Python scalars."""
    return isinstance(value, _types()[2]) or _np().ndim(value) == 0


def _is_number(value: Any) -> bool:
    """A number, not a boolean (numpy's included)."""
    bools, numbers, _ = _types()
    return isinstance(value, numbers) and not isinstance(value, bools)


def _check_scalar(name: str, value: Any, *, positive: bool = False) -> float:
    t = type(value)
    if t is not float and t is not int:
        bools, numbers, _ = _types()
        if isinstance(value, bools) or not isinstance(value, numbers):
            raise InputError(f"{name} must be a number, got {value!r}")
    x = float(value)
    if not math.isfinite(x):
        raise DomainError(f"{name} must be finite, got {value!r}")
    if (x <= 0) if positive else (x < 0):
        raise DomainError(f"{name} must be {'> 0' if positive else '>= 0'}, got {value!r}")
    return x


def _check_array(name: str, value: Any, *, positive: bool = False) -> np.ndarray:
    xp = _np()
    try:
        arr: np.ndarray = xp.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"{name} must hold numbers only") from None
    bad = ~xp.isfinite(arr) | ((arr <= 0) if positive else (arr < 0))
    if bad.any():
        n = int(bad.sum())
        raise DomainError(
            f"{name}: {n} value(s) not finite or {'<= 0' if positive else '< 0'} (first at index "
            f"{int(xp.flatnonzero(bad.ravel())[0])})"
        )
    return arr


def _dec(x: float) -> Decimal:
    return Decimal(repr(float(x)))


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


def excel15(x: Decimal | float) -> Decimal:
    """``x`` at 15 significant digits, as Excel stores and compares numbers.

    >>> excel15(943356717.05 * 0.015 * 100 / 943356717.05)
    Decimal('1.50000000000000')
    """
    d = x if isinstance(x, Decimal) else _dec(x)
    if not d:
        return Decimal(0)
    return d.quantize(Decimal(1).scaleb(d.adjusted() - 14), rounding=ROUND_HALF_EVEN)


def _whole(x: Decimal, rounding: str) -> int:
    """``x`` (decided at 15 digits) to a whole number: ``floor``/``down`` or ``nearest`` (half up)."""
    mode = ROUND_HALF_UP if rounding == "nearest" else ROUND_FLOOR
    return int(excel15(x).to_integral_value(rounding=mode))


def _rnd_scalar(
    spend: float,
    licence: float,
    revenue: float,
    rule: RndRule,
    scale: Scale,
    rounding: str,
    factor: float,
) -> float:
    """R&D points of one programme-year, decided in decimal arithmetic at 15 digits."""
    total = _dec(spend) + (_dec(licence) if rule.licence_counts else 0)
    share = excel15(total * 100 / _dec(revenue))  # per cent of revenue
    steps = share / _dec(rule.step_percent)
    if scale == "step":
        raw = Decimal(_whole(steps, "floor")) * _dec(rule.points_per_step) * _dec(factor)
        pts = Decimal(_whole(raw, "floor"))
    else:
        pts = Decimal(_whole(steps * _dec(rule.points_per_step) * _dec(factor), rounding))
    out = float(pts)
    if rule.cap is not None:
        out = min(out, float(rule.cap))
    return out


def _rnd_factor(book: Rulebook, on: datetime.date, category: str, purpose: str | None) -> float:
    if purpose is None or purpose == "":
        return 1.0
    return book.factor("rnd", on, category, book.purpose(purpose))


def _elementwise(fn: Callable[..., float], *arrays: Any) -> np.ndarray:
    """``fn`` over the broadcast of ``arrays`` (scalar rules looked up per element).

    An element that fails (a NaN, a negative spend, no rule in force) is NaN in the result and
    the others are computed; a :class:`~xlfuncs.errors.RowsWarning` says how many failed and
    why the first did, so a bad row never passes unnoticed nor sinks the whole frame.
    """
    xp = _np()
    b = xp.broadcast_arrays(*[xp.asarray(a, dtype=object) for a in arrays])
    out: np.ndarray = xp.empty(b[0].shape, dtype=float)
    failed: list[tuple[int, XlfuncsError]] = []
    for i, args in enumerate(zip(*[x.ravel() for x in b])):
        try:
            out.flat[i] = fn(*[a.item() if isinstance(a, xp.generic) else a for a in args])
        except XlfuncsError as exc:
            out.flat[i] = xp.nan
            failed.append((i, exc))
    if failed:
        first, why = failed[0]
        warnings.warn(
            f"{len(failed)} of {out.size} element(s) not computed (NaN); first at index {first}: {why}",
            RowsWarning,
            stacklevel=3,
        )
    return out


def rnd_points(
    rnd_spend: ArrayLike,
    revenue: ArrayLike,
    licence: ArrayLike = 0,
    *,
    year: YearLike = None,
    category: Any = "M1",
    purpose: str | None = None,
    rules: Rulebook | None = None,
    scale: Scale | None = None,
    rounding: str | None = None,
) -> Any:
    """R&D localization points under the rule in force (footnote <12>).

    Parameters
    ----------
    rnd_spend, revenue, licence
        R&D spend, revenue and the year's licence cost, in one currency. Licence cost is added
        to R&D only where the rule in force counts it (not in the default edition; see the
        scenario edition ``ru719-licence-draft``).
    year, category
        When (the calculation year) and for which vehicle category (default M1).
    purpose
        The purpose the points are for: ``"procurement"`` applies the 2024 factor of note 5.
    scale, rounding
        ``"step"`` (whole steps only) or ``"linear"``; ``"floor"`` or ``"nearest"``: override
        the rulebook's reading of the lost formula.

    Raises
    ------
    DomainError
        Negative spend, revenue <= 0, non-finite values.
    NoRuleError
        No R&D rule in force.

    Examples
    --------
    >>> import numpy as np
    >>> rnd_points(np.array([5.0, 10, 15]), 1000, year=2025).tolist()
    [200.0, 400.0, 600.0]
    >>> rnd_points(7.4, 1000, year=2025, rounding="nearest", scale="step")
    0.0
    """
    book = _book(rules)
    if scale not in (None, "step", "linear"):
        raise InputError(f"scale must be 'step' or 'linear', got {scale!r}")
    if rounding not in (None, "floor", "nearest"):
        raise InputError(f"rounding must be 'floor' or 'nearest', got {rounding!r}")

    def one(s: Any, rev: Any, lic: Any, y: Any, cat: Any) -> float:
        sf = _check_scalar("rnd_spend", s)
        rf = _check_scalar("revenue", rev, positive=True)
        lf = _check_scalar("licence", lic)
        on = to_date(y)
        rule = book.rnd(on, str(cat))
        factor = _rnd_factor(book, on, str(cat), purpose)
        return _rnd_scalar(sf, lf, rf, rule, scale or rule.scale, rounding or rule.rounding, factor)

    if _is_scalar(rnd_spend, revenue, licence, year, category):
        return one(rnd_spend, revenue, licence, year, category)
    return _like(_elementwise(one, rnd_spend, revenue, licence, year, category), rnd_spend, revenue, licence)


def spend_needed(
    target_points: ArrayLike,
    revenue: ArrayLike,
    current_spend: ArrayLike = 0,
    *,
    year: YearLike = None,
    category: Any = "M1",
    purpose: str | None = None,
    rules: Rulebook | None = None,
    scale: Scale | None = None,
    rounding: str | None = None,
) -> Any:
    """Extra R&D (or counted licence) spend needed to earn ``target_points`` of R&D points.

    0 when ``current_spend`` already earns them; :class:`DomainError` (``#NUM!``) when the
    target is above the cap in force. The answer is the least spend that earns the target
    under the same rule as :func:`rnd_points` (15 significant digits, the rule's rounding).

    >>> spend_needed(600, 1000, year=2025)         # 1.5 % of 1000
    15.0
    >>> spend_needed(500, 1000, 4, year=2025)      # 1.25 % = 12.5, less 4 planned
    8.5
    >>> spend_needed(600, 1000, year=2022)         # 2019 rule: 3 steps of 0.5 %
    15.0
    >>> spend_needed(400, 1000, 12, year=2025)     # already earned
    0.0
    """
    book = _book(rules)

    def one(t: Any, rev: Any, cur: Any, y: Any, cat: Any) -> float:
        tf = _check_scalar("target_points", t)
        rf = _check_scalar("revenue", rev, positive=True)
        cf = _check_scalar("current_spend", cur)
        on = to_date(y)
        rule = book.rnd(on, str(cat))
        if rule.cap is not None and tf > rule.cap:
            raise DomainError(f"target {tf:g} is above the R&D points cap {rule.cap:g} in force on {on}")
        factor = _dec(_rnd_factor(book, on, str(cat), purpose))
        pps, step = _dec(rule.points_per_step) * factor, _dec(rule.step_percent)
        if (scale or rule.scale) == "step":
            steps = (_dec(tf) / pps).to_integral_value(rounding=ROUND_CEILING)
            share = steps * step
        else:
            need = _dec(tf) - (Decimal("0.5") if (rounding or rule.rounding) == "nearest" else 0)
            share = max(Decimal(0), need) * step / pps
            share = share.quantize(Decimal(1).scaleb(share.adjusted() - 14), rounding=ROUND_CEILING) if share else share
        required = share * _dec(rf) / 100
        return max(0.0, float(required - _dec(cf)))

    if _is_scalar(target_points, revenue, current_spend, year, category):
        return one(target_points, revenue, current_spend, year, category)
    out = _elementwise(one, target_points, revenue, current_spend, year, category)
    return _like(out, target_points, revenue, current_spend)


def operation_points(
    code: Any,
    *,
    category: str = "M1",
    year: YearLike = None,
    powertrain: str = "ice",
    rules: Rulebook | None = None,
) -> Any:
    """Points of one operation code (case-insensitive), or of an array of codes.

    >>> operation_points("body_painting", year=2025)
    500.0
    >>> operation_points("mt_gearbox_assembly_test", year=2025, powertrain="bev")
    15.0
    """
    book = _book(rules)
    if _ndim0(code) and _ndim0(year):
        return float(book.operation(str(code), to_date(year), category, powertrain).points)
    return _elementwise(
        lambda c, y: float(book.operation(str(c), to_date(y), category, powertrain).points), code, year
    )


_TRUE = {"yes", "y", "true", "да", "д", "x", "х", "1", "+", "v", "✓"}
_FALSE = {"no", "n", "false", "нет", "н", "0", "-", ""}


def parse_done_flag(value: Any) -> bool:
    """Read a done flag: TRUE/1/"yes"/"да"/"x" are done; FALSE/0/"no"/"нет"/blank are not.

    >>> [parse_done_flag(v) for v in (True, 1, "Да", "yes", None, 0, "нет")]
    [True, True, True, True, False, False, False]
    """
    if value is None:
        return False
    bools, numbers, _ = _types()
    if isinstance(value, bools):
        return bool(value)
    if isinstance(value, numbers):
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


def parse_share(value: Any) -> float:
    """Read the done value of a pro-rata line: a share 0..1 of the units that meet it, or a
    done flag (done = 1).

    >>> [parse_share(v) for v in (0.5, True, "да", None, 2 / 3)]
    [0.5, 1.0, 1.0, 0.0, 0.6666666666666666]
    """
    if _is_number(value):
        x = float(value)
        if not math.isfinite(x) or not 0 <= x <= 1:
            raise DomainError(f"share done must be from 0 to 1, got {value!r}")
        return x
    return 1.0 if parse_done_flag(value) else 0.0


def eco_multiplier(eco_factor: Any, book: Rulebook, on: datetime.date) -> float:
    """The ecology factor of note 5: a number the rulebook has in force (or 1), or the name of
    the UN regulation met: ``"R83-07"`` (x1.5), ``"R154-00"`` (level 1A, x2), ``"R49-06"`` (x2).

    >>> eco_multiplier("UN R83-07", default_rulebook(), datetime.date(2025, 1, 1))
    1.5
    """
    in_force = book.eco_factors(on)
    if eco_factor is None or eco_factor == "":
        return 1.0
    if isinstance(eco_factor, str):
        key = eco_factor.strip().lower().replace("un", "", 1).strip() if eco_factor.strip().lower().startswith("un") else eco_factor.strip().lower()
        key = key.replace("№", "").replace("n ", "").replace(" ", "_").replace("-", "_").replace(".", "_")
        key = key if key.startswith("r") else "r" + key
        for name, value in in_force.items():
            if name == key or name.startswith(key + "_"):
                return value
        raise UnknownCodeError(
            f"unknown ecology regulation {eco_factor!r}; in force: {', '.join(in_force) or 'none'}"
        )
    x = _check_scalar("eco_factor", eco_factor, positive=True)
    if x != 1.0 and x not in in_force.values():
        raise DomainError(
            f"eco_factor must be 1 or a factor in force ({', '.join(f'{v:g}' for v in sorted(set(in_force.values())))}), got {x:g}"
        )
    return x


def _line_points(row: OperationRule, share: float, eco: float) -> float:
    if row.prorata:
        pts = Decimal(_whole(_dec(row.points) * _dec(share), row.rounding))
    else:
        pts = _dec(row.points) if share else Decimal(0)
    if row.eco and eco != 1.0:
        pts *= _dec(eco)
    return float(excel15(pts))


def _done_lines(
    ops: list[Any],
    flags: list[Any] | None,
    book: Rulebook,
    on: datetime.date,
    category: str,
    pt: str,
    *,
    undone: bool = True,
) -> dict[str, tuple[float, OperationRule | None, str]]:
    """Code -> (done value, row in force or None, group) of the listed lines: blank codes
    skipped, a code listed twice once with the larger of its done values; ``undone=False``
    leaves out the lines done 0 (every done value is read all the same)."""
    shares: dict[str, tuple[float, OperationRule | None, str]] = {}
    index = None
    lines: dict[str, tuple[str, OperationRule | None, str]] = {}
    for code, flag in zip(ops, [True] * len(ops) if flags is None else flags):
        if code.__class__ is not str:
            if code is None:
                continue
            if not isinstance(code, str):
                raise InputError(f"operation code must be text, got {code!r}")
        hit = lines.get(code)
        if hit is None:
            if not code.strip():
                continue
            if index is None:
                book.code(code)  # an unknown code is named before an unknown category
                index = book.operation_index(on, category, pt)
                lines = index.lines
            hit = index.line(code)
        key, row, group = hit
        # a line not in force earns nothing, whatever its done value (a flag or a share)
        t = flag.__class__
        if flag is None or flag is False:
            share = 0.0
        elif flag is True:
            share = 1.0
        elif (t is float or t is int) and (flag == 1 or flag == 0):
            share = 1.0 if flag == 1 else (float(flag) if row is None or row.prorata else 0.0)
        elif row is None or row.prorata:
            share = parse_share(flag)
        else:
            share = float(parse_done_flag(flag))
        if not share and not undone:
            continue
        old = shares.get(key)
        if old is None or share > old[0]:
            shares[key] = (share, row, group)
    return shares


def _prepare(
    operations: Iterable[Any], done: Iterable[Any] | None, book: Rulebook, year: YearLike,
    eco_factor: Any, powertrain: str,
) -> tuple[list[Any], list[Any] | None, datetime.date, float, str]:
    on = to_date(year)
    ops = operations if type(operations) is list else list(operations)  # read, never changed
    flags = None if done is None else done if type(done) is list else list(done)
    if flags is not None and len(flags) != len(ops):
        raise InputError(f"{len(ops)} operations but {len(flags)} done flags")
    eco = eco_multiplier(eco_factor, book, on)
    return ops, flags, on, eco, book.powertrain(powertrain)


def score_lines(
    operations: Iterable[Any],
    done: Iterable[Any] | None = None,
    *,
    category: str = "M1",
    year: YearLike = None,
    powertrain: str = "ice",
    eco_factor: Any = 1,
    rules: Rulebook | None = None,
) -> dict[str, float]:
    """The points each listed operation earns (code -> points), before groups are applied.

    A code that is not in force on the date (a period that ended, a tier that has not
    started) earns 0: the law gives no points for it then. Blank codes are skipped; a code
    listed twice counts once, with the larger of its done values.
    """
    book = _book(rules)
    ops, flags, on, eco, pt = _prepare(operations, done, book, year, eco_factor, powertrain)
    shares = _done_lines(ops, flags, book, on, category, pt)
    return {k: (0.0 if row is None else _line_points(row, share, eco)) for k, (share, row, _) in shares.items()}


def total_score(
    operations: Iterable[Any],
    done: Iterable[Any] | None = None,
    rnd: Number = 0,
    *,
    category: str = "M1",
    year: YearLike = None,
    powertrain: str = "ice",
    eco_factor: Any = 1,
    rules: Rulebook | None = None,
) -> float:
    """Total score: points of the operations marked done, plus ``rnd`` (R&D points).

    Of a group of alternatives ("выполнение одного из следующих условий", the score tiers of
    an electronic unit) only the best done line counts. Pro-rata lines take the share of
    units that meet them (0..1) as their done value and round as the line says. The ecology
    factor (``eco_factor``) multiplies the ICE operations.

    >>> total_score(["body_welding", "body_painting", "telematics_tier_200"], [True, "да", 0], rnd=400, year=2025)
    1300.0
    >>> total_score(["body_stamping_30", "body_stamping_70"], year=2025)   # one of: the best
    300.0
    >>> total_score(["cylinder_block"], year=2025, eco_factor="R83-07")    # 95 x 1.5
    142.5
    """
    book = _book(rules)
    ops, flags, on, eco, pt = _prepare(operations, done, book, year, eco_factor, powertrain)
    shares = _done_lines(ops, flags, book, on, category, pt, undone=False)
    rnd_f = _check_scalar("rnd_points", rnd)
    best: dict[str, float] = {}
    whole = 0  # the sum of whole points (exact in int), the rest in decimal
    total = Decimal(0)
    for share, row, group in shares.values():
        if row is None or not share:
            continue  # 0 points: what _line_points gives for a share of 0
        pts = _line_points(row, share, eco)
        if group:
            if pts > best.get(group, 0.0):
                best[group] = pts
        elif pts.is_integer():
            whole += int(pts)
        else:
            total += _dec(pts)
    for v in best.values():
        if v.is_integer():
            whole += int(v)
        else:
            total += _dec(v)
    return float(excel15(total + whole + _dec(rnd_f)))


def threshold(
    purpose: str,
    *,
    year: YearLike = None,
    category: str = "M1",
    powertrain: str = "ice",
    rules: Rulebook | None = None,
) -> float:
    """Points needed for a purpose (procurement, competitiveness, loans, utilfee, spic, taxi).

    >>> threshold("loans", year=2026)
    2500.0
    >>> threshold("procurement", year=2026, powertrain="bev")
    1500.0
    >>> threshold("procurement", year=2029, category="M3")
    3400.0
    """
    row = _book(rules).threshold(purpose, to_date(year), category, powertrain)
    if row.points is None:  # a resolved link always carries points; guard hand-built rows
        raise NoRuleError(f"the {purpose!r} threshold row has no points")
    return float(row.points)


def gap(
    score: ArrayLike,
    purpose: str,
    *,
    year: YearLike = None,
    category: str = "M1",
    powertrain: str = "ice",
    rules: Rulebook | None = None,
) -> Any:
    """Points missing to the threshold (0 when met).

    >>> gap(2209, "procurement", year=2021)   # UAZ Patriot, 2020 output, against 3,200
    991.0
    """
    th = threshold(purpose, year=year, category=category, powertrain=powertrain, rules=rules)
    if _ndim0(score):
        return max(0.0, th - _check_scalar("score", score))
    return _like(_elementwise(lambda x: max(0.0, th - _check_scalar("score", x)), score), score)


def eligible(
    score: ArrayLike,
    purpose: str,
    *,
    year: YearLike = None,
    category: str = "M1",
    powertrain: str = "ice",
    rules: Rulebook | None = None,
) -> Any:
    """True where the score meets the threshold.

    >>> eligible(3280, "procurement", year=2021)   # Lada Granta, 2020 output
    True
    """
    th = threshold(purpose, year=year, category=category, powertrain=powertrain, rules=rules)
    if _ndim0(score):
        return _check_scalar("score", score) >= th
    return _like(_check_array("score", score) >= th, score)


def _like(result: np.ndarray, *inputs: Any) -> Any:
    """Return a pandas Series when an input was one (same index), else the array."""
    for x in inputs:
        if type(x).__name__ == "Series" and hasattr(x, "index"):
            xp = _np()
            return type(x)(xp.broadcast_to(result, xp.shape(x)), index=x.index)
    return result
