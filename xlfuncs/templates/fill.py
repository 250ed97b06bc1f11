"""Fill a template workbook with data keyed by its defined names.

Data is a table: one column per defined name, one row per year (for names that span the
year columns) or per model (for names that span the model rows). A name that is a single
cell takes its value from the one non-blank row. An optional ``scenario`` column splits
the table into one workbook per scenario.

Filling patches the package directly: only the ``<c>`` elements of the input cells of
the touched worksheets change, and the formulas' cached results are recomputed (or, with
``recalc=False``, dropped so nothing stale is shown); every other zip member (chart,
drawing, styles, names, validation, protection) is copied byte for byte. The output is written to a temporary file and moved into place
with :func:`os.replace`; nothing is written unless all the data checks out.

What is an input cell is read from the workbook itself: an unlocked cell without a
formula. Types come from the cell's data validation (list, whole, decimal, text length).
Inputs the data does not name are cleared, so no example value of the template is left
among the user's data (``keep_example=True`` keeps them); :attr:`FillResult.cleared` names
the ones that held a value. Templates are read through the same safety layer as ``recalc``
(size limits, zip-bomb ratios, DOCTYPE/entity refusal, one-line reasons); data through
:mod:`xlfuncs.templates.filldata` (encodings, the decimal rule, ambiguous tables).

>>> _number("1 234,5", "comma"), _number("1,234.5", "point")
(1234.5, 1234.5)
>>> _number("abc", "point") is None
True
"""

from __future__ import annotations

import difflib
import io
import math
import os
import re
import tempfile
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from xlfuncs._a1 import a1, column_number
from xlfuncs._fileio import seal, unseal, write_bytes_atomic
from xlfuncs.errors import TemplateError, WorkbookError
from xlfuncs.templates.filldata import SCENARIO, Decimal, Table, number_in, read_data

__all__ = ["FillResult", "InputTarget", "fill", "inputs_of", "read_data"]

_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_NS = "http://www.w3.org/XML/1998/namespace"
_Q = f"{{{_NS}}}"

_REF = re.compile(
    r"^(?:'(?P<qs>(?:[^']|'')+)'|(?P<s>[^!'\s]+))!\$?(?P<c1>[A-Z]{1,3})\$?(?P<r1>\d+)"
    r"(?::\$?(?P<c2>[A-Z]{1,3})\$?(?P<r2>\d+))?$"
)
_CELL = re.compile(r"^([A-Z]{1,3})(\d+)$")
_MAX_PROBLEMS = 20

Coord = tuple[int, int]


# ----------------------------------------------------------------------------- helpers
def _a1(coord: Coord) -> str:
    return a1(*coord)


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str) and not value.strip():
        return True
    return type(value).__name__ in ("NAType", "NaTType")


