"""Collect defined-name outputs of many workbooks into one table.

Values come from the cached results stored in each file (run ``xlfuncs recalc`` first).
One row per file, column ``file`` first, then one column per defined name:

* a workbook-level name is a column named after it; a sheet-level name is ``Sheet!Name``;
* a name that refers to one cell gives that cell's value;
* a name that refers to several cells gives a **list** of their values, row by row
  (one column per name keeps the table shape the same whatever the range sizes);
* a name defined as a constant (``=0.25``, ``="text"``) gives that constant;
* Excel error values become their text (``"#N/A"``), so the table exports anywhere;
* a name missing from a file, or one that is a formula, gives ``None``;
* built-in names (``_xlnm.Print_Area`` ...) are skipped unless asked for.

When some file cannot be read, an ``error`` column (last) holds its one-line reason.
With ``missing="raise"`` a requested name that no readable file defines is an error naming
it (with the closest names the files do define), instead of a column of ``None``.

:func:`table_bytes` writes the table as CSV, xlsx or parquet. In xlsx (and in CSV for Excel,
``excel=True``) a list cell becomes one numbered column per position (``Score_Total[1]``,
``Score_Total[2]`` ...) so the numbers stay numbers that Excel can sum; plain CSV keeps a
list as ``"a; b; c"`` text; parquet keeps lists. CSV for Excel is UTF-8 with a BOM, ``;``
between fields and decimal commas, as Excel in a Russian locale opens it.

>>> split_sheet_ref("'My data'!$B$2:$B$4")
('My data', 'B2:B4')
"""

from __future__ import annotations

import csv
import difflib
import io
import math
import os
import re
from collections.abc import Hashable, Iterable
from typing import TYPE_CHECKING, Any, Literal

from xlfuncs.errors import ExcelError, WorkbookError
from xlfuncs.recalc.model import DefinedName, WorkbookData

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["excel_csv_bytes", "long_table", "name_values", "results", "split_sheet_ref", "table_bytes"]

_SHEET_REF = re.compile(
    r"^(?:'((?:[^']|'')+)'|([^'!]+))!(\$?[A-Za-z]{1,3}\$?\d+(?::\$?[A-Za-z]{1,3}\$?\d+)?)$"
)
_MAX_CELLS = 100_000


def split_sheet_ref(text: str) -> tuple[str, str] | None:
    """Split ``Sheet!$A$1[:$B$2]`` into (sheet name, range without ``$``), or ``None``."""
    m = _SHEET_REF.match(text.strip())
    if m is None:
        return None
    sheet = m.group(1).replace("''", "'") if m.group(1) is not None else m.group(2)
    return sheet, m.group(3).replace("$", "")


def _plain(value: Any) -> Any:
    if isinstance(value, ExcelError):
        return value.value
    return value


def _constant(text: str) -> tuple[bool, Any]:
    t = text.strip()
    if len(t) >= 2 and t[0] == '"' and t[-1] == '"':
        return True, t[1:-1].replace('""', '"')
    if t.upper() in ("TRUE", "FALSE"):
        return True, t.upper() == "TRUE"
    try:
        return True, float(t) if any(ch in t for ch in ".eE") else int(t)
    except ValueError:
        pass
    try:
        return True, ExcelError.from_text(t).value
    except ValueError:
        return False, None


