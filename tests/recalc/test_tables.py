"""Structured references to Excel tables (``Table1[Val]``, ``[#This Row]``, ``[#Totals]``...).

Every workbook here is built as Excel writes one: the table part
``xl/tables/tableN.xml`` with its ``[Content_Types].xml`` override, the worksheet's
``.rels`` relationship of type ``.../relationships/table``, ``<tableParts>`` at the end of
the worksheet, text in the shared strings, and each formula with the value Excel stored.
Expected values are hand calculations from the cells written here, following Excel's
documented semantics ("Using structured references with Excel tables", Microsoft Support;
the grammar of [MS-OE376] 3.2.3.1.1): a table name alone or with ``[]`` is its data body,
``#This Row`` is the formula row's cells of the table (implicit intersection: ``#VALUE!``
in another row), an unknown table or column or an empty part is ``#REF!``.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from xlsx_parts import CT, DECL, MAIN, PKG, REL, zip_package  # one package builder

from xlfuncs.errors import ExcelError, WorkbookError
from xlfuncs.recalc import check, read_workbook
from xlfuncs.recalc.engine import evaluate
from xlfuncs.recalc.model import TableDef
from xlfuncs.recalc.plancache import PlanCache

E = ExcelError
CT_TABLE = CT + "table+xml"


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


@dataclass
class Table:
    """A table part as Excel writes it (``columns``: name, or (name, extra attributes and
    children) for a calculated or totals column)."""

    name: str
    ref: str
    columns: list[str | tuple[str, str, str]]
    totals: int = 0
    header: int = 1
    #: replaces the whole part when set (malformed-table tests)
    raw: str | None = None

    def xml(self, ident: int) -> str:
        if self.raw is not None:
            return self.raw
        attrs = f'id="{ident}" name="{self.name}" displayName="{self.name}" ref="{self.ref}"'
        if self.header != 1:
            attrs += f' headerRowCount="{self.header}"'
        if self.totals:
            attrs += f' totalsRowCount="{self.totals}"'
        else:
            attrs += ' totalsRowShown="0"'
        cols = []
        for i, col in enumerate(self.columns, 1):
            name, extra, body = (col, "", "") if isinstance(col, str) else col
            tag = f'<tableColumn id="{i}" name="{_esc(name)}"{extra}'
            cols.append(f"{tag}>{body}</tableColumn>" if body else tag + "/>")
        auto = "" if self.header == 0 else f'<autoFilter ref="{self.ref}"/>'
        return (
            f'{DECL}<table xmlns="{MAIN}" {attrs}>{auto}<tableColumns count="{len(cols)}">'
            + "".join(cols)
            + '</tableColumns><tableStyleInfo name="TableStyleMedium2" showFirstColumn="0" '
            'showLastColumn="0" showRowStripes="1" showColumnStripes="0"/></table>'
        )


@dataclass
class Sheet:
    """A worksheet: ``cells`` maps ``"A1"`` to a constant or to ``("=formula", stored)``."""

    name: str
    cells: dict[str, Any] = field(default_factory=dict)
    tables: list[Table] = field(default_factory=list)


def _split(ref: str) -> tuple[int, str]:
    col = "".join(ch for ch in ref if ch.isalpha())
    return int(ref[len(col):]), col


def _colnum(col: str) -> int:
    n = 0
    for ch in col:
        n = n * 26 + ord(ch) - 64
    return n


def xlsx(sheets: list[Sheet], names: dict[str, str] | None = None) -> bytes:
    """The bytes of an .xlsx package holding ``sheets`` (and defined ``names``)."""
    strings: list[str] = []
    parts: dict[str, str] = {}
    overrides = [
        ("/xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
        ("/xl/styles.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"),
        ("/xl/sharedStrings.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"),
    ]
    table_no = 0
    wb_rels = []
    for si, sh in enumerate(sheets, 1):
        rows: dict[int, list[str]] = {}
        for ref, v in sorted(sh.cells.items(), key=lambda kv: (_split(kv[0])[0], _colnum(_split(kv[0])[1]))):
            r, _ = _split(ref)
            if isinstance(v, tuple):
                text, stored = v
                f = f"<f>{_esc(text.removeprefix('='))}</f>"
                if isinstance(stored, ExcelError):
                    xml = f'<c r="{ref}" t="e">{f}<v>{stored.value}</v></c>'
                elif isinstance(stored, bool):
                    xml = f'<c r="{ref}" t="b">{f}<v>{int(stored)}</v></c>'
                elif isinstance(stored, str):
                    xml = f'<c r="{ref}" t="str">{f}<v>{_esc(stored)}</v></c>'
                else:
                    xml = f'<c r="{ref}">{f}<v>{stored}</v></c>'
            elif isinstance(v, str):
                strings.append(v)
                xml = f'<c r="{ref}" t="s"><v>{len(strings) - 1}</v></c>'
            else:
                xml = f'<c r="{ref}"><v>{v}</v></c>'
            rows.setdefault(r, []).append(xml)
        data = "".join(f'<row r="{r}">{"".join(cs)}</row>' for r, cs in sorted(rows.items()))
        rels = []
        tparts = []
        for k, t in enumerate(sh.tables, 1):
            table_no += 1
            parts[f"xl/tables/table{table_no}.xml"] = t.xml(table_no)
            overrides.append((f"/xl/tables/table{table_no}.xml", CT_TABLE))
            rels.append(f'<Relationship Id="rId{k}" Type="{REL}/table" Target="../tables/table{table_no}.xml"/>')
            tparts.append(f'<tablePart r:id="rId{k}"/>')
        tail = f'<tableParts count="{len(tparts)}">{"".join(tparts)}</tableParts>' if tparts else ""
        parts[f"xl/worksheets/sheet{si}.xml"] = (
            f'{DECL}<worksheet xmlns="{MAIN}" xmlns:r="{REL}"><sheetData>{data}</sheetData>'
            f'<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
            f"{tail}</worksheet>"
        )
        if rels:
            parts[f"xl/worksheets/_rels/sheet{si}.xml.rels"] = (
                f'{DECL}<Relationships xmlns="{PKG}">{"".join(rels)}</Relationships>'
            )
        overrides.append((f"/xl/worksheets/sheet{si}.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"))
        wb_rels.append(f'<Relationship Id="rId{si}" Type="{REL}/worksheet" Target="worksheets/sheet{si}.xml"/>')
    n = len(sheets)
    wb_rels.append(f'<Relationship Id="rId{n + 1}" Type="{REL}/styles" Target="styles.xml"/>')
    wb_rels.append(f'<Relationship Id="rId{n + 2}" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>')
    defined = "".join(
        f'<definedName name="{k}">{_esc(v)}</definedName>' for k, v in (names or {}).items()
    )
    parts["xl/workbook.xml"] = (
        f'{DECL}<workbook xmlns="{MAIN}" xmlns:r="{REL}"><fileVersion appName="xl"/><sheets>'
        + "".join(f'<sheet name="{_esc(sh.name)}" sheetId="{i}" r:id="rId{i}"/>' for i, sh in enumerate(sheets, 1))
        + "</sheets>"
        + (f"<definedNames>{defined}</definedNames>" if defined else "")
        + '<calcPr calcId="191029"/></workbook>'
    )
    parts["xl/_rels/workbook.xml.rels"] = f'{DECL}<Relationships xmlns="{PKG}">{"".join(wb_rels)}</Relationships>'
    parts["xl/styles.xml"] = (
        f'{DECL}<styleSheet xmlns="{MAIN}"><fonts count="1"><font/></fonts><fills count="1"><fill/></fills>'
        '<borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs>'
        '<cellXfs count="1"><xf xfId="0"/></cellXfs></styleSheet>'
    )
    parts["xl/sharedStrings.xml"] = (
        f'{DECL}<sst xmlns="{MAIN}" count="{len(strings)}" uniqueCount="{len(strings)}">'
        + "".join(f"<si><t>{_esc(s)}</t></si>" for s in strings)
        + "</sst>"
    )
    return zip_package(parts, overrides)


def computed(data: bytes, cache: PlanCache | None = None) -> dict[str, Any]:
    """``"Sheet!A1"`` -> the value the engine computes for each formula cell."""
    book = read_workbook(io.BytesIO(data))
    res = evaluate(book, cache=cache if cache is not None else PlanCache(disk=False), today=dt.date(2026, 1, 5))
    out = {}
    for (s, r, c), v in res.values.items():
        col = ""
        while c:
            c, rem = divmod(c - 1, 26)
            col = chr(65 + rem) + col
        out[f"{book.sheets[s].name}!{col}{r}"] = v
    return out


def stored(sheets: list[Sheet]) -> dict[str, Any]:
    """The values written as Excel's stored ones, by ``"Sheet!A1"``."""
    return {
        f"{sh.name}!{ref}": v[1] for sh in sheets for ref, v in sh.cells.items() if isinstance(v, tuple)
    }


