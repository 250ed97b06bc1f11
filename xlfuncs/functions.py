"""The Excel functions: argument coercion from spreadsheet values, then the pure core.

Each function here takes values the way a spreadsheet passes them (numbers, text, booleans,
``None`` for a blank cell or an omitted argument, 2-D lists for ranges) and either returns a
value or raises an :mod:`xlfuncs.errors` exception; :meth:`FunctionSpec.invoke` turns the
exception into ``#VALUE!``, ``#NUM!`` or ``#N/A``. :data:`FUNCTIONS` is what
:data:`xlfuncs.registry.REGISTRY` is built from.

>>> from xlfuncs.registry import REGISTRY
>>> REGISTRY["LOCPOINTS"].invoke(15, 1000, None, 2025)
600.0
>>> REGISTRY["LOCPOINTS"].invoke(15, 0)
<ExcelError.NUM: '#NUM!'>
>>> REGISTRY["LOCTHRESHOLD"].invoke("loans", 2019)
<ExcelError.NA: '#N/A'>
>>> REGISTRY["LOCOPPOINTS"].invoke("rocket_engine")
<ExcelError.VALUE: '#VALUE!'>
"""

from __future__ import annotations

import datetime
import math
import re
from itertools import chain
from typing import Any

from xlfuncs import core
from xlfuncs.errors import DomainError, ExcelError, InputError
from xlfuncs.registry import Arg, FunctionSpec
from xlfuncs.rulebook import Rulebook, active_rulebook
from xlfuncs.textnum import number_from_text

__all__ = ["FUNCTIONS", "excel_date"]

_EXCEL_EPOCH = datetime.date(1899, 12, 30)  # serial 0 in the 1900 date system (after the 1900-02-29 quirk)


def _scalar(name: str, value: Any) -> Any:
    """Unwrap a 1x1 range; refuse larger ranges where one value is expected."""
    if isinstance(value, (list, tuple)):
        rows = [r if isinstance(r, (list, tuple)) else [r] for r in value]
        if len(rows) == 1 and len(rows[0]) == 1:
            value = rows[0][0]
        else:
            raise InputError(f"{name} must be a single value, not a range")
        if isinstance(value, ExcelError):
            raise _Propagate(value)
    return value


class _Propagate(Exception):
    """An error value found inside a range argument: returned as the result."""

    def __init__(self, error: ExcelError) -> None:
        super().__init__(str(error))
        self.error = error


def _number(name: str, value: Any, default: float | None = 0.0) -> float:
    t = type(value)
    if t is float:  # the common cases, as below without the checks they skip
        if value - value == 0.0:
            return value  # type: ignore[no-any-return]
        raise DomainError(f"{name} must be finite")
    if t is int:
        return float(value)
    value = _scalar(name, value)
    if value is None:
        if default is None:
            raise InputError(f"{name} is required")
        return default
    if isinstance(value, bool):
        raise InputError(f"{name} must be a number, got {value!r}")
    if isinstance(value, (int, float)):
        x = float(value)
    elif isinstance(value, str):
        # the one text-to-number policy, as ``=A1+0`` reads the same text
        parsed = number_from_text(value)
        if parsed is None:
            raise InputError(f"{name} must be a number, got text {value!r}")
        x = parsed
    else:
        raise InputError(f"{name} must be a number, got {type(value).__name__}")
    if not math.isfinite(x):
        raise DomainError(f"{name} must be finite")
    return x


def _text(name: str, value: Any, default: str | None = None) -> str:
    if type(value) is str:  # the common case, as below
        text = value.strip()
        if not text and default is not None:
            return default
        return text
    value = _scalar(name, value)
    if value is None or (isinstance(value, str) and not value.strip() and default is not None):
        if default is None:
            raise InputError(f"{name} is required")
        return default
    if not isinstance(value, str):
        raise InputError(f"{name} must be text, got {value!r}")
    return value.strip()


def excel_date(serial: float) -> datetime.date:
    """The date of an Excel serial number (1900 date system).

    >>> excel_date(45658)
    datetime.date(2025, 1, 1)
    """
    return _EXCEL_EPOCH + datetime.timedelta(days=int(serial))


