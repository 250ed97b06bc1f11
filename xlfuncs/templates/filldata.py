"""Reading the data that :func:`~xlfuncs.templates.fill.fill` writes into a template.

Data is a table: a header of defined names, then rows. This module turns each form (CSV or
tab-separated text, JSON, an XLSX data file, a dict, a list of row dicts, a DataFrame) into
one :class:`Table`, and refuses what it would otherwise have to guess:

* **Encodings** (text files): UTF-8 with or without a byte-order mark, UTF-16 by its
  byte-order mark (Excel's "Unicode text"), and else windows-1251 or KOI8-R only when the
  whole file decodes and reads as Russian text: every other character is ASCII, a Russian
  letter or a usual mark, the letter pairs are those of Russian (counted in the legal text
  the package ships), with at least 8 pairs and clearly better than in the other code page.
  Which one was used is said in :attr:`Table.notes`. A file that fits neither, both alike,
  or holds too little Russian to tell, is refused: save it as UTF-8.
* **Numbers written as text** follow one rule per file, never a guess per cell
  (:attr:`Table.decimal`): ``"point"`` reads them as Excel does in the invariant locale
  (:func:`xlfuncs.textnum.number_from_text`: ``1,200.5``), ``"comma"`` as Russian Excel
  writes them (``1 200,5``, groups of three separated by spaces or no-break spaces, a
  decimal comma). A ``;``-separated file is ``"comma"`` (the CSV of Russian Excel), every
  other form ``"point"``; ``decimal=`` (``--decimal``) overrides. A number in the other
  form is refused with the row and column.
* **Ambiguous tables**: two columns naming the same defined name (names compare without
  case, as Excel's do), an empty row between data rows (the rows below it would move to the
  next year or model), a formula cell without a stored result or merged cells in an XLSX
  data file, JSON nested too deeply or with numbers a workbook cannot hold.

>>> t = read_data({"Category": "M1", "Revenue": [100, 200]})
>>> t.columns, t.rows
(['Category', 'Revenue'], [{'Category': 'M1', 'Revenue': 100}, {'Revenue': 200}])
>>> number_in("1 200,5", "comma"), number_in("1,200.5", "point"), number_in("1,5", "point")
(1200.5, 1200.5, None)
"""

from __future__ import annotations

import csv
import functools
import io
import json
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from xlfuncs.errors import TemplateError, WorkbookError
from xlfuncs.textnum import number_from_text

__all__ = ["DATA_LIMIT", "Decimal", "SCENARIO", "Table", "decode_text", "number_in", "read_data"]

SCENARIO = "scenario"
#: largest data file read (bytes); fill data is a planning table, not a database
DATA_LIMIT = 64 << 20
#: how numbers written as text are read: ``"point"`` (1,200.5) or ``"comma"`` (1 200,5)
Decimal = Literal["point", "comma"]


@dataclass
class Table:
    """Fill data: column names in order, one dict per row (blank cells absent or ``None``).

    ``decimal`` is the rule for numbers written as text; ``notes`` say what was decided
    about the file (its encoding), for the caller to show.
    """

    columns: list[str]
    rows: list[dict[str, Any]]
    source: str
    decimal: Decimal = "point"
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------- numbers
_COMMA_NUMBER = re.compile(
    r"(?P<sign>[+-])?(?P<int>[0-9]{1,3}(?:[ \u00a0\u202f][0-9]{3})+|[0-9]+)(?:,(?P<frac>[0-9]+))?"
    r"(?:[eE](?P<exp>[+-]?[0-9]+))?(?P<pct> ?%)?",
    re.ASCII,
)


def number_in(text: str, decimal: Decimal) -> float | None:
    """The number ``text`` stands for under the file's ``decimal`` rule, or ``None``.

    >>> number_in("-12,5 %", "comma"), number_in("1\\u00a0234", "comma"), number_in("1.5", "comma")
    (-0.125, 1234.0, None)
    """
    if decimal == "point":
        return number_from_text(text)
    m = _COMMA_NUMBER.fullmatch(text.strip(" "))
    if m is None:
        return None
    digits = re.sub(r"[ \u00a0\u202f]", "", m.group("int"))
    body = digits + ("." + m.group("frac") if m.group("frac") else "")
    if m.group("exp"):
        body += "e" + m.group("exp")
    try:
        x = float(body)
    except (ValueError, OverflowError):  # pragma: no cover - the pattern admits floats only
        return None
    if m.group("sign") == "-":
        x = -x
    if m.group("pct"):
        x /= 100
    return x if math.isfinite(x) else None


