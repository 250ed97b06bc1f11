"""``xlfuncs report``: what a finance person reads, from filled and recalculated workbooks.

For each workbook made by ``xlfuncs template`` / ``xlfuncs fill`` (programme budget, model
portfolio, licence scenarios) and recalculated, the report shows, for every plan year and
every purpose the template defines a ``Threshold_<Purpose>`` name for: the score, the
threshold, the gap, eligible yes/no, the extra R&D spend needed in mln RUB and the rulebook
edition used. Values are the results stored in the files, read through the defined names
(:func:`xlfuncs.recalc.results.name_values`); what a template does not store is computed
with the library's functions and marked so (see :func:`read_report_file`).

Two outputs:

* ``xlfuncs report FILES... -o report.html``: one self-contained HTML page (UTF-8, no
  network: charts are inline SVG made with matplotlib, an optional extra:
  ``pip install "xlfuncs[report]"``), a chart per file (score against each threshold by
  year, thresholds as steps), an eligibility grid (models x purposes x years), the dates
  where a threshold changes within a year, and a ``file: what is wrong`` row per file that
  could not be read;
* ``xlfuncs report FILES... --text``: the same tables as plain text on stdout (no extra).

Exit codes: 0 every file read, 1 some file could not be read (it is listed in the report),
2 a bad call (nothing written): output exists without ``--force``, not ``.html``, no
workbooks in the paths, or matplotlib missing for ``-o``.

>>> fmt_number(3701.0), fmt_number(1234.5), fmt_number(None)
('3 701', '1 234.5', '—')
>>> fmt_mln(7_200_000_000)
'7 200.0'
"""

from __future__ import annotations

import argparse
import datetime
import html
import importlib
import math
import os
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from xlfuncs.rulebook import Rulebook

__all__ = [
    "FileReport",
    "PurposeYear",
    "RuleChange",
    "Subject",
    "fmt_mln",
    "fmt_number",
    "html_report",
    "read_report_file",
    "read_reports",
    "register",
    "text_report",
    "threshold_changes",
]

MATPLOTLIB_MISSING = 'report: needs matplotlib: pip install "xlfuncs[report]"'
_THRESHOLD = re.compile(r"^Threshold_([A-Za-z]+)$")
_FONT = "DejaVu Sans"  # shipped with matplotlib, has Cyrillic


# ----------------------------------------------------------------------------- data model


@dataclass(frozen=True)
class RuleChange:
    """A threshold that changes within a year: from ``on`` it is ``after``, the day before ``before``.

    ``None`` is "no threshold in force".
    """

    purpose: str
    category: str
    powertrain: str
    on: datetime.date
    before: float | None
    after: float | None

    def text(self) -> str:
        """One line, e.g. ``utilfee (M1, ice): from 28.08.2025 the threshold is 1 500, was 3 701``."""
        return (
            f"{self.purpose} ({self.category}, {self.powertrain}): from {self.on:%d.%m.%Y} "
            f"the threshold is {fmt_number(self.after, none='none')}, "
            f"was {fmt_number(self.before, none='none')} (until {self.on - datetime.timedelta(days=1):%d.%m.%Y})"
        )


@dataclass
class PurposeYear:
    """One plan year and purpose of one subject (a model or a scenario)."""

    year: int
    purpose: str
    score: float | None
    threshold: float | None
    gap: float | None
    eligible: bool | None
    #: extra R&D spend needed, RUB (``None``: not known / not applicable)
    spend: float | None = None
    #: why there is no spend figure (``above the R&D cap``, ``no threshold`` ...), else ""
    spend_note: str = ""
    #: where ``spend`` comes from: ``"workbook"`` (a stored result) or ``"computed"``
    spend_source: str = ""


@dataclass
class Subject:
    """A model (or a scenario) of one file: its scores by year and a row per year and purpose."""

    name: str
    category: str
    powertrain: str
    years: list[int]
    scores: list[float | None]
    rows: list[PurposeYear] = field(default_factory=list)

    def rows_sorted(self) -> list[PurposeYear]:
        """Rows by year, then in the template's order of purposes."""
        order = {p: i for i, p in enumerate(dict.fromkeys(r.purpose for r in self.rows))}
        return sorted(self.rows, key=lambda r: (r.year, order[r.purpose]))


