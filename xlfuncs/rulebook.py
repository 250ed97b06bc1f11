"""The rulebook: localization rules as versioned data.

A rulebook is a TOML file with an ``edition`` id and these tables: ``rnd`` (the R&D rule),
``operation`` (points per operation code), ``threshold`` (points needed per purpose),
``factor`` (multipliers the notes of the law set: R&D x 1.3 for 2024 procurement, the ecology
factor) and ``purposes``. Every row carries ``effective_from`` (and optionally
``effective_to``), a ``source`` and a ``confidence`` mark. Rows are validated at load; errors
name the file, the row and the field.

Schema 2 (the editions compiled from the legal text) keys rows also by ``powertrain``
(``ice``, ``hybrid``, ``bev`` or ``*``) and gives each operation its legal wording, its
alternatives group, whether its points are pro rata and how they round; an operation's
``[[operation.variant]]`` rows hold its points by category, powertrain and date. An edition
may ``extends`` another: the tables it gives replace the base's, the rest is inherited.

Editions are named by id (the packaged ones: :func:`available_editions`) or by path.
Which rulebook is used:

1. the ``rules=`` argument of a core function, when given;
2. else the one pinned with :func:`pinned_rulebook` (a recalculation pins its rulebook);
3. else the one set with :func:`use_rulebook`;
4. else the edition named by the environment variable ``XLFUNCS_RULEBOOK`` (an id or a path:
   for an Excel session, set outside the process);
5. else the packaged default edition.

>>> book = default_rulebook()
>>> book.edition
'ru719-2026-07'
>>> book.threshold("procurement", datetime.date(2027, 6, 1), "M1").points
3500
>>> book.threshold("procurement", datetime.date(2027, 6, 1), "M1", "bev").points
1500
>>> book.operation("BODY_WELDING", datetime.date(2025, 1, 1), "N1").points
400
>>> book.operation("body_stamping_30", datetime.date(2025, 1, 1), "M3").points
30
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import functools
import hashlib
import json
import math
import os
import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, Literal, TypeVar

from xlfuncs._fileio import seal, trusted_folder, unseal, user_cache_dir
from xlfuncs.errors import NoRuleError, RulebookError, UnknownCodeError

__all__ = [
    "CONFIDENCE_LEVELS",
    "DEFAULT_EDITION",
    "DEFAULT_EDITION_FILE",
    "DEFAULT_EDITION_PATH",
    "EDITIONS_DIR",
    "POWERTRAINS",
    "Change",
    "FactorRule",
    "OperationRule",
    "RndRule",
    "Rulebook",
    "ThresholdRule",
    "active_rulebook",
    "available_editions",
    "default_rulebook",
    "diff_rulebooks",
    "load_rulebook",
    "pinned_rulebook",
    "resolve_edition",
    "twin_data",
    "use_rulebook",
]

CONFIDENCE_LEVELS = ("legal text", "confirmed", "single source", "uncertain")
POWERTRAINS = ("ice", "hybrid", "bev")
EDITIONS_DIR = Path(__file__).parent / "data"
DEFAULT_EDITION = "ru719-2026-07"
DEFAULT_EDITION_FILE = f"{DEFAULT_EDITION}.toml"
DEFAULT_EDITION_PATH = EDITIONS_DIR / DEFAULT_EDITION_FILE
ENV_VAR = "XLFUNCS_RULEBOOK"
Scale = Literal["step", "linear"]
Rounding = Literal["floor", "nearest"]
_MAX_EXTENDS = 8
#: other names of the powertrains (Russian ones as typed in a Russian workbook)
_POWERTRAIN_ALIASES = {
    "ev": "bev", "electric": "bev", "battery-electric": "bev", "электро": "bev",
    "электромобиль": "bev", "эм": "bev", "двс": "ice", "icev": "ice", "гибрид": "hybrid",
    "hev": "hybrid", "phev": "hybrid",
}
_MEMO_LIMIT = 200_000
#: memo key of the count of operation indexes built (:attr:`Rulebook.index_builds`)
_BUILDS = ("index-builds",)
#: Cyrillic letters that look like the Latin ones of the category codes (М1, Н3 typed in Russian)
_CYRILLIC_LOOKALIKES = str.maketrans({"М": "M", "Н": "N", "м": "M", "н": "N"})
#: Russian names of the purposes, as a Russian-speaking analyst types them
_PURPOSE_ALIASES = {
    "госзакупки": "procurement", "закупки": "procurement", "44-фз": "procurement",
    "кппк": "competitiveness", "пп 191": "competitiveness",
    "кредиты": "loans", "льготные кредиты": "loans", "автокредиты": "loans",
    "утильсбор": "utilfee", "компенсация утильсбора": "utilfee",
    "спик": "spic", "такси": "taxi",
}


@dataclass(frozen=True, kw_only=True)
class _Row:
    category: str
    powertrain: str = "*"
    effective_from: datetime.date
    effective_to: datetime.date | None
    source: str
    confidence: str
    note: str

    def in_force(self, on: datetime.date) -> bool:
        """True when the row applies on date ``on``."""
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)


@dataclass(frozen=True, kw_only=True)
class RndRule(_Row):
    """R&D rule: ``points_per_step`` for each ``step_percent`` % of revenue.

    ``scale="step"`` counts whole steps only; ``"linear"`` is proportional, rounded to an
    integer by ``rounding`` (``"floor"`` or ``"nearest"``). ``cap`` bounds the points.
    """

    step_percent: float
    points_per_step: float
    scale: Scale
    rounding: Rounding = "floor"
    cap: float | None
    licence_counts: bool


@dataclass(frozen=True, kw_only=True)
class OperationRule(_Row):
    """Points of one operation code (one legal line) for one category, powertrain and period."""

    code: str
    points: float
    name_en: str
    name_ru: str
    condition: str
    group: str = ""  #: alternatives group: of its done codes only the best counts
    block: str = ""  #: catalogue block (body, ice, transmission, electronics, ...)
    legal_heading: str = ""
    legal_text: str = ""
    line: int = 0  #: line of the legal text the row was compiled from
    prorata: bool = False  #: points x the share of units that meet the line
    rounding: str = ""  #: pro-rata rounding: "nearest" or "down"
    tier_from: int | None = None  #: lower bound of the unit's section IX score (a tier)
    tier_to: int | None = None
    eco: bool = False  #: the ecology factor of note 5 applies (ICE operations)
    amended_by: str = ""
    amendment_in_force: datetime.date | None = None


@dataclass(frozen=True, kw_only=True)
class ThresholdRule(_Row):
    """Points needed for a purpose; ``same_as`` links to another purpose's bar."""

    purpose: str
    points: float | None
    same_as: str | None
    scope: str = ""  #: conditions of the bar the rulebook does not model (price, ...)