def _name_value(book: WorkbookData, dn: DefinedName) -> Any:
    from xlfuncs.recalc.reader import parse_ref

    text = dn.text
    if book.tables:
        from xlfuncs.recalc.tables import TableIndex

        tix = TableIndex(book)
        if tix.mentions(text):  # Table1[Val]: the range it names
            text = tix.resolve(text, dn.scope or 0, (1, 1), None)
    ref = split_sheet_ref(text)
    if ref is None:
        ok, value = _constant(dn.text)
        return value if ok else None
    sheet_name, rng = ref
    sheet = next((s for s in book.sheets if s.name.lower() == sheet_name.lower()), None)
    if sheet is None:
        return ExcelError.REF.value
    r1, c1, r2, c2 = parse_ref(rng)

    def cell(r: int, c: int) -> Any:
        if (r, c) in sheet.formulas or (r, c) in sheet.array_members:
            return _plain(sheet.cached.get((r, c)))
        return _plain(sheet.values.get((r, c)))

    if (r1, c1) == (r2, c2):
        return cell(r1, c1)
    if (r2 - r1 + 1) * (c2 - c1 + 1) > _MAX_CELLS:
        return ExcelError.REF.value
    return [cell(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]


def _column(book: WorkbookData, dn: DefinedName) -> str:
    if dn.scope is None:
        return dn.name
    return f"{book.sheets[dn.scope].name}!{dn.name}"


def _defined_keys(book: WorkbookData) -> set[str]:
    """Every spelling a name of ``book`` answers to (``Name`` and ``Sheet!Name``), lower case."""
    keys: set[str] = set()
    for dn in book.names:
        keys.add(dn.name.lower())
        keys.add(_column(book, dn).lower())
    return keys


def name_values(book: WorkbookData, names: Iterable[str] | None = None) -> dict[str, Any]:
    """Values of the defined names of one workbook, keyed by column name (see module doc)."""
    out: dict[str, Any] = {}
    wanted = None if names is None else {n.lower(): n for n in names}
    for dn in book.names:
        col = _column(book, dn)
        if wanted is None:
            if dn.name.lower().startswith("_xlnm."):
                continue
        elif col.lower() not in wanted and dn.name.lower() not in wanted:
            continue
        key = col if wanted is None else wanted.get(col.lower(), wanted.get(dn.name.lower(), col))
        if key in out and dn.scope is not None:
            continue  # a workbook-level name asked by plain name wins over a sheet-level one
        out[key] = _name_value(book, dn)
    if wanted is not None:
        for original in wanted.values():
            out.setdefault(original, None)
    return out


def _unknown_names_message(unknown: list[str], known: dict[str, str]) -> str:
    """``no workbook defines 'X' (did you mean 'Y'?)`` for every name in ``unknown``."""
    parts = []
    for name in unknown:
        close = difflib.get_close_matches(name.lower(), list(known), n=3, cutoff=0.6)
        hint = f" (did you mean {', '.join(repr(known[c]) for c in close)}?)" if close else ""
        parts.append(f"{name!r}{hint}")
    what = "name" if len(unknown) == 1 else "names"
    return f"no workbook defines the {what} " + ", ".join(parts)


def results(
    paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
    names: Iterable[str] | None = None,
    *,
    long: bool = False,
    missing: Literal["none", "raise"] = "none",
) -> pd.DataFrame:
    """One row per workbook with the values of its defined names (cached results).

    ``names``: the names to collect (``Name`` or ``Sheet!Name``), in that column order;
    default: every non-built-in name found, in order of first appearance.
    ``long``: one row per file and position instead (see :func:`long_table`).
    ``missing``: what a requested name that no readable file defines gives: a column of
    ``None`` (``"none"``, the default) or a :class:`ValueError` naming it and the closest
    defined names (``"raise"``; not raised when no file could be read at all).
    """
    import pandas as pd

    from xlfuncs.recalc.batch import expand_paths
    from xlfuncs.recalc.reader import read_workbook

    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    wanted = list(names) if names is not None else None
    rows: list[dict[str, Any]] = []
    columns: dict[str, None] = {"file": None}
    if wanted:
        columns.update(dict.fromkeys(wanted))
    any_error = False
    any_read = False
    defined: dict[str, str] = {}  # lower-case spelling -> as the first file spells it
    for path in expand_paths(paths):
        row: dict[str, Any] = {"file": str(path)}
        try:
            book = read_workbook(path)
            values = name_values(book, wanted)
        except WorkbookError as exc:
            any_error = True
            row["error"] = " ".join(str(exc).split())
            values = {}
        else:
            any_read = True
            if missing == "raise":
                for dn in book.names:
                    for spelling in (dn.name, _column(book, dn)):
                        defined.setdefault(spelling.lower(), spelling)
        for key, value in values.items():
            columns.setdefault(key, None)
            row[key] = value
        rows.append(row)
    if missing == "raise" and wanted and any_read:
        unknown = [n for n in wanted if n.lower() not in defined]
        if unknown:
            raise ValueError(_unknown_names_message(unknown, defined))
    if any_error:
        columns["error"] = None
    frame = pd.DataFrame(rows, columns=list(columns))
    return long_table(frame) if long else frame


def long_table(df: pd.DataFrame) -> pd.DataFrame:
    """Unfold list cells: one row per file and position (column ``item``, from 1).

    Year-row names of a template (``Plan_Year``, ``Score_Total`` ...) then line up as one row
    per file and year; single-cell names repeat on each row. Lists of different lengths in
    one file cannot line up and raise :class:`ValueError`.

    >>> import pandas as pd
    >>> long_table(pd.DataFrame({"file": ["a.xlsx"], "Year": [[2024, 2025]], "Model": ["X"]}))
         file  item  Year Model
    0  a.xlsx     1  2024     X
    1  a.xlsx     2  2025     X
    """
    import pandas as pd

    out: list[dict[Hashable, Any]] = []  # keyed by column label, as to_dict gives
    for record in df.to_dict("records"):
        lengths = {len(v) for v in record.values() if isinstance(v, list)}
        if len(lengths) > 1:
            raise ValueError(
                f"{record.get('file')}: names hold ranges of different sizes {sorted(lengths)}; "
                "choose names of one shape with --names"
            )
        n = lengths.pop() if lengths else 1
        for i in range(n):
            row: dict[Hashable, Any] = {"file": record.get("file"), "item": i + 1}
            row.update({k: (v[i] if isinstance(v, list) else v) for k, v in record.items() if k != "file"})
            out.append(row)
    columns = ["file", "item"] + [c for c in df.columns if c != "file"]
    return pd.DataFrame(out, columns=columns)


def _flat(df: pd.DataFrame) -> pd.DataFrame:
    """Lists become ``"a; b; c"`` text for plain CSV."""
    out = df.copy()
    for col in out.columns:
        if out[col].map(lambda v: isinstance(v, list)).any():
            out[col] = out[col].map(
                lambda v: (
                    "; ".join("" if x is None else str(x) for x in v) if isinstance(v, list) else v
                )
            )
    return out


def _wide(df: pd.DataFrame) -> pd.DataFrame:
    """Each list column becomes one column per position, ``Name[1]`` ... ``Name[n]``.

    ``n`` is the longest list of the column; shorter lists leave blanks, and a scalar in a
    list column (a file whose name is one cell) goes to ``Name[1]``. Values keep their type,
    so numbers are written as numbers.

    >>> import pandas as pd
    >>> _wide(pd.DataFrame({"file": ["a", "b"], "Year": [[2024, 2025], None]})).to_dict("list")
    {'file': ['a', 'b'], 'Year[1]': [2024, None], 'Year[2]': [2025, None]}
    """
    import pandas as pd

    data: dict[str, pd.Series[Any]] = {}
    for col in df.columns:
        values = df[col].tolist()
        lengths = [len(v) for v in values if isinstance(v, list)]
        if not lengths:
            data[str(col)] = df[col].reset_index(drop=True)
            continue
        for i in range(max(lengths)):
            data[f"{col}[{i + 1}]"] = pd.Series(
                [
                    (v[i] if i < len(v) else None) if isinstance(v, list)
                    else (v if i == 0 else None)
                    for v in values
                ],
                dtype=object,
            )
    return pd.DataFrame(data, columns=list(data))


_EXCEL_BOOL = {True: "ИСТИНА", False: "ЛОЖЬ"}


def _excel_cell(value: Any) -> str:
    """One value as Excel in a Russian locale reads it: decimal comma, ИСТИНА/ЛОЖЬ.

    >>> [_excel_cell(v) for v in (1600.0, 8.5, 1e-07, 3, True, None, float("nan"), "1.5 %")]
    ['1600', '8,5', '1e-07', '3', 'ИСТИНА', '', '', '1.5 %']
    """
    if value is None:
        return ""
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()  # numpy scalars
    if isinstance(value, bool):
        return _EXCEL_BOOL[value]
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if math.isinf(value):
            return "#NUM!"
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value).replace(".", ",")
    return str(value)