@dataclass
class FileReport:
    """What the report shows of one file; ``error`` is set when the file could not be read."""

    path: str
    kind: str = ""
    edition: str = ""
    purposes: list[str] = field(default_factory=list)
    subjects: list[Subject] = field(default_factory=list)
    changes: list[RuleChange] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error

    @property
    def title(self) -> str:
        names = [s.name for s in self.subjects if s.name]
        if self.kind == "programme_budget" and names:
            return names[0]
        return Path(self.path).stem


class ReportError(Exception):
    """A file the report cannot use (one line, shown as ``file: what is wrong``)."""


# ----------------------------------------------------------------------------- formatting


def fmt_number(value: float | None, *, sep: str = " ", none: str = "—") -> str:
    """Points with a thousands separator, a decimal only when there is one."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return none
    v = float(value)
    text = f"{v:,.0f}" if v.is_integer() else f"{v:,.1f}"
    return text.replace(",", sep)


def fmt_mln(value: float | None, *, sep: str = " ", none: str = "—") -> str:
    """RUB as mln RUB with one decimal."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return none
    return f"{float(value) / 1e6:,.1f}".replace(",", sep)


def _yes_no(value: bool | None) -> str:
    return "—" if value is None else ("yes" if value else "no")


# ----------------------------------------------------------------------------- reading


def _num(value: Any) -> float | None:
    """A stored number, or ``None`` for errors (``#N/A``...), text and blanks."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return None if isinstance(value, float) and math.isnan(value) else float(value)
    return None


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _list(value: Any, n: int) -> list[Any]:
    """A name's values as a list of ``n`` (a single cell repeats, a missing name is blanks)."""
    if isinstance(value, list):
        return (list(value) + [None] * n)[:n]
    return [value] * n


def _text(value: Any, default: str = "") -> str:
    return value.strip() if isinstance(value, str) and value.strip() else default


def _load_edition(edition: str) -> Rulebook | None:
    from xlfuncs.errors import RulebookError
    from xlfuncs.rulebook import available_editions, load_rulebook

    if edition not in available_editions():
        return None
    try:
        return load_rulebook(edition)
    except RulebookError:
        return None


def _threshold_at(book: Rulebook, purpose: str, on: datetime.date, category: str, powertrain: str
                  ) -> float | None:
    from xlfuncs.errors import XlfuncsError

    try:
        points = book.threshold(purpose, on, category, powertrain).points
    except XlfuncsError:
        return None
    return None if points is None else float(points)


def threshold_changes(book: Rulebook, purpose: str, year: int, category: str = "M1",
                      powertrain: str = "ice") -> list[RuleChange]:
    """The changes of a threshold within ``year`` (not on 1 January), from the rows' dates.

    A change is a day on which a threshold row starts (``effective_from``) or the day after
    one ends (``effective_to``) and the threshold in force differs from the day before.

    >>> from xlfuncs.rulebook import load_rulebook
    >>> [c.text() for c in threshold_changes(load_rulebook("ru719-2026-07"), "utilfee", 2025)]
    ['utilfee (M1, ice): from 28.08.2025 the threshold is 1 500, was 3 701 (until 27.08.2025)']
    >>> threshold_changes(load_rulebook("ru719-2026-07"), "procurement", 2025)
    []
    """
    one_day = datetime.timedelta(days=1)
    new_year = datetime.date(year, 1, 1)
    days: set[datetime.date] = set()
    for row in book.thresholds:
        days.add(row.effective_from)
        if row.effective_to is not None:
            days.add(row.effective_to + one_day)
    out: list[RuleChange] = []
    for day in sorted(d for d in days if d.year == year and d != new_year):
        before = _threshold_at(book, purpose, day - one_day, category, powertrain)
        after = _threshold_at(book, purpose, day, category, powertrain)
        if before != after:
            out.append(RuleChange(purpose, category, powertrain, day, before, after))
    return out


def _spend(book: Rulebook | None, target: float | None, revenue: Any, current: Any, year: int,
           category: str, purpose: str) -> tuple[float | None, str]:
    """The template's Spend_Needed formula for any purpose:
    ``LOCSPENDNEEDED(MAX(0, threshold - score without R&D), revenue, R&D spend, ...)``."""
    from xlfuncs import core
    from xlfuncs.errors import DomainError, XlfuncsError

    if target is None:
        return None, "no threshold"
    if book is None:
        return None, "edition not packaged"
    rev, cur = _num(revenue), _num(current)
    if rev is None or rev <= 0:
        return None, "no revenue"
    try:
        return float(core.spend_needed(max(0.0, target), rev, cur or 0.0, year=year,
                                       category=category, purpose=purpose, rules=book)), ""
    except DomainError:
        return None, "above the R&D cap"
    except (XlfuncsError, ValueError, TypeError):
        return None, "cannot compute"