@dataclass(frozen=True, kw_only=True)
class FactorRule(_Row):
    """A multiplier set by the notes: ``name`` is ``rnd`` (R&D points, for ``purpose``) or
    ``eco_<regulation>`` (the ecology factor on ICE operations)."""

    name: str
    value: float
    purpose: str = ""


_R = TypeVar("_R", bound=_Row)


def _pick(rows: Iterable[_R], on: datetime.date, category: str, powertrain: str = "*") -> _R | None:
    """The row in force on ``on``: exact category beats ``*``, then exact powertrain beats
    ``*``; among those, the latest start."""
    rows = list(rows)
    for cat in (category, "*"):
        for pt in (powertrain, "*") if powertrain != "*" else ("*",):
            best: _R | None = None
            for row in rows:
                if row.category == cat and row.powertrain == pt and row.in_force(on):
                    if best is None or row.effective_from > best.effective_from:
                        best = row
            if best is not None:
                return best
    return None


def _in_force_first(rows: tuple[_R, ...], on: datetime.date) -> _R | None:
    """The first row of ``rows`` in force on ``on`` (rows in :func:`_ranked` order)."""
    for row in rows:
        if row.effective_from <= on and (row.effective_to is None or on <= row.effective_to):
            return row
    return None


def _ranked(
    rows: Iterable[OperationRule], category: str, powertrain: str
) -> dict[str, list[OperationRule]]:
    """Operation rows by code, each list in the order :func:`_pick` prefers them for
    ``category`` and ``powertrain`` (a powertrain, not ``*``): exact category, then exact
    powertrain, then the latest start; rows of other categories or powertrains left out.
    The first row of a list that is in force on a date is the row :func:`_pick` picks."""
    ranked: dict[str, list[tuple[int, int, int, OperationRule]]] = {}
    for i, row in enumerate(rows):
        if row.category == category:
            rank = 0
        elif row.category == "*":
            rank = 2
        else:
            continue
        if row.powertrain == powertrain:
            pass
        elif row.powertrain == "*":
            rank += 1
        else:
            continue
        # among rows of one rank the latest start; of equal starts the first listed
        ranked.setdefault(row.code, []).append((rank, -row.effective_from.toordinal(), i, row))
    return {code: [r for *_, r in sorted(items)] for code, items in ranked.items()}


class OperationIndex:
    """The operation lines of a rulebook resolved for one date, category and powertrain.

    Built once per (date, category, powertrain) by :meth:`Rulebook.operation_index` and kept
    on the rulebook: a code as typed in a cell maps to its line (the code, the row in force
    or ``None``, its alternatives group), each code resolved on first use.
    """

    __slots__ = ("_book", "_ranked", "category", "lines", "on", "powertrain")

    def __init__(
        self,
        book: Rulebook,
        on: datetime.date,
        category: str,
        powertrain: str,
        ranked: dict[str, tuple[OperationRule, ...]],
    ) -> None:
        self.on = on
        self.category = category
        self.powertrain = powertrain
        #: typed code -> (code, row in force or None, group)
        self.lines: dict[str, tuple[str, OperationRule | None, str]] = {}
        self._ranked = ranked
        self._book = book

    def line(self, typed: str) -> tuple[str, OperationRule | None, str]:
        """The line of a typed code (case and spaces as typed, or an alias);
        :class:`UnknownCodeError` for a code the rulebook does not know."""
        hit = self.lines.get(typed)
        if hit is None:
            book = self._book
            key = book.code(typed)
            rows = self._ranked.get(key, ())
            hit = (key, _in_force_first(rows, self.on), book._by_code[key][0].group)
            self.lines[typed] = hit
        return hit


