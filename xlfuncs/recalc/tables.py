"""Structured references to Excel tables, resolved to plain A1 ranges before a formula is
compiled.

Excel stores structured references in the file as written in the formula
(``SUM(Table1[Val])``, ``Table1[[#This Row],[A]]*2``, ``SUBTOTAL(109,[Val])`` inside the
table). :class:`TableIndex` rewrites them, for one cell, into the ranges they stand for
(``'Data'!$C$2:$C$5``), so the shape the compiler sees, the plan it caches and the
dependency graph the engine orders by all hold ordinary references. The grammar is that of
[MS-OE376] 3.2.3.1.1 (keywords ``#All``, ``#Data``, ``#Headers``, ``#Totals``,
``#This Row``; the keyword lists ``[#Headers],[#Data]`` and ``[#Data],[#Totals]``; a
column or a ``[Col1]:[Col2]`` range; ``'`` escapes ``[``, ``]``, ``#`` and ``'`` in column
names), plus the ``@`` form Excel 2010 and later also write (``Table1[@Col]``,
``[@[Col 1]]``).

What Excel gives is what a cell gets: an unknown table or column, an unknown keyword list,
or an empty part (``#Totals`` of a table without a totals row) is ``#REF!``; ``#This Row``
is the implicit intersection of the table's data rows with the formula's row (any column,
as Excel: ``SUM(Table1[#This Row])`` beside the table sums that row), so a formula in
another row gets ``#VALUE!``.

>>> from xlfuncs.recalc.model import SheetData, TableDef, WorkbookData
>>> t = TableDef("T", "T", 0, (1, 2, 5, 3), ("Val", "Qty"), totals_rows=1)
>>> ix = TableIndex(WorkbookData([SheetData("S")], tables=[t]))
>>> ix.resolve("SUM(t[val])+T[[#This Row],[Qty]]", 0, (3, 5), (3, 5))
"SUM('S'!$B$2:$B$4)+'S'!$C3"
>>> ix.resolve("T[#Totals]&T[Nope]&[@Val]", 0, (9, 9), (9, 9))
"'S'!$B$5:$C$5&#REF!&#REF!"
"""

from __future__ import annotations

import re
from collections.abc import Collection, Hashable, Iterable

from xlfuncs.recalc.model import TableDef, WorkbookData
from xlfuncs.recalc.parser import normalize

__all__ = ["TableIndex", "tables_signature"]

_KEYWORDS = {"#ALL": "all", "#DATA": "data", "#HEADERS": "headers", "#TOTALS": "totals",
             "#THIS ROW": "this"}
#: the keyword lists Excel accepts ([MS-OE376] 3.2.3.1.1): anything else is #REF!
_LISTS = {
    frozenset(): ("data",), frozenset({"data"}): ("data",), frozenset({"all"}): ("all",),
    frozenset({"headers"}): ("headers",), frozenset({"totals"}): ("totals",),
    frozenset({"headers", "data"}): ("headers", "data"),
    frozenset({"data", "totals"}): ("data", "totals"),
}
_REF = "#REF!"
_VALUE = "#VALUE!"


def tables_signature(tables: Iterable[TableDef]) -> tuple[tuple[object, ...], ...]:
    """What every structured reference of a workbook resolves from (for cache keys)."""
    return tuple(t.signature() for t in tables)


def _idchar(ch: str) -> bool:
    return ch.isalnum() or ch in "_.?\\" or ord(ch) > 160


def _quoted_end(text: str, i: int, quote: str) -> int:
    """End (exclusive) of the quoted run starting at ``text[i] == quote`` (doubled quotes
    stay inside)."""
    n = len(text)
    k = i + 1
    while k < n:
        if text[k] == quote:
            if k + 1 < n and text[k + 1] == quote:
                k += 2
                continue
            return k + 1
        k += 1
    return n


