"""In-memory model of a workbook for evaluation: what the reader produces, what the engine reads.

Coordinates are 1-based ``(row, col)``. A formula is stored as the text after ``=``,
written relative to its ``anchor`` cell: for an ordinary formula the anchor is the cell
itself; for a shared-formula child it is the master cell that holds the text, so all
children of one shared formula share one text (and one compiled plan).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from xlfuncs.registry import ExcelScalar

__all__ = [
    "DefinedName", "EvalResult", "ExternalBook", "FormulaCell", "SheetData", "TableDef",
    "WorkbookData",
]

Coord = tuple[int, int]


@dataclass(frozen=True, slots=True)
class FormulaCell:
    """A formula as stored in the file.

    ``text``: formula without the leading ``=`` (as in ``<f>``), relative to ``anchor``.
    ``array_ref``: for an array (CSE) formula, the A1 range it fills (e.g. ``"C2:C5"``),
    set on the top-left cell only; other cells of the range are in ``SheetData.array_members``.
    """

    text: str
    anchor: Coord
    array_ref: str | None = None


@dataclass(slots=True)
class SheetData:
    """One worksheet: constants, formulas and the cached values found in the file."""

    name: str
    values: dict[Coord, ExcelScalar] = field(default_factory=dict)
    formulas: dict[Coord, FormulaCell] = field(default_factory=dict)
    cached: dict[Coord, ExcelScalar] = field(default_factory=dict)
    #: cells covered by an array formula other than its top-left cell -> top-left cell
    array_members: dict[Coord, Coord] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DefinedName:
    """A defined name; ``scope`` is the sheet index for a sheet-level name, else ``None``."""

    name: str
    text: str
    scope: int | None = None


@dataclass(frozen=True, slots=True)
class TableDef:
    """An Excel table (``xl/tables/tableN.xml``) of one worksheet.

    ``ref`` is its whole range ``(r1, c1, r2, c2)``, header and totals rows included;
    ``columns`` are the ``tableColumn`` names in order, one per column of ``ref``.
    ``display_name`` is the name formulas use (``displayName``; ``name`` is usually the same).
    """

    name: str
    display_name: str
    sheet: int
    ref: tuple[int, int, int, int]
    columns: tuple[str, ...]
    header_rows: int = 1
    totals_rows: int = 0
    #: ``totalsRowShown``: whether a totals row was ever shown (it does not change ``ref``)
    totals_shown: bool = True

    @property
    def data_rows(self) -> tuple[int, int]:
        """First and last row of the data body (first > last when it is empty)."""
        return self.ref[0] + self.header_rows, self.ref[2] - self.totals_rows

    def signature(self) -> tuple[object, ...]:
        """Everything structured references resolve from (part of the plan-cache keys)."""
        return (
            self.sheet, self.name, self.display_name, self.ref, self.header_rows,
            self.totals_rows, self.columns,
        )


@dataclass(slots=True)
class ExternalBook:
    """What a workbook keeps of another workbook it refers to (``[N]Sheet!A1`` in a formula,
    N = the position of the link in ``<externalReferences>``): the source's sheet names, the
    values of the cells referenced, cached when Excel last saved, and the source's defined
    names. Excel computes with these cached values while the source is closed.

    ``cells[i]`` holds the cached cells of ``sheet_names[i]`` (cells not cached are blank);
    ``names`` maps (sheet index or ``None`` for a book-level name, upper-case name) to the
    name's ``refersTo`` text (without ``=``), written against the source's sheets.
    """

    sheet_names: list[str] = field(default_factory=list)
    cells: list[dict[Coord, ExcelScalar]] = field(default_factory=list)
    names: dict[tuple[int | None, str], str] = field(default_factory=dict)


@dataclass(slots=True)
class WorkbookData:
    """Everything the engine needs from a workbook file."""

    sheets: list[SheetData]
    names: list[DefinedName] = field(default_factory=list)
    iterate: bool = False
    iterate_count: int = 100
    iterate_delta: float = 0.001
    #: True when the workbook uses the 1904 date system
    date1904: bool = False
    #: True when the workbook was last saved by Excel for Mac (``docProps/app.xml`` names
    #: "Microsoft Macintosh Excel"): CHAR and CODE then use the Mac Roman code page, as
    #: Excel for Mac does, instead of Windows' ANSI code page (cp1252)
    mac: bool = False
    #: the linked workbooks, ``externals[N - 1]`` for ``[N]`` in a formula; ``None`` for a
    #: link that is no workbook link (DDE, OLE) or whose part cannot be read
    externals: list[ExternalBook | None] = field(default_factory=list)
    #: the worksheets' Excel tables (what structured references such as ``Table1[Col]`` name)
    tables: list[TableDef] = field(default_factory=list)
    #: True when a worksheet's formulas use ``_xlfn.ANCHORARRAY`` (the spill operator ``A1#``)
    anchor_refs: bool = False


@dataclass(slots=True)
class EvalResult:
    """What the engine computed: values of formula cells, keyed by ``(sheet_index, row, col)``."""

    values: dict[tuple[int, int, int], ExcelScalar]
    warnings: list[str] = field(default_factory=list)
    #: cells evaluated by a fallback engine, as ``Sheet!A1`` strings
    fallback_cells: list[str] = field(default_factory=list)
    #: set when a circular reference was found and iteration is off
    circular: list[str] = field(default_factory=list)