@dataclass(frozen=True)
class Change:
    """One difference between two editions (see :func:`diff_rulebooks`)."""

    kind: Literal["added", "removed", "changed"]
    table: str
    key: str
    fields: tuple[tuple[str, Any, Any], ...] = ()

    def __str__(self) -> str:
        sign = {"added": "+", "removed": "-", "changed": "~"}[self.kind]
        detail = "; ".join(f"{f}: {a!r} -> {b!r}" for f, a, b in self.fields)
        return f"{sign} {self.table} {self.key}" + (f"  ({detail})" if detail else "")


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
        factors: tuple[FactorRule, ...] = (),
        aliases: Mapping[str, str] | None = None,
        notes: str = "",
        schema: int = 1,
    ) -> None:
        self.edition = edition
        self.title = title
        self.path = path
        self.schema = schema
        self.notes = notes
        self.categories = categories
        self.purposes = dict(purposes)
        self.rnd_rules = rnd
        self.operations = operations
        self.thresholds = thresholds
        self.factors = factors
        self.aliases = dict(aliases or {})
        self.operation_codes = tuple(dict.fromkeys(o.code for o in operations))
        self._by_code: dict[str, list[OperationRule]] = {}
        for o in operations:
            self._by_code.setdefault(o.code, []).append(o)
        self.groups: dict[str, tuple[str, ...]] = {}
        for o in operations:
            if o.group and o.code not in self.groups.get(o.group, ()):
                self.groups[o.group] = self.groups.get(o.group, ()) + (o.code,)
        self._memo: dict[tuple[Any, ...], Any] = {}

    def __repr__(self) -> str:
        return f"<Rulebook {self.edition!r} from {self.path}>"

    def _memoised(self, key: tuple[Any, ...], make: Any) -> Any:
        hit = self._memo.get(key)
        if hit is None:
            if len(self._memo) >= _MEMO_LIMIT:
                self._memo.clear()
            hit = self._memo[key] = make()
        return hit

    # -- normalisation ------------------------------------------------------------
    def category(self, category: str) -> str:
        """Normalise a category name (Cyrillic М/Н as typed on a Russian keyboard read as
        Latin M/N); raise :class:`UnknownCodeError` if unknown.

        >>> default_rulebook().category(" м1 ")
        'M1'
        """
        key = str(category).strip().upper().translate(_CYRILLIC_LOOKALIKES)
        if key not in self.categories:
            raise UnknownCodeError(
                f"unknown vehicle category {category!r}; known: {', '.join(self.categories)}"
            )
        return key

    def powertrain(self, powertrain: str | None) -> str:
        """Normalise a powertrain (``ice``, ``hybrid``, ``bev``; blank = ``ice``)."""
        key = "ice" if powertrain is None else str(powertrain).strip().lower()
        key = _POWERTRAIN_ALIASES.get(key, key) or "ice"
        if key not in POWERTRAINS:
            raise UnknownCodeError(
                f"unknown powertrain {powertrain!r}; known: {', '.join(POWERTRAINS)}"
            )
        return key

    def purpose(self, purpose: str) -> str:
        """Normalise a purpose name (or its Russian name); raise :class:`UnknownCodeError`.

        >>> default_rulebook().purpose("Госзакупки")
        'procurement'
        """
        key = str(purpose).strip().lower()
        key = _PURPOSE_ALIASES.get(key, key)
        if key not in self.purposes:
            raise UnknownCodeError(f"unknown purpose {purpose!r}; known: {', '.join(self.purposes)}")
        return key

    def code(self, code: str) -> str:
        """Normalise an operation code (or an alias of one); raise :class:`UnknownCodeError`."""
        key = str(code).strip().lower()
        if key in self._by_code:
            return key
        alias = self.aliases.get(key)
        if alias is not None:
            return alias
        if key in self.groups:
            raise UnknownCodeError(
                f"{code!r} is a group of alternatives, not one line; use one of: "
                + ", ".join(self.groups[key])
            )
        raise UnknownCodeError(f"unknown operation code {code!r}")

    # -- lookups ----------------------------------------------------------------------
    def rnd(self, on: datetime.date, category: str = "M1") -> RndRule:
        """The R&D rule in force; :class:`NoRuleError` if none."""
        return self._memoised(("rnd", on, category), lambda: self._rnd(on, category))  # type: ignore[no-any-return]

    def _rnd(self, on: datetime.date, category: str) -> RndRule:
        cat = self.category(category)
        row = _pick(self.rnd_rules, on, cat)
        if row is None:
            raise NoRuleError(f"no R&D rule in force on {on} for {cat} in {self.edition}")
        return row

    def factor(self, name: str, on: datetime.date, category: str = "M1", purpose: str = "") -> float:
        """A multiplier in force (1.0 when none is): ``factor("rnd", on, "M1", "procurement")``."""
        def make() -> float:
            rows = (f for f in self.factors if f.name == name and f.purpose in ("", purpose))
            row = _pick(rows, on, self.category(category))
            return 1.0 if row is None else row.value
        return self._memoised(("factor", name, on, category, purpose), make)  # type: ignore[no-any-return]

    def eco_factors(self, on: datetime.date) -> dict[str, float]:
        """The ecology factors in force: regulation name -> multiplier."""
        return {
            f.name[4:]: f.value for f in self.factors if f.name.startswith("eco_") and f.in_force(on)
        }

    def operation(
        self, code: str, on: datetime.date, category: str = "M1", powertrain: str = "ice"
    ) -> OperationRule:
        """The points row of an operation code in force; :class:`NoRuleError` if none."""
        return self._memoised(  # type: ignore[no-any-return]
            ("op", code, on, category, powertrain),
            lambda: self._operation(code, on, category, powertrain),
        )

    def _operation(self, code: str, on: datetime.date, category: str, powertrain: str) -> OperationRule:
        key = self.code(code)
        cat = self.category(category)
        pt = self.powertrain(powertrain)
        row = _in_force_first(self._ranked_operations(cat, pt).get(key, ()), on)
        if row is None:
            raise NoRuleError(f"no points for {key!r} ({cat}, {pt}) in force on {on} in {self.edition}")
        return row

    def _ranked_operations(self, category: str, powertrain: str) -> dict[str, tuple[OperationRule, ...]]:
        """Every code's rows for a (normalised) category and powertrain, in the order
        :func:`_pick` prefers them (built once per pair)."""
        def make() -> dict[str, tuple[OperationRule, ...]]:
            ranked = _ranked(self.operations, category, powertrain)
            return {code: tuple(rows) for code, rows in ranked.items()}
        return self._memoised(("ranked", category, powertrain), make)  # type: ignore[no-any-return]

    def operation_index(
        self, on: datetime.date, category: str = "M1", powertrain: str = "ice"
    ) -> OperationIndex:
        """The operation lines resolved for a date, category and powertrain, built once per
        triple and kept on this rulebook (see :attr:`index_builds`); ``category`` and
        ``powertrain`` are normalised (:class:`UnknownCodeError` if unknown).

        >>> idx = default_rulebook().operation_index(datetime.date(2025, 1, 1), "M1", "ice")
        >>> code, row, group = idx.line("Body_Stamping_30")
        >>> code, row.points, group
        ('body_stamping_30', 100, 'body_stamping')
        """
        cat = self.category(category)
        pt = self.powertrain(powertrain)
        key = ("index", on, cat, pt)
        hit = self._memo.get(key)
        if hit is None:
            hit = OperationIndex(self, on, cat, pt, self._ranked_operations(cat, pt))
            if len(self._memo) >= _MEMO_LIMIT:
                self._memo.clear()
            self._memo[key] = hit
            self._memo[_BUILDS] = self._memo.get(_BUILDS, 0) + 1
        return hit

    @property
    def index_builds(self) -> int:
        """How many :class:`OperationIndex` objects this rulebook has built (one per date,
        category and powertrain looked up) since its lookups were last forgotten (past
        ``_MEMO_LIMIT`` of them); tests count them."""
        return self._memo.get(_BUILDS, 0)  # type: ignore[no-any-return]

    def operation_group(self, code: str) -> str:
        """The alternatives group of a code ("" when it is in none)."""
        rows = self._by_code.get(code) or self._by_code[self.code(code)]
        return rows[0].group

    def rows_of(self, code: str) -> tuple[OperationRule, ...]:
        """Every row (all variants and periods) of an operation code."""
        return tuple(self._by_code[self.code(code)])

    def threshold(
        self, purpose: str, on: datetime.date, category: str = "M1", powertrain: str = "ice"
    ) -> ThresholdRule:
        """The threshold row in force, with ``same_as`` links resolved; :class:`NoRuleError` if none."""
        return self._memoised(  # type: ignore[no-any-return]
            ("th", purpose, on, category, powertrain),
            lambda: self._threshold(purpose, on, category, powertrain),
        )

    def _threshold(self, purpose: str, on: datetime.date, category: str, powertrain: str) -> ThresholdRule:
        key = self.purpose(purpose)
        cat = self.category(category)
        pt = self.powertrain(powertrain)
        first: ThresholdRule | None = None
        seen: list[str] = []
        while True:
            row: ThresholdRule | None = _pick(
                (t for t in self.thresholds if t.purpose == key), on, cat, pt
            )
            if row is None:
                raise NoRuleError(
                    f"no {key!r} threshold for {cat} ({pt}) in force on {on} in {self.edition}"
                )
            if first is None:
                first = row
            if row.same_as is None:
                if row is first:
                    return row
                # a linked bar: the linking row, carrying the points of the row it links to
                return replace(
                    first,
                    points=row.points,
                    note=(first.note + " " if first.note else "")
                    + f"Bar of {key!r} in force from {row.effective_from}: {row.source}",
                )
            seen.append(key)
            key = row.same_as
            if key in seen:
                raise NoRuleError(f"threshold links loop: {' -> '.join(seen + [key])}")

    def in_force(
        self,
        on: datetime.date,
        category: str | None = None,
        table: str = "all",
        powertrain: str | None = None,
    ) -> list[dict[str, Any]]:
        """Rows in force on ``on`` as dicts (the rows ``xlfuncs rules`` and ``LOCRULES`` show)."""
        cats = [self.category(category)] if category else list(self.categories)
        pts = [self.powertrain(powertrain)] if powertrain else list(POWERTRAINS)
        tables = ("rnd", "operations", "thresholds", "factors") if table == "all" else (table,)
        out: list[dict[str, Any]] = []
        for t in tables:
            if t not in ("rnd", "operations", "thresholds", "factors"):
                raise UnknownCodeError(
                    f"unknown table {table!r}; use all, rnd, operations, thresholds, factors"
                )
        for cat in cats:
            if "rnd" in tables:
                try:
                    r = self.rnd(on, cat)
                except NoRuleError:
                    pass
                else:
                    out.append(_row_dict("rnd", "rnd", cat, "*", _rnd_unit(r), r))
            seen_pt: set[tuple[str, str]] = set()
            for pt in pts:
                if "operations" in tables:
                    for code in self.operation_codes:
                        try:
                            o = self.operation(code, on, cat, pt)
                        except NoRuleError:
                            continue
                        if (code, o.powertrain) in seen_pt:
                            continue
                        seen_pt.add((code, o.powertrain))
                        out.append(_row_dict("operations", code, cat, o.powertrain, o.points, o))
                if "thresholds" in tables:
                    for purpose in self.purposes:
                        try:
                            th = self.threshold(purpose, on, cat, pt)
                        except NoRuleError:
                            continue
                        if (purpose, th.powertrain) in seen_pt:
                            continue
                        seen_pt.add((purpose, th.powertrain))
                        out.append(
                            _row_dict("thresholds", purpose, cat, th.powertrain, th.points, th)
                        )
            if "factors" in tables:
                for f in self.factors:
                    if f.in_force(on) and f.category in (cat, "*"):
                        key = f.name + (f"/{f.purpose}" if f.purpose else "")
                        out.append(_row_dict("factors", key, cat, "*", f.value, f))
        return out


