"""Database functions: DAVERAGE, DCOUNT, DCOUNTA, DGET, DMAX, DMIN, DPRODUCT, DSTDEV,
DSTDEVP, DSUM, DVAR, DVARP.

``database`` is a range whose first row holds the column labels; ``field`` a label (text,
case-insensitive) or a 1-based column number; ``criteria`` a range whose first row holds
labels and each further row is an OR of AND conditions (a blank cell matches every record, a
blank criteria row every record). A condition is a COUNTIF criterion
(:func:`~xlfuncs.recalc.values.parse_criteria`: ``>5``, ``<>x``, ``=``, wildcards), except
that plain text matches the text that starts with it (``Pea`` matches Pear, ``=Pea`` only
Pea), as Excel's Advanced Filter criteria do.

A *computed criterion* (a formula under a label that is not one of the database's, or under
a blank label) is evaluated once per record with its relative references moved down by the
record's offset from the first data row, as Excel does (``=C7>AVERAGE($C$7:$C$12)``): the
formula cell's compiled plan is run at the shifted position (:meth:`_Env.plan_at
<xlfuncs.recalc.engine._Env.plan_at>`). The record matches when the result is TRUE or a
non-zero number.

The aggregate over the field's values of the matching records is the one of the plain
function (SUM, AVERAGE, COUNT...): numbers count, text and logicals are skipped, errors
propagate (DCOUNT skips them, DCOUNTA counts them).

>>> from xlfuncs.recalc.functions import REGISTRY
>>> db = [["Tree", "Height"], ["Apple", 18.0], ["Pear", 12.0], ["Apple", 14.0]]
>>> REGISTRY["DSUM"].call(None, 0, 1, 1, db, "height", [["Tree"], ["=Apple"]])
32.0
>>> REGISTRY["DCOUNT"].call(None, 0, 1, 1, db, None, [["Height"], [">12"]])
2.0
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from xlfuncs.errors import ExcelError
from xlfuncs.recalc.functions import math as _math
from xlfuncs.recalc.functions import statistical as _stat
from xlfuncs.recalc.functions._registry import XErr, registrar
from xlfuncs.recalc.values import Rng, as_rows, parse_criteria, text_to_num, to_scalar, to_text

ERR = ExcelError
reg = registrar("database")

_Pred = Callable[[Any], bool]


def _condition(crit: Any) -> _Pred | None:
    """The predicate of one criteria cell (``None``: the cell matches every record)."""
    if crit is None or crit == "":
        return None
    # plain text matches the text that starts with it; numbers, logicals and error
    # literals as typed
    if (type(crit) is str and crit[:1] not in ("<", ">", "=")
            and type(text_to_num(crit)) is ExcelError and crit.upper() not in ("TRUE", "FALSE")
            and not crit.startswith("#") and not crit.endswith("*")):
        crit = crit + "*"
    pred: _Pred = parse_criteria(crit)
    return pred


def _labels(rows: list[list[Any]]) -> list[str | None]:
    """The first row's labels, lower-case (numbers as General shows them; a blank or an
    error is no label)."""
    out: list[str | None] = []
    for v in rows[0] if rows else []:
        t = to_text(v) if v is not None else None
        out.append(t.lower() if type(t) is str and t != "" else None)
    return out


def _column(labels: list[str | None], field: Any) -> int:
    """The 0-based column of ``field`` (a label or a 1-based number); ``#VALUE!`` if none."""
    if type(field) is str:
        key = field.lower()
        if key and key in labels:
            return labels.index(key)
        raise XErr(ERR.VALUE)
    if type(field) is float or type(field) is int:
        i = int(field)
        if 1 <= i <= len(labels):
            return i - 1
    raise XErr(ERR.VALUE)


def _computed(env: Any, criteria: Any, i: int, j: int) -> Callable[[int], bool] | None:
    """The per-record test of the computed criterion at criteria cell (i, j), if it is a
    formula (``None`` otherwise); ``k`` is the record's 0-based offset."""
    if env is None or type(criteria) is not Rng:
        return None
    plan_at = getattr(env, "plan_at", None)
    s, r, c = criteria.s, criteria.r1 + i, criteria.c1 + j
    fn = plan_at(s, r, c) if plan_at is not None else None
    if fn is None:
        return None

    def test(k: int) -> bool:
        try:
            v = fn(r + k, c)
        except Exception:  # noqa: BLE001 - as the engine's run loop: no match
            return False
        if type(v) is Rng or type(v) is list:
            v = to_scalar(v)
        if v is True:
            return True
        return (type(v) is float or type(v) is int) and v != 0

    return test


