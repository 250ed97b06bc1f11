"""The rulebook: localization rules as versioned data.

A rulebook is a TOML file with an ``edition`` id and four tables: ``rnd`` (the R&D rule),
``operation`` (points per operation code), ``threshold`` (points needed per purpose) and
``purposes``. Every row carries ``effective_from`` (and optionally ``effective_to``), a
``source`` and a ``confidence`` mark. Rows are validated at load; errors name the file,
the row and the field.

Which rulebook is used:

1. the ``rules=`` argument of a core function, when given;
2. else the one set with :func:`use_rulebook`;
3. else the file named by the environment variable ``XLFUNCS_RULEBOOK``;
4. else the packaged default edition.

>>> book = default_rulebook()
>>> book.edition
'ru719-press-2026-11'
>>> book.threshold("procurement", datetime.date(2027, 6, 1), "M1").points
3500
>>> book.operation("BODY_WELDING", datetime.date(2025, 1, 1), "M1").points
400
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import functools
import math
import os
import time
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

from xlfuncs.errors import NoRuleError, RulebookError, UnknownCodeError

__all__ = [
    "CONFIDENCE_LEVELS",
    "DEFAULT_EDITION_FILE",
    "DEFAULT_EDITION_PATH",
    "OperationRule",
    "RndRule",
    "Rulebook",
    "ThresholdRule",
    "active_rulebook",
    "default_rulebook",
    "load_rulebook",
    "pinned_rulebook",
    "use_rulebook",
]

CONFIDENCE_LEVELS = ("confirmed", "single source", "uncertain")
DEFAULT_EDITION_FILE = "ru719-press-2026-11.toml"
DEFAULT_EDITION_PATH = Path(__file__).parent / "data" / DEFAULT_EDITION_FILE
ENV_VAR = "XLFUNCS_RULEBOOK"
Scale = Literal["step", "linear"]


@dataclass(frozen=True)
class _Row:
    category: str
    effective_from: datetime.date
    effective_to: datetime.date | None
    source: str
    confidence: str
    note: str

    def in_force(self, on: datetime.date) -> bool:
        """True when the row applies on date ``on``."""
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)


@dataclass(frozen=True)
class RndRule(_Row):
    """R&D rule: ``points_per_step`` for each ``step_percent`` % of revenue."""

    step_percent: float
    points_per_step: float
    scale: Scale
    cap: float | None
    licence_counts: bool


@dataclass(frozen=True)
class OperationRule(_Row):
    """Points of one operation code."""

    code: str
    points: float
    name_en: str
    name_ru: str
    condition: str


@dataclass(frozen=True)
class ThresholdRule(_Row):
    """Points needed for a purpose; ``same_as`` links to another purpose's bar."""

    purpose: str
    points: float | None
    same_as: str | None


_R = TypeVar("_R", bound=_Row)


def _pick(rows: Iterable[_R], on: datetime.date, category: str) -> _R | None:
    """The row in force on ``on``: the latest start among rows for ``category`` (exact beats ``*``)."""
    rows = list(rows)
    best: _R | None = None
    for exact in (True, False):
        for row in rows:
            same = (row.category == category) if exact else (row.category == "*")
            if same and row.in_force(on) and (best is None or row.effective_from > best.effective_from):
                best = row
        if best is not None:
            return best
    return None