def _stored_spend(value: Any, note: Any) -> tuple[float | None, str]:
    n = _num(value)
    if n is not None:
        return n, ""
    text = str(note).split(" / ")[0] if isinstance(note, str) and note else ""
    if not text and isinstance(value, str) and value.startswith("#"):
        text = "no threshold" if value == "#N/A" else "above the R&D cap"
    return None, text


def read_report_file(path: str | os.PathLike[str]) -> FileReport:
    """Read one workbook for the report; a file that cannot be used gives ``error``.

    What comes from where:

    * ``programme_budget``: score ``Score_Total``, ``Threshold_*``, ``Gap_*``, ``Eligible_*``
      as stored; spend for ``Target_Purpose`` is the stored ``Spend_Needed``, for the other
      purposes it is computed with the same formula (``LOCSPENDNEEDED`` of the threshold less
      ``Score_Without_RnD``, ``Revenue``, ``RnD_Spend``) and marked *computed*;
    * ``model_portfolio`` (one row per model, ``Assessment_Year``): score
      ``Model_Score_Total``, eligible ``Model_Eligible_*`` as stored; the threshold for the
      model's category and powertrain (the stored ``Threshold_*`` is that of M1 ice) and the
      gap are computed, as is the spend;
    * ``licence_scenarios``: three subjects (licence under the law, licence under the draft,
      in-house R&D) with ``Licence_Score``, ``Licence_Score_Draft``, ``Inhouse_Score`` and
      the stored ``Threshold_*``; gap and eligible are computed; no spend.
    """
    from xlfuncs.errors import WorkbookError

    fr = FileReport(path=str(path))
    try:
        _read_into(fr, Path(path))
    except (WorkbookError, ReportError) as exc:
        fr.error = " ".join(str(exc).split()) or type(exc).__name__
        fr.subjects, fr.changes = [], []
    except OSError as exc:
        fr.error = str(exc.strerror or exc)
    return fr


def _read_into(fr: FileReport, path: Path) -> None:
    from xlfuncs.recalc.reader import read_workbook
    from xlfuncs.recalc.results import name_values

    book = read_workbook(path)
    defined = [dn.name for dn in book.names if dn.scope is None]
    purposes = [m.group(1).lower() for n in defined if (m := _THRESHOLD.match(n))]
    if not purposes:
        raise ReportError("no Threshold_<purpose> names: not a programme_budget, model_portfolio "
                          "or licence_scenarios workbook (xlfuncs template list)")
    fr.purposes = purposes
    values = name_values(book, [n for n in defined if not n.startswith(("Done_", "Model_Done_",
                                                                        "Points_", "List_"))])
    fr.edition = _text(values.get("Rulebook_Edition"), "unknown")
    rules = _load_edition(fr.edition)
    if rules is None:
        fr.notes.append(f"rulebook edition {fr.edition!r} is not a packaged edition: mid-year "
                        "changes and computed spend are not shown")
    if "Score_Total" in values and "Plan_Year" in values:
        fr.kind = "programme_budget"
        _budget(fr, values, rules)
    elif "Model_Score_Total" in values:
        fr.kind = "model_portfolio"
        _portfolio(fr, values, rules)
    elif "Licence_Score" in values and "Plan_Year" in values:
        fr.kind = "licence_scenarios"
        _scenarios(fr, values)
    else:
        raise ReportError("no Score_Total, Model_Score_Total or Licence_Score name: "
                          "not a workbook the report knows")
    if not any(s is not None for subj in fr.subjects for s in subj.scores):
        raise ReportError("no stored scores: recalculate it first (xlfuncs recalc FILE -o DIR)")
    if rules is not None:
        seen: set[tuple[str, str, str, int]] = set()
        for subj in fr.subjects:
            for year in subj.years:
                for purpose in purposes:
                    key = (purpose, subj.category, subj.powertrain, year)
                    if key not in seen:
                        seen.add(key)
                        fr.changes += threshold_changes(rules, purpose, year, subj.category,
                                                        subj.powertrain)


def _years(values: dict[str, Any]) -> list[int]:
    years = [int(y) for y in values.get("Plan_Year") or [] if _num(y) is not None]
    if not years:
        raise ReportError("Plan_Year holds no years")
    return years