def _number(value: Any, decimal: Decimal = "point") -> float | None:
    """A number from a typed value, or from text under the data's ``decimal`` rule."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        try:
            x = float(value)
        except OverflowError:  # an integer beyond a double's range
            return None
        return x if math.isfinite(x) else None
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        try:
            return _number(value.item(), decimal)
        except (TypeError, ValueError):
            return None
    if isinstance(value, str):
        return number_in(value, decimal)
    return None


_BOOL_TEXT = {"true": True, "yes": True, "y": True, "да": True, "x": True,
              "false": False, "no": False, "n": False, "нет": False}


# ----------------------------------------------------------------------- the workbook
@dataclass(frozen=True)
class Validation:
    """The parts of a data validation that decide what may be filled."""

    type: str
    operator: str
    formula1: str | None
    formula2: str | None
    strict: bool
    choices: tuple[Any, ...] = ()

    def describe(self) -> str:
        if self.type == "list":
            return "one of " + ", ".join(str(c) for c in self.choices)
        if self.type in ("whole", "decimal"):
            what = "a whole number" if self.type == "whole" else "a number"
            if self.operator == "between":
                return f"{what} from {self.formula1} to {self.formula2}"
            if self.operator == "greaterThanOrEqual":
                return f"{what} >= {self.formula1}"
            if self.operator == "lessThanOrEqual":
                return f"{what} <= {self.formula1}"
            return what
        if self.type == "textLength":
            return "text"
        return "a value"


@dataclass
class InputTarget:
    """A defined name that can be filled: its sheet, cells and validations."""

    name: str
    sheet: str
    part: str
    cells: list[Coord]
    horizontal: bool
    rules: list[Validation | None]

    @property
    def is_scalar(self) -> bool:
        return len(self.cells) == 1

    def where(self, i: int = 0) -> str:
        return f"{self.sheet}!{_a1(self.cells[i])}"


@dataclass
class _Sheet:
    name: str
    part: str
    root: Any  # lxml element
    cells: dict[Coord, Any]
    validations: list[tuple[list[tuple[Coord, Coord]], Validation]]
    #: the validations by cell (built on first use) and the areas too large to index
    by_cell: dict[Coord, Validation] | None = None
    wide: list[tuple[Coord, Coord, Validation, int]] = field(default_factory=list)
    order: dict[int, int] = field(default_factory=dict)


@dataclass
class _Package:
    members: dict[str, bytes]
    infos: list[zipfile.ZipInfo]
    sheets: dict[str, _Sheet]
    names: dict[str, str]  # upper name -> original spelling
    name_text: dict[str, str]
    unlocked_styles: set[int]
    shared: list[str]

    def sheet_of(self, name: str) -> _Sheet | None:
        return self.sheets.get(name)


def _parse_xml(data: bytes) -> Any:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, huge_tree=True, remove_blank_text=False)
    return etree.fromstring(data, parser)


#: packages read for planning (never changed there), by their bytes: filling many data
#: files into one template reads it once per process
_PLANNED: dict[bytes, _Package] = {}


def _planning_package(data: bytes, label: str) -> _Package:
    """:func:`_load_package` for read-only use, remembered for the last few templates."""
    import hashlib

    key = hashlib.sha256(data).digest()
    pkg = _PLANNED.get(key)
    if pkg is None:
        pkg = _load_package(data, label)
        if len(_PLANNED) >= 4:
            _PLANNED.clear()
        _PLANNED[key] = pkg
    return pkg


def _load_package(data: bytes, label: str) -> _Package:
    """Read a template package through the safety layer of ``recalc``; every fault is a
    :class:`TemplateError` with a one-line reason."""
    from lxml import etree

    from xlfuncs.recalc.reader import xml_to_utf8
    from xlfuncs.recalc.safety import check_parts, open_package, read_member

    try:
        with open_package(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            members = {
                i.filename: read_member(zf, i.filename, xml=i.filename.endswith((".xml", ".rels")))
                for i in infos
            }
            check_parts(zf, to_utf8=xml_to_utf8)
    except WorkbookError as exc:
        raise TemplateError(f"{label}: {exc}") from None
    try:
        return _parse_package(members, infos)
    except etree.XMLSyntaxError as exc:
        raise TemplateError(f"{label}: damaged workbook (XML: {exc})") from None
    except (ValueError, IndexError, KeyError, TypeError, AttributeError) as exc:
        raise TemplateError(f"{label}: damaged workbook ({type(exc).__name__}: {exc})") from None


def _parse_package(members: dict[str, bytes], infos: list[zipfile.ZipInfo]) -> _Package:
    wb = _parse_xml(members["xl/workbook.xml"])
    rels_raw = members.get("xl/_rels/workbook.xml.rels")
    targets: dict[str, str] = {}
    if rels_raw:
        for rel in _parse_xml(rels_raw):
            target = rel.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
            targets[rel.get("Id", "")] = path
    shared: list[str] = []
    if "xl/sharedStrings.xml" in members:
        for si in _parse_xml(members["xl/sharedStrings.xml"]).iter(f"{_Q}si"):
            shared.append("".join(t.text or "" for t in si.iter(f"{_Q}t")))
    unlocked: set[int] = set()
    if "xl/styles.xml" in members:
        xfs = _parse_xml(members["xl/styles.xml"]).find(f"{_Q}cellXfs")
        if xfs is not None:
            for i, xf in enumerate(xfs.findall(f"{_Q}xf")):
                prot = xf.find(f"{_Q}protection")
                if prot is not None and prot.get("locked") in ("0", "false"):
                    unlocked.add(i)
    sheets: dict[str, _Sheet] = {}
    sheets_el = wb.find(f"{_Q}sheets")
    for sh in (sheets_el if sheets_el is not None else []):
        part = targets.get(sh.get(f"{{{_R_NS}}}id", ""), "")
        if part not in members or not part.startswith("xl/worksheets/"):
            continue
        root = _parse_xml(members[part])
        cells: dict[Coord, Any] = {}
        for c in root.iter(f"{_Q}c"):
            m = _CELL.match(c.get("r", ""))
            if m:
                cells[(int(m.group(2)), column_number(m.group(1)))] = c
        sheets[sh.get("name", "")] = _Sheet(sh.get("name", ""), part, root, cells, [])
    names: dict[str, str] = {}
    name_text: dict[str, str] = {}
    dn_el = wb.find(f"{_Q}definedNames")
    for dn in (dn_el if dn_el is not None else []):
        if dn.get("localSheetId") is not None:
            continue  # sheet-level names (print areas etc.) are not fill targets
        nm = dn.get("name", "")
        names[nm.upper()] = nm
        name_text[nm.upper()] = (dn.text or "").strip()
    pkg = _Package(members, infos, sheets, names, name_text, unlocked, shared)
    for sheet in sheets.values():
        sheet.validations = _read_validations(pkg, sheet)
    return pkg


def _parse_ref(text: str) -> tuple[str, Coord, Coord] | None:
    m = _REF.match(text.strip())
    if not m:
        return None
    sheet = m.group("qs").replace("''", "'") if m.group("qs") is not None else m.group("s")
    c1 = (int(m.group("r1")), column_number(m.group("c1")))
    c2 = (int(m.group("r2")), column_number(m.group("c2"))) if m.group("c2") else c1
    return sheet, c1, c2


def _cell_value(pkg: _Package, c: Any) -> Any:
    t = c.get("t")
    if t == "inlineStr":
        return "".join(x.text or "" for x in c.iter(f"{_Q}t"))
    v = c.find(f"{_Q}v")
    if v is None or v.text is None:
        return None
    if t == "s":
        return pkg.shared[int(v.text)]
    if t in ("str", "e"):
        return v.text
    if t == "b":
        return v.text == "1"
    x = float(v.text)
    return int(x) if x.is_integer() else x


def _choices(pkg: _Package, formula: str | None) -> tuple[Any, ...]:
    if not formula:
        return ()
    f = formula.strip()
    if f.startswith('"') and f.endswith('"'):
        return tuple(x.strip() for x in f[1:-1].split(","))
    f = f.lstrip("=")
    ref_text = pkg.name_text.get(f.upper(), f)
    parsed = _parse_ref(ref_text)
    if parsed is None:
        return ()
    sheet_name, (r1, c1), (r2, c2) = parsed
    sheet = pkg.sheets.get(sheet_name)
    if sheet is None:
        return ()
    out = []
    for r in range(r1, r2 + 1):
        for cc in range(c1, c2 + 1):
            el = sheet.cells.get((r, cc))
            v = None if el is None else _cell_value(pkg, el)
            if not _blank(v):
                out.append(v)
    return tuple(out)


def _read_validations(pkg: _Package, sheet: _Sheet) -> list[tuple[list[tuple[Coord, Coord]], Validation]]:
    out: list[tuple[list[tuple[Coord, Coord]], Validation]] = []
    dvs = sheet.root.find(f"{_Q}dataValidations")
    if dvs is None:
        return out
    for dv in dvs.findall(f"{_Q}dataValidation"):
        areas = []
        for piece in (dv.get("sqref") or "").split():
            a, _, b = piece.partition(":")
            ma, mb = _CELL.match(a), _CELL.match(b or a)
            if ma and mb:
                areas.append(((int(ma.group(2)), column_number(ma.group(1))),
                              (int(mb.group(2)), column_number(mb.group(1)))))
        f1 = dv.find(f"{_Q}formula1")
        f2 = dv.find(f"{_Q}formula2")
        vtype = dv.get("type", "none")
        v = Validation(
            type=vtype,
            operator=dv.get("operator", "between"),
            formula1=None if f1 is None else f1.text,
            formula2=None if f2 is None else f2.text,
            strict=dv.get("errorStyle", "stop") == "stop",
            choices=_choices(pkg, None if f1 is None else f1.text) if vtype == "list" else (),
        )
        out.append((areas, v))
    return out


#: areas up to this many cells are indexed cell by cell; larger ones (whole columns) are
#: scanned
_INDEX_AREA_MAX = 4096


def _validation_at(sheet: _Sheet, coord: Coord) -> Validation | None:
    """The data validation of a cell (the first that covers it, as Excel applies them)."""
    if sheet.by_cell is None:
        by_cell: dict[Coord, Validation] = {}
        wide: list[tuple[Coord, Coord, Validation, int]] = []
        for order, (areas, v) in enumerate(sheet.validations):
            for (r1, c1), (r2, c2) in areas:
                if (r2 - r1 + 1) * (c2 - c1 + 1) > _INDEX_AREA_MAX:
                    wide.append(((r1, c1), (r2, c2), v, order))
                    continue
                for rr in range(r1, r2 + 1):
                    for cc in range(c1, c2 + 1):
                        by_cell.setdefault((rr, cc), v)
        sheet.by_cell, sheet.wide = by_cell, wide
        sheet.order = {id(v): i for i, (_, v) in enumerate(sheet.validations)}
    hit = sheet.by_cell.get(coord)
    r, c = coord
    for (r1, c1), (r2, c2), v, order in sheet.wide:
        if r1 <= r <= r2 and c1 <= c <= c2 and (hit is None or order < sheet.order[id(hit)]):
            return v
    return hit


def _is_formula(el: Any) -> bool:
    return el is not None and el.find(f"{_Q}f") is not None


def _is_unlocked(pkg: _Package, el: Any) -> bool:
    return el is not None and int(el.get("s", "0")) in pkg.unlocked_styles


def _target(pkg: _Package, name: str) -> InputTarget:
    """Resolve a defined name to an input target, or raise a clear :class:`TemplateError`."""
    key = name.strip().upper()
    if key not in pkg.names:
        hint = difflib.get_close_matches(name, list(pkg.names.values()), n=1, cutoff=0.6)
        extra = f"; did you mean {hint[0]}?" if hint else ""
        raise TemplateError(f"unknown name {name!r}: not a defined name of this template{extra}")
    real = pkg.names[key]
    parsed = _parse_ref(pkg.name_text[key])
    if parsed is None:
        raise TemplateError(f"{real} is not a plain cell range ({pkg.name_text[key]}), so it cannot be filled")
    sheet_name, (r1, c1), (r2, c2) = parsed
    sheet = pkg.sheets.get(sheet_name)
    if sheet is None:
        raise TemplateError(f"{real} refers to a missing sheet {sheet_name!r}")
    cells = [(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]
    for coord in cells:
        el = sheet.cells.get(coord)
        if _is_formula(el):
            raise TemplateError(
                f"{real} is a formula cell ({sheet_name}!{_a1(coord)}), an output: only input cells are filled"
            )
    if r1 != r2 and c1 != c2:
        raise TemplateError(f"{real} is a 2-D block ({sheet_name}!{_a1((r1, c1))}:{_a1((r2, c2))}); "
                            "fill it through the names of its rows or columns")
    for coord in cells:
        if not _is_unlocked(pkg, sheet.cells.get(coord)):
            raise TemplateError(f"{real} is not an input cell ({sheet_name}!{_a1(coord)} is locked)")
    return InputTarget(real, sheet_name, sheet.part, cells, r1 == r2 and c1 != c2,
                       [_validation_at(sheet, c) for c in cells])


def inputs_of(template: str | os.PathLike[str] | bytes) -> list[InputTarget]:
    """Every fillable defined name of a template (a catalog name, a path or the bytes).

    >>> [t.name for t in inputs_of("programme_budget")][:3]
    ['Model_Name', 'Category', 'Powertrain']
    """
    data, label = _template_bytes(template)
    pkg = _load_package(data, label)
    out = []
    for real in pkg.names.values():
        try:
            out.append(_target(pkg, real))
        except TemplateError:
            continue
    return out


# ---------------------------------------------------------------------- coercion
_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _coerce(value: Any, rule: Validation | None, decimal: Decimal = "point") -> Any:
    """Turn a data value into what the cell must hold, or raise ValueError with the reason."""
    out = _coerce_type(value, rule, decimal)
    if isinstance(out, float) and not math.isfinite(out):
        raise ValueError(f"{value!r} is not a finite number")
    if isinstance(out, int) and not isinstance(out, bool) and abs(out) >= 10**308:
        raise ValueError("a number too large for a workbook")
    if isinstance(out, str) and _BAD_XML.search(out):
        raise ValueError(f"{value!r} contains control characters a workbook cannot hold")
    return out


def _coerce_type(value: Any, rule: Validation | None, decimal: Decimal) -> Any:
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            value = value.item()  # numpy / pandas scalars
        except (TypeError, ValueError):
            pass
    if rule is None or rule.type in ("none", "custom"):
        if isinstance(value, (bool, int, float, str)):
            return value
        raise ValueError(f"{value!r} is not a number, text or TRUE/FALSE")
    if rule.type == "list":
        choices = rule.choices
        numeric = bool(choices) and all(_number(c) is not None for c in choices)
        if numeric and {str(c) for c in choices} <= {"1", "0"}:
            flag = value
            if isinstance(flag, str) and flag.strip().lower() in _BOOL_TEXT:
                flag = _BOOL_TEXT[flag.strip().lower()]
            if isinstance(flag, bool):
                return 1 if flag else 0
        if numeric:
            x = _number(value, decimal)
            for c in choices:
                if x is not None and _number(c) == x:
                    return int(x) if x.is_integer() else x
        else:
            not_text = isinstance(value, bool) or (_number(value) is not None and not isinstance(value, str))
            if not_text and rule.strict:
                raise ValueError(f"{value!r} is not text; expected {rule.describe()}")
            text = str(value).strip()
            for c in choices:
                if str(c).lower() == text.lower():
                    return c
            if not rule.strict:
                return text
        raise ValueError(f"{value!r} is not {rule.describe()}")
    if rule.type in ("whole", "decimal"):
        x = _number(value, decimal)
        if x is None:
            form = "1 234,5" if decimal == "comma" else "1,234.5"
            how = f" (this data writes numbers as {form})" if isinstance(value, str) else ""
            raise ValueError(f"{value!r} is not a number{how}; expected {rule.describe()}")
        if rule.type == "whole" and not x.is_integer():
            raise ValueError(f"{value!r} is not a whole number; expected {rule.describe()}")
        lo = _number(rule.formula1)
        hi = _number(rule.formula2)
        op = rule.operator
        ok = True
        if op == "between":
            ok = (lo is None or x >= lo) and (hi is None or x <= hi)
        elif op == "greaterThanOrEqual":
            ok = lo is None or x >= lo
        elif op == "lessThanOrEqual":
            ok = lo is None or x <= lo
        elif op == "greaterThan":
            ok = lo is None or x > lo
        elif op == "lessThan":
            ok = lo is None or x < lo
        if not ok:
            raise ValueError(f"{value!r} is out of range; expected {rule.describe()}")
        return int(x) if x.is_integer() and abs(x) < 2**53 else x
    if rule.type == "textLength":
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise ValueError(f"{value!r} is not text")
        text = value if isinstance(value, str) else (str(int(value)) if float(value).is_integer() else str(value))
        limit = _number(rule.formula1)
        if limit is not None and rule.operator == "lessThanOrEqual" and len(text) > limit:
            raise ValueError(f"text of {len(text)} characters is longer than {int(limit)}")
        return text
    if isinstance(value, (bool, int, float, str)):
        return value
    raise ValueError(f"{value!r} is not a number, text or TRUE/FALSE")


# ---------------------------------------------------------------------- planning
@dataclass
class FillResult:
    """What :func:`fill` wrote: the output files and the number of cells per file; the
    example inputs cleared because the data does not give them (``cleared``, per output);
    what was decided about the data (``notes``: its encoding)."""

    paths: list[Path] = field(default_factory=list)
    cells_written: dict[str, int] = field(default_factory=dict)
    cleared: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _plan(pkg: _Package, table: Table, rows: list[tuple[int, dict[str, Any]]], *,
          keep_example: bool = False) -> tuple[dict[str, dict[Coord, Any]], list[str], list[str]]:
    """Decide the value of every target cell; return (part -> {coord: value}), problems and
    the names of the inputs cleared because the data does not give them."""
    problems: list[str] = []
    writes: dict[str, dict[Coord, Any]] = {}
    given: set[str] = set()
    for column in table.columns:
        if column.strip().lower() == SCENARIO or not column.strip():
            continue
        try:
            target = _target(pkg, column)
        except TemplateError as exc:
            problems.append(f"{column}: {exc}" if not str(exc).startswith(column) else str(exc))
            continue
        given.add(target.name.upper())
        values = [(n, rec.get(column)) for n, rec in rows]
        part = writes.setdefault(target.part, {})
        if target.is_scalar:
            stated = [(n, v) for n, v in values if not _blank(v)]
            distinct = {repr(v) for _, v in stated}
            if len(distinct) > 1:
                problems.append(f"{target.name}: a single cell, but data rows "
                                f"{stated[0][0]} and {stated[1][0]} give different values")
                continue
            value = stated[0][1] if stated else None
            n = stated[0][0] if stated else 1
            try:
                part[target.cells[0]] = None if value is None else _coerce(value, target.rules[0], table.decimal)
            except ValueError as exc:
                problems.append(f"{target.name}, data row {n}: {exc}")
            continue
        cap = len(target.cells)
        unit = "year columns" if target.horizontal else "rows"
        for i, (n, v) in enumerate(values):
            if i >= cap:
                if not _blank(v):
                    problems.append(f"{target.name}, data row {n}: more rows than the template has "
                                    f"({target.name} holds {cap} values, one per {unit[:-1]})")
                    break
                continue
            try:
                part[target.cells[i]] = None if _blank(v) else _coerce(v, target.rules[i], table.decimal)
            except ValueError as exc:
                problems.append(f"{target.name}, data row {n}: {exc}")
        for i in range(len(values), cap):
            part[target.cells[i]] = None  # a named row is written whole: unused cells cleared
    cleared: list[str] = []
    if not keep_example and not problems:  # refused anyway: what would be cleared is moot
        for real in pkg.names.values():
            if real.upper() in given:
                continue
            try:
                target = _target(pkg, real)
            except TemplateError:
                continue  # not an input
            sheet = pkg.sheets[target.sheet]
            held = [c for c in target.cells
                    if c in sheet.cells and not _blank(_cell_value(pkg, sheet.cells[c]))]
            # reported when an example value meant something: a 0 (a flag not done, no spend)
            # reads as a blank in every formula of the templates
            if any(_cell_value(pkg, sheet.cells[c]) not in (0, False) for c in held):
                cleared.append(target.name)
            if held:
                part = writes.setdefault(target.part, {})
                for coord in held:
                    part.setdefault(coord, None)
    return writes, problems, cleared


# ---------------------------------------------------------------------- writing
def _set_value(cell: Any, value: Any) -> None:
    for child in list(cell):
        if child.tag in (f"{_Q}v", f"{_Q}is"):
            cell.remove(child)
    if "t" in cell.attrib:
        del cell.attrib["t"]
    if value is None:
        return
    from lxml import etree

    if isinstance(value, bool):
        cell.set("t", "b")
        etree.SubElement(cell, f"{_Q}v").text = "1" if value else "0"
    elif isinstance(value, (int, float)):
        x = float(value)
        text = str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)
        etree.SubElement(cell, f"{_Q}v").text = text
    else:
        cell.set("t", "inlineStr")
        is_el = etree.SubElement(cell, f"{_Q}is")
        t = etree.SubElement(is_el, f"{_Q}t")
        t.text = str(value)
        if t.text != t.text.strip():
            t.set(f"{{{_XML_NS}}}space", "preserve")


def _ensure_cell(sheet: _Sheet, coord: Coord) -> Any:
    from lxml import etree

    if coord in sheet.cells:
        return sheet.cells[coord]
    data = sheet.root.find(f"{_Q}sheetData")
    r, c = coord
    row_el = None
    for el in data.findall(f"{_Q}row"):
        n = int(el.get("r", "0"))
        if n == r:
            row_el = el
            break
        if n > r:
            row_el = etree.Element(f"{_Q}row", r=str(r))
            el.addprevious(row_el)
            break
    if row_el is None:
        row_el = etree.SubElement(data, f"{_Q}row", r=str(r))
    new = etree.Element(f"{_Q}c", r=_a1(coord))
    for existing in row_el.findall(f"{_Q}c"):
        m = _CELL.match(existing.get("r", ""))
        if m and column_number(m.group(1)) > c:
            existing.addprevious(new)
            break
    else:
        row_el.append(new)
    sheet.cells[coord] = new
    return new


def _drop_cached(root: Any) -> bool:
    """Remove cached results of formula cells (they are stale after new inputs).

    Empty ``<v/>`` placeholders (as openpyxl writes them) are left alone, so a sheet with
    no cached results stays byte-identical.
    """
    changed = False
    for c in root.iter(f"{_Q}c"):
        if c.find(f"{_Q}f") is None:
            continue
        stale = [ch for ch in c if ch.tag == f"{_Q}is" or (ch.tag == f"{_Q}v" and ch.text)]
        if stale:
            for ch in stale:
                c.remove(ch)
            c.attrib.pop("t", None)
            changed = True
    return changed


def _render(data: bytes, writes: Mapping[str, Mapping[Coord, Any]], label: str,
            recalc: bool = True) -> tuple[bytes, int]:
    """Apply ``writes`` to a fresh parse of the package; return the new package bytes.

    With ``recalc`` the formula results are recomputed and stored; otherwise they are
    dropped and the workbook is flagged for recalculation on open.
    """
    from lxml import etree

    pkg = _load_package(data, label)
    by_part = {s.part: s for s in pkg.sheets.values()}
    new_parts: dict[str, bytes] = {}
    count = 0
    for part, cells in writes.items():
        sheet = by_part[part]
        for coord, value in cells.items():
            _set_value(_ensure_cell(sheet, coord), value)
            count += 1
    for sheet in pkg.sheets.values():
        changed = False if recalc else _drop_cached(sheet.root)
        if changed or sheet.part in writes:
            new_parts[sheet.part] = etree.tostring(sheet.root, xml_declaration=True,
                                                   encoding="UTF-8", standalone=True)
    wb_xml = pkg.members["xl/workbook.xml"]
    wb_root = _parse_xml(wb_xml)
    calc = wb_root.find(f"{_Q}calcPr")
    if recalc:
        pass
    elif calc is None or calc.get("fullCalcOnLoad") not in ("1", "true"):
        if calc is None:
            calc = etree.SubElement(wb_root, f"{_Q}calcPr")
            # calcPr must come after definedNames and before the extension list elements
            ext = wb_root.find(f"{_Q}oleSize") or wb_root.find(f"{_Q}customWorkbookViews")
            if ext is not None:
                ext.addprevious(calc)
        calc.set("fullCalcOnLoad", "1")
        new_parts["xl/workbook.xml"] = etree.tostring(wb_root, xml_declaration=True,
                                                      encoding="UTF-8", standalone=True)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zout:
        for info in pkg.infos:
            payload = new_parts.get(info.filename, pkg.members[info.filename])
            zi = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            zi.compress_type = info.compress_type
            zi.external_attr = info.external_attr
            zout.writestr(zi, payload)
    if recalc:
        from xlfuncs.templates.builder import with_cached_results

        return with_cached_results(out.getvalue()), count
    return out.getvalue(), count


def _template_bytes(template: str | os.PathLike[str] | bytes) -> tuple[bytes, str]:
    if isinstance(template, bytes):
        return template, "template"
    text = os.fspath(template)
    path = Path(text)
    if path.suffix.lower() in (".xlsx", ".xlsm") and (path.exists() or os.sep in text or "/" in text):
        if not path.exists():
            raise TemplateError(f"{path}: no such template file")
        from xlfuncs.recalc.safety import DEFAULT_LIMITS

        try:
            if path.stat().st_size > DEFAULT_LIMITS.max_total:
                raise TemplateError(f"{path}: template file larger than {DEFAULT_LIMITS.max_total} bytes")
            return path.read_bytes(), str(path)
        except IsADirectoryError:
            raise TemplateError(f"{path}: is a folder, not a template workbook") from None
        except OSError as exc:
            raise TemplateError(f"{path}: cannot read the template ({exc.strerror or exc})") from None
    from xlfuncs.templates.catalog import get_template

    info = get_template(text)
    return _built(info.name), info.name


#: built catalog templates by (name, rulebook, code) key, for this process
_BUILT: dict[str, bytes] = {}
_CODE_DIGEST: list[str] = []
#: first bytes of a built template in the disk cache; then the SHA-256 of the workbook
_BUILT_MAGIC = b"XLFTPL01"


def _build_key(name: str) -> str:
    """What a built template depends on: its name, the rulebook in force (its edition, file
    and bytes) and the package's code (every module, since the stored results are computed
    by the engine)."""
    import hashlib

    from xlfuncs.rulebook import active_rulebook

    if not _CODE_DIGEST:
        code = hashlib.sha256()
        root = Path(__file__).resolve().parents[1]
        for src in sorted(root.rglob("*.py")):
            code.update(src.relative_to(root).as_posix().encode() + b"\0")
            try:
                code.update(src.read_bytes())
            except OSError:
                code.update(b"?")
        _CODE_DIGEST.append(code.hexdigest())
    book = active_rulebook()
    key = hashlib.sha256(f"{name}\0{book.edition}\0{os.path.abspath(book.path)}\0".encode())
    try:
        key.update(Path(book.path).read_bytes())
    except OSError:
        key.update(b"?")
    key.update(_CODE_DIGEST[0].encode())
    return f"{name}-{key.hexdigest()[:32]}"


def _cache_path(key: str) -> Path | None:
    from xlfuncs._fileio import trusted_folder, user_cache_dir

    base = user_cache_dir()
    if base is None:
        return None
    folder = base / "templates"
    try:
        base.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder.mkdir(mode=0o700, exist_ok=True)
    except OSError:
        return None
    if not (trusted_folder(base) and trusted_folder(folder)):
        return None
    return folder / f"{key}.xlsx.cache"


def _built(name: str) -> bytes:
    """The bytes of a catalog template under the rulebook in force: built once per process
    and kept in the user's cache folder (trusted folders only, each entry with a SHA-256),
    so ``xlfuncs fill`` does not rebuild it on every run. Deterministic either way."""
    key = _build_key(name)
    hit = _BUILT.get(key)
    if hit is not None:
        return hit
    cache = _cache_path(key)
    data: bytes | None = None
    if cache is not None:
        try:
            raw = cache.read_bytes()
        except OSError:
            raw = b""
        data = unseal(_BUILT_MAGIC, raw)
    if data is None:
        from xlfuncs.templates.builder import save_workbook
        from xlfuncs.templates.catalog import get_template

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"{name}.xlsx"
            save_workbook(get_template(name).build(), path)
            data = path.read_bytes()
        if cache is not None:
            try:
                # the newest few entries per template stay (other rulebooks, older code)
                olds = sorted(cache.parent.glob(f"{name}-*.xlsx.cache"), key=lambda q: q.stat().st_mtime)
                for old in olds[: max(0, len(olds) - 7)]:
                    old.unlink(missing_ok=True)
                write_bytes_atomic(cache, seal(_BUILT_MAGIC, data))
            except (OSError, WorkbookError):  # a cache that cannot be written is only slower
                pass
    _BUILT[key] = data
    return data


def _safe_name(text: str) -> str:
    cleaned = re.sub(r"[^\w.\-]+", "_", text.strip(), flags=re.UNICODE).strip("._")
    return cleaned or "scenario"


#: the rulebook a render worker computes with (set once per worker process)
_worker_book: Any = None


def _init_render_worker(book: Any) -> None:
    """Process-pool worker start: the caller's active rulebook, pinned for every render."""
    global _worker_book
    _worker_book = book