class Rulebook:
    """A validated rulebook edition. Build it with :func:`load_rulebook`."""

    def __init__(
        self,
        *,
        edition: str,
        title: str,
        path: str,
        categories: tuple[str, ...],
        purposes: Mapping[str, str],
        rnd: tuple[RndRule, ...],
        operations: tuple[OperationRule, ...],
        thresholds: tuple[ThresholdRule, ...],
    ) -> None:
        self.edition = edition
        self.title = title
        self.path = path
        self.categories = categories
        self.purposes = dict(purposes)
        self.rnd_rules = rnd
        self.operations = operations
        self.thresholds = thresholds
        self.operation_codes = tuple(dict.fromkeys(o.code for o in operations))
        self._memo: dict[tuple[Any, ...], Any] = {}

    def __repr__(self) -> str:
        return f"<Rulebook {self.edition!r} from {self.path}>"

    # -- normalisation ------------------------------------------------------------
    def category(self, category: str) -> str:
        """Normalise a category name; raise :class:`UnknownCodeError` if unknown."""
        key = str(category).strip().upper()
        if key not in self.categories:
            raise UnknownCodeError(
                f"unknown vehicle category {category!r}; known: {', '.join(self.categories)}"
            )
        return key

    def purpose(self, purpose: str) -> str:
        """Normalise a purpose name; raise :class:`UnknownCodeError` if unknown."""
        key = str(purpose).strip().lower()
        if key not in self.purposes:
            raise UnknownCodeError(f"unknown purpose {purpose!r}; known: {', '.join(self.purposes)}")
        return key

    def code(self, code: str) -> str:
        """Normalise an operation code; raise :class:`UnknownCodeError` if unknown."""
        key = str(code).strip().lower()
        if key not in self.operation_codes:
            raise UnknownCodeError(f"unknown operation code {code!r}")
        return key

    # -- lookups ----------------------------------------------------------------------
    def rnd(self, on: datetime.date, category: str = "M1") -> RndRule:
        """The R&D rule in force; :class:`NoRuleError` if none."""
        key = ("rnd", on, category)
        hit = self._memo.get(key)
        if hit is None:
            hit = self._memo[key] = self._rnd(on, category)
        return hit

    def _rnd(self, on: datetime.date, category: str) -> RndRule:
        cat = self.category(category)
        row = _pick(self.rnd_rules, on, cat)
        if row is None:
            raise NoRuleError(f"no R&D rule in force on {on} for {cat} in {self.edition}")
        return row

    def operation(self, code: str, on: datetime.date, category: str = "M1") -> OperationRule:
        """The points row of an operation code in force; :class:`NoRuleError` if none."""
        key = ("op", code, on, category)
        hit = self._memo.get(key)
        if hit is None:
            hit = self._memo[key] = self._operation(code, on, category)
        return hit

    def _operation(self, code: str, on: datetime.date, category: str) -> OperationRule:
        key = self.code(code)
        cat = self.category(category)
        row = _pick((o for o in self.operations if o.code == key), on, cat)
        if row is None:
            raise NoRuleError(f"no points for {key!r} ({cat}) in force on {on} in {self.edition}")
        return row

    def threshold(self, purpose: str, on: datetime.date, category: str = "M1") -> ThresholdRule:
        """The threshold row in force, with ``same_as`` links resolved; :class:`NoRuleError` if none."""
        key = ("th", purpose, on, category)
        hit = self._memo.get(key)
        if hit is None:
            hit = self._memo[key] = self._threshold(purpose, on, category)
        return hit

    def _threshold(self, purpose: str, on: datetime.date, category: str) -> ThresholdRule:
        key = self.purpose(purpose)
        cat = self.category(category)
        first: ThresholdRule | None = None
        seen: list[str] = []
        while True:
            row: ThresholdRule | None = _pick(
                (t for t in self.thresholds if t.purpose == key), on, cat
            )
            if row is None:
                raise NoRuleError(
                    f"no {key!r} threshold for {cat} in force on {on} in {self.edition}"
                )
            if first is None:
                first = row
            if row.same_as is None:
                if row is first:
                    return row
                # a linked bar: the linking row, carrying the points of the row it links to
                return ThresholdRule(
                    **{
                        **first.__dict__,
                        "points": row.points,
                        "note": (first.note + " " if first.note else "")
                        + f"Bar of {key!r} in force from {row.effective_from}: {row.source}",
                    }
                )
            seen.append(key)
            key = row.same_as
            if key in seen:
                raise NoRuleError(f"threshold links loop: {' -> '.join(seen + [key])}")

    def in_force(
        self, on: datetime.date, category: str | None = None, table: str = "all"
    ) -> list[dict[str, Any]]:
        """Rows in force on ``on`` as dicts (the rows ``xlfuncs rules`` and ``LOCRULES`` show)."""
        cats = [self.category(category)] if category else list(self.categories)
        tables = ("rnd", "operations", "thresholds") if table == "all" else (table,)
        out: list[dict[str, Any]] = []
        for t in tables:
            if t not in ("rnd", "operations", "thresholds"):
                raise UnknownCodeError(f"unknown table {table!r}; use all, rnd, operations, thresholds")
        for cat in cats:
            if "rnd" in tables:
                try:
                    r = self.rnd(on, cat)
                except NoRuleError:
                    pass
                else:
                    unit = f"{r.points_per_step:g} points per {r.step_percent:g} % of revenue ({r.scale})"
                    if r.licence_counts:
                        unit += ", licences count"
                    out.append(_row_dict("rnd", "rnd", cat, unit, r))
            if "operations" in tables:
                for code in self.operation_codes:
                    try:
                        o = self.operation(code, on, cat)
                    except NoRuleError:
                        continue
                    out.append(_row_dict("operations", code, cat, o.points, o))
            if "thresholds" in tables:
                for purpose in self.purposes:
                    try:
                        th = self.threshold(purpose, on, cat)
                    except NoRuleError:
                        continue
                    out.append(_row_dict("thresholds", purpose, cat, th.points, th))
        return out