def _bracket_end(text: str, i: int) -> int | None:
    """End (exclusive) of the bracket group opening at ``text[i] == "["``; ``'`` escapes
    the character after it. ``None`` when it is not closed."""
    depth = 0
    k = i
    n = len(text)
    while k < n:
        ch = text[k]
        if ch == "'":
            k += 2
            continue
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth == 0:
                return k + 1
        k += 1
    return None


def _unescape(name: str) -> str:
    out: list[str] = []
    k = 0
    while k < len(name):
        if name[k] == "'" and k + 1 < len(name):
            k += 1
        out.append(name[k])
        k += 1
    return "".join(out)


#: a parsed specifier: (keywords in order, first column, last column, this row)
_Spec = tuple[tuple[str, ...], str | None, str | None, bool]


def _items(inner: str) -> list[tuple[str, str]] | None:
    """``[a],[b]:[c]`` -> ``[("", "a"), (",", "b"), (":", "c")]`` (separator before each)."""
    out: list[tuple[str, str]] = []
    k = 0
    sep = ""
    n = len(inner)
    while True:
        while k < n and inner[k] == " ":
            k += 1
        if k >= n or inner[k] != "[":
            return None
        end = _bracket_end(inner, k)
        if end is None:
            return None
        body = inner[k + 1 : end - 1]
        if "[" in body.replace("'[", "") or "]" in body.replace("']", ""):
            return None
        out.append((sep, body.strip()))
        k = end
        while k < n and inner[k] == " ":
            k += 1
        if k >= n:
            return out
        if inner[k] not in ",:":
            return None
        sep = inner[k]
        k += 1


def _spec(inner: str) -> _Spec | None:
    """The specifier between a table name's brackets; ``None`` when Excel would refuse it."""
    s = inner.strip()
    if not s:
        return (), None, None, False
    if s.startswith("@"):
        rest = s[1:].strip()
        if not rest:
            return (), None, None, True
        if rest.startswith("["):
            got = _spec(rest)
            if got is None or got[0] or got[3]:
                return None
            return (), got[1], got[2], True
        return (), _unescape(rest), None, True
    if s.startswith("#"):
        kw = _KEYWORDS.get(s.upper())
        if kw is None:
            return None
        return ((), None, None, True) if kw == "this" else ((kw,), None, None, False)
    if not s.startswith("["):
        return (), _unescape(s), None, False
    items = _items(s)
    if not items:
        return None
    kws: list[str] = []
    cols: list[str] = []
    for sep, body in items:
        if body.startswith("#") and not cols:
            kw = _KEYWORDS.get(body.upper())
            if kw is None or sep == ":":
                return None
            kws.append(kw)
            continue
        if body.startswith("#") or (cols and sep != ":") or (not cols and sep == ":") or len(cols) == 2:
            return None
        cols.append(_unescape(body))
    this = "this" in kws
    if this:
        if len(kws) != 1:
            return None
        kws = []
    if frozenset(kws) not in _LISTS or len(set(kws)) != len(kws):
        return None
    return (tuple(kws), cols[0] if cols else None, cols[1] if len(cols) > 1 else None, this)