def _render_task(data: bytes, writes: Mapping[str, Mapping[Coord, Any]], label: str,
                 recalc: bool) -> tuple[bytes, int]:
    """:func:`_render` in a worker, with the rulebook of the calling process."""
    from xlfuncs.rulebook import pinned_rulebook

    if _worker_book is None:
        return _render(data, writes, label, recalc)
    with pinned_rulebook(_worker_book):
        return _render(data, writes, label, recalc)


def _render_all(tpl_bytes: bytes, plans: Sequence[tuple[Path, Mapping[str, Mapping[Coord, Any]]]],
                label: str, recalc: bool, jobs: int,
                on_rendered: Callable[[Path, int, int], None] | None) -> list[tuple[bytes, int]]:
    """Render every plan, in order; with ``jobs`` > 1 in a pool of processes (the same bytes
    as one by one: rendering is deterministic and the files are written by the caller)."""
    out: list[tuple[bytes, int] | None] = [None] * len(plans)
    if jobs <= 1 or len(plans) <= 1:
        for i, (path, writes) in enumerate(plans):
            out[i] = _render(tpl_bytes, writes, label, recalc)
            if on_rendered is not None:
                on_rendered(path, i + 1, len(plans))
    else:
        from concurrent.futures import ProcessPoolExecutor, as_completed

        from xlfuncs.rulebook import active_rulebook

        with ProcessPoolExecutor(max_workers=min(jobs, len(plans)), initializer=_init_render_worker,
                                 initargs=(active_rulebook(),)) as pool:
            futures = {pool.submit(_render_task, tpl_bytes, writes, label, recalc): i
                       for i, (_path, writes) in enumerate(plans)}
            for done, future in enumerate(as_completed(futures), start=1):
                i = futures[future]
                out[i] = future.result()
                if on_rendered is not None:
                    on_rendered(plans[i][0], done, len(plans))
    return [r for r in out if r is not None]


