"""Fuzzing the command line as a hostile user would: damaged packages, hostile data files, bad
rulebooks, run through ``recalc``, ``check``, ``results``, ``fill`` and ``rules``.

Every case asserts the contract of the README: no traceback, an exit code of 0, 1 or 2, the
original file byte for byte unchanged, and every output either absent or a workbook openpyxl
opens. Cases run in-process through :func:`xlfuncs.cli.main` with one worker, so thousands fit
in a long run (``--hypothesis-profile=long``).
"""

from __future__ import annotations

import contextlib
import io
import os
import random
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from xlfuncs.cli import main

from ._cases import FUZZ

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted((ROOT / "workbook_templates").glob("*.xlsx"))
EXAMPLE_CSV = ROOT / "examples" / "programme_budget.csv"

#: what the suite counted (printed at the end of a run: cases, refusals, outputs opened)
COUNTS = {"cases": 0, "exit0": 0, "exit1": 0, "exit2": 0, "outputs_opened": 0}


def run(argv: list[str]) -> tuple[int, str]:
    """The CLI in-process: (exit code, stderr). A traceback or another exit code fails."""
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        try:
            code = main(argv)
        except SystemExit as exc:  # pragma: no cover - main returns codes itself
            code = int(exc.code or 0)
    text = err.getvalue()
    assert "Traceback" not in text, text
    assert code in (0, 1, 2), (argv, code, text)
    COUNTS["cases"] += 1
    COUNTS[f"exit{code}"] += 1
    if _COUNTS_FILE and COUNTS["cases"] % 50 == 0:
        _save_counts()
    return code, text


#: where a long run keeps its counts as it goes (``XLFUNCS_FUZZ_COUNTS=counts.json``)
_COUNTS_FILE = os.environ.get("XLFUNCS_FUZZ_COUNTS")


def _save_counts() -> None:
    import json

    assert _COUNTS_FILE
    Path(_COUNTS_FILE).write_text(json.dumps(COUNTS), encoding="utf-8")