def _row_dict(table: str, key: str, category: str, value: Any, row: _Row) -> dict[str, Any]:
    return {
        "table": table,
        "key": key,
        "category": category,
        "value": value,
        "effective_from": row.effective_from.isoformat(),
        "effective_to": row.effective_to.isoformat() if row.effective_to else "",
        "confidence": row.confidence,
        "source": row.source,
    }


# ------------------------------------------------------------------------- loading
_COMMON = {"category", "effective_from", "effective_to", "source", "confidence", "note"}
_FIELDS: dict[str, tuple[set[str], set[str]]] = {
    # table: (required, optional) beyond _COMMON
    "rnd": ({"step_percent", "points_per_step"}, {"scale", "cap", "licence_counts"}),
    "operation": ({"code", "points"}, {"name_en", "name_ru", "condition"}),
    "threshold": ({"purpose"}, {"points", "same_as"}),
}


class _Checker:
    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, where: str, message: str) -> RulebookError:
        return RulebookError(f"{self.path}: {where}: {message}")

    def number(self, where: str, row: Mapping[str, Any], name: str, *, positive: bool) -> float:
        value = row.get(name)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(where, f"field {name!r} must be a number, got {value!r}")
        if isinstance(value, float) and not math.isfinite(value):
            raise self.fail(where, f"field {name!r} must be finite, got {value!r}")
        if (value <= 0) if positive else (value < 0):
            sign = "> 0" if positive else ">= 0"
            raise self.fail(where, f"field {name!r} must be {sign}, got {value!r}")
        return float(value) if isinstance(value, float) else value

    def text(self, where: str, row: Mapping[str, Any], name: str, default: str | None = None) -> str:
        value = row.get(name, default)
        if not isinstance(value, str) or (default is None and not value.strip()):
            raise self.fail(where, f"field {name!r} must be non-empty text, got {value!r}")
        return value

    def date(self, where: str, row: Mapping[str, Any], name: str) -> datetime.date | None:
        value = row.get(name)
        if value is None and name == "effective_to":
            return None
        if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
            raise self.fail(where, f"field {name!r} must be a date like 2025-01-01, got {value!r}")
        return value

    def common(
        self, table: str, i: int, row: Any, categories: tuple[str, ...]
    ) -> dict[str, Any]:
        where = f"[[{table}]] row {i + 1}"
        if not isinstance(row, dict):
            raise self.fail(where, "must be a table of fields")
        required, optional = _FIELDS[table]
        unknown = set(row) - _COMMON - required - optional
        if unknown:
            raise self.fail(where, f"unknown field(s) {', '.join(sorted(unknown))}")
        for name in sorted(required | {"category", "effective_from", "source", "confidence"}):
            if name not in row:
                raise self.fail(where, f"missing field {name!r}")
        category = self.text(where, row, "category").strip().upper()
        if category != "*" and category not in categories:
            raise self.fail(where, f"field 'category' is {category!r}, not one of {', '.join(categories)} or '*'")
        start = self.date(where, row, "effective_from")
        end = self.date(where, row, "effective_to")
        assert start is not None
        if end is not None and end < start:
            raise self.fail(where, f"field 'effective_to' {end} is before effective_from {start}")
        confidence = self.text(where, row, "confidence")
        if confidence not in CONFIDENCE_LEVELS:
            raise self.fail(
                where, f"field 'confidence' is {confidence!r}, not one of {', '.join(CONFIDENCE_LEVELS)}"
            )
        return {
            "category": category,
            "effective_from": start,
            "effective_to": end,
            "source": self.text(where, row, "source"),
            "confidence": confidence,
            "note": self.text(where, row, "note", ""),
        }