# ------------------------------------------------------------------ the sales table
# Data!A1:C6: header (Item, Qty, Val), four data rows, a totals row. Val is a calculated
# column =Table1[[#This Row],[Qty]]*2, the totals row sums Qty and Val with SUBTOTAL(109, ...)
# as Excel writes a "Sum" totals function. Qty = 1, 2, 3, 4 -> Val = 2, 4, 6, 8.
CALC = "Table1[[#This Row],[Qty]]*2"


def sales(rows: int = 4, *, totals: bool = True) -> Table:
    last = 1 + rows + (1 if totals else 0)
    val = ("Val", ' totalsRowFunction="sum"' if totals else "",
           f"<calculatedColumnFormula>{CALC}</calculatedColumnFormula>")
    qty = ("Qty", ' totalsRowFunction="sum"', "") if totals else "Qty"
    item = ("Item", ' totalsRowLabel="Total"', "") if totals else "Item"
    return Table("Table1", f"A1:C{last}", [item, qty, val], totals=1 if totals else 0)


def data_sheet(rows: int = 4, *, totals: bool = True) -> Sheet:
    cells: dict[str, Any] = {"A1": "Item", "B1": "Qty", "C1": "Val"}
    for i in range(1, rows + 1):
        r = i + 1
        cells[f"A{r}"] = f"item{i}"
        cells[f"B{r}"] = i
        cells[f"C{r}"] = ("=" + CALC, i * 2)
    if totals:
        t = rows + 2
        cells[f"A{t}"] = "Total"
        cells[f"B{t}"] = ("=SUBTOTAL(109,Table1[Qty])", rows * (rows + 1) // 2)
        cells[f"C{t}"] = ("=SUBTOTAL(109,Table1[Val])", rows * (rows + 1))
    return Sheet("Data", cells, [sales(rows, totals=totals)])


def test_the_reader_reads_the_table_parts() -> None:
    book = read_workbook(io.BytesIO(xlsx([data_sheet(), Sheet("Other")])))
    assert book.tables == [
        TableDef("Table1", "Table1", 0, (1, 1, 6, 3), ("Item", "Qty", "Val"), 1, 1, True)
    ]
    assert book.tables[0].data_rows == (2, 5)
    plain = Table("T2", "E3:F5", ["Line_x000a_two", "b"], header=0)
    book = read_workbook(io.BytesIO(xlsx([Sheet("S", {"E3": 1}, [plain])])))
    (t,) = book.tables
    # headerRowCount="0": every row is data; _x000a_ is Excel's escape of a line feed
    assert (t.header_rows, t.totals_rows, t.totals_shown, t.columns) == (0, 0, False, ("Line\ntwo", "b"))
    assert t.data_rows == (3, 5)


def test_calculated_column_and_totals_row() -> None:
    sheets = [data_sheet()]
    got = computed(xlsx(sheets))
    # Val = Qty*2 row by row; totals: 1+2+3+4 = 10 and 2+4+6+8 = 20
    assert got == stored(sheets) == {
        "Data!C2": 2, "Data!C3": 4, "Data!C4": 6, "Data!C5": 8, "Data!B6": 10, "Data!C6": 20,
    }


def test_every_form_excel_writes() -> None:
    sh = data_sheet()
    cells = {
        "E1": ("=SUM(Table1[Val])", 20),                  # the Val data body: 2+4+6+8
        "E2": ("=SUM(Table1[])", 30),                     # all data: Qty 10 + Val 20 (text ignored)
        "E3": ("=SUM(Table1)", 30),                       # the table name alone: the same
        "E4": ("=SUM(Table1[#All])", 60),                 # data + totals row (10 + 20) = 30 + 30
        "E5": ("=SUM(Table1[#Data])", 30),
        "E6": ("=_xlfn.CONCAT(Table1[#Headers])", "ItemQtyVal"),
        "E7": ("=SUM(Table1[#Totals])", 30),              # B6 10 + C6 20 ("Total" is text)
        "E8": ("=COUNTA(Table1[[#Headers],[#Data],[Item]])", 5),  # A1:A5
        "E9": ("=SUM(Table1[[#Data],[#Totals],[Qty]])", 20),      # B2:B6: 10 + 10
        "E10": ("=SUM(Table1[[Qty]:[Val]])", 30),         # B2:C5
        "E11": ("=SUM(Table1[[Val]:[Qty]])", 30),         # the same range, either order
        "E12": ("=ROWS(Table1[#All])*10+COLUMNS(Table1[#All])", 63),  # 6 rows, 3 columns
        # names are case-insensitive; in a value cell the column B2:B5 meets row 4: B4
        "J4": ("=table1[QTY]", 3),
        "E13": ("=table1[QTY]", E.VALUE),                 # row 13 meets no cell of it
    }
    cells["E14"] = ("=INDEX(Table1[Item],3)", "item3")
    cells["E15"] = ("=Table1[[#Totals],[Val]]", 20)
    cells["E16"] = ("=Table1[[#Headers],[Qty]]", "Qty")
    # #This Row in any column of a data row: row 3 holds item2, Qty 2, Val 4
    cells["F3"] = ("=SUM(Table1[#This Row])", 6)
    cells["G3"] = ("=Table1[@Qty]+Table1[@[Val]]", 6)   # the Excel 2010+ form
    cells["H3"] = ("=Table1[[#This Row],[Qty]:[Val]]", E.VALUE)  # two cells in a value cell
    cells["I3"] = ("=SUM(Table1[[#This Row],[Qty]:[Val]])", 6)
    sh.cells.update(cells)
    got = computed(xlsx([sh]))
    want = stored([sh])
    assert {k: got[k] for k in want} == want


def test_a_column_named_like_a_column_letter() -> None:
    # columns "A" and "B" of a table at D2:E5; B is the calculated column
    # =Table1[[#This Row],[A]]*2 over A = 5, 6, 7: 10, 12, 14
    calc = "=Table1[[#This Row],[A]]*2"
    cells: dict[str, Any] = {"D2": "A", "E2": "B", "D3": 5, "D4": 6, "D5": 7,
                             "E3": (calc, 10), "E4": (calc, 12), "E5": (calc, 14),
                             "A1": ("=SUM(Table1[B])-SUM(Table1[A])", 18)}  # 36 - 18
    sh = Sheet("Sheet1", cells, [Table("Table1", "D2:E5", ["A", ("B", "", f"<calculatedColumnFormula>{calc[1:]}</calculatedColumnFormula>")])])
    got = computed(xlsx([sh]))
    want = stored([sh])
    assert {k: got[k] for k in want} == want


def test_unqualified_references_inside_the_table() -> None:
    # Excel also writes a table's own cells without the table name: [@Qty], [Qty]
    # (dgorissen+pycel/excelcompiler.xlsx sref!F4 holds SUBTOTAL(109,[col3]))
    sh = data_sheet()
    for r in range(2, 6):
        sh.cells[f"C{r}"] = ("=[@Qty]*2", (r - 1) * 2)
    sh.cells["C6"] = ("=SUBTOTAL(109,[Val])", 20)
    sh.cells["B6"] = ("=SUBTOTAL(109,[Qty])", 10)
    # outside every table an unqualified reference names nothing: #REF!
    sh.cells["E1"] = ("=SUM([Qty])", E.REF)
    got = computed(xlsx([sh]))
    want = stored([sh])
    assert {k: got[k] for k in want} == want


def test_shared_formula_calculated_column() -> None:
    # a calculated column written as one shared formula (master C2, children C3:C5): the
    # #This Row reference follows each child's row
    sh = data_sheet()
    data = xlsx([sh])
    part = "xl/worksheets/sheet1.xml"
    src = zipfile.ZipFile(io.BytesIO(data))
    text = src.read(part).decode()
    f = f"<f>{CALC}</f>"
    text = text.replace(f, f'<f t="shared" ref="C2:C5" si="0">{CALC}</f>', 1).replace(f, '<f t="shared" si="0"/>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for info in src.infolist():
            z.writestr(info, text if info.filename == part else src.read(info))
    got = computed(buf.getvalue())
    assert [got[f"Data!C{r}"] for r in range(2, 7)] == [2, 4, 6, 8, 20]


def test_column_names_with_escapes_and_spaces() -> None:
    # a column named "Price [USD]", one "#Units", one "Bob's" and one "Unit cost": in a
    # formula ', [, ] and # are escaped with ' (MS-OE376 escape-column-character)
    t = Table("Prices", "A1:D3", ["Price [USD]", "#Units", "Bob's", "Unit cost"])
    cells: dict[str, Any] = {
        "A1": "Price [USD]", "B1": "#Units", "C1": "Bob's", "D1": "Unit cost",
        "A2": 10, "B2": 3, "C2": 1, "D2": 0.5,
        "A3": 20, "B3": 5, "C3": 2, "D3": 0.25,
        "F1": ("=SUM(Prices[Price '[USD']])", 30),                 # 10+20
        "F2": ("=SUMPRODUCT(Prices[Price '[USD']],Prices['#Units])", 130),  # 10*3+20*5
        "F3": ("=SUM(Prices[Bob''s])", 3),
        "F4": ("=SUM(Prices[Unit cost])", 0.75),
        "F5": ("=SUM(Prices[[#Data],[Unit cost]])", 0.75),
        "E2": ("=Prices[[#This Row],[Price '[USD']]]*Prices[[#This Row],['#Units]]", 30),
        "E3": ("=Prices[@[Unit cost]]*4", 1),
        "F6": ("=SUM(Prices[Nope])", E.REF),                      # no such column
        "F7": ("=SUM(Nope[Price '[USD']])", E.REF),               # no such table
        "F8": ("=SUM(Prices[#Totals])", E.REF),                   # no totals row
        "F9": ("=SUM(Prices[[#Headers],[#Totals]])", E.REF),      # not a keyword list
        "F10": ("=Prices[@[Unit cost]]", E.VALUE),                # row 10 is not a data row
        "F11": ("=IFERROR(Prices[[#This Row],[#Units]],-1)", -1),  # "#Units" unescaped: #REF!
    }
    sh = Sheet("Price list", cells, [t])
    got = computed(xlsx([sh]))
    want = stored([sh])
    assert {k: got[k] for k in want} == want


def test_other_sheets_and_defined_names_see_the_table() -> None:
    # the summary sheet comes first and reads the calculated column on the sheet after it:
    # the dependency graph must order Data!C2:C5 before it
    summary = Sheet("Summary", {
        "A1": ("=SUM(Table1[Val])", 20),
        "A2": ("=SUM(Vals)", 20),                    # Vals := Table1[Val]
        "A3": ("=MAX(Table1[[#Totals],[Qty]:[Val]])", 20),
        "A4": ("=SUM(Everything)", 60),              # Everything := Table1[#All]
        "A5": ("=Table1[@Val]", 8),                  # Data!C5 = 4*2: the row, on any sheet
    })
    sheets = [summary, data_sheet()]
    got = computed(xlsx(sheets, names={"Vals": "Table1[Val]", "Everything": "Table1[#All]"}))
    want = stored(sheets)
    assert {k: got[k] for k in want} == want


def test_stored_values_stay_right_through_check(tmp_path: Path) -> None:
    # the batch `check` recomputes each file and lists every stored value that differs:
    # none, where before structured references turned them into #NAME?
    sheets = [Sheet("Summary", {"A1": ("=SUM(Table1[Val])", 20)}), data_sheet()]
    path = tmp_path / "book.xlsx"
    path.write_bytes(xlsx(sheets))
    rep = check([path], jobs=1, progress=False)
    assert rep.failed == [] and rep.differences == 0, rep.files[0].differences
    assert rep.files[0].formula_cells == 7


@pytest.mark.parametrize(
    "change",
    ["rows", "totals", "column name", "table name", "header"],
)
def test_plan_cache_never_reuses_a_plan_of_another_table(tmp_path: Path, change: str,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # The same formulas against a table changed in one way. Each run uses a new PlanCache
    # on one disk folder (a new process, the plans of the first run on disk): the values
    # must follow the changed table, and the disk entry must be another one even where
    # the formulas' shapes are the same (only a column renamed, say).
    def books() -> tuple[list[Sheet], list[Sheet], dict[str, Any]]:
        base = [Sheet("Summary", {"A1": ("=SUM(Vals)", 20), "A2": ("=SUM(Table1[Qty])", 10)}),
                data_sheet()]
        new = [Sheet("Summary", dict(base[0].cells)), data_sheet()]
        want = {"Summary!A1": 20, "Summary!A2": 10}
        t = new[1].tables[0]
        if change == "rows":  # two more data rows: Qty 1..6, Val 2..12
            new[1] = data_sheet(6)
            want = {"Summary!A1": 42, "Summary!A2": 21}
        elif change == "totals":  # the totals row dropped: the data body is the same
            new[1] = data_sheet(totals=False)
        elif change == "column name":  # "Item" renamed: no reference names it
            new[1].tables = [replace(t, columns=["Article", *t.columns[1:]])]
        elif change == "table name":  # the name Vals is unchanged, Table1 gone: #REF!
            new[1].tables = [replace(t, name="Sales")]
            new[1].cells = {k: v for k, v in new[1].cells.items() if not isinstance(v, tuple)}
            want = {"Summary!A1": E.REF, "Summary!A2": E.REF}
        else:  # no header row: A1:C1 are data, Qty is B1:B5 (the text "Qty" is not summed)
            new[1].tables = [replace(t, header=0)]
            want = {"Summary!A1": 20, "Summary!A2": 10}
        return base, new, want

    base, new, want = books()
    saved: list[str] = []
    real_save = PlanCache.save

    def spy(self: PlanCache, digest: str, keys: Any) -> bool:
        saved.append(digest)
        return real_save(self, digest, keys)

    monkeypatch.setattr(PlanCache, "save", spy)
    folder = tmp_path / "cache"
    first = computed(xlsx(base, names={"Vals": "Table1[Val]"}), PlanCache(folder))
    assert first["Summary!A1"] == 20 and first["Summary!A2"] == 10
    again = PlanCache(folder)
    second = computed(xlsx(new, names={"Vals": "Table1[Val]"}), again)
    assert {k: second[k] for k in want} == want
    assert len(saved) == 2 and saved[0] != saved[1]
    # and the first workbook still finds its own entry
    third = PlanCache(folder)
    assert computed(xlsx(base, names={"Vals": "Table1[Val]"}), third)["Summary!A1"] == 20
    assert third.loaded > 0


def test_a_resized_table_in_one_process() -> None:
    # one PlanCache (and the engine's memo of bound structures) for both: the cells'
    # formula texts are the same, only the table grew
    cache = PlanCache(disk=False)
    sheets = [Sheet("Summary", {"A1": ("=SUM(Vals)", 20), "A2": ("=SUM(Table1)", 30)}), data_sheet()]
    names = {"Vals": "Table1[Val]"}
    assert computed(xlsx(sheets, names), cache)["Summary!A1"] == 20
    sheets[1] = data_sheet(5)  # Qty 1..5 (15), Val 2..10 (30)
    got = computed(xlsx(sheets, names), cache)
    assert (got["Summary!A1"], got["Summary!A2"]) == (30, 45)


MALFORMED = {
    "a ref that is no range": Table("Table1", "A1:C", ["Item", "Qty", "Val"]),
    "columns that do not fill the ref": Table("Table1", "A1:C6", ["Item", "Qty"], totals=1),
    "a header count that is no number": Table("Table1", "A1:C6", ["Item", "Qty", "Val"], header=2),
    "no name": Table("Table1", "A1:C6", ["Item", "Qty", "Val"],
                     raw=f'{DECL}<table xmlns="{MAIN}" id="1" ref="A1:C6"><tableColumns count="3">'
                     '<tableColumn id="1" name="Item"/><tableColumn id="2" name="Qty"/>'
                     '<tableColumn id="3" name="Val"/></tableColumns></table>'),
    "more header and totals rows than rows": Table("Table1", "A1:C1", ["Item", "Qty", "Val"], totals=1),
    "a ref past the last column": Table("Table1", "XFC1:XFE6", ["Item", "Qty", "Val"]),
}


@pytest.mark.parametrize("what", sorted(MALFORMED))
def test_a_malformed_table_is_left_out(what: str) -> None:
    # Excel's repair drops such a table; its references are #REF!, the rest computes
    sh = Sheet("Data", {"B2": 1, "B3": 2, "E1": ("=SUM(Table1[Qty])", 3), "E2": ("=SUM(B2:B3)", 3)},
               [MALFORMED[what]])
    book = read_workbook(io.BytesIO(xlsx([sh])))
    assert book.tables == []
    got = computed(xlsx([sh]))
    assert (got["Data!E1"], got["Data!E2"]) == (E.REF, 3)


def test_a_broken_table_part_is_a_one_line_error(tmp_path: Path) -> None:
    sh = Sheet("Data", {"B2": 1, "E1": ("=SUM(Table1[Qty])", 1)},
               [Table("Table1", "A1:B2", ["Item", "Qty"], raw=f'{DECL}<table xmlns="{MAIN}" name="Table1"')])
    with pytest.raises(WorkbookError) as exc:
        read_workbook(io.BytesIO(xlsx([sh])))
    assert "xl/tables/table1.xml" in str(exc.value) and "\n" not in str(exc.value)
    # in a batch: that file fails with the reason, nothing raises
    path = tmp_path / "broken.xlsx"
    path.write_bytes(xlsx([sh]))
    rep = check([path], jobs=1, progress=False)
    (failed,) = rep.failed
    assert "table1.xml" in failed.reason and "\n" not in failed.reason
    # the relationship names a part the package lacks
    data = xlsx([data_sheet()])
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for info in src.infolist():
            if info.filename != "xl/tables/table1.xml":
                z.writestr(info, src.read(info))
    with pytest.raises(WorkbookError) as exc:
        read_workbook(io.BytesIO(buf.getvalue()))
    assert "table1.xml" in str(exc.value) and "\n" not in str(exc.value)


def test_rewriting_leaves_everything_else_alone() -> None:
    # the rewrite before compiling: external references (Excel writes [1] for
    # xl/externalLinks/externalLink1.xml), text, LET names and another workbook's tables stay
    # as written; a table name at the very end of a formula is still the table
    from xlfuncs.recalc.model import SheetData, WorkbookData
    from xlfuncs.recalc.tables import TableIndex

    t = TableDef("Table1", "Table1", 0, (1, 1, 5, 2), ("A", "B"))
    ix = TableIndex(WorkbookData([SheetData("S")], tables=[t]))
    same = [
        "[1]Sheet1!$A$1+1", "'[2]MISSING'!A2", "[1]!Name+[1]!Table1", "A2:'[2]MISSING'!A2",
        '"Table1[A]"&"["', "Book1.xlsx!Table1[A]+1", "LET(_xlpm.Table1,1,_xlpm.Table1)",
        "$A$1+Table1.x", "Table1[",
    ]
    for text in same:
        assert ix.resolve(text, 0, (3, 4), (3, 4)) == text
    assert ix.resolve('"x"&Table1', 0, (3, 4), (3, 4)) == "\"x\"&'S'!$A$2:$B$5"
    assert ix.resolve("1E+5*Table1[ [#Data] , [B] ]", 0, (3, 4), (3, 4)) == "1E+5*'S'!$B$2:$B$5"


def test_results_collects_a_name_of_a_table_column(tmp_path: Path) -> None:
    # `results` reads stored values: a name defined as Table1[Val] gives the stored values
    # of Data!C2:C5 (2, 4, 6, 8 as written above)
    from xlfuncs.recalc.results import results

    path = tmp_path / "book.xlsx"
    path.write_bytes(xlsx([data_sheet()], names={"Vals": "Table1[Val]", "Total": "Table1[[#Totals],[Val]]"}))
    df = results([path], names=["Vals", "Total"])
    assert list(df.loc[0, "Vals"]) == [2, 4, 6, 8]
    assert df.loc[0, "Total"] == 20


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="T1[]@#',: ADHTRalothis!\"$(", max_size=40))
def test_any_text_rewrites_without_raising(text: str) -> None:
    # hostile formula text: the rewrite never raises, and what it gives compiles to a value
    # or an error value (the engine turns unreadable formulas into #NAME?)
    from xlfuncs.recalc.model import FormulaCell, SheetData, WorkbookData
    from xlfuncs.recalc.tables import TableIndex

    t = TableDef("T1", "T1", 0, (1, 1, 4, 2), ("A", "D"), totals_rows=1)
    sh = SheetData("S", values={(2, 1): 1.0, (3, 2): 2.0})
    sh.formulas[(2, 2)] = FormulaCell(text or "1", (2, 2))
    book = WorkbookData([sh], tables=[t])
    assert isinstance(TableIndex(book).resolve(text, 0, (2, 2), (2, 2)), str)
    res = evaluate(book, cache=PlanCache(disk=False))
    assert (0, 2, 2) in res.values