def _matching(env: Any, database: Any, criteria: Any) -> tuple[list[list[Any]], list[str | None]]:
    """The records (data rows) of ``database`` that meet ``criteria``, and its labels."""
    if type(database) is ExcelError:
        raise XErr(database)
    if type(criteria) is ExcelError:
        raise XErr(criteria)
    if type(database) not in (Rng, list) or type(criteria) not in (Rng, list):
        raise XErr(ERR.VALUE)
    rows = as_rows(database)
    crows = as_rows(criteria)
    if not rows or len(crows) < 2:
        raise XErr(ERR.VALUE)
    labels = _labels(rows)
    clabels = _labels(crows)
    records = rows[1:]
    # each criteria row: its (column, predicate) tests and computed tests
    alternatives: list[tuple[list[tuple[int, _Pred]], list[Callable[[int], bool]]]] = []
    for i in range(1, len(crows)):
        plain: list[tuple[int, _Pred]] = []
        computed: list[Callable[[int], bool]] = []
        never = False
        for j, lab in enumerate(clabels):
            cell = crows[i][j] if j < len(crows[i]) else None
            col = labels.index(lab) if lab is not None and lab in labels else -1
            if col < 0:
                test = _computed(env, criteria, i, j)
                if test is not None:
                    computed.append(test)
                elif cell is not None and cell != "":
                    # a value under a label that is not the database's: no record has it
                    never = True
                continue
            pred = _condition(cell)
            if pred is not None:
                plain.append((col, pred))
        if not never:
            alternatives.append((plain, computed))
    out = []
    for k, rec in enumerate(records):
        for plain, computed in alternatives:
            if all(pred(rec[col] if col < len(rec) else None) for col, pred in plain) and all(
                t(k) for t in computed
            ):
                out.append(rec)
                break
    return out, labels


def _field_values(env: Any, database: Any, field: Any, criteria: Any) -> list[list[Any]]:
    """The field's values of the matching records, as a one-column array."""
    recs, labels = _matching(env, database, criteria)
    col = _column(labels, field)
    return [[rec[col] if col < len(rec) else None] for rec in recs]


def _dfunc(name: str, agg: Callable[..., Any], doc: str) -> None:
    def fn(env: Any, sheet: int, row: int, col: int, database: Any, field: Any,
           criteria: Any) -> Any:
        vals = _field_values(env, database, field, criteria)
        return agg(vals) if vals else agg([[None]])

    fn.__name__ = name
    fn.__doc__ = doc
    reg(name, "ref, scalar, ref", env=True)(fn)


_dfunc("DSUM", _math.SUM, "DSUM(database, field, criteria): SUM of the matching records' field.")
_dfunc("DPRODUCT", _math.PRODUCT, "DPRODUCT: PRODUCT of the field (0 when none match).")
_dfunc("DAVERAGE", _stat.AVERAGE, "DAVERAGE: AVERAGE of the field (#DIV/0! when none).")
_dfunc("DMAX", _stat.MAX, "DMAX: MAX of the field (0 when none match).")
_dfunc("DMIN", _stat.MIN, "DMIN: MIN of the field (0 when none match).")
_dfunc("DSTDEV", _stat.STDEV, "DSTDEV: the sample standard deviation of the field.")
_dfunc("DSTDEVP", _stat.STDEVP, "DSTDEVP: the population standard deviation of the field.")
_dfunc("DVAR", _stat.VAR, "DVAR: the sample variance of the field.")
_dfunc("DVARP", _stat.VARP, "DVARP: the population variance of the field.")


def _count(env: Any, database: Any, field: Any, criteria: Any, agg: Callable[..., Any]) -> Any:
    if field is None:  # DCOUNT(database,,criteria): the matching records
        return float(len(_matching(env, database, criteria)[0]))
    vals = _field_values(env, database, field, criteria)
    return agg(vals) if vals else 0.0


@reg("DCOUNT", "ref, scalar, ref", env=True)
def DCOUNT(env: Any, sheet: int, row: int, col: int, database: Any, field: Any,
           criteria: Any) -> Any:
    """DCOUNT: the numbers in the field of the matching records (a blank field: records)."""
    return _count(env, database, field, criteria, _stat.COUNT)


@reg("DCOUNTA", "ref, scalar, ref", env=True)
def DCOUNTA(env: Any, sheet: int, row: int, col: int, database: Any, field: Any,
            criteria: Any) -> Any:
    """DCOUNTA: the non-blank cells in the field of the matching records."""
    return _count(env, database, field, criteria, _stat.COUNTA)


@reg("DGET", "ref, scalar, ref", env=True)
def DGET(env: Any, sheet: int, row: int, col: int, database: Any, field: Any,
         criteria: Any) -> Any:
    """DGET: the field of the one matching record; #VALUE! when none, #NUM! when several."""
    vals = _field_values(env, database, field, criteria)
    if not vals:
        return ERR.VALUE
    if len(vals) > 1:
        return ERR.NUM
    v = vals[0][0]
    return 0.0 if v is None else v
