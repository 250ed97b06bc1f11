"""The operations checklist of the templates, built from the rulebook's catalogue.

The default edition has one operation code per line of section II of Resolution 719, each
with a ``block`` (body, ice, electronics, ...), an alternatives ``group`` (of a group only
the best done code counts: the stamping share, the section IX score tier of a unit) and a
``prorata`` mark (the done value is a share 0..1). The checklist lays the codes out by block,
in the order of :data:`BLOCKS`; inside a block the legal order is kept, and each group of
alternatives is **one row** at the place of its first code, whose code is chosen from the
group's codes.

Templates are built from the packaged *default* edition, never from a user's active one, so
that the generated files do not depend on the machine that builds them. A code the default
edition does not know (a custom list) becomes a plain row of block ``other``.

>>> rows = {r.key: r for b in checklist(["body_welding", "body_stamping_30", "body_stamping_70"]) for r in b.rows}
>>> rows["body_stamping"].codes, rows["body_stamping"].is_group
(('body_stamping_30', 'body_stamping_70'), True)
>>> rows["body_welding"].en
'Body (cab) welding'
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["BLOCKS", "Block", "ChecklistRow", "Line", "checklist", "group_label", "legal_wording", "lines"]

#: Blocks of the catalogue in the order the checklist shows them: (key, English, Russian).
BLOCKS: tuple[tuple[str, str, str], ...] = (
    ("body", "Body (cab) and exterior", "Кузов (кабина) и экстерьер"),
    ("frame", "Frame and subframes", "Рама и подрамники"),
    ("ice", "Internal combustion engine", "Двигатель внутреннего сгорания"),
    ("electric_drive", "Electric drive and its power electronics", "Электропривод и преобразователи"),
    ("battery", "Traction battery", "Тяговая батарея"),
    ("transmission", "Transmission, axles and drive shafts", "Трансмиссия, мосты и приводы"),
    ("electronics", "Electronics: control units and sensors", "Электроника: блоки управления и датчики"),
    ("hydrogen", "Hydrogen and fuel cells", "Водород и топливные элементы"),
    ("chassis", "Chassis: steering, brakes, suspension, wheels", "Шасси: рулевое, тормоза, подвеска, колёса"),
    ("fuel_exhaust", "Fuel and exhaust systems", "Топливная система и система выпуска"),
    ("cooling_hvac", "Cooling, pumps, heating and air conditioning", "Охлаждение, насосы, отопление и кондиционирование"),
    ("interior", "Interior and passive safety", "Салон и пассивная безопасность"),
    ("electrical", "Electrical equipment and wiring", "Электрооборудование и проводка"),
    ("materials", "Materials: paints, sealants, glazing", "Материалы: ЛКМ, герметики, остекление"),
)
_OTHER = ("other", "Other operations", "Прочие операции")

#: English names of the units whose alternatives form a group (the rest is read off the key).
_GROUP_UNITS = {
    "body_stamping": "Body stamping, cutting, bending (share of body-in-white mass)",
    "body_metal": "Russian metal in the body (share of body-in-white mass)",
    "engine_ecu": "Engine control unit",
    "abs_esc_ecu": "ABS / ESC control unit",
    "transmission_ecu": "Transmission control unit",
    "body_electronics_ecu": "Body electronics control unit",
    "instrument_cluster_ecu": "Instrument cluster unit",
    "telematics": "Telematics and connected-car components",
    "era_glonass": "ERA-GLONASS emergency call system",
    "adas_ecu_level0": "ADAS control unit, automation level 0",
    "adas_ecu_level1": "ADAS control unit, automation level 1",
    "adas_ecu_level2": "ADAS control unit, automation level 2",
    "adas_ecu_level3_plus": "ADAS control unit, automation level 3 and above",
    "vehicle_frame_ru_metal": "Russian metal in the frame (share of frame mass)",
    "subframes_front_ru_metal": "Russian metal in the front subframe (share of its mass)",
    "subframes_rear_ru_metal": "Russian metal in the rear subframe (share of its mass)",
    "steering_ecu": "Steering control unit",
    "passive_safety_ecu": "Passive safety (airbag) control unit",
    "infotainment_multimedia_unit": "Infotainment / multimedia unit",
    "suspension_control_ecu": "Suspension control unit",
    "lighting_control_ecu": "Lighting control unit",
    "power_supply_control_ecu": "Power supply control unit",
    "climate_control_ecu": "Climate control unit",
    "switching_distribution_units": "Switching and distribution units",
    "video_surround_recording_ecu": "Video, surround view and recording unit",
    "comfort_functions_ecu": "Comfort functions unit",
    "keyless_ignition_antitheft_ecu": "Keyless entry, ignition and anti-theft unit",
    "vehicle_systems_control_ecu": "Vehicle systems control unit",
    "tachograph_driver_monitoring": "Tachograph and driver monitoring unit",
    "displays_monitors_panels": "Displays, monitors, information panels",
}
_RU_MAX = 100  # characters of legal wording shown in the checklist (the Lists sheet has it all)


@dataclass(frozen=True)
class ChecklistRow:
    """One checklist row: a line (``codes == (key,)``) or a group of alternatives."""

    key: str  #: the code of a line, or the group id of a group row
    block: str
    codes: tuple[str, ...]  #: the line's code, or the group's codes (the choices)
    en: str
    ru: str
    prorata: bool  #: the done value is a share 0..1 of the units that meet the line
    names: tuple[str, ...] = ()  #: English name of each code of :attr:`codes`
    unit: str = ""  #: English name of the unit of a group row ("" for a line)

    @property
    def is_group(self) -> bool:
        """True for a group of alternatives (one row, the code picked from :attr:`codes`)."""
        return self.codes != (self.key,)


@dataclass(frozen=True)
class Block:
    """A block of the catalogue with its rows."""

    key: str
    en: str
    ru: str
    rows: tuple[ChecklistRow, ...]


def _book() -> Any:
    try:
        from xlfuncs.rulebook import default_rulebook

        return default_rulebook()
    except Exception:  # noqa: BLE001 - without a rulebook every code is a plain row
        return None


def _short_heading(heading: str) -> str:
    """The legal heading up to its first long parenthesis (the unit's name)."""
    text = " ".join(heading.split())
    m = re.search(r"\s\((?![^)]{0,6}\))", text)  # keep short ones: "(или)", "(ие)"
    if m:
        text = text[: m.start()]
    return text.rstrip(" ,;:")


def _clip(text: str, limit: int = _RU_MAX) -> str:
    text = " ".join(text.split()).rstrip(" ;.")
    return text if len(text) <= limit else text[: limit - 1].rstrip(" ,;") + "…"


_POINTS_AT_END = re.compile(r"\s*\(\d+(?:[.,]\d+)?\s*балл\w*\)\s*[;.]?\s*$")


def _ru_line(row: Any) -> str:
    # the points the line ends with vary by date and category: the points column shows them
    text = _POINTS_AT_END.sub("", row.legal_text or "")
    head = _short_heading(row.legal_heading or "")
    if head and not head.lower().startswith("выполнение"):
        text = f"{head}: {text}"
    return _clip(text) or row.code


def _unit(group: str) -> str:
    return _GROUP_UNITS.get(group) or group.replace("_", " ").capitalize()


def _is_tier_group(rows: Sequence[Any]) -> bool:
    return all(r.tier_from is not None for r in rows)


def group_label(group: str, rows: Sequence[Any] = ()) -> tuple[str, str]:
    """English and Russian label of a group row (``rows``: one rule of each of its codes)."""
    unit = _unit(group)
    head = _short_heading(rows[0].legal_heading) if rows else ""
    if rows and _is_tier_group(rows):
        en = f"{unit}: section IX score tier reached (pick)"
        ru = f"{head}: уровень баллов по разделу IX (выберите)"
    else:
        en = f"{unit}: level reached (pick)"
        ru = f"{head}: выполнение одного из условий (выберите)"
    if not head:
        ru = ru.split(": ", 1)[1]
    return en, _clip(ru)


def checklist(codes: Sequence[str]) -> tuple[Block, ...]:
    """The checklist of ``codes`` (operation codes, in any order) by block.

    Blocks come in the order of :data:`BLOCKS` (unknown ones after them, then ``other``),
    codes in the order given; a group row stands where its first code is.
    """
    book = _book()
    rows: dict[str, list[ChecklistRow]] = {}
    seen: set[str] = set()
    for code in codes:
        rule = None
        if book is not None:
            try:
                rule = book.rows_of(code)[0]
            except Exception:  # noqa: BLE001 - not a code of the default edition
                rule = None
        if rule is None:
            row = ChecklistRow(code, "other", (code,), code, code, False, (code,))
            key = code
        elif rule.group:
            key = rule.group
            if key in seen:
                continue
            members = [c for c in codes if c in book.groups.get(key, ())]
            member_rules = [book.rows_of(c)[0] for c in members]
            en, ru = group_label(key, member_rules)
            row = ChecklistRow(key, rule.block or "other", tuple(members), en, ru,
                               any(r.prorata for r in member_rules),
                               tuple(r.name_en or r.code for r in member_rules), _unit(key))
        else:
            key = code
            row = ChecklistRow(code, rule.block or "other", (code,), rule.name_en or code,
                               _ru_line(rule), bool(rule.prorata), (rule.name_en or code,))
        if key in seen:
            continue
        seen.add(key)
        rows.setdefault(row.block, []).append(row)
    known = {k: (en, ru) for k, en, ru in BLOCKS}
    order = [k for k, _, _ in BLOCKS if k in rows]
    order += [k for k in rows if k not in known and k != "other"]
    order += ["other"] if "other" in rows else []
    out = []
    for key in order:
        en, ru = known.get(key, (key.replace("_", " ").capitalize(), key))
        if key == "other":
            en, ru = _OTHER[1], _OTHER[2]
        out.append(Block(key, en, ru, tuple(rows[key])))
    return tuple(out)


@dataclass(frozen=True)
class Line:
    """One operation code as a column of a flat layout (one column per code)."""

    code: str
    block: str
    en: str  #: English name; a group member's starts with its unit
    prorata: bool
    group: str  #: "" when the code is in no group


def lines(codes: Sequence[str]) -> tuple[Line, ...]:
    """Every code of ``codes`` once, in checklist order (by block, a group's codes together).

    >>> [(x.code, x.group) for x in lines(["engine_ecu_tier_245", "body_welding", "engine_ecu_tier_200"])]
    [('body_welding', ''), ('engine_ecu_tier_245', 'engine_ecu'), ('engine_ecu_tier_200', 'engine_ecu')]
    """
    out = []
    for block in checklist(codes):
        for row in block.rows:
            for code, name in zip(row.codes, row.names):
                en = f"{row.unit}: {name}" if row.is_group else name
                out.append(Line(code, block.key, en, row.prorata, row.key if row.is_group else ""))
    return tuple(out)


def legal_wording(code: str) -> str:
    """The full legal wording of a code (heading: text), for the Lists sheet; "" if unknown."""
    book = _book()
    if book is None:
        return ""
    try:
        rule = book.rows_of(code)[0]
    except Exception:  # noqa: BLE001
        return ""
    head = " ".join((rule.legal_heading or "").split())
    text = " ".join((rule.legal_text or "").split())
    return f"{head}: {text}" if head else text