# ---------------------------------------------------------------------- encodings
_RU_LETTERS = frozenset("абвгдеёжзийклмнопрстуфхцчшщъыьэюя")
#: other characters Russian text in these code pages holds besides ASCII
_RU_MARKS = set("«»—–№…„“”‘’\u00a0°±×")
_RU_WORD = re.compile(r"[А-Яа-яЁё]+")
_CODE_PAGES = (("cp1251", "windows-1251"), ("koi8_r", "KOI8-R"))
#: how much better (mean log-probability per letter pair) one code page must read than the
#: other to be taken, and the fewest letter pairs that can tell them apart
_MARGIN = 0.5
_MIN_PAIRS = 8
#: the lowest score a reading may have to be taken at all: Russian text scores above it (95 %
#: of short phrases from docs/ru), readings in the wrong code page mostly below
_PLAUSIBLE = -3.1
_TRIPLE = re.compile(r"([а-яё])\1\1")


@functools.cache
def _pair_model() -> dict[str, float]:
    """Log-probability of each pair of Russian letters (the second given the first), counted
    in the Russian text that ships with the package: the legal wording of every line of
    Resolution 719 in the default edition (about 200,000 characters). Unseen pairs get
    add-one smoothing (key ``"" + first letter``)."""
    from xlfuncs.rulebook import DEFAULT_EDITION_PATH

    doc = json.loads(DEFAULT_EDITION_PATH.with_suffix(".json").read_bytes())
    texts = [r.get(k, "") for r in doc["data"]["operation"] for k in ("legal_heading", "legal_text")]
    pairs: dict[str, int] = {}
    firsts: dict[str, int] = {}
    for word in _RU_WORD.findall(" ".join(texts).lower()):
        for a, b in zip(word, word[1:]):
            pairs[a + b] = pairs.get(a + b, 0) + 1
            firsts[a] = firsts.get(a, 0) + 1
    n = len(_RU_LETTERS)
    model = {ab: math.log10((c + 1) / (firsts[ab[0]] + n)) for ab, c in pairs.items()}
    letters = sum(firsts.values())
    for a in _RU_LETTERS:
        model["" + a] = math.log10(1 / (firsts.get(a, 0) + n))
        model["1" + a] = math.log10((firsts.get(a, 0) + 1) / (letters + n))  # the letter alone
    return model


def _russian_score(text: str) -> float | None:
    """How much ``text`` reads as Russian: the mean log-probability of its letter pairs (and
    of each second letter alone), less
    a penalty for words in unnatural case (``лАДА``); ``None`` when a character is neither
    ASCII, a Russian letter nor a usual mark, or the text has too few letter pairs."""
    for ch in text:
        if ch >= "\x80" and ch.lower() not in _RU_LETTERS and ch not in _RU_MARKS:
            return None
    model = _pair_model()
    words = _RU_WORD.findall(text)
    total = 0.0
    count = 0
    for word in words:
        low = word.lower()
        for a, b in zip(low, low[1:]):
            total += model.get(a + b, model["" + a]) + model["1" + b]
            count += 1
    if count < _MIN_PAIRS or _TRIPLE.search(text.lower()):
        return None  # too little to tell, or a letter three times running (never in Russian)
    odd = sum(1 for w in words if not (w.islower() or w.isupper() or w.istitle()))
    return total / count - 2.0 * odd / len(words)