def _budget(fr: FileReport, v: dict[str, Any], rules: Rulebook | None) -> None:
    raw_years = _list(v.get("Plan_Year"), len(v.get("Plan_Year") or []))
    keep = [i for i, y in enumerate(raw_years) if _num(y) is not None]
    if not keep:
        raise ReportError("Plan_Year holds no years")

    def col(name: str) -> list[Any]:
        values = _list(v.get(name), len(raw_years))
        return [values[i] for i in keep]

    years = [int(float(raw_years[i])) for i in keep]
    cat, pt = _text(v.get("Category"), "M1"), _text(v.get("Powertrain"), "ice")
    target = _text(v.get("Target_Purpose")).lower()
    subj = Subject(_text(v.get("Model_Name"), Path(fr.path).stem), cat, pt, years,
                   [_num(s) for s in col("Score_Total")])
    without, revenue, rnd = col("Score_Without_RnD"), col("Revenue"), col("RnD_Spend")
    spend, note = col("Spend_Needed"), col("Spend_Needed_Note")
    for p in fr.purposes:
        cap = p.capitalize()
        thr, gap, ok = col(f"Threshold_{cap}"), col(f"Gap_{cap}"), col(f"Eligible_{cap}")
        for i, year in enumerate(years):
            row = PurposeYear(year, p, subj.scores[i], _num(thr[i]), _num(gap[i]), _bool(ok[i]))
            if p == target and "Spend_Needed" in v:
                row.spend, row.spend_note = _stored_spend(spend[i], note[i])
                row.spend_source = "workbook"
            else:
                base = _num(without[i])
                need = None if row.threshold is None or base is None else row.threshold - base
                row.spend, row.spend_note = _spend(rules, need, revenue[i], rnd[i], year, cat, p)
                row.spend_source = "computed"
            subj.rows.append(row)
    fr.subjects.append(subj)


def _portfolio(fr: FileReport, v: dict[str, Any], rules: Rulebook | None) -> None:
    year_value = _num(v.get("Assessment_Year"))
    if year_value is None:
        raise ReportError("Assessment_Year holds no year")
    year = int(year_value)
    raw_names = v.get("Model_Name")
    names: list[Any] = raw_names if isinstance(raw_names, list) else [raw_names]
    n = len(names)

    def col(name: str) -> list[Any]:
        return _list(v.get(name), n)

    cats, pts = col("Model_Category"), col("Model_Powertrain")
    scores, without, rnd = col("Model_Score_Total"), col("Model_Score_Without_RnD"), col("Model_RnD_Spend")
    on = datetime.date(year, 1, 1)
    for i, name in enumerate(names):
        if not _text(name):
            continue
        cat, pt = _text(cats[i], "M1"), _text(pts[i], "ice")
        subj = Subject(_text(name), cat, pt, [year], [_num(scores[i])])
        for p in fr.purposes:
            stored = _num(v.get(f"Threshold_{p.capitalize()}"))
            thr = _threshold_at(rules, p, on, cat, pt) if rules is not None else stored
            score = subj.scores[0]
            gap = None if thr is None or score is None else max(0.0, thr - score)
            row = PurposeYear(year, p, score, thr, gap,
                              _bool(col(f"Model_Eligible_{p.capitalize()}")[i]))
            base = _num(without[i])
            need = None if thr is None or base is None else thr - base
            row.spend, row.spend_note = _spend(rules, need, v.get("Revenue"), rnd[i], year, cat, p)
            row.spend_source = "computed"
            subj.rows.append(row)
        fr.subjects.append(subj)
    if not fr.subjects:
        raise ReportError("Model_Name lists no model")


def _scenarios(fr: FileReport, v: dict[str, Any]) -> None:
    years = _years(v)
    n = len(years)
    cat, pt = _text(v.get("Category"), "M1"), _text(v.get("Powertrain"), "ice")
    for label, name in (("A: licence (law)", "Licence_Score"),
                        ("A: licence (draft)", "Licence_Score_Draft"),
                        ("B: in-house R&D", "Inhouse_Score")):
        if name not in v:
            continue
        subj = Subject(label, cat, pt, years, [_num(s) for s in _list(v[name], n)])
        for p in fr.purposes:
            thr = _list(v.get(f"Threshold_{p.capitalize()}"), n)
            for i, year in enumerate(years):
                t, s = _num(thr[i]), subj.scores[i]
                gap = None if t is None or s is None else max(0.0, t - s)
                ok = None if t is None or s is None else s >= t
                subj.rows.append(PurposeYear(year, p, s, t, gap, ok, None, "not modelled"))
        fr.subjects.append(subj)