def fill(template: str | os.PathLike[str] | bytes, data: Any, out: str | os.PathLike[str], *,
         force: bool = False, recalc: bool = True, keep_example: bool = False,
         decimal: Decimal | None = None, jobs: int = 1,
         on_rendered: Callable[[Path, int, int], None] | None = None) -> FillResult:
    """Fill ``template`` with ``data`` and write ``out``.

    ``template`` is a catalog name (``"programme_budget"``) or the path of a template
    workbook. ``data`` is a path (.csv, .json, .xlsx), a dict (name -> value or list of
    values), a list of row dicts or a pandas DataFrame. With a ``scenario`` column, ``out``
    is a folder and one workbook ``<template>-<scenario>.xlsx`` is written per scenario.

    With ``recalc`` (the default) the results of the formulas are computed by the xlfuncs
    engine and stored with them, so the file shows current numbers in any spreadsheet, with
    or without the add-in. With ``recalc=False`` the stale results are dropped instead and
    the workbook asks to be recalculated when opened (``fullCalcOnLoad``).

    Inputs of the template that the data does not name are cleared (their example values
    would otherwise pass for the user's); ``keep_example=True`` keeps them. ``decimal``
    (``"point"`` or ``"comma"``) is the rule for numbers written as text in the data; by
    default a ``;``-separated CSV uses a decimal comma and everything else a point (see
    :mod:`xlfuncs.templates.filldata`).

    ``jobs`` > 1 renders the workbooks (one per scenario) in that many processes, with the
    active rulebook of the caller; the files are the same as with ``jobs=1``.
    ``on_rendered(path, done, total)`` is called as each workbook is ready (for a progress
    bar), before the files are written.

    Raises :class:`~xlfuncs.errors.TemplateError` naming every problem (unknown name,
    wrong type, too many rows, formula cell as target, existing output) before anything
    is written.
    """
    tpl_bytes, label = _template_bytes(template)
    stem = Path(label).stem
    table = read_data(data, decimal=decimal)
    pkg = _planning_package(tpl_bytes, label)
    scen_col = next((c for c in table.columns if c.strip().lower() == SCENARIO), None)
    groups: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for n, rec in enumerate(table.rows, start=1):
        key = "" if scen_col is None else rec.get(scen_col)
        if scen_col is not None and _blank(key):
            if any(not _blank(v) for v in rec.values()):
                raise TemplateError(f"{table.source}: data row {n} has no scenario name")
            continue
        groups.setdefault(str(key).strip() if key is not None else "", []).append((n, rec))
    if not groups:
        groups[""] = []
    out_path = Path(out)
    targets: list[tuple[Path, str, list[tuple[int, dict[str, Any]]]]] = []
    if scen_col is None:
        targets.append((out_path, "", groups[""]))
    else:
        if out_path.suffix.lower() == ".xlsx":
            raise TemplateError(f"{out_path}: data has a scenario column, so the output must be a folder")
        seen: dict[str, str] = {}
        for scen, rows in groups.items():
            fname = f"{stem}-{_safe_name(scen)}.xlsx"
            if fname.lower() in seen:
                raise TemplateError(f"{table.source}: scenarios {seen[fname.lower()]!r} and {scen!r} "
                                    f"give the same file name {fname}")
            seen[fname.lower()] = scen
            targets.append((out_path / fname, scen, rows))
    problems: list[str] = []
    plans = []
    cleared: dict[str, list[str]] = {}
    for path, scen, rows in targets:
        writes, probs, gone = _plan(pkg, table, rows, keep_example=keep_example)
        cleared[str(path)] = gone
        prefix = f"scenario {scen!r}: " if scen_col is not None else ""
        problems += [prefix + p for p in probs]
        if path.exists() and not force:
            problems.append(f"{path}: output exists (use --force to overwrite)")
        if path.exists() and path.is_dir():
            problems.append(f"{path}: is a folder, not a workbook path")
        plans.append((path, writes))
    if problems:
        shown = problems[:_MAX_PROBLEMS]
        more = f"\n  ... and {len(problems) - len(shown)} more" if len(problems) > len(shown) else ""
        raise TemplateError(f"{table.source}: cannot fill {label}:\n  " + "\n  ".join(shown) + more)
    payloads = _render_all(tpl_bytes, plans, label, recalc, jobs, on_rendered)
    rendered = [(path, payload, count) for (path, _w), (payload, count) in zip(plans, payloads)]
    result = FillResult(notes=list(table.notes))
    for path, payload, count in rendered:
        result.cleared[str(path)] = cleared[str(path)]
        write_bytes_atomic(path, payload, make_parents=True)
        result.paths.append(path)
        result.cells_written[str(path)] = count
    return result