def _rnd_unit(r: RndRule) -> str:
    unit = f"{r.points_per_step:g} points per {r.step_percent:g} % of revenue ({r.scale}"
    unit += f", {r.rounding})" if r.scale == "linear" else ")"
    if r.cap is not None:
        unit += f", at most {r.cap:g}"
    if r.licence_counts:
        unit += ", licences count"
    return unit


def _row_dict(
    table: str, key: str, category: str, powertrain: str, value: Any, row: _Row
) -> dict[str, Any]:
    out = {
        "table": table,
        "key": key,
        "category": category,
        "powertrain": powertrain,
        "value": value,
        "effective_from": row.effective_from.isoformat(),
        "effective_to": row.effective_to.isoformat() if row.effective_to else "",
        "confidence": row.confidence,
        "source": row.source,
    }
    if isinstance(row, OperationRule):
        out.update(
            group=row.group,
            block=row.block,
            name_en=row.name_en,
            legal_heading=row.legal_heading,
            legal_text=row.legal_text,
            prorata=row.prorata,
            rounding=row.rounding,
            amended_by=row.amended_by,
        )
    return out


# ------------------------------------------------------------------------- loading
_COMMON = {"category", "powertrain", "effective_from", "effective_to", "source", "confidence", "note"}
_FIELDS: dict[str, tuple[set[str], set[str]]] = {
    # table: (required, optional) beyond _COMMON
    "rnd": ({"step_percent", "points_per_step"}, {"scale", "cap", "licence_counts", "rounding"}),
    "operation": (
        {"code"},
        {
            "points", "name_en", "name_ru", "condition", "group", "block", "legal_heading",
            "legal_text", "line", "prorata", "rounding", "tier_from", "tier_to", "eco",
            "amended_by", "amendment_in_force", "variant",
        },
    ),
    "threshold": ({"purpose"}, {"points", "same_as", "scope"}),
    "factor": ({"name", "value"}, {"purpose"}),
}
_VARIANT_FIELDS = {"points", "category", "powertrain", "effective_from", "effective_to", "note",
                   "source", "confidence"}