def read_reports(paths: Iterable[str | os.PathLike[str]]) -> list[FileReport]:
    """:func:`read_report_file` of every workbook of ``paths`` (folders and globs expand)."""
    from xlfuncs.recalc.batch import expand_paths

    return [read_report_file(p) for p in expand_paths(paths)]


# ----------------------------------------------------------------------------- text


def text_report(reports: Sequence[FileReport]) -> str:
    """The tables of the report as plain text, one block per file (no matplotlib needed)."""
    lines: list[str] = []
    head = ("year", "purpose", "score", "threshold", "gap", "eligible", "spend, mln RUB")
    for fr in reports:
        if not fr.ok:
            lines += [f"{fr.path}: {fr.error}", ""]
            continue
        for subj in fr.subjects:
            lines.append(f"{subj.name} ({subj.category}, {subj.powertrain}) - {fr.path} - "
                         f"{fr.kind}, rulebook {fr.edition}")
            table = [head] + [
                (str(r.year), r.purpose, fmt_number(r.score), fmt_number(r.threshold),
                 fmt_number(r.gap), _yes_no(r.eligible),
                 fmt_mln(r.spend) if r.spend is not None else (r.spend_note or "—"))
                for r in subj.rows_sorted()
            ]
            widths = [max(len(row[i]) for row in table) for i in range(len(head))]
            for row in table:
                cells = [c.ljust(w) if i in (0, 1, 5, 6) else c.rjust(w)
                         for i, (c, w) in enumerate(zip(row, widths))]
                lines.append("  ".join(cells).rstrip())
            lines.append("")
        for change in fr.changes:
            lines.append(f"mid-year change: {change.text()}")
        lines += [f"note: {n}" for n in fr.notes]
        if fr.changes or fr.notes:
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


# ----------------------------------------------------------------------------- charts


def _year_x(day: datetime.date) -> float:
    """A date as a fractional year: 1 January of Y is Y."""
    start = datetime.date(day.year, 1, 1)
    length = (datetime.date(day.year + 1, 1, 1) - start).days
    return day.year + (day - start).days / length


def _svg_text(fig: Any, prefix: str) -> str:
    """The figure as SVG text for inline use: no XML prolog, no metadata, ids made unique."""
    import io

    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None, "Format": None,
                                             "Type": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.DOTALL)
    svg = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}-\1"', svg)
    svg = re.sub(r'href="#([^"]+)"', rf'href="#{prefix}-\1"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", svg)
    return svg


_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2",
            "#17becf", "#7f7f7f", "#bcbd22")


def _chart(fr: FileReport, prefix: str) -> str:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    with matplotlib.rc_context({"font.family": _FONT, "svg.fonttype": "path",
                                "svg.hashsalt": prefix, "font.size": 10}):
        fig = Figure(figsize=(11, 4.8), layout="constrained")
        ax = fig.add_subplot()
        if fr.kind == "model_portfolio":
            _portfolio_chart(ax, fr)
        else:
            _years_chart(ax, fr)
        ax.grid(axis="y", color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9, frameon=False)
        return _svg_text(fig, prefix)


