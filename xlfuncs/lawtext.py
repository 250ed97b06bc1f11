"""Reading the legal points table: section II of Resolution 719's appendix, as flattened text.

The text (``shared/domain/pp719/section-II-automotive.txt``, a legal-database export) is one
table whose rows end with ``|``. The first rows name the vehicle categories; every row after
them is a component (its heading ends with ``:``) and its lines, each ending with its points in
brackets. Kontur's ``(в ред. ...)`` rows name the act that last amended the row above them.

:func:`parse_section` turns the text into :class:`LegalLine` records: one per points-bearing
line, with its component heading, the sub-heading it sits under, the period it belongs to
(``(до 31 июля 2024 г.)`` / ``(с 1 августа 2024 г.)``), the points in every variant the line
states (by powertrain, for buses, by calculation year, by the unit's section IX score), and
whether the points are pro rata ("с учетом коэффициента, равного отношению ...") and how
they round. Every ``text`` is a verbatim substring of the source, so a rulebook built from
it can be checked against the law line by line.

>>> src = '''из 29.10.2|Легковые|выполнение операций:
... сварка кузова (кабины) (400 баллов);
... окраска кузова (кабины) (500 баллов)|
... | |шестерни (количество баллов ... с учетом коэффициента, равного отношению количества шестерен ..., и округляется до целочисленных значений):
... обработка шестерен (автотранспортное средство с двигателем внутреннего сгорания и автотранспортное средство с гибридной силовой установкой - 140 баллов, автотранспортное средство с электрической силовой установкой - 70 баллов)|
... (в ред. Постановления Правительства РФ от 11.12.2024 N 1762)|'''
>>> lines = parse_section(src)
>>> [(ln.text[:13], [v.points for v in ln.variants]) for ln in lines]
[('сварка кузова', [400]), ('окраска кузов', [500]), ('обработка шес', [140, 70])]
>>> lines[2].prorata, lines[2].rounding, lines[2].variants[1].powertrains
(True, 'nearest', ('bev',))
>>> lines[2].amended_by
('PP 1762 of 11.12.2024',)
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

__all__ = ["LegalLine", "Variant", "parse_section", "points_lines"]

#: a figure of points in the text: "400 баллов", "222 балла", "141 балл"
POINTS_FIGURE = re.compile(r"\d+ балл")

_SIMPLE = re.compile(r"\((\d+) балл\w*\)\s*[;.]?\s*:?$")
_BUSES = re.compile(r"\((\d+) балл\w* кроме автобусов;\s*(\d+) балл\w* для автобусов\)\s*;?$")
_POWERTRAIN = re.compile(
    r"\(автотранспортное средство с двигателем внутреннего сгорания и автотранспортное средство "
    r"с гибридной силовой установкой - (\d+) балл\w*, автотранспортное средство с электрической "
    r"силовой установкой - (\d+) балл\w*\)\s*;?$"
)
#: "(для автомобилей грузовых и автобусов[ с каркасным кузовом] - 15 баллов, кроме ... - 10 баллов)"
_HEAVY = re.compile(
    r"\(для автомобилей грузовых и автобусов(?P<frame> с каркасным кузовом)? - (\d+) балл\w*, "
    r"кроме автомобилей грузовых и автобусов(?: с каркасным кузовом)? - (\d+) балл\w*\)\s*;?$"
)
#: a score tier of an electronic unit (section IX score), with points per calculation year
_TIER = re.compile(
    r"^(?:от|не ниже) (?P<lo>\d+)(?: бал+ов)?(?: \(включительно\))?(?: бал+ов)?(?: до (?P<hi>\d+) бал+ов)?"
    r"(?:,? -? ?при расчете(?: баллов)? (?P<when>.*?))?\s*(?:\((?P<top>\d+) балл\w*\))?\s*;?$"
)
_YEARLY = re.compile(r"с (\d{4}) года \((\d+) балл\w*\)")
_UNTIL = re.compile(r"^до (?:(\d+) декабря (\d{4}) г\.|(\d{4}) года)$")
_CLOSED = re.compile(r"балл\w*\)\s*[;.]?$")
_PERIOD = re.compile(r"^\((до|с) (\d+) (\w+) (\d{4}) г\.\)$")
_AMENDED = re.compile(r"^\(в ред\. Постановлени\w+ Правительства РФ (.*)\)\s*$")
_ACT = re.compile(r"от (\d\d)\.(\d\d)\.(\d{4}) N (\d+)")
_MONTHS = {
    "января": 1, "февраля": 2, "марта": 3, "апреля": 4, "мая": 5, "июня": 6, "июля": 7,
    "августа": 8, "сентября": 9, "октября": 10, "ноября": 11, "декабря": 12,
}
_BUS_CATEGORIES = ("M2", "M3")
_HEAVY_CATEGORIES = ("N2", "N3", "M2", "M3")


@dataclass(frozen=True)
class Variant:
    """One value of a line's points: for which categories, powertrains and dates.

    Empty ``categories`` / ``powertrains`` mean all; ``except_categories`` means all but those.
    """

    points: int
    categories: tuple[str, ...] = ()
    except_categories: tuple[str, ...] = ()
    powertrains: tuple[str, ...] = ()
    effective_from: datetime.date | None = None
    effective_to: datetime.date | None = None
    note: str = ""


@dataclass(frozen=True)
class LegalLine:
    """A points-bearing line of section II, as the text states it."""

    line_no: int  #: 1-based line of the source where the line starts
    heading: str  #: the component heading (verbatim, without the final colon)
    subheading: str  #: the heading inside the component the line sits under ("" if none)
    text: str  #: the line, verbatim (a substring of the source)
    variants: tuple[Variant, ...]
    prorata: bool  #: points times the share of units that meet the line
    rounding: str  #: "nearest" or "down" (pro-rata lines), "" otherwise
    one_of: bool  #: the line is one of alternatives ("выполнение одного из следующих условий")
    period: str  #: "" or the period heading verbatim, e.g. "(до 31 июля 2024 г.)"
    tier: tuple[int, int | None] | None  #: section IX score range [lo, hi) of a unit tier
    amended_by: tuple[str, ...]  #: amending acts named for the row ("PP 1762 of 11.12.2024")
    heading_line_no: int = 0
    group_line_no: int = 0  #: line of the heading that opened its alternatives (0: none)
    details: tuple[str, ...] = field(default=())  #: sub-items without points that belong to it


def _acts(marker: str) -> tuple[str, ...]:
    return tuple(f"PP {n} of {d}.{m}.{y}" for d, m, y, n in _ACT.findall(marker))


def _period_dates(text: str) -> tuple[datetime.date | None, datetime.date | None]:
    m = _PERIOD.match(text)
    if not m:
        return None, None
    day = datetime.date(int(m.group(4)), _MONTHS[m.group(3)], int(m.group(2)))
    return (None, day) if m.group(1) == "до" else (day, None)


def _balanced(s: str) -> bool:
    return s.count("(") <= s.count(")")


def _logical(cell: str, first_line: int) -> Iterator[tuple[int, str]]:
    """A cell's physical lines joined where a line continues on the next one (open brackets,
    or a fragment with neither points nor a final ``:``/``;``)."""
    buf: list[str] = []
    start = first_line
    for i, raw in enumerate(cell.split("\n")):
        if not buf:
            start = first_line + i
        buf.append(raw)
        joined = "\n".join(buf)
        stripped = joined.rstrip()
        if not stripped.strip():
            buf = []
            continue
        heading_alone = len(buf) == 1 and stripped.endswith(":")  # "(клиновые):" lacks a ")"
        if not _balanced(stripped) and not _CLOSED.search(stripped) and not heading_alone:
            continue  # open brackets go on, unless the line already ends with its points
        ends = stripped.endswith((":", ";", ")", ".", ")|"))
        if not ends and not POINTS_FIGURE.search(stripped) and i + 1 < len(cell.split("\n")):
            continue
        yield start, joined
        buf = []
    if buf and "\n".join(buf).strip():
        yield start, "\n".join(buf)


def _variants(text: str) -> tuple[tuple[Variant, ...], tuple[int, int | None] | None] | None:
    """The points a line states, or None when it states none in a known form."""
    body = text.strip()
    m = _TIER.match(body)
    if m:
        lo, hi = int(m.group("lo")), (int(m.group("hi")) if m.group("hi") else None)
        when = (m.group("when") or "").strip()
        top = m.group("top")
        out: list[Variant] = []
        yearly = _YEARLY.findall(f"{when} ({top} баллов)" if top else when)
        until = _UNTIL.match(when)
        if yearly:
            for k, (year, pts) in enumerate(yearly):
                end = (
                    datetime.date(int(yearly[k + 1][0]) - 1, 12, 31) if k + 1 < len(yearly) else None
                )
                start = datetime.date(int(year), 1, 1) if k else None
                out.append(Variant(int(pts), effective_from=start, effective_to=end))
        elif until and top:
            if until.group(3):  # "до 2028 года": the last day before that year
                end = datetime.date(int(until.group(3)) - 1, 12, 31)
                note = f"the text says {when!r}: read as to 31 Dec {int(until.group(3)) - 1}"
            else:
                end = datetime.date(int(until.group(2)), 12, int(until.group(1)))
                note = ""
            out.append(Variant(int(top), effective_to=end, note=note))
        elif top and not when:
            out.append(Variant(int(top)))
        else:
            return None
        return tuple(out), (lo, hi)
    m = _BUSES.search(body)
    if m:
        return (
            Variant(int(m.group(1)), except_categories=_BUS_CATEGORIES),
            Variant(int(m.group(2)), categories=_BUS_CATEGORIES),
        ), None
    m = _POWERTRAIN.search(body)
    if m:
        return (
            Variant(int(m.group(1)), powertrains=("ice", "hybrid")),
            Variant(int(m.group(2)), powertrains=("bev",)),
        ), None
    m = _HEAVY.search(body)
    if m:
        note = "the text says 'trucks and buses with a frame body'" if m.group("frame") else ""
        return (
            Variant(int(m.group(2)), categories=_HEAVY_CATEGORIES, note=note),
            Variant(int(m.group(3)), except_categories=_HEAVY_CATEGORIES, note=note),
        ), None
    m = _SIMPLE.search(body)
    if m:
        return (Variant(int(m.group(1))),), None
    return None


def _rows(text: str) -> Iterator[tuple[int, str]]:
    """Table rows (``|``-terminated runs of lines) with the line number each starts on."""
    buf: list[str] = []
    start = 1
    for no, line in enumerate(text.split("\n"), 1):
        if not buf:
            start = no
        buf.append(line)
        if line.rstrip().endswith("|"):
            yield start, "\n".join(buf)
            buf = []
    if buf and "\n".join(buf).strip():
        yield start, "\n".join(buf)


@dataclass
class _State:
    heading: str = ""
    heading_line: int = 0
    sub: str = ""
    prorata: bool = False
    rounding: str = ""
    one_of: bool = False
    period: str = ""
    group_line: int = 0


_PRORATA = "коэффициента, равного отношению"


def _rounding(text: str) -> str:
    return "down" if "в меньшую сторону" in text else "nearest"


def _without_points(line: str) -> str:
    """An item line without its final points bracket (its name as a heading)."""
    return re.sub(r"\s*\((?:[^()]|\([^()]*\))*\d+ балл\w*[^()]*\)\s*[;.]?$", "", line.strip())


def _heading_flags(state: _State, heading: str, line: int) -> None:
    if _PRORATA in heading:
        state.prorata = True
        state.rounding = _rounding(heading)
    if "одного из следующих условий" in heading or heading.startswith("достижение суммарного"):
        state.one_of = heading.startswith("достижение суммарного") is False
        state.group_line = line


#: first words of a requirement (an operation); a row opening with anything else names a component
_OPERATION_WORDS = (
    "разработка", "обработка", "применение", "формообразующие", "изготовление", "использование",
    "выполнение", "сборка", "механическая", "процентная", "поверхностный", "штамповка",
    "нанесение", "соблюдение", "научно-исследовательские",
)


def _split_glued(line: str) -> tuple[str, str] | None:
    """``"heading: requirement (N баллов)"`` on one line: the ``:`` outside brackets splits it."""
    depth = 0
    for i, ch in enumerate(line):
        depth += (ch == "(") - (ch == ")")
        if ch == ":" and depth == 0 and i + 1 < len(line):
            rest = line[i + 1 :].strip()
            if rest and _variants(rest):
                return line[:i].strip(), rest
            return None
    return None


def _starts_component(req: str) -> bool:
    """Whether a row's requirements open a component: a heading line (ending with ``:``, or
    glued to its first requirement), or an item named by its component rather than by an
    operation ("колеса (...) (10 баллов)")."""
    first = req.strip().split("\n", 1)[0].rstrip()
    if first.endswith(":") or _split_glued(first):
        return True
    return not first.lower().startswith(_OPERATION_WORDS)


def parse_section(text: str) -> list[LegalLine]:
    """Every points-bearing line of the section, in the order of the text.

    Lines whose points are in no known form are returned with no variants (``variants == ()``)
    so that a reviewer sees them; :func:`points_lines` lists what the text holds, to check
    that nothing was missed.
    """
    out: list[LegalLine] = []
    state = _State()
    pending: list[int] = []  # indexes in out of the lines of the row a "(в ред.)" marker follows
    for row_start, row in _rows(text):
        body = row.rstrip()
        if body.endswith("|"):
            body = body[:-1]
        marker = _AMENDED.match(body.strip())
        if marker:
            acts = _acts(marker.group(1))
            for i in pending:
                ln = out[i]
                out[i] = LegalLine(**{**ln.__dict__, "amended_by": ln.amended_by + acts})
            pending = []
            continue
        pending = []
        cells = body.split("|")
        if len(cells) < 3:
            continue  # the title, or the editorial notes at the end
        lead = "|".join(cells[:2])
        req = "|".join(cells[2:])
        req_line = row_start + lead.count("\n")
        new_item = _starts_component(req)
        first_of_row = True
        if not lead.replace("|", "").strip() and not new_item:
            pass  # a row that goes on with the component above (a split cell of the source)
        else:
            state = _State()
        last_points: int | None = None
        for no, logical in _logical(req, req_line):
            s = logical.strip()
            if not s:
                continue
            if _PERIOD.match(s):
                state.period = s
                continue
            # "тяговая батарея:выполнение ... (630 баллов)" opening a row names its component
            glued = _split_glued(s) if first_of_row else None
            if glued:
                state = _State(heading=glued[0], heading_line=no)
                _heading_flags(state, glued[0], no)
                s = glued[1]
            elif not state.heading or (first_of_row and not s.endswith(":") and new_item):
                # an item that names its component: the component is the line itself
                state = _State(heading=_without_points(s), heading_line=no)
                _heading_flags(state, s, no)
            first_of_row = False
            parsed = _variants(s)
            if parsed is None and s.endswith(":"):
                head = s[:-1].strip()
                if not state.heading:
                    state = _State(heading=head, heading_line=no)
                    _heading_flags(state, head, no)
                elif head.startswith("достижение суммарного количества баллов") or head.startswith(
                    "выполнение одного из следующих условий"
                ):
                    state.sub = head
                    _heading_flags(state, head, no)
                elif last_points is not None and out[last_points].text.rstrip().endswith(":"):
                    state.sub = head  # a sub-list of a line with points ("совокупности требований")
                else:
                    # a new component inside the same row (the merged cells of the source)
                    state = _State(heading=head, heading_line=no)
                    _heading_flags(state, head, no)
                continue
            if parsed is None:
                if last_points is not None and out[last_points].text.rstrip().endswith(":"):
                    ln = out[last_points]
                    out[last_points] = LegalLine(**{**ln.__dict__, "details": ln.details + (s,)})
                    continue
                if not POINTS_FIGURE.search(s):
                    if last_points is not None:
                        ln = out[last_points]
                        out[last_points] = LegalLine(**{**ln.__dict__, "details": ln.details + (s,)})
                    continue
                variants: tuple[Variant, ...] = ()
                tier = None
            else:
                variants, tier = parsed
            lo, hi = _period_dates(state.period)
            if lo or hi:
                variants = tuple(
                    Variant(
                        **{
                            **v.__dict__,
                            "effective_from": v.effective_from or lo,
                            "effective_to": v.effective_to or hi,
                        }
                    )
                    for v in variants
                )
            text_here = logical.strip()
            if text_here.endswith(":") and not s.endswith(":"):
                text_here = text_here[:-1]
            if glued:
                text_here = s
            out.append(
                LegalLine(
                    line_no=no,
                    heading=state.heading,
                    subheading=state.sub,
                    text=text_here,
                    variants=variants,
                    prorata=state.prorata or _PRORATA in text_here,
                    rounding=state.rounding
                    if state.prorata
                    else (_rounding(text_here) if _PRORATA in text_here else ""),
                    one_of=state.one_of or tier is not None,
                    period=state.period,
                    tier=tier,
                    amended_by=(),
                    heading_line_no=state.heading_line,
                    group_line_no=(state.group_line or state.heading_line)
                    if (state.one_of or tier is not None)
                    else 0,
                )
            )
            pending.append(len(out) - 1)
            last_points = len(out) - 1
    return out


def points_lines(text: str) -> list[tuple[int, str]]:
    """Every source line that states a figure of points (line number, text): what a rulebook
    built from the section must account for."""
    return [
        (no, line) for no, line in enumerate(text.split("\n"), 1) if POINTS_FIGURE.search(line)
    ]