def decode_text(raw: bytes, label: str) -> tuple[str, str]:
    """Decode a text data file; return (text, name of the encoding used).

    >>> decode_text("Модель;Выручка".encode("cp1251"), "d.csv")
    ('Модель;Выручка', 'windows-1251')
    >>> decode_text("Модель;Выручка".encode("koi8_r"), "d.csv")
    ('Модель;Выручка', 'KOI8-R')
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        try:
            return raw[3:].decode("utf-8"), "UTF-8"
        except UnicodeDecodeError as exc:
            raise TemplateError(
                f"{label}: not valid UTF-8 although it starts with a UTF-8 byte-order mark "
                f"(byte {exc.start + 3}); save it again as UTF-8"
            ) from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            raise TemplateError(f"{label}: not valid UTF-16 although it starts with a UTF-16 "
                                "byte-order mark; save it again as UTF-8") from None
    if b"\x00" in raw:
        raise TemplateError(f"{label}: holds NUL bytes (UTF-16 without a byte-order mark, or not "
                            "a text file); save it as UTF-8")
    try:
        return raw.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    scored: list[tuple[float, str, str]] = []
    for codec, name in _CODE_PAGES:
        try:
            text = raw.decode(codec)
        except UnicodeDecodeError:
            continue
        score = _russian_score(text)
        if score is not None:
            scored.append((score, text, name))
    scored.sort(key=lambda s: s[0], reverse=True)
    if scored and scored[0][0] >= _PLAUSIBLE and (len(scored) == 1 or scored[0][0] - scored[1][0] >= _MARGIN):
        return scored[0][1], scored[0][2]
    tried = " or ".join(name for _, name in _CODE_PAGES)
    why = ("reads as Russian text in both" if len(scored) > 1
           else "is not (or too little) Russian text in either")
    raise TemplateError(
        f"{label}: not UTF-8 (byte {first_bad}), and it {why} of {tried}, so its encoding "
        "cannot be decided; save it as UTF-8 (Excel: CSV UTF-8)"
    )


# ---------------------------------------------------------------------- tables
def _check_columns(columns: list[str], source: str) -> None:
    seen: dict[str, int] = {}
    for i, name in enumerate(columns, start=1):
        if not name:
            continue
        key = name.strip().upper()
        if key in seen:
            other = columns[seen[key] - 1]
            same = "the same name" if other == name else f"the same name without case ({other!r})"
            raise TemplateError(
                f"{source}: columns {seen[key]} and {i} both give {name!r} ({same}); "
                "remove one of them"
            )
        seen[key] = i


def _no_gaps(
    rows: list[dict[str, Any]], source: str, first_line: int, header: list[str]
) -> list[dict[str, Any]]:
    """Trailing empty rows go; an empty row between data rows is refused (the rows below it
    would otherwise fill the next year's or model's cells). With a ``scenario`` column, rows
    are grouped by their scenario, so empty rows between the blocks are only dropped."""
    while rows and not any(not _blank(v) for v in rows[-1].values()):
        rows.pop()
    if any(h.strip().lower() == SCENARIO for h in header):
        return [rec for rec in rows if any(not _blank(v) for v in rec.values())]
    for i, rec in enumerate(rows):
        if not any(not _blank(v) for v in rec.values()):
            raise TemplateError(
                f"{source}: row {first_line + i} is empty between data rows; remove it (the rows "
                "below would move to the next year or model)"
            )
    return rows


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str) and not value.strip():
        return True
    return type(value).__name__ in ("NAType", "NaTType")


def _records_from_columns(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for key, value in data.items():
        seq = list(value) if isinstance(value, (list, tuple)) or (
            hasattr(value, "__len__") and hasattr(value, "__iter__") and not isinstance(value, (str, bytes, dict))
        ) else [value]
        for i, v in enumerate(seq):
            while len(rows) <= i:
                rows.append({})
            rows[i][str(key)] = v
    return rows


def read_data(data: Any, *, decimal: Decimal | None = None) -> Table:
    """Read fill data: a path (.csv/.txt/.tsv, .json, .xlsx), a dict, a list of dicts or a
    DataFrame; ``decimal`` overrides the file's rule for numbers written as text.

    Raises :class:`~xlfuncs.errors.TemplateError` (``SOURCE: what is wrong``) for anything
    it would have to guess.
    """
    if type(data).__name__ == "DataFrame" and hasattr(data, "to_dict"):
        cols = [str(c) for c in data.columns]
        _check_columns(cols, "DataFrame")
        rows = [{str(k): (None if _blank(v) else v) for k, v in rec.items()}
                for rec in data.to_dict("records")]
        return Table(cols, rows, "DataFrame", decimal or "point")
    if isinstance(data, Mapping):
        cols = [str(k) for k in data]
        _check_columns(cols, "dict")
        return Table(cols, _records_from_columns(data), "dict", decimal or "point")
    if isinstance(data, (list, tuple)) and all(isinstance(r, Mapping) for r in data):
        seen: dict[str, None] = {}
        for r in data:
            keys = [str(k) for k in r]
            _check_columns(keys, "records")
            seen.update(dict.fromkeys(keys))
        cols = list(seen)
        _check_columns(cols, "records")
        return Table(cols, [{str(k): v for k, v in r.items()} for r in data], "records", decimal or "point")
    if isinstance(data, (str, os.PathLike)):
        return _read_file(Path(data), decimal)
    raise TemplateError(f"fill data must be a path, dict, list of dicts or DataFrame, got {type(data).__name__}")


def _read_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > DATA_LIMIT:
            raise TemplateError(f"{path}: data file of {size} bytes is larger than {DATA_LIMIT} bytes")
        return path.read_bytes()
    except IsADirectoryError:
        raise TemplateError(f"{path}: is a folder, not a data file") from None
    except OSError as exc:
        raise TemplateError(f"{path}: cannot read the data file ({exc.strerror or exc})") from None


def _read_file(path: Path, decimal: Decimal | None) -> Table:
    if not path.exists():
        raise TemplateError(f"{path}: no such data file")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        return _read_csv(path, decimal)
    if suffix == ".json":
        return _read_json(path, decimal)
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, decimal)
    raise TemplateError(f"{path}: unsupported data file type {suffix!r} (use .csv, .json or .xlsx)")


def _read_csv(path: Path, decimal: Decimal | None) -> Table:
    text, encoding = decode_text(_read_bytes(path), str(path))
    notes = [] if encoding == "UTF-8" else [f"{path}: read as {encoding} (not UTF-8)"]
    first = text.splitlines()[0] if text else ""
    delim = max((";", ",", "\t"), key=first.count) if first else ","
    if first and first.count(delim) == 0:
        delim = ","
    try:
        rows_raw = list(csv.reader(io.StringIO(text, newline=""), delimiter=delim))
    except csv.Error as exc:
        raise TemplateError(f"{path}: not a readable CSV ({exc})") from None
    if not rows_raw or not any(h.strip() for h in rows_raw[0]):
        raise TemplateError(f"{path}: empty CSV (a header row of defined names is needed)")
    header = [h.strip() for h in rows_raw[0]]
    _check_columns(header, str(path))
    rows: list[dict[str, Any]] = []
    for n, r in enumerate(rows_raw[1:], start=2):
        if len(r) > len(header) and any(x.strip() for x in r[len(header):]):
            raise TemplateError(f"{path}: line {n} has more fields than the header")
        rows.append({h: (v if v.strip() else None) for h, v in zip(header, r) if h})
    rows = _no_gaps(rows, str(path), 2, header)
    rule: Decimal = decimal or ("comma" if delim == ";" else "point")
    return Table([h for h in header if h], rows, str(path), rule, notes)


def _json_int(text: str) -> int | float:
    # integers beyond 15 digits are not exact in a workbook; past a double's range they are
    # infinite and refused where they are used
    return int(text) if len(text.lstrip("-")) <= 15 else float(text)


def _json_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number a workbook can hold")


def _read_json(path: Path, decimal: Decimal | None) -> Table:
    raw = _read_bytes(path)
    try:
        obj = json.loads(raw.decode("utf-8-sig"), parse_int=_json_int, parse_constant=_json_constant)
    except RecursionError:
        raise TemplateError(f"{path}: JSON nested too deeply") from None
    except UnicodeDecodeError as exc:
        raise TemplateError(f"{path}: JSON must be UTF-8 (byte {exc.start} is not)") from None
    except ValueError as exc:  # JSONDecodeError and the constants refused above
        raise TemplateError(f"{path}: not valid JSON ({exc})") from None
    if isinstance(obj, dict) and isinstance(obj.get("scenarios"), dict):
        rows = []
        for scen, sub in obj["scenarios"].items():
            if not isinstance(sub, (dict, list)) or (
                isinstance(sub, list) and not all(isinstance(r, dict) for r in sub)
            ):
                raise TemplateError(f"{path}: scenario {scen!r} must be an object or a list of row objects")
            for r in _records_from_columns(sub) if isinstance(sub, dict) else sub:
                rows.append({SCENARIO: scen, **r})
        obj = rows
    if not isinstance(obj, (dict, list)):
        raise TemplateError(f"{path}: JSON must be an object or a list of row objects")
    if isinstance(obj, list) and not all(isinstance(r, dict) for r in obj):
        raise TemplateError(f"{path}: a JSON list must hold one object per row")
    table = read_data(obj, decimal=decimal or "point")
    table.source = str(path)
    return table


def _read_xlsx(path: Path, decimal: Decimal | None) -> Table:
    from openpyxl import load_workbook

    from xlfuncs.recalc.safety import open_package, read_member

    try:  # the same limits and entity refusal as recalc, before openpyxl sees the file
        with open_package(path) as zf:
            for info in zf.infolist():
                if info.filename.endswith((".xml", ".rels")):
                    read_member(zf, info.filename)
    except WorkbookError as exc:
        raise TemplateError(f"{path}: {exc}") from None
    try:
        values = load_workbook(path, data_only=True)
        formulas = load_workbook(path, data_only=False)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for broken files
        raise TemplateError(f"{path}: cannot read the workbook ({type(exc).__name__}: {exc})") from None
    ws, wf = values.worksheets[0], formulas.worksheets[0]
    for merged in ws.merged_cells.ranges:
        raise TemplateError(f"{path}: {ws.title}!{merged.coord} is merged; unmerge it and give each "
                            "cell its value (a merged value belongs to one row only)")
    grid = list(ws.iter_rows(values_only=True))
    if not grid:
        raise TemplateError(f"{path}: empty first sheet (a header row of defined names is needed)")
    for row in wf.iter_rows():
        for cell in row:
            if cell.data_type == "f" and _blank(ws[cell.coordinate].value):
                raise TemplateError(
                    f"{path}: {ws.title}!{cell.coordinate} is a formula without a stored result; "
                    "open and save the file in Excel (or run xlfuncs recalc on it) first"
                )
    header = ["" if h is None else str(h).strip() for h in grid[0]]
    _check_columns(header, str(path))
    rows = [{h: v for h, v in zip(header, r) if h and not _blank(v)} for r in grid[1:]]
    rows = _no_gaps(rows, str(path), 2, header)
    return Table([h for h in header if h], rows, str(path), decimal or "point")