def _years_chart(ax: Any, fr: FileReport) -> None:
    first = fr.subjects[0]
    years = first.years
    end = years[-1] + 1
    styles = ("-", "-.", ":")
    for k, subj in enumerate(fr.subjects):
        score_ys = [math.nan if s is None else s for s in subj.scores]
        ax.step(subj.years + [end], score_ys + score_ys[-1:], where="post", color="black",
                linewidth=2.4, linestyle=styles[k % len(styles)],
                label=f"score: {subj.name}" if len(fr.subjects) > 1 else "score / баллы")
    changes = {(c.purpose, c.on.year): c for c in fr.changes
               if (c.category, c.powertrain) == (first.category, first.powertrain)}
    for j, purpose in enumerate(fr.purposes):
        by_year = {r.year: r.threshold for r in first.rows if r.purpose == purpose}
        xs: list[float] = []
        ys: list[float] = []
        for year in years:
            xs.append(float(year))
            t = by_year.get(year)
            ys.append(math.nan if t is None else t)
            for c in fr.changes:
                if (c.purpose, c.on.year, c.category, c.powertrain) == (
                        purpose, year, first.category, first.powertrain):
                    xs.append(_year_x(c.on))
                    ys.append(math.nan if c.after is None else c.after)
        xs.append(float(end))
        ys.append(ys[-1])
        colour = _COLOURS[j % len(_COLOURS)]
        ax.step(xs, ys, where="post", color=colour, linewidth=1.6, linestyle="--",
                label=f"threshold: {purpose}")
        for (p, _year), c in changes.items():
            if p == purpose and c.after is not None:
                ax.annotate(f"{c.on:%d.%m.%Y}: {fmt_number(c.before, none='none')} → "
                            f"{fmt_number(c.after)}", (_year_x(c.on), c.after),
                            xytext=(4, 4), textcoords="offset points", fontsize=8,
                            color=colour, va="bottom",
                            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": colour,
                                  "lw": 0.5, "alpha": 0.9})
    ax.set_xlim(years[0], end)
    ax.set_xticks([y + 0.5 for y in years], [str(y) for y in years])
    ax.set_xticks([float(y) for y in years] + [float(end)], minor=True)
    ax.tick_params(axis="x", which="minor", length=6)
    ax.tick_params(axis="x", which="major", length=0)
    ax.grid(axis="x", which="minor", color="#eeeeee", linewidth=0.6)
    ax.set_xlabel("plan year / год плана")
    ax.set_ylabel("points / баллы")
    ax.set_ylim(bottom=0)
    ax.set_title(f"{fr.title}: score against thresholds ({fr.edition})", loc="left")


def _portfolio_chart(ax: Any, fr: FileReport) -> None:
    names = [s.name for s in fr.subjects]
    xs = list(range(len(names)))
    scores = [math.nan if s.scores[0] is None else s.scores[0] for s in fr.subjects]
    ax.bar(xs, scores, color="#555555", width=0.6, label="score / баллы")
    for j, purpose in enumerate(fr.purposes):
        ts = []
        for s in fr.subjects:
            t = next((r.threshold for r in s.rows if r.purpose == purpose), None)
            ts.append(math.nan if t is None else t)
        ax.step([x - 0.5 for x in xs] + [xs[-1] + 0.5], ts + ts[-1:], where="post",
                color=_COLOURS[j % len(_COLOURS)], linewidth=1.6, linestyle="--",
                label=f"threshold: {purpose}")
    ax.set_xticks(xs, names, rotation=20 if len(names) > 4 else 0, ha="right" if len(names) > 4
                  else "center")
    ax.set_xlim(-0.5, len(names) - 0.5)
    ax.set_ylabel("points / баллы")
    ax.set_ylim(bottom=0)
    year = fr.subjects[0].years[0]
    ax.set_title(f"{fr.title}: models in {year} against thresholds ({fr.edition})", loc="left")


# ----------------------------------------------------------------------------- HTML