_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _year(value: Any) -> datetime.date:
    """A year number 1900-9999 (1 January), an Excel date serial (>= 10000) or a date."""
    t = type(value)
    if t is int and 1900 <= value <= 9999:  # the common cases, as below
        return datetime.date(value, 1, 1)
    if t is float and 1900.0 <= value <= 9999.0 and value == int(value):
        return datetime.date(int(value), 1, 1)
    value = _scalar("year", value)
    if value is None:
        return datetime.date.today()
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        if _ISO.match(text):
            try:
                return datetime.date.fromisoformat(text)
            except ValueError:
                raise InputError(f"year: not a valid date {value!r}") from None
        value = _number("year", text)
    x = _number("year", value)
    if x != int(x):
        x = float(int(x)) if x >= 10000 else x
    if 1900 <= x <= 9999 and x == int(x):
        return datetime.date(int(x), 1, 1)
    if 10000 <= x <= 2958465:  # up to 9999-12-31
        return excel_date(x)
    raise DomainError(f"year must be a year 1900-9999 or a date, got {value!r}")


def _category(value: Any, book: Rulebook | None = None) -> str:
    return (book or active_rulebook()).category(_text("category", value, "M1"))


def _wrap(impl: Any) -> Any:
    def call(*args: Any) -> Any:
        try:
            result = impl(*args)
        except _Propagate as p:
            return p.error
        if type(result) is float and result - result != 0.0:
            return ExcelError.NUM  # an overflow (inf) or nan is no cell value
        return result

    call.__name__ = impl.__name__
    call.__doc__ = impl.__doc__
    return call


# ----------------------------------------------------------------------- the functions
def licensecost(
    lump_sum: Any, royalty_per_unit: Any, units: Any, fx_rate: Any, amortization_years: Any
) -> float:
    return float(
        core.licence_cost(
            _number("lump_sum", lump_sum),
            _number("royalty_per_unit", royalty_per_unit),
            _number("units", units),
            _number("fx_rate", fx_rate, 1.0),
            _number("amortization_years", amortization_years, 1.0),
        )
    )


def _powertrain(value: Any, book: Rulebook) -> str:
    return book.powertrain(_text("powertrain", value, "ice"))


def _purpose(value: Any, book: Rulebook) -> str | None:
    text = _text("purpose", value, "")
    return book.purpose(text) if text else None


def locpoints(
    rnd_spend: Any, revenue: Any, licence_cost: Any, year: Any, category: Any, purpose: Any
) -> float:
    book = active_rulebook()
    return float(
        core.rnd_points(
            _number("rnd_spend", rnd_spend),
            _number("revenue", revenue),
            _number("licence_cost", licence_cost),
            year=_year(year),
            category=_category(category, book),
            purpose=_purpose(purpose, book),
            rules=book,
        )
    )


def locspendneeded(
    target_points: Any,
    revenue: Any,
    current_spend: Any,
    year: Any,
    category: Any,
    powertrain: Any,
    purpose: Any,
) -> float:
    book = active_rulebook()
    _powertrain(powertrain, book)  # validated: the R&D rule is the same for every powertrain
    return float(
        core.spend_needed(
            _number("target_points", target_points),
            _number("revenue", revenue),
            _number("current_spend", current_spend),
            year=_year(year),
            category=_category(category, book),
            purpose=_purpose(purpose, book),
            rules=book,
        )
    )


def locoppoints(operation: Any, category: Any, year: Any, powertrain: Any) -> float:
    book = active_rulebook()
    return float(
        core.operation_points(
            _text("operation", operation),
            category=_category(category, book),
            year=_year(year),
            powertrain=_powertrain(powertrain, book),
            rules=book,
        )
    )


_ERRORS = frozenset(ExcelError)
_ROWS = {list}


def _cells(name: str, value: Any) -> list[Any]:
    """Flatten a range (or a single value) row by row; an error inside is the result."""
    if not isinstance(value, (list, tuple)):
        value = [[value]]
    if {*map(type, value)} == _ROWS:  # rows, as the engine and xlwings pass them
        out = list(chain.from_iterable(value))
        try:
            clean = _ERRORS.isdisjoint(out)
        except TypeError:  # an unhashable value in a cell: look at each one below
            clean = False
        if clean:
            return out
    out = []
    for row in value:
        for cell in row if isinstance(row, (list, tuple)) else [row]:
            if isinstance(cell, ExcelError):
                raise _Propagate(cell)
            out.append(cell)
    return out