def _parse(data: Mapping[str, Any], path: str) -> Rulebook:
    ck = _Checker(path)
    top_known = {"schema", "edition", "title", "categories", "purposes", "rnd", "operation", "threshold"}
    unknown = set(data) - top_known
    if unknown:
        raise ck.fail("top level", f"unknown key(s) {', '.join(sorted(unknown))}")
    if data.get("schema") != 1:
        raise ck.fail("top level", f"'schema' must be 1, got {data.get('schema')!r}")
    edition = ck.text("top level", data, "edition")
    title = ck.text("top level", data, "title", "")
    cats = data.get("categories")
    if not isinstance(cats, list) or not cats or not all(isinstance(c, str) and c for c in cats):
        raise ck.fail("top level", "'categories' must be a non-empty list of names")
    categories = tuple(c.strip().upper() for c in cats)
    purposes_raw = data.get("purposes", {})
    if not isinstance(purposes_raw, dict) or not all(isinstance(v, str) for v in purposes_raw.values()):
        raise ck.fail("[purposes]", "must map purpose names to descriptions")
    purposes = {k.strip().lower(): v for k, v in purposes_raw.items()}

    def rows(table: str) -> list[Any]:
        value = data.get(table, [])
        if not isinstance(value, list):
            raise ck.fail(f"[[{table}]]", "must be an array of tables")
        return value

    rnd: list[RndRule] = []
    for i, row in enumerate(rows("rnd")):
        base = ck.common("rnd", i, row, categories)
        where = f"[[rnd]] row {i + 1}"
        scale = row.get("scale", "step")
        if scale not in ("step", "linear"):
            raise ck.fail(where, f"field 'scale' must be 'step' or 'linear', got {scale!r}")
        cap = ck.number(where, row, "cap", positive=True) if "cap" in row else None
        licence = row.get("licence_counts", False)
        if not isinstance(licence, bool):
            raise ck.fail(where, f"field 'licence_counts' must be true or false, got {licence!r}")
        rnd.append(
            RndRule(
                **base,
                step_percent=ck.number(where, row, "step_percent", positive=True),
                points_per_step=ck.number(where, row, "points_per_step", positive=True),
                scale=scale,
                cap=cap,
                licence_counts=licence,
            )
        )
    ops: list[OperationRule] = []
    for i, row in enumerate(rows("operation")):
        base = ck.common("operation", i, row, categories)
        where = f"[[operation]] row {i + 1}"
        code = ck.text(where, row, "code").strip().lower()
        if not code.replace("_", "").isalnum() or not code.isascii() or code[0].isdigit():
            raise ck.fail(where, f"field 'code' must be lower_snake_case, got {row['code']!r}")
        ops.append(
            OperationRule(
                **base,
                code=code,
                points=ck.number(where, row, "points", positive=False),
                name_en=ck.text(where, row, "name_en", code),
                name_ru=ck.text(where, row, "name_ru", ""),
                condition=ck.text(where, row, "condition", ""),
            )
        )
    ths: list[ThresholdRule] = []
    for i, row in enumerate(rows("threshold")):
        base = ck.common("threshold", i, row, categories)
        where = f"[[threshold]] row {i + 1}"
        purpose = ck.text(where, row, "purpose").strip().lower()
        if purpose not in purposes:
            raise ck.fail(where, f"field 'purpose' is {purpose!r}, not one of [purposes]: {', '.join(purposes)}")
        has_points, has_link = "points" in row, "same_as" in row
        if has_points == has_link:
            raise ck.fail(where, "give exactly one of 'points' or 'same_as'")
        same_as = None
        if has_link:
            same_as = ck.text(where, row, "same_as").strip().lower()
            if same_as not in purposes:
                raise ck.fail(where, f"field 'same_as' is {same_as!r}, not a purpose")
        ths.append(
            ThresholdRule(
                **base,
                purpose=purpose,
                points=ck.number(where, row, "points", positive=True) if has_points else None,
                same_as=same_as,
            )
        )
    _check_overlaps(ck, "rnd", [((r.category,), r) for r in rnd])
    _check_overlaps(ck, "operation", [((o.code, o.category), o) for o in ops])
    _check_overlaps(ck, "threshold", [((t.purpose, t.category), t) for t in ths])
    return Rulebook(
        edition=edition,
        title=title,
        path=path,
        categories=categories,
        purposes=purposes,
        rnd=tuple(rnd),
        operations=tuple(ops),
        thresholds=tuple(ths),
    )