_TOP_KNOWN = {
    "schema", "edition", "title", "extends", "notes", "categories", "purposes", "aliases",
    "rnd", "operation", "threshold", "factor",
}


class _Checker:
    def __init__(self, path: str, categories: tuple[str, ...] = ()) -> None:
        self.path = path
        self.categories = categories

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

    def flag(self, where: str, row: Mapping[str, Any], name: str) -> bool:
        value = row.get(name, False)
        if not isinstance(value, bool):
            raise self.fail(where, f"field {name!r} must be true or false, got {value!r}")
        return value

    def date(self, where: str, row: Mapping[str, Any], name: str) -> datetime.date | None:
        value = row.get(name)
        if value is None and name != "effective_from":
            return None
        if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
            raise self.fail(where, f"field {name!r} must be a date like 2025-01-01, got {value!r}")
        return value

    def names(self, where: str, row: Mapping[str, Any], name: str, known: tuple[str, ...],
              upper: bool) -> list[str]:
        """A category/powertrain field: one name, a list of names, or ``*``."""
        value = row.get(name, "*")
        items = value if isinstance(value, list) else [value]
        if not items or not all(isinstance(v, str) and v.strip() for v in items):
            raise self.fail(where, f"field {name!r} must be a name or a list of names, got {value!r}")
        out = [v.strip().upper() if upper else v.strip().lower() for v in items]
        for v in out:
            if v != "*" and v not in known:
                raise self.fail(where, f"field {name!r} is {v!r}, not one of {', '.join(known)} or '*'")
        if "*" in out and len(out) > 1:
            raise self.fail(where, f"field {name!r}: '*' cannot be listed with other names")
        return out

    def common(self, table: str, i: int, row: Any) -> tuple[dict[str, Any], list[str], list[str]]:
        where = f"[[{table}]] row {i + 1}"
        if not isinstance(row, dict):
            raise self.fail(where, "must be a table of fields")
        required, optional = _FIELDS[table]
        unknown = set(row) - _COMMON - required - optional
        if unknown:
            raise self.fail(where, f"unknown field(s) {', '.join(sorted(unknown))}")
        needed = required | {"source", "confidence"}
        if table != "operation" or "variant" not in row:
            needed |= {"effective_from"}
        if table != "operation" and table != "factor":
            needed |= {"category"}
        for name in sorted(needed):
            if name not in row:
                raise self.fail(where, f"missing field {name!r}")
        return self.base(where, row), self.names(where, row, "category", self.categories, True), \
            self.names(where, row, "powertrain", POWERTRAINS, False)

    def base(self, where: str, row: Mapping[str, Any], parent: Mapping[str, Any] | None = None
             ) -> dict[str, Any]:
        """Dates, source, confidence and note of a row (a variant inherits its parent's)."""
        merged = {**(parent or {}), **row}
        start = self.date(where, merged, "effective_from") if "effective_from" in merged else None
        end = self.date(where, merged, "effective_to")
        if start is not None and end is not None and end < start:
            raise self.fail(where, f"field 'effective_to' {end} is before effective_from {start}")
        confidence = self.text(where, merged, "confidence")
        if confidence not in CONFIDENCE_LEVELS:
            raise self.fail(
                where, f"field 'confidence' is {confidence!r}, not one of {', '.join(CONFIDENCE_LEVELS)}"
            )
        return {
            "effective_from": start,
            "effective_to": end,
            "source": self.text(where, merged, "source"),
            "confidence": confidence,
            "note": self.text(where, merged, "note", ""),
        }


def _expand(base: dict[str, Any], cats: list[str], pts: list[str]) -> Iterator[dict[str, Any]]:
    for c in cats:
        for p in pts:
            yield {**base, "category": c, "powertrain": p}


def _parse_operations(ck: _Checker, rows: list[Any]) -> list[OperationRule]:
    ops: list[OperationRule] = []
    for i, row in enumerate(rows):
        base, cats, pts = ck.common("operation", i, row)
        where = f"[[operation]] row {i + 1}"
        code = ck.text(where, row, "code").strip().lower()
        if not code.replace("_", "").isalnum() or not code.isascii() or code[0].isdigit():
            raise ck.fail(where, f"field 'code' must be lower_snake_case, got {row['code']!r}")
        rounding = row.get("rounding", "")
        if rounding not in ("", "nearest", "down"):
            raise ck.fail(where, f"field 'rounding' must be 'nearest' or 'down', got {rounding!r}")
        prorata = ck.flag(where, row, "prorata")
        if prorata and not rounding:
            raise ck.fail(where, "a pro-rata line needs 'rounding' ('nearest' or 'down')")
        tier = [row.get(k) for k in ("tier_from", "tier_to")]
        for k, v in zip(("tier_from", "tier_to"), tier):
            if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 0):
                raise ck.fail(where, f"field {k!r} must be a whole number >= 0, got {v!r}")
        shared = {
            "code": code,
            "name_en": ck.text(where, row, "name_en", code),
            "name_ru": ck.text(where, row, "name_ru", ""),
            "condition": ck.text(where, row, "condition", ""),
            "group": ck.text(where, row, "group", "").strip().lower(),
            "block": ck.text(where, row, "block", "").strip().lower(),
            "legal_heading": ck.text(where, row, "legal_heading", ""),
            "legal_text": ck.text(where, row, "legal_text", ""),
            "line": int(ck.number(where, row, "line", positive=True)) if "line" in row else 0,
            "prorata": prorata,
            "rounding": rounding,
            "tier_from": tier[0],
            "tier_to": tier[1],
            "eco": ck.flag(where, row, "eco"),
            "amended_by": ck.text(where, row, "amended_by", ""),
            "amendment_in_force": ck.date(where, row, "amendment_in_force"),
        }
        variants = row.get("variant")
        if variants is None:
            if "points" not in row:
                raise ck.fail(where, "missing field 'points' (or [[operation.variant]] rows)")
            if base["effective_from"] is None:
                raise ck.fail(where, "missing field 'effective_from'")
            points = ck.number(where, row, "points", positive=False)
            for r in _expand(base, cats, pts):
                ops.append(OperationRule(**r, **shared, points=points))
            continue
        if "points" in row:
            raise ck.fail(where, "give 'points' either on the row or in its variants, not both")
        if not isinstance(variants, list) or not variants:
            raise ck.fail(where, "'variant' must be a non-empty array of tables")
        parent = {k: row[k] for k in ("effective_from", "effective_to", "source", "confidence", "note")
                  if k in row}
        for j, v in enumerate(variants):
            vwhere = f"{where} variant {j + 1}"
            if not isinstance(v, dict):
                raise ck.fail(vwhere, "must be a table of fields")
            unknown = set(v) - _VARIANT_FIELDS
            if unknown:
                raise ck.fail(vwhere, f"unknown field(s) {', '.join(sorted(unknown))}")
            if "points" not in v:
                raise ck.fail(vwhere, "missing field 'points'")
            vbase = ck.base(vwhere, v, parent)
            if vbase["effective_from"] is None:
                raise ck.fail(vwhere, "missing field 'effective_from' (on the variant or its row)")
            vcats = ck.names(vwhere, v, "category", ck.categories, True) if "category" in v else cats
            vpts = ck.names(vwhere, v, "powertrain", POWERTRAINS, False) if "powertrain" in v else pts
            points = ck.number(vwhere, v, "points", positive=False)
            for r in _expand(vbase, vcats, vpts):
                ops.append(OperationRule(**r, **shared, points=points))
    return ops