def locscore(
    operations: Any,
    done: Any,
    rnd_points: Any,
    category: Any,
    year: Any,
    powertrain: Any,
    eco_factor: Any,
) -> float:
    ops = _cells("operations", operations)
    flags = None if done is None else _cells("done", done)
    if flags is not None and len(flags) != len(ops):
        raise InputError(f"operations has {len(ops)} cells but done has {len(flags)}")
    # a blank operation code is skipped whatever its flag (core.total_score skips it)
    book = active_rulebook()
    eco = _scalar("eco_factor", eco_factor)
    return core.total_score(
        ops,
        flags,
        _number("rnd_points", rnd_points),
        category=_category(category, book),
        year=_year(year),
        powertrain=_powertrain(powertrain, book),
        eco_factor=1 if eco is None or eco == "" else (eco if isinstance(eco, str) else _number("eco_factor", eco)),
        rules=book,
    )


def locthreshold(purpose: Any, year: Any, category: Any, powertrain: Any) -> float:
    book = active_rulebook()
    return core.threshold(
        _text("purpose", purpose),
        year=_year(year),
        category=_category(category, book),
        powertrain=_powertrain(powertrain, book),
        rules=book,
    )


def locgap(score: Any, purpose: Any, year: Any, category: Any, powertrain: Any) -> float:
    book = active_rulebook()
    return float(
        core.gap(
            _number("score", score, None),
            _text("purpose", purpose),
            year=_year(year),
            category=_category(category, book),
            powertrain=_powertrain(powertrain, book),
            rules=book,
        )
    )


def loceligible(score: Any, purpose: Any, year: Any, category: Any, powertrain: Any) -> bool:
    book = active_rulebook()
    return bool(
        core.eligible(
            _number("score", score, None),
            _text("purpose", purpose),
            year=_year(year),
            category=_category(category, book),
            powertrain=_powertrain(powertrain, book),
            rules=book,
        )
    )


RULES_COLUMNS = ("table", "key", "category", "powertrain", "value", "effective_from", "effective_to", "confidence", "source")


def locrules(table: Any, year: Any, category: Any) -> list[list[Any]]:
    book = active_rulebook()
    tbl = _text("table", table, "all").lower()
    cat = None if _scalar("category", category) in (None, "") else _category(category, book)
    rows = book.in_force(_year(year), cat, tbl)
    def cell(v: Any) -> Any:
        return float(v) if isinstance(v, int) and not isinstance(v, bool) else v

    return [list(RULES_COLUMNS)] + [[cell(r[c]) for c in RULES_COLUMNS] for r in rows]


def locrulebook() -> str:
    return active_rulebook().edition


_YEAR = Arg("year", "Year (1900-9999, meaning 1 January) or a date; blank = today (год или дата)", "date", True)
_CAT = Arg("category", 'Vehicle category (категория ТС): M1, M2, M3, N1, N2, N3; blank = "M1"', "text", True)
_PT = Arg("powertrain", 'Powertrain (силовая установка): ice, hybrid or bev; blank = "ice"', "text", True)
_PURPOSE = Arg(
    "purpose", "Purpose (цель): procurement, competitiveness, loans, utilfee, spic or taxi", "text"
)
_SCORE = Arg("score", "Total localization score in points (баллы)")