def outputs_open(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file() and path.suffix in (".xlsx", ".xlsm"):
            openpyxl.load_workbook(path).close()
            COUNTS["outputs_opened"] += 1
        assert not path.name.endswith(".tmp"), f"a temporary file was left: {path}"


# ------------------------------------------------------------------- package mutations
def _members(path: Path) -> list[tuple[zipfile.ZipInfo, bytes]]:
    with zipfile.ZipFile(path) as z:
        return [(i, z.read(i)) for i in z.infolist()]


def _rezip(items: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in items:
            z.writestr(name, data)
    return buf.getvalue()


MUTATIONS = ("truncate", "flip", "drop_member", "duplicate_member", "garble_member", "entity",
             "encoding_decl", "huge_index", "empty_member", "not_zip")


def mutate_package(raw: bytes, kind: str, rng: random.Random) -> bytes:
    if kind == "truncate":
        return raw[: rng.randrange(0, len(raw))]
    if kind == "flip":
        data = bytearray(raw)
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        return bytes(data)
    if kind == "not_zip":
        return bytes(rng.randrange(256) for _ in range(rng.randint(0, 300)))
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        items = [(i.filename, z.read(i)) for i in z.infolist()]
    k = rng.randrange(len(items))
    name, data = items[k]
    if kind == "drop_member":
        del items[k]
    elif kind == "duplicate_member":
        items.insert(k, (name, data))
    elif kind == "garble_member":
        items[k] = (name, bytes(rng.randrange(256) for _ in range(rng.randint(1, 200))))
    elif kind == "empty_member":
        items[k] = (name, b"")
    elif kind == "entity":
        sheets = [j for j, (n, _) in enumerate(items) if n.endswith(".xml")]
        j = rng.choice(sheets)
        n, d = items[j]
        dtd = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        items[j] = (n, dtd + d.split(b"?>", 1)[-1])
    elif kind == "encoding_decl":
        sheets = [j for j, (n, _) in enumerate(items) if n.startswith("xl/worksheets/")]
        j = rng.choice(sheets)
        n, d = items[j]
        enc = rng.choice([b"windows-1251", b"koi8-r", b"utf-16", b"latin-1", b"bogus"])
        items[j] = (n, d.replace(b'encoding="UTF-8"', b'encoding="' + enc + b'"', 1))
    elif kind == "huge_index":
        sheets = [j for j, (n, _) in enumerate(items) if n.startswith("xl/worksheets/")]
        j = rng.choice(sheets)
        n, d = items[j]
        items[j] = (n, d.replace(b' t="s"><v>', b' t="s"><v>99999', 1).replace(b' s="', b' s="9999', 1))
    return _rezip(items)


@FUZZ
@given(template=st.sampled_from(TEMPLATES), kind=st.sampled_from(MUTATIONS), seed=st.integers(0, 2**32 - 1))
def test_recalc_check_results_on_damaged_packages(tmp_path_factory: pytest.TempPathFactory,
                                                 template: Path, kind: str, seed: int) -> None:
    tmp = tmp_path_factory.mktemp("pkg")
    bad = tmp / "damaged.xlsx"
    raw = mutate_package(template.read_bytes(), kind, random.Random(seed))
    bad.write_bytes(raw)
    out = tmp / "out"
    run(["recalc", str(bad), "-o", str(out), "--jobs", "1", "--no-progress"])
    assert bad.read_bytes() == raw  # the original is never modified
    if out.exists():
        outputs_open(out)
    run(["check", str(bad), "--jobs", "1"] if _takes_jobs("check") else ["check", str(bad)])
    run(["results", str(bad)])
    assert bad.read_bytes() == raw


def _takes_jobs(command: str) -> bool:
    err = io.StringIO()
    with contextlib.redirect_stdout(err), contextlib.redirect_stderr(io.StringIO()):
        main([command, "--help"])
    return "--jobs" in err.getvalue()


# ------------------------------------------------------------------- data-file mutations
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "cp1251", "koi8-r", "latin-1")


@st.composite
def data_files(draw: st.DrawFn) -> tuple[bytes, str]:
    text = EXAMPLE_CSV.read_text(encoding="utf-8")
    lines = text.splitlines()
    ops = draw(st.lists(st.sampled_from(
        ["semicolons", "russian_numbers", "dup_column", "case_dup_column", "empty_row", "drop_column",
         "cyrillic_name", "truncate", "flip", "tabs", "nothing"]), min_size=1, max_size=3))
    for op in ops:
        if op == "semicolons":
            lines = [ln.replace(",", ";") for ln in lines]
        elif op == "russian_numbers":
            lines = [lines[0]] + [ln.replace("12.5", "12,5").replace("100000000000", "100 000 000 000") for ln in lines[1:]]
        elif op == "dup_column":
            lines = [ln + "," + (ln.split(",") + [""] * 7)[6] for ln in lines]  # the Revenue column again
        elif op == "case_dup_column":
            lines = [lines[0] + ",REVENUE"] + [ln + ",1" for ln in lines[1:]]
        elif op == "empty_row":
            lines.insert(draw(st.integers(1, len(lines))), "")
        elif op == "drop_column":
            k = draw(st.integers(0, 5))
            lines = [",".join(c for j, c in enumerate(ln.split(",")) if j != k) for ln in lines]
        elif op == "cyrillic_name":
            lines = [lines[0]] + [ln.replace("Hatchback 1.6 MT", "Лада Веста 1.6 МТ") for ln in lines[1:]]
        elif op == "tabs":
            lines = [ln.replace(",", "\t") for ln in lines]
    encoding = draw(st.sampled_from(ENCODINGS))
    body = "\n".join(lines) + "\n"
    try:
        raw = body.encode(encoding)
    except UnicodeEncodeError:
        raw = body.encode("utf-8")
    if "truncate" in ops:
        raw = raw[: draw(st.integers(0, len(raw)))]
    if "flip" in ops and raw:
        data = bytearray(raw)
        data[draw(st.integers(0, len(data) - 1))] ^= 0xFF
        raw = bytes(data)
    return raw, draw(st.sampled_from([".csv", ".json", ".xlsx"])) if "truncate" in ops else ".csv"


@FUZZ
@given(data=data_files())
def test_fill_with_hostile_data(tmp_path_factory: pytest.TempPathFactory, data: tuple[bytes, str]) -> None:
    raw, suffix = data
    tmp = tmp_path_factory.mktemp("fill")
    src = tmp / f"data{suffix}"
    src.write_bytes(raw)
    out = tmp / "out" / "filled.xlsx"
    run(["fill", "programme_budget", str(src), "-o", str(out)])
    assert src.read_bytes() == raw
    if out.parent.exists():
        outputs_open(out.parent)


@FUZZ
@given(template=st.sampled_from(TEMPLATES), kind=st.sampled_from(MUTATIONS), seed=st.integers(0, 2**32 - 1))
def test_fill_with_a_damaged_template(tmp_path_factory: pytest.TempPathFactory, template: Path,
                                      kind: str, seed: int) -> None:
    tmp = tmp_path_factory.mktemp("tpl")
    bad = tmp / "template.xlsx"
    raw = mutate_package(template.read_bytes(), kind, random.Random(seed))
    bad.write_bytes(raw)
    out = tmp / "out" / "filled.xlsx"
    run(["fill", str(bad), str(EXAMPLE_CSV), "-o", str(out)])
    assert bad.read_bytes() == raw
    if out.parent.exists():
        outputs_open(out.parent)


# ------------------------------------------------------------------- rulebook mutations
RULE_EDITS = (
    ("points = 400", 'points = "many"'), ("points = 400", "points = -5"), ("schema = 2", "schema = 9"),
    ("effective_from = 2019-05-25", "effective_to = 2001-01-01\neffective_from = 2019-05-25"),
    ('edition = "ru719-2026-07"', ""), ("[purposes]", "[purposes"), ("code = ", "cod = "),
)


@FUZZ
@given(edit=st.sampled_from(RULE_EDITS), cut=st.integers(0, 4000), mode=st.sampled_from(["edit", "cut", "nest", "empty"]))
def test_rules_and_recalc_with_a_broken_rulebook(tmp_path_factory: pytest.TempPathFactory,
                                                 edit: tuple[str, str], cut: int, mode: str) -> None:
    from xlfuncs.rulebook import DEFAULT_EDITION_PATH

    tmp = tmp_path_factory.mktemp("rules")
    text = DEFAULT_EDITION_PATH.read_text(encoding="utf-8")
    if mode == "edit":
        text = text.replace(edit[0], edit[1], 1)
    elif mode == "cut":
        text = text[:cut]
    elif mode == "nest":
        text = "x = " + "[" * 50_000 + "]" * 50_000
    else:
        text = ""
    book = tmp / "bad.toml"
    book.write_text(text, encoding="utf-8")
    code, _ = run(["rules", "--rulebook", str(book)])
    book_in = tmp / "book.xlsx"
    shutil.copy(TEMPLATES[0], book_in)
    before = book_in.read_bytes()
    out = tmp / "out"
    rc, _ = run(["recalc", str(book_in), "-o", str(out), "--rulebook", str(book), "--jobs", "1", "--no-progress"])
    assert book_in.read_bytes() == before
    if code == 2:  # a rulebook `rules` refuses is refused by recalc too, before anything is written
        assert rc == 2 and not out.exists()


def test_zz_report_counts() -> None:
    """Prints what the suite ran (for the closing note); always passes after the cases above."""
    print("\nfuzz counts:", COUNTS)
    if _COUNTS_FILE:
        _save_counts()