def excel_csv_bytes(df: pd.DataFrame) -> bytes:
    """The table as a CSV that Excel in a Russian locale opens by double click.

    UTF-8 with a BOM (so Cyrillic is read right), ``;`` between fields, decimal commas,
    ``ИСТИНА``/``ЛОЖЬ``, CRLF line ends, and list cells as numbered columns (see
    :func:`_wide`).

    >>> import pandas as pd
    >>> data = excel_csv_bytes(pd.DataFrame({"Модель": ["Хэтчбек"], "Доля": [0.015]}))
    >>> data[:3] == b"\\xef\\xbb\\xbf", data[3:].decode("utf-8")
    (True, 'Модель;Доля\\r\\nХэтчбек;0,015\\r\\n')
    """
    wide = _wide(df)
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerow([str(c) for c in wide.columns])
    for record in wide.itertuples(index=False, name=None):
        writer.writerow([_excel_cell(v) for v in record])
    return buf.getvalue().encode("utf-8-sig")


def table_bytes(df: pd.DataFrame, suffix: str, *, excel: bool = False) -> bytes:
    """Serialise a results table as ``.csv``, ``.xlsx`` or ``.parquet`` bytes.

    xlsx writes a list cell as one numbered column per position, so the numbers stay
    numbers; CSV writes ``"a; b; c"`` text, or with ``excel=True`` the CSV of
    :func:`excel_csv_bytes`; parquet keeps lists (and needs pyarrow: ``ImportError``).
    """
    if suffix == ".csv":
        if excel:
            return excel_csv_bytes(df)
        return str(_flat(df).to_csv(index=False)).encode("utf-8")
    buf = io.BytesIO()
    if suffix == ".xlsx":
        _wide(df).to_excel(buf, index=False, engine="openpyxl")
    elif suffix == ".parquet":
        import importlib

        importlib.import_module("pyarrow")  # a plain ImportError, not pandas' long message

        mixed = df.copy()
        for col in mixed.columns:
            kinds = {
                type(v)
                for v in mixed[col]
                if v is not None and not (isinstance(v, float) and math.isnan(v))
            }
            if len(kinds) > 1 and not kinds <= {int, float}:
                mixed[col] = mixed[col].map(lambda v: None if v is None else str(v))
        mixed.to_parquet(buf, index=False, engine="pyarrow")
    else:
        raise WorkbookError(f"unsupported table format {suffix}")
    return buf.getvalue()