FUNCTIONS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "LICENSECOST",
        _wrap(licensecost),
        "Licence cost attributable to one year in the reporting currency "
        "(затраты на лицензию): lump_sum*fx_rate/amortization_years + royalty_per_unit*units*fx_rate.",
        (
            Arg("lump_sum", "One-off licence fee, in the contract currency (паушальный платёж)"),
            Arg("royalty_per_unit", "Royalty per vehicle, in the contract currency (роялти); blank = 0", optional=True),
            Arg("units", "Vehicles produced in the year (объём выпуска); blank = 0", optional=True),
            Arg("fx_rate", "Reporting currency per unit of contract currency (курс); blank = 1", optional=True),
            Arg("amortization_years", "Years over which the lump sum is spread, >= 1 (срок амортизации); blank = 1", optional=True),
        ),
        example="=LICENSECOST(1000000, 50, 20000, 12.5, 5)",
    ),
    FunctionSpec(
        "LOCPOINTS",
        _wrap(locpoints),
        "R&D points (баллы за НИОКР, footnote <12>): 400 per 1 % of revenue as a whole number, "
        "capped by category and year (1,000 from 2026); 200 per full 0.5 % before 21.03.2024. "
        "Licence costs count only where the rulebook says so.",
        (
            Arg("rnd_spend", "R&D spend in the year (затраты на НИОКР)"),
            Arg("revenue", "Revenue in the year, same currency, > 0 (выручка)"),
            Arg("licence_cost", "Licence cost for the year, e.g. from LICENSECOST (затраты на лицензии); blank = 0", optional=True),
            _YEAR,
            _CAT,
            Arg("purpose", 'Purpose the points are for; "procurement" applies the 2024 factor 1.3; blank = none', "text", True),
        ),
        example="=LOCPOINTS(15, 1000, 0, 2025)",
    ),
    FunctionSpec(
        "LOCSPENDNEEDED",
        _wrap(locspendneeded),
        "Extra R&D spend needed to earn target_points of R&D points (необходимые затраты на НИОКР); "
        "0 if current_spend already earns them; #NUM! if the target is above the cap.",
        (
            Arg("target_points", "R&D points to reach (целевые баллы за НИОКР)"),
            Arg("revenue", "Revenue in the year, > 0 (выручка)"),
            Arg("current_spend", "R&D and counted licence spend already planned; blank = 0", optional=True),
            _YEAR,
            _CAT,
            _PT,
            Arg("purpose", 'Purpose the points are for; "procurement" applies the 2024 factor 1.3; blank = none', "text", True),
        ),
        example="=LOCSPENDNEEDED(600, 1000, 4, 2025)",
    ),
    FunctionSpec(
        "LOCOPPOINTS",
        _wrap(locoppoints),
        "Points of one operation code (one line of section II) under the rulebook in force "
        '(баллы за операцию), e.g. "body_welding" or "engine_ecu_tier_200".',
        (
            Arg("operation", "Operation code, e.g. body_welding (код операции)", "text"),
            _CAT,
            _YEAR,
            _PT,
        ),
        example='=LOCOPPOINTS("body_painting")',
    ),
    FunctionSpec(
        "LOCSCORE",
        _wrap(locscore),
        "Total localization score (итоговые баллы): points of the listed operations that are done "
        "(only the best of a group of alternatives; pro-rata lines take the share done, 0..1), "
        "times the ecology factor on ICE operations, plus rnd_points.",
        (
            Arg("operations", "Range of operation codes; blanks are skipped (операции)", "range"),
            Arg("done", "Range of done flags (TRUE/1/yes/да) or shares 0..1 for pro-rata lines, same size; blank = all done (выполнено)", "range", True),
            Arg("rnd_points", "R&D points to add, e.g. from LOCPOINTS (баллы за НИОКР); blank = 0", optional=True),
            _CAT,
            _YEAR,
            _PT,
            Arg("eco_factor", 'Ecology factor on ICE operations (note 5): 1, 1.5, 2, or "R83-07", "R154-00", "R49-06"; blank = 1', "text", True),
        ),
        example="=LOCSCORE(A2:A9, B2:B9, 400)",
    ),
    FunctionSpec(
        "LOCTHRESHOLD",
        _wrap(locthreshold),
        "Points needed for a purpose in a year (пороговое значение баллов): procurement, "
        "competitiveness, loans, utilfee, spic or taxi, by category and powertrain.",
        (_PURPOSE, _YEAR, _CAT, _PT),
        example='=LOCTHRESHOLD("procurement", 2027)',
    ),
    FunctionSpec(
        "LOCGAP",
        _wrap(locgap),
        "Points missing to reach the threshold of a purpose (недостающие баллы); 0 if met.",
        (_SCORE, _PURPOSE, _YEAR, _CAT, _PT),
        example='=LOCGAP(2209, "procurement", 2025)',
    ),
    FunctionSpec(
        "LOCELIGIBLE",
        _wrap(loceligible),
        "TRUE if the score meets the threshold of the purpose in that year (соответствие порогу).",
        (_SCORE, _PURPOSE, _YEAR, _CAT, _PT),
        example='=LOCELIGIBLE(3280, "procurement", 2025)',
    ),
    FunctionSpec(
        "LOCRULES",
        _wrap(locrules),
        "The rules in force as a table with their sources and confidence (действующие правила); "
        "spills in Excel 365.",
        (
            Arg("table", "Which rules: all, rnd, operations, thresholds or factors; blank = all", "text", True),
            _YEAR,
            Arg("category", "Vehicle category (категория ТС); blank = all categories", "text", True),
        ),
        returns="array",
        example='=LOCRULES("thresholds", 2027, "M1")',
    ),
    FunctionSpec(
        "LOCRULEBOOK",
        _wrap(locrulebook),
        "Edition id of the rulebook in use (редакция правил), to show what a sheet was computed with.",
        (),
        example="=LOCRULEBOOK()",
    ),
)