def _parse(data: Mapping[str, Any], path: str, base: Rulebook | None = None) -> Rulebook:
    ck = _Checker(path)
    unknown = set(data) - _TOP_KNOWN
    if unknown:
        raise ck.fail("top level", f"unknown key(s) {', '.join(sorted(unknown))}")
    schema = data.get("schema")
    if schema not in (1, 2):
        raise ck.fail("top level", f"'schema' must be 1 or 2, got {schema!r}")
    edition = ck.text("top level", data, "edition")
    title = ck.text("top level", data, "title", base.title if base else "")
    notes = ck.text("top level", data, "notes", base.notes if base else "")
    if "categories" in data or base is None:
        cats = data.get("categories")
        if not isinstance(cats, list) or not cats or not all(isinstance(c, str) and c for c in cats):
            raise ck.fail("top level", "'categories' must be a non-empty list of names")
        categories = tuple(c.strip().upper() for c in cats)
    else:
        categories = base.categories
    ck.categories = categories
    purposes_raw = data.get("purposes", {})
    if not isinstance(purposes_raw, dict) or not all(isinstance(v, str) for v in purposes_raw.values()):
        raise ck.fail("[purposes]", "must map purpose names to descriptions")
    purposes = {**(base.purposes if base else {}), **{k.strip().lower(): v for k, v in purposes_raw.items()}}
    aliases_raw = data.get("aliases", {})
    if not isinstance(aliases_raw, dict) or not all(isinstance(v, str) for v in aliases_raw.values()):
        raise ck.fail("[aliases]", "must map old codes to operation codes")

    def rows(table: str) -> list[Any] | None:
        if table not in data:
            return None
        value = data[table]
        if not isinstance(value, list):
            raise ck.fail(f"[[{table}]]", "must be an array of tables")
        return value

    rnd: list[RndRule] = []
    raw = rows("rnd")
    for i, row in enumerate(raw or []):
        b, cats, _pts = ck.common("rnd", i, row)
        where = f"[[rnd]] row {i + 1}"
        scale = row.get("scale", "step")
        if scale not in ("step", "linear"):
            raise ck.fail(where, f"field 'scale' must be 'step' or 'linear', got {scale!r}")
        rounding = row.get("rounding", "floor")
        if rounding not in ("floor", "nearest"):
            raise ck.fail(where, f"field 'rounding' must be 'floor' or 'nearest', got {rounding!r}")
        cap = ck.number(where, row, "cap", positive=True) if "cap" in row else None
        for r in _expand(b, cats, ["*"]):
            rnd.append(
                RndRule(
                    **r,
                    step_percent=ck.number(where, row, "step_percent", positive=True),
                    points_per_step=ck.number(where, row, "points_per_step", positive=True),
                    scale=scale,
                    rounding=rounding,
                    cap=cap,
                    licence_counts=ck.flag(where, row, "licence_counts"),
                )
            )
    rnd_t = tuple(rnd) if raw is not None or base is None else base.rnd_rules
    raw = rows("operation")
    ops_t = tuple(_parse_operations(ck, raw or [])) if raw is not None or base is None else base.operations
    ths: list[ThresholdRule] = []
    raw = rows("threshold")
    for i, row in enumerate(raw or []):
        b, cats, pts = ck.common("threshold", i, row)
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
        points = ck.number(where, row, "points", positive=True) if has_points else None
        for r in _expand(b, cats, pts):
            ths.append(ThresholdRule(**r, purpose=purpose, points=points, same_as=same_as,
                                     scope=ck.text(where, row, "scope", "")))
    ths_t = tuple(ths) if raw is not None or base is None else base.thresholds
    fac: list[FactorRule] = []
    raw = rows("factor")
    for i, row in enumerate(raw or []):
        b, cats, _pts = ck.common("factor", i, row)
        where = f"[[factor]] row {i + 1}"
        name = ck.text(where, row, "name").strip().lower()
        if name != "rnd" and not name.startswith("eco_"):
            raise ck.fail(where, f"field 'name' must be 'rnd' or 'eco_<regulation>', got {name!r}")
        purpose = ck.text(where, row, "purpose", "").strip().lower()
        if purpose and purpose not in purposes:
            raise ck.fail(where, f"field 'purpose' is {purpose!r}, not a purpose")
        for r in _expand(b, cats, ["*"]):
            fac.append(FactorRule(**r, name=name, purpose=purpose,
                                  value=ck.number(where, row, "value", positive=True)))
    fac_t = tuple(fac) if raw is not None or base is None else base.factors
    codes = {o.code for o in ops_t}
    aliases = {**(base.aliases if base else {}),
               **{k.strip().lower(): v.strip().lower() for k, v in aliases_raw.items()}}
    for old, new in aliases.items():
        if new not in codes:
            raise ck.fail("[aliases]", f"{old!r} points to {new!r}, which is not an operation code")
    _check_overlaps(ck, "rnd", [((r.category,), r) for r in rnd_t])
    _check_overlaps(ck, "operation", [((o.code, o.category, o.powertrain), o) for o in ops_t])
    _check_overlaps(ck, "threshold", [((t.purpose, t.category, t.powertrain), t) for t in ths_t])
    _check_overlaps(ck, "factor", [((f.name, f.purpose, f.category), f) for f in fac_t])
    return Rulebook(
        edition=edition,
        title=title,
        path=path,
        categories=categories,
        purposes=purposes,
        rnd=rnd_t,
        operations=ops_t,
        thresholds=ths_t,
        factors=fac_t,
        aliases=aliases,
        notes=notes,
        schema=int(schema),
    )