_CSS = """
body{font-family:"DejaVu Sans",Arial,"Liberation Sans",sans-serif;margin:24px;color:#222;
max-width:1400px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 6px;border-bottom:1px solid #ccc}
h3{font-size:15px;margin:14px 0 4px}p.meta{color:#555;margin:2px 0 8px;font-size:13px}
table{border-collapse:collapse;font-size:13px;margin:6px 0 12px}
th,td{border:1px solid #d0d0d0;padding:2px 6px;text-align:right;white-space:nowrap}
th{background:#f2f2f2}td.t,th.t{text-align:left}
tr.y0 td{border-top:2px solid #999}
td.yes{background:#d9f2d9}td.no{background:#f8d7d7}td.na{color:#888}
table.grid td{text-align:center;min-width:34px;padding:1px 4px}
table.grid td.t{text-align:left}table.grid td.m{vertical-align:top;max-width:260px;white-space:normal}
table.grid tr.g0 td{border-top:2px solid #999}
.failed td{background:#fff3cd;text-align:left;white-space:normal}
.chart svg{max-width:100%;height:auto}
ul.changes li{margin:2px 0}
small{color:#666}
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _cell(text: str, cls: str = "", value: float | bool | None = None) -> str:
    attrs = f' class="{cls}"' if cls else ""
    if value is not None:
        attrs += f' data-value="{_e(repr(float(value)) if not isinstance(value, bool) else value)}"'
    return f"<td{attrs}>{_e(text)}</td>"


def _file_table(fr: FileReport, subj: Subject) -> str:
    out = [('<table class="file-table"><tr><th>year<br>год</th><th class="t">purpose<br>цель</th>'
            "<th>score<br>баллы</th><th>threshold<br>порог</th><th>gap<br>разрыв</th>"
            "<th>eligible<br>проходит</th><th>spend needed, mln RUB<br>затраты, млн руб.</th>"
            '<th class="t">rulebook<br>редакция</th></tr>')]
    last_year = None
    for r in subj.rows_sorted():
        cls = ' class="y0"' if r.year != last_year else ""
        last_year = r.year
        if r.spend is not None:
            spend = _cell(fmt_mln(r.spend, sep="\u00a0") + (" *" if r.spend_source == "computed"
                                                            else ""), value=r.spend)
        else:
            spend = _cell(r.spend_note or "—", "na")
        ok = "na" if r.eligible is None else ("yes" if r.eligible else "no")
        out.append(
            f'<tr{cls} data-subject="{_e(subj.name)}" data-year="{r.year}" '
            f'data-purpose="{_e(r.purpose)}">'
            + _cell(str(r.year))
            + _cell(r.purpose, "t")
            + _cell(fmt_number(r.score, sep="\u00a0"), value=r.score)
            + _cell(fmt_number(r.threshold, sep="\u00a0", none="no threshold"),
                    "" if r.threshold is not None else "na", value=r.threshold)
            + _cell(fmt_number(r.gap, sep="\u00a0"), value=r.gap)
            + _cell(_yes_no(r.eligible), ok, value=r.eligible)
            + spend
            + _cell(fr.edition, "t")
            + "</tr>"
        )
    out.append("</table>")
    return "\n".join(out)


def _grid(reports: Sequence[FileReport]) -> str:
    """Models x purposes (rows) x years (columns): eligible, not eligible, no threshold."""
    good = [fr for fr in reports if fr.ok]
    years = sorted({y for fr in good for s in fr.subjects for y in s.years})
    head = ('<tr><th class="t">model / модель</th><th class="t">purpose / цель</th>'
            + "".join(f"<th>{y}</th>" for y in years) + "</tr>")
    rows = []
    for fr in good:
        for s in fr.subjects:
            got = {(r.purpose, r.year): r.eligible for r in s.rows}
            for k, p in enumerate(fr.purposes):
                cells = []
                for y in years:
                    ok = got.get((p, y))
                    if ok is None:
                        cells.append('<td class="na">·</td>')
                    else:
                        cells.append(f'<td class="{"yes" if ok else "no"}" data-purpose="{_e(p)}" '
                                     f'data-year="{y}">{"✓" if ok else "✗"}</td>')
                label = ""
                if k == 0:
                    label = (f'<td class="t m" rowspan="{len(fr.purposes)}">{_e(s.name)}<br>'
                             f"<small>{_e(Path(fr.path).name)}</small></td>")
                rows.append(f'<tr class="{"g0" if k == 0 else ""}" data-subject="{_e(s.name)}">'
                            f'{label}<td class="t">{_e(p)}</td>{"".join(cells)}</tr>')
    return ('<section id="grid"><h2>Eligibility grid / Сводка: модели × цели × годы</h2>'
            '<p class="meta">✓ eligible (проходит), ✗ not eligible (не проходит), · no threshold '
            "in force on 1 January or no such plan year in the file.</p>"
            f'<table class="grid">{head}{"".join(rows)}</table></section>')


def html_report(reports: Sequence[FileReport], *, charts: bool = True) -> str:
    """The report as one self-contained HTML page (charts need matplotlib)."""
    from xlfuncs._version import __version__

    good = [fr for fr in reports if fr.ok]
    bad = [fr for fr in reports if not fr.ok]
    editions = sorted({fr.edition for fr in good})
    parts = [
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width">',
        "<title>xlfuncs report: localization points</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>Localization points (Resolution 719) / Баллы локализации (ПП 719)</h1>",
        (f'<p class="meta">{len(reports)} file(s), {len(good)} read, {len(bad)} not read; '
         f"rulebook edition(s): {_e(', '.join(editions) or '—')}; made by xlfuncs "
         f"{_e(__version__)} on {datetime.date.today():%d.%m.%Y}. Spend marked * is computed by "
         "the report with LOCSPENDNEEDED (threshold less the score without R&amp;D); other "
         "numbers are the results stored in the files.</p>"),
    ]
    if bad:
        parts.append('<section id="failures"><h2>Files not read / Файлы с ошибкой</h2><table>')
        parts += [f'<tr class="failed"><td>{_e(fr.path)}: {_e(fr.error)}</td></tr>' for fr in bad]
        parts.append("</table></section>")
    changes = sorted({c for fr in good for c in fr.changes}, key=lambda c: (c.on, c.purpose))
    if changes and len(good) > 1:
        parts.append('<section id="changes"><h2>Thresholds that change within a year / '
                     "Пороги, меняющиеся в течение года</h2><ul class=\"changes\">")
        parts += [f"<li>{_e(c.text())}</li>" for c in changes]
        parts.append("</ul><p class=\"meta\">The tables show the threshold in force on 1 January "
                     "of each plan year, as the templates compute it.</p></section>")
    if good:
        parts.append(_grid(good))
    for n, fr in enumerate(good, 1):
        parts.append(f'<section class="file" data-file="{_e(fr.path)}">'
                     f"<h2>{_e(fr.title)}</h2>")
        parts.append(f'<p class="meta">{_e(fr.path)} · {_e(fr.kind)} · rulebook {_e(fr.edition)}</p>')
        for note in fr.notes:
            parts.append(f'<p class="meta">Note: {_e(note)}</p>')
        if fr.changes:
            parts.append('<p class="meta">Thresholds that change within a plan year (the table '
                         "shows the threshold in force on 1 January; the chart shows the change "
                         'on its date):</p><ul class="changes">')
            parts += [f"<li>{_e(c.text())}</li>" for c in fr.changes]
            parts.append("</ul>")
        if charts:
            parts.append(f'<div class="chart">{_chart(fr, f"f{n}")}</div>')
        for subj in fr.subjects:
            parts.append(f"<h3>{_e(subj.name)} <small>({_e(subj.category)}, "
                         f"{_e(subj.powertrain)})</small></h3>")
            parts.append(_file_table(fr, subj))
        parts.append("</section>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


# ----------------------------------------------------------------------------- command line


def register(subparsers: Any) -> None:
    """Add the ``report`` sub-command (imports nothing heavy)."""
    p = subparsers.add_parser(
        "report",
        help="an HTML (or text) report of filled and recalculated workbooks",
        description="Score, threshold, gap, eligibility and spend needed per plan year and "
        "purpose, a chart per file and an eligibility grid, from the results stored in "
        "programme_budget, model_portfolio and licence_scenarios workbooks. -o writes one "
        'self-contained HTML file (needs matplotlib: pip install "xlfuncs[report]"); --text '
        "prints the tables.",
    )
    p.add_argument("paths", nargs="+", metavar="FILES", help="workbooks, folders or globs")
    p.add_argument("-o", "--output", metavar="REPORT.html", help="write the HTML report here")
    p.add_argument("--text", action="store_true", help="print the tables as plain text on stdout")
    p.add_argument("--force", action="store_true", help="replace an existing output file")
    p.set_defaults(handler=_report)


def _report(args: argparse.Namespace) -> int:
    out = Path(args.output) if args.output else None
    if out is None and not args.text:
        print("xlfuncs report: give the output file with -o REPORT.html, or --text",
              file=sys.stderr)
        return 2
    if out is not None:
        if out.suffix.lower() not in (".html", ".htm"):
            print(f"{out}: the report is HTML; give a .html file", file=sys.stderr)
            return 2
        if out.is_dir():
            print(f"{out}: is a folder; give a file name", file=sys.stderr)
            return 2
        if out.exists() and not args.force:
            print(f"{out}: exists; not overwritten (use --force)", file=sys.stderr)
            return 2
        try:
            importlib.import_module("matplotlib")
        except ImportError:
            print(MATPLOTLIB_MISSING, file=sys.stderr)
            return 2
    reports = read_reports(args.paths)
    if not reports:
        print("xlfuncs report: no workbooks found in the given paths", file=sys.stderr)
        return 2
    status = 0
    for fr in reports:
        if not fr.ok:
            print(f"{fr.path}: {fr.error}", file=sys.stderr)
            status = 1
    if args.text:
        from xlfuncs.recalc.cli import _console_text

        sys.stdout.write(_console_text(text_report(reports), sys.stdout))
    if out is not None:
        from xlfuncs._fileio import write_bytes_atomic
        from xlfuncs.errors import WorkbookError

        try:
            write_bytes_atomic(out, html_report(reports).encode("utf-8"), make_parents=True)
        except (WorkbookError, OSError) as exc:
            print(f"{out}: {getattr(exc, 'strerror', None) or exc}", file=sys.stderr)
            return 1
        print(f"{out}: {len(reports)} file(s), {sum(fr.ok for fr in reports)} read", file=sys.stderr)
    return status