class TableIndex:
    """A workbook's tables by name, rewriting the structured references of its formulas.

    ``defined``: upper-case defined names (a defined name wins over a table of its name).
    """

    def __init__(self, book: WorkbookData, defined: Collection[str] = ()) -> None:
        self.tables: list[TableDef] = list(book.tables)
        self.sheets = [sh.name for sh in book.sheets]
        self.by_name: dict[str, TableDef] = {}
        for t in self.tables:
            for n in (t.name, t.display_name):
                self.by_name.setdefault(n.upper(), t)
        self.signature = tables_signature(self.tables)
        #: each sheet's tables, as indexes into :attr:`tables`
        self._on_sheet: dict[int, list[int]] = {}
        for k, t in enumerate(self.tables):
            self._on_sheet.setdefault(t.sheet, []).append(k)
        self._defined = frozenset(defined)
        names = sorted(self.by_name, key=len, reverse=True)
        self._bare = (
            re.compile(
                r"(?<![\w.\\?])(?:" + "|".join(re.escape(n) for n in names) + r")(?![\w.?])",
                re.IGNORECASE,
            )
            if names
            else None
        )
        self._memo: dict[tuple[Hashable, ...], str | None] = {}

    # -- which formulas need it
    def mentions(self, text: str) -> bool:
        """Whether ``text`` may hold a structured reference (a bracket or a table's name)."""
        return "[" in text or (self._bare is not None and self._bare.search(text) is not None)

    def context(
        self, si: int, r: int, c: int, this_row: bool = True
    ) -> tuple[int, tuple[int, ...]]:
        """What a resolution depends on besides the text: the table holding the cell and
        (when ``this_row``) the tables whose data rows hold its row (``#This Row``)."""
        inside = -1
        for k in self._on_sheet.get(si, ()):
            r1, c1, r2, c2 = self.tables[k].ref
            if r1 <= r <= r2 and c1 <= c <= c2:
                inside = k
                break
        if not this_row:
            return inside, ()
        rows = []
        for k, t in enumerate(self.tables):
            d1, d2 = t.data_rows
            if d1 <= r <= d2:
                rows.append(k)
        return inside, tuple(rows)

    def plan_key(
        self, prefix: str, text: str, si: int, anchor: tuple[int, int], cell: tuple[int, int]
    ) -> str | None:
        """``prefix`` + the shape of ``text`` with its structured references resolved for
        ``cell`` (memoised per context); ``None`` when the text cannot be normalised."""
        # only "@" and "#This Row" depend on the row (a false alarm only costs a memo entry)
        this_row = "@" in text or "#this row" in text.lower()
        key = (prefix, text, si, anchor, self.context(si, *cell, this_row=this_row))
        try:
            return self._memo[key]
        except KeyError:
            pass
        try:
            pk: str | None = prefix + normalize(self.resolve(text, si, anchor, cell), anchor)
        except (ValueError, IndexError, KeyError, RecursionError):
            pk = None
        if len(self._memo) > 100_000:
            self._memo.clear()
        self._memo[key] = pk
        return pk

    # -- rewriting
    def resolve(
        self, text: str, si: int, anchor: tuple[int, int], cell: tuple[int, int] | None
    ) -> str:
        """``text`` (written for ``anchor``) with every structured reference replaced by the
        A1 range it names for the formula in ``cell`` (``None``: a defined name, where an
        unqualified ``[Col]`` is ``#REF!`` and ``#This Row`` follows the using cell)."""
        out: list[str] = []
        n = len(text)
        i = 0
        verbatim = False  # after "Sheet!" or an external "[1]": the next name is not a table
        while i < n:
            ch = text[i]
            if ch == '"' or ch == "'":
                j = _quoted_end(text, i, ch)
                out.append(text[i:j])
                i = j
                if ch == "'" and text.startswith("!", i):
                    out.append("!")
                    i += 1
                    verbatim = True
                continue
            if ch == "#":
                j = i + 1
                while j < n and (text[j].isalnum() or text[j] in "/"):
                    j += 1
                if j < n and text[j] in "!?":
                    j += 1
                out.append(text[i:j])
                i = j
                verbatim = False
                continue
            if ch.isdigit():
                j = i
                while j < n and (text[j].isdigit() or text[j] == "."):
                    j += 1
                if j < n and text[j] in "eE":
                    k = j + 1
                    if k < n and text[k] in "+-":
                        k += 1
                    if k < n and text[k].isdigit():
                        j = k
                        while j < n and text[j].isdigit():
                            j += 1
                out.append(text[i:j])
                i = j
                continue
            if ch == "[":
                end = _bracket_end(text, i)
                if end is None:
                    out.append(text[i:])
                    break
                j = end
                if j < n and (_idchar(text[j]) or text[j] in "!'"):
                    # an external reference: [1]Sheet1!A1, [1]!Name
                    out.append(text[i:j])
                    verbatim = True
                elif verbatim:
                    out.append(text[i:j])
                    verbatim = False
                else:
                    out.append(self._unqualified(text[i + 1 : j - 1], si, anchor, cell))
                i = j
                continue
            if _idchar(ch):
                j = i
                while j < n and _idchar(text[j]):
                    j += 1
                ident = text[i:j]
                nxt = text[j] if j < n else ""
                if nxt == "!":
                    out.append(text[i : j + 1])
                    i = j + 1
                    verbatim = True
                    continue
                if verbatim or (i > 0 and text[i - 1] == "$") or nxt == "(":
                    if verbatim and nxt == "[":  # another workbook's table: Book.xlsx!T[C]
                        j = _bracket_end(text, j) or n
                    out.append(text[i:j])
                    verbatim = False
                    i = j
                    continue
                if nxt == "[":
                    k2 = _bracket_end(text, j)
                    if k2 is None:
                        out.append(text[i:])
                        break
                    table = self.by_name.get(ident.upper())
                    got = _spec(text[j + 1 : k2 - 1])
                    if table is None or got is None:
                        out.append(_REF)
                    else:
                        out.append(self._area(table, got, anchor, cell))
                    i = k2
                    continue
                table = self.by_name.get(ident.upper())
                if table is not None and ident.upper() not in self._defined and nxt != "$":
                    out.append(self._area(table, ((), None, None, False), anchor, cell))
                else:
                    out.append(ident)
                i = j
                continue
            out.append(ch)
            if ch not in " !$":
                verbatim = False
            i += 1
        return "".join(out)

    def _unqualified(
        self, inner: str, si: int, anchor: tuple[int, int], cell: tuple[int, int] | None
    ) -> str:
        """``[Col]``/``[@Col]`` without a table name: the table holding the formula."""
        if cell is None:
            return _REF
        k = self.context(si, *cell)[0]
        got = _spec(inner)
        if k < 0 or got is None:
            return _REF
        return self._area(self.tables[k], got, anchor, cell)

    def _area(
        self, t: TableDef, spec: _Spec, anchor: tuple[int, int], cell: tuple[int, int] | None
    ) -> str:
        kws, col1, col2, this = spec
        r1, c1, r2, c2 = t.ref
        if col1 is None:
            ca, cb = c1, c2
        else:
            upper = [x.strip().upper() for x in t.columns]
            try:
                ca = c1 + upper.index(col1.strip().upper())
                cb = ca if col2 is None else c1 + upper.index(col2.strip().upper())
            except ValueError:
                return _REF
            ca, cb = min(ca, cb), max(ca, cb)
        sheet = "'" + self.sheets[t.sheet].replace("'", "''") + "'!" if t.sheet < len(self.sheets) else ""
        if not sheet:
            return _REF
        a, b = _col(ca), _col(cb)
        if this:
            d1, d2 = t.data_rows
            if cell is not None and not d1 <= cell[0] <= d2:
                return _VALUE
            row = anchor[0]  # relative: the formula's own row
            return f"{sheet}${a}{row}" if ca == cb else f"{sheet}${a}{row}:${b}{row}"
        bands = {
            "all": (r1, r2),
            "headers": (r1, r1 + t.header_rows - 1),
            "data": t.data_rows,
            "totals": (r2 - t.totals_rows + 1, r2),
        }
        spans = [bands[k] for k in _LISTS[frozenset(kws)] if bands[k][0] <= bands[k][1]]
        if not spans:
            return _REF
        top, bottom = min(s[0] for s in spans), max(s[1] for s in spans)
        if top == bottom and ca == cb:
            return f"{sheet}${a}${top}"
        return f"{sheet}${a}${top}:${b}${bottom}"


def _col(n: int) -> str:
    out = ""
    while n > 0:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out