def _check_overlaps(ck: _Checker, table: str, keyed: list[tuple[tuple[str, ...], _Row]]) -> None:
    seen: dict[tuple[Any, ...], int] = {}
    for i, (key, row) in enumerate(keyed):
        k = key + (row.effective_from,)
        if k in seen:
            raise ck.fail(
                f"[[{table}]] {'/'.join(key)}",
                f"two rows with the same key and effective_from {row.effective_from}",
            )
        seen[k] = i


def available_editions() -> dict[str, Path]:
    """The packaged editions: id -> file.

    >>> sorted(available_editions())
    ['ru719-2026-07', 'ru719-licence-draft', 'ru719-press-2026-11']
    """
    return {p.stem: p for p in sorted(EDITIONS_DIR.glob("*.toml"))}


def resolve_edition(spec: str | os.PathLike[str]) -> Path:
    """The file of an edition named by id or path; :class:`RulebookError` if there is none."""
    text = os.fspath(spec)
    if not str(text).strip():
        raise RulebookError("rulebook: empty edition name")
    known = available_editions()
    if text in known:
        return known[text]
    p = Path(text)
    if p.is_dir():
        raise RulebookError(f"{p}: is a folder, not a rulebook file")
    if not p.exists() and p.suffix.lower() != ".toml" and os.sep not in text and "/" not in text:
        raise RulebookError(
            f"{text}: not a rulebook file or edition id (editions: {', '.join(known)})"
        )
    return p