def _check_overlaps(ck: _Checker, table: str, keyed: list[tuple[tuple[str, ...], _Row]]) -> None:
    seen: dict[tuple[Any, ...], int] = {}
    for i, (key, row) in enumerate(keyed):
        k = key + (row.effective_from,)
        if k in seen:
            raise ck.fail(
                f"[[{table}]] row {i + 1}",
                f"same key {'/'.join(key)} and effective_from {row.effective_from} as row {seen[k] + 1}",
            )
        seen[k] = i


def load_rulebook(path: str | os.PathLike[str]) -> Rulebook:
    """Load and validate a rulebook TOML file.

    Raises :class:`~xlfuncs.errors.RulebookError` naming the file, the row and the field.
    """
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise RulebookError(f"{p}: cannot read: {exc.strerror or exc}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise RulebookError(f"{p}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise RulebookError(f"{p}: not valid TOML: {exc}") from None
    return _parse(data, str(p))


@functools.cache
def default_rulebook() -> Rulebook:
    """The packaged default edition (cached)."""
    return load_rulebook(DEFAULT_EDITION_PATH)


_active: Rulebook | None = None


@functools.lru_cache(maxsize=8)
def _from_env(path: str, mtime: float) -> Rulebook:
    return load_rulebook(path)


def use_rulebook(rulebook: Rulebook | str | os.PathLike[str] | None) -> Rulebook:
    """Set the process-wide rulebook (a :class:`Rulebook` or a path); ``None`` resets.

    Returns the rulebook now active.
    """
    global _active
    if rulebook is None:
        _active = None
    elif isinstance(rulebook, Rulebook):
        _active = rulebook
    else:
        _active = load_rulebook(rulebook)
    return active_rulebook()


#: the rulebook of a :func:`pinned_rulebook` block (per thread and task)
_pinned: contextvars.ContextVar[Rulebook | None] = contextvars.ContextVar(
    "xlfuncs_pinned_rulebook", default=None
)


@contextlib.contextmanager
def pinned_rulebook(rulebook: Rulebook) -> Iterator[Rulebook]:
    """Within the block (in this thread or task), :func:`active_rulebook` is ``rulebook``
    without looking at :func:`use_rulebook` or the environment again: a batch of function
    calls that must all use one rulebook (one recalculation of a workbook) asks once.

    >>> with pinned_rulebook(default_rulebook()) as book:
    ...     active_rulebook() is book
    True
    """
    token = _pinned.set(rulebook)
    try:
        yield rulebook
    finally:
        _pinned.reset(token)


def active_rulebook() -> Rulebook:
    """The rulebook in use: :func:`pinned_rulebook`, else :func:`use_rulebook`, else
    ``$XLFUNCS_RULEBOOK``, else the default.

    An edition named by the environment variable is reloaded when its file changes (checked
    at most once a second, since every function call asks for the active rulebook).
    """
    pinned = _pinned.get()
    if pinned is not None:
        return pinned
    if _active is not None:
        return _active
    env = os.environ.get(ENV_VAR, "").strip()
    if not env:
        return default_rulebook()
    now = time.monotonic()
    if _env_seen[0] == env and now - _env_seen[1] < 1.0 and _env_seen[2] is not None:
        return _env_seen[2]  # type: ignore[no-any-return]
    try:
        mtime = os.stat(env).st_mtime
    except OSError as exc:
        raise RulebookError(f"{env}: cannot read ({ENV_VAR}): {exc.strerror or exc}") from None
    book = _from_env(env, mtime)
    _env_seen[:] = [env, now, book]
    return book


# (path, monotonic time of the last check, rulebook) for $XLFUNCS_RULEBOOK
_env_seen: list[Any] = ["", 0.0, None]