def load_rulebook(path: str | os.PathLike[str], *, _depth: int = 0) -> Rulebook:
    """Load and validate a rulebook: a TOML file, or a packaged edition by id.

    Raises :class:`~xlfuncs.errors.RulebookError` naming the file, the row and the field.

    >>> load_rulebook("ru719-press-2026-11").edition
    'ru719-press-2026-11'
    """
    p = resolve_edition(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise RulebookError(f"{p}: cannot read: {exc.strerror or exc}") from None
    if not raw.strip():
        raise RulebookError(f"{p}: the file is empty")
    cache = _cache_file(p, raw)
    if cache is not None:
        book = _cache_read(cache)
        if book is not None:
            return book
    try:
        data = _twin(p, raw)
        if data is None:
            import tomllib  # only here: a packaged edition is read from its JSON twin

            try:
                data = tomllib.loads(raw.decode("utf-8"))
            except tomllib.TOMLDecodeError as exc:
                raise RulebookError(f"{p}: not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise RulebookError(f"{p}: not UTF-8 text") from None
    except RecursionError:
        raise RulebookError(f"{p}: nested too deeply to be a rulebook") from None
    base = None
    if "extends" in data:
        parent = data["extends"]
        if not isinstance(parent, str) or not parent.strip():
            raise RulebookError(f"{p}: top level: 'extends' must name an edition id or file")
        if _depth >= _MAX_EXTENDS:
            raise RulebookError(f"{p}: top level: 'extends' chain longer than {_MAX_EXTENDS}")
        target = parent if parent in available_editions() else str(p.parent / parent)
        base = load_rulebook(target, _depth=_depth + 1)
    book = _parse(data, str(p), base)
    if cache is not None and base is None:  # an edition that extends another depends on it too
        _cache_write(cache, book)
    return book


# ------------------------------------------------------------------- validated editions
# A rulebook that loaded and validated is kept, pickled, in the user's cache folder (the one
# of the compiled formula plans), keyed by its file's path and bytes and by this module's
# source and the Python version: the next process, the CLI and every spawned worker,
# unpickles it (~5 ms) instead of decoding and validating ~900 rows again (~25 ms). An
# entry that cannot be read is ignored; any change to the file or the code makes a new key.
_CODE_TAG: list[str] = []


def _cache_file(path: Path, raw: bytes) -> Path | None:
    folder = user_cache_dir()
    if folder is None:
        return None
    if not _CODE_TAG:
        try:
            source = Path(__file__).read_bytes()
        except OSError:
            return None
        _CODE_TAG.append(hashlib.sha256(source).hexdigest()[:16])
    where = hashlib.sha256(os.fsencode(str(path))).hexdigest()[:12]
    key = hashlib.sha256(raw)
    key.update(b"\0" + where.encode() + b"\0" + _CODE_TAG[0].encode())
    key.update(b"\0" + sys.implementation.cache_tag.encode())
    return folder / "rulebooks" / f"{path.stem[:40]}-{where}-{key.hexdigest()[:32]}.pickle"


#: first bytes of a rulebook cache entry; then the SHA-256 of the pickle, then the pickle
_CACHE_MAGIC = b"XLFRULE1"


def _cache_read(cache: Path) -> Rulebook | None:
    if not (trusted_folder(cache.parent) and trusted_folder(cache.parent.parent)):
        return None
    try:
        data = cache.read_bytes()
    except OSError:
        return None
    import pickle

    body = unseal(_CACHE_MAGIC, data)
    if body is None:
        cache.unlink(missing_ok=True)  # damaged or foreign: never unpickled
        return None
    try:
        book = pickle.loads(body)
    except Exception:  # a damaged or foreign entry: load the file instead
        return None
    return book if type(book) is Rulebook else None


def _cache_write(cache: Path, book: Rulebook) -> None:
    import pickle
    from glob import escape as glob_escape

    from xlfuncs._fileio import write_bytes_atomic

    try:
        data = seal(_CACHE_MAGIC, pickle.dumps(book, protocol=pickle.HIGHEST_PROTOCOL))
        cache.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_bytes_atomic(cache, data, make_parents=True)
        # one entry per file: the entries of its earlier contents (or code) go
        prefix = cache.name.rsplit("-", 1)[0] + "-"
        for old in cache.parent.glob(f"{glob_escape(prefix)}*.pickle"):
            if old.name != cache.name:
                old.unlink(missing_ok=True)
    except Exception:  # a cache that cannot be written is only slower
        pass


_DATE_FIELDS = ("effective_from", "effective_to", "amendment_in_force")


def twin_data(raw: bytes) -> dict[str, Any]:
    """The JSON twin of a packaged edition: its TOML's SHA-256 and its data, dates as ISO text.

    A packaged edition is read from its twin (``<edition>.json``, ~50x faster than TOML) when
    the twin was made from exactly these TOML bytes; otherwise from the TOML.
    """
    import tomllib

    def plain(value: Any) -> Any:
        if isinstance(value, datetime.date):
            return value.isoformat()
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value

    return {"sha256": hashlib.sha256(raw).hexdigest(), "data": plain(tomllib.loads(raw.decode("utf-8")))}


def _twin(path: Path, raw: bytes) -> dict[str, Any] | None:
    twin = path.with_suffix(".json")
    if path.parent.resolve() != EDITIONS_DIR.resolve() or not twin.is_file():
        return None
    try:
        doc = json.loads(twin.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("sha256") != hashlib.sha256(raw).hexdigest():
        return None
    data = doc["data"]
    for table in ("rnd", "operation", "threshold", "factor"):
        for row in data.get(table, []):
            for r in [row, *row.get("variant", [])]:
                for f in _DATE_FIELDS:
                    if f in r:
                        r[f] = datetime.date.fromisoformat(r[f])
    return data  # type: ignore[no-any-return]


@functools.cache
def _packaged(edition: str) -> Rulebook:
    return load_rulebook(edition)


def default_rulebook() -> Rulebook:
    """The packaged default edition (cached)."""
    return _packaged(DEFAULT_EDITION)


_active: Rulebook | None = None


@functools.lru_cache(maxsize=8)
def _from_env(path: str, mtime: float) -> Rulebook:
    return load_rulebook(path)


def use_rulebook(rulebook: Rulebook | str | os.PathLike[str] | None) -> Rulebook:
    """Set the process-wide rulebook (a :class:`Rulebook`, an edition id or a path); ``None`` resets.

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


# (spec, monotonic time of the last check, rulebook) for $XLFUNCS_RULEBOOK
_env_seen: list[Any] = ["", 0.0, None]


def active_rulebook() -> Rulebook:
    """The rulebook in use: :func:`pinned_rulebook`, else :func:`use_rulebook`, else
    ``$XLFUNCS_RULEBOOK`` (an edition id or a file), else the default.

    An edition file named by the environment variable is reloaded when it changes (checked at
    most once a second, since every function call asks for the active rulebook).
    """
    pinned = _pinned.get()
    if pinned is not None:
        return pinned
    if _active is not None:
        return _active
    env = os.environ.get(ENV_VAR, "").strip()
    if not env:
        return default_rulebook()
    if env in available_editions():
        return _packaged(env)
    now = time.monotonic()
    if _env_seen[0] == env and now - _env_seen[1] < 1.0 and _env_seen[2] is not None:
        return _env_seen[2]  # type: ignore[no-any-return]
    p = resolve_edition(env)
    try:
        mtime = os.stat(p).st_mtime
    except OSError as exc:
        raise RulebookError(f"{env}: cannot read ({ENV_VAR}): {exc.strerror or exc}") from None
    book = _from_env(str(p), mtime)
    _env_seen[:] = [env, now, book]
    return book


# ----------------------------------------------------------------------------- diff
def _keyed(book: Rulebook) -> dict[tuple[str, str], dict[str, Any]]:
    out: dict[tuple[str, str], dict[str, Any]] = {}
    tables: list[tuple[str, Iterable[_Row]]] = [
        ("rnd", book.rnd_rules), ("operation", book.operations),
        ("threshold", book.thresholds), ("factor", book.factors),
    ]
    for table, rows in tables:
        for row in rows:
            name = getattr(row, "code", None) or getattr(row, "purpose", None) or getattr(row, "name", "rnd")
            extra = f"/{row.purpose}" if isinstance(row, FactorRule) and row.purpose else ""
            key = f"{name}{extra} {row.category}/{row.powertrain} from {row.effective_from}"
            values = {f.name: getattr(row, f.name) for f in fields(row)}
            out[(table, key)] = values
    return out


def diff_rulebooks(a: Rulebook, b: Rulebook) -> list[Change]:
    """What changed from edition ``a`` to edition ``b``, row by row.

    >>> old = load_rulebook("ru719-press-2026-11")
    >>> changes = diff_rulebooks(old, default_rulebook())
    >>> sorted({c.kind for c in changes})
    ['added', 'changed', 'removed']
    """
    ka, kb = _keyed(a), _keyed(b)
    out: list[Change] = []
    for key in sorted(ka.keys() | kb.keys()):
        table, name = key
        if key not in ka:
            out.append(Change("added", table, name))
        elif key not in kb:
            out.append(Change("removed", table, name))
        else:
            diffs = tuple(
                (f, ka[key][f], kb[key][f]) for f in ka[key] if ka[key][f] != kb[key].get(f)
            )
            if diffs:
                out.append(Change("changed", table, name, diffs))
    return out
