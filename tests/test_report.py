"""``xlfuncs report``: the HTML and text report of filled and recalculated workbooks.

Expected numbers come from the workbooks themselves: the values stored in them, read
through their defined names with :func:`xlfuncs.recalc.results.name_values` (the machinery
of ``xlfuncs results``), independently of the report's own reading. The one mid-year
change checked by value is the packaged rulebook's utilisation-fee bar, 3,701 -> 1,500 on
28 Aug 2025 (``xlfuncs/data/ru719-2026-07.toml``).

The Chromium check runs when ``/usr/bin/chromium`` exists; ``XLFUNCS_REQUIRE_CHROMIUM=1``
(set by CI) makes a missing Chromium a failure instead of a skip.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import sys
import zlib
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from xlfuncs.cli import main
from xlfuncs.recalc.reader import read_workbook
from xlfuncs.recalc.results import name_values

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
CHROMIUM = Path("/usr/bin/chromium")
REQUIRE_CHROMIUM = os.environ.get("XLFUNCS_REQUIRE_CHROMIUM") == "1"
PURPOSES = ("procurement", "competitiveness", "loans", "utilfee", "spic", "taxi")
MODEL_RU = "Седан «Волга» 1.5 МТ"


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A filled programme budget (and one with a Cyrillic model targeting loans), the two
    licence scenarios, the model portfolio, a file that is no workbook and one filled
    without recalculation."""
    d = tmp_path_factory.mktemp("report-books")
    csv = (EXAMPLES / "programme_budget.csv").read_text(encoding="utf-8")
    ru = csv.replace("Hatchback 1.6 MT", MODEL_RU).replace(",procurement,", ",loans,")
    (d / "ru.csv").write_text(ru, encoding="utf-8")
    calls = [
        ["fill", "programme_budget", str(EXAMPLES / "programme_budget.csv"), "-o", str(d / "budget.xlsx")],
        ["fill", "programme_budget", str(d / "ru.csv"), "-o", str(d / "budget-ru.xlsx")],
        ["fill", "licence_scenarios", str(EXAMPLES / "licence_scenarios.csv"), "-o", str(d / "scen")],
        ["fill", "model_portfolio", str(EXAMPLES / "model_portfolio.json"), "-o", str(d / "portfolio.xlsx")],
        ["fill", "programme_budget", str(EXAMPLES / "programme_budget.csv"), "-o",
         str(d / "not-recalculated.xlsx"), "--no-recalc"],
    ]
    for argv in calls:
        assert main(argv) == 0, argv
    (d / "broken.xlsx").write_bytes(b"not a zip")
    scen = sorted((d / "scen").glob("*.xlsx"))
    return {"budget": d / "budget.xlsx", "budget_ru": d / "budget-ru.xlsx",
            "scen_a": scen[0], "scen_b": scen[1], "portfolio": d / "portfolio.xlsx",
            "broken": d / "broken.xlsx", "norecalc": d / "not-recalculated.xlsx"}


class _Page(HTMLParser):
    """Rows of the per-file tables (``tr`` with data-year/data-purpose) and every src/href."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, Any]] = []
        self.links: list[str] = []
        self.failed: list[str] = []
        self._row: dict[str, Any] | None = None
        self._in_failed = False
        self.tags = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags += 1
        a = dict(attrs)
        for key in ("src", "href", "xlink:href"):
            if a.get(key):
                self.links.append(str(a[key]))
        if tag == "tr" and "data-purpose" in a and "data-year" in a:
            self._row = {"subject": a.get("data-subject"), "year": int(str(a["data-year"])),
                         "purpose": a["data-purpose"], "cells": []}
            self.rows.append(self._row)
        elif tag == "td" and self._row is not None:
            self._row["cells"].append(a.get("data-value"))
        elif tag == "tr" and a.get("class") == "failed":
            self._in_failed = True
            self.failed.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "tr":
            self._row = None
            self._in_failed = False

    def handle_data(self, data: str) -> None:
        if self._in_failed:
            self.failed[-1] += data


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def _value(text: str | None) -> float | bool | None:
    if text is None:
        return None
    if text in ("True", "False"):
        return text == "True"
    return float(text)


def _stored(path: Path) -> dict[str, Any]:
    return name_values(read_workbook(path))


def test_one_budget_every_year_and_purpose_with_the_workbook_values(
        books: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    assert main(["report", str(books["budget"]), "-o", str(out)]) == 0
    page = _parse(out)
    stored = _stored(books["budget"])
    years = stored["Plan_Year"]
    assert years == list(range(2024, 2031))
    got = {(r["year"], r["purpose"]): r["cells"] for r in page.rows}
    assert set(got) == {(y, p) for y in years for p in PURPOSES}
    for i, year in enumerate(years):
        for p in PURPOSES:
            cap = p.capitalize()
            # cells: year, purpose, score, threshold, gap, eligible, spend, edition
            cells = [_value(c) for c in got[(year, p)]]
            assert cells[2] == stored["Score_Total"][i]
            for k, name in ((3, f"Threshold_{cap}"), (4, f"Gap_{cap}"), (5, f"Eligible_{cap}")):
                want = stored[name][i]
                assert cells[k] == (None if isinstance(want, str) else want), (year, p, name)
            if p == stored["Target_Purpose"]:
                want = stored["Spend_Needed"][i]
                assert cells[6] == (None if isinstance(want, str) else want), (year, p)
    text = out.read_text(encoding="utf-8")
    assert stored["Rulebook_Edition"] in text
    assert "<svg" in text and 'charset="utf-8"' in text


def test_the_spend_of_other_purposes_follows_the_template_formula(books: dict[str, Path]) -> None:
    """Computed spend for a purpose equals the stored Spend_Needed when that purpose is the
    workbook's Target_Purpose (budget-ru.xlsx targets loans, budget.xlsx procurement)."""
    from xlfuncs.report import read_report_file

    computed = read_report_file(books["budget"]).subjects[0].rows
    stored = _stored(books["budget_ru"])
    assert stored["Target_Purpose"] == "loans"
    loans = [r for r in computed if r.purpose == "loans"]
    assert all(r.spend_source == "computed" for r in loans)
    for r, want in zip(loans, stored["Spend_Needed"]):
        assert r.spend == (None if isinstance(want, str) else want), r.year


def test_many_files_grid_failures_and_exit_code(books: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "many.html"
    paths = [books[k] for k in ("budget", "budget_ru", "scen_a", "scen_b", "portfolio", "broken",
                                "norecalc")]
    assert main(["report", *map(str, paths), "-o", str(out)]) == 1
    page = _parse(out)
    assert any(f.startswith(f"{books['broken']}: ") for f in page.failed), page.failed
    assert any(f.startswith(f"{books['norecalc']}: ") and "recalc" in f for f in page.failed)
    text = out.read_text(encoding="utf-8")
    assert 'id="grid"' in text
    grid = text[text.index('id="grid"'):text.index("</section>", text.index('id="grid"'))]
    for name in _stored(books["portfolio"])["Model_Name"]:
        if name:
            assert f'data-subject="{name}"' in grid
    assert MODEL_RU in grid and MODEL_RU in text
    portfolio = _stored(books["portfolio"])
    rows = {(r["subject"], r["purpose"]): r["cells"] for r in page.rows if r["year"] == 2026}
    for i, name in enumerate(portfolio["Model_Name"]):
        if name:
            for p in PURPOSES:
                want = portfolio[f"Model_Eligible_{p.capitalize()}"][i]  # '#N/A': no threshold
                assert _value(rows[(name, p)][5]) == (None if isinstance(want, str) else want)
                assert _value(rows[(name, p)][2]) == portfolio["Model_Score_Total"][i]


def test_mid_year_change_names_the_date_and_both_values(books: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    assert main(["report", str(books["budget"]), "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert re.search(r"utilfee \(M1, ice\): from 28\.08\.2025 the threshold is 1 500, was 3 701", text)


def test_no_network_references(books: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    assert main(["report", str(books["budget"]), str(books["portfolio"]), "-o", str(out)]) == 0
    page = _parse(out)
    assert page.links, "the inline SVG has internal links"
    assert all(link.startswith("#") for link in page.links), page.links
    text = out.read_text(encoding="utf-8")
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", text)
    assert "<script" not in text and "<link" not in text and "@import" not in text


def test_text_tables_need_no_matplotlib(books: dict[str, Path], monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert main(["report", str(books["budget"]), "--text"]) == 0
    out = capsys.readouterr().out
    for year in range(2024, 2031):
        for p in PURPOSES:
            assert re.search(rf"^{year}\s+{p}\s", out, re.MULTILINE), (year, p)
    assert "from 28.08.2025 the threshold is 1 500, was 3 701" in out


def test_without_matplotlib_exit_2_and_nothing_written(
        books: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib raises ImportError
    out = tmp_path / "r.html"
    assert main(["report", str(books["budget"]), "-o", str(out)]) == 2
    assert capsys.readouterr().err.strip() == 'report: needs matplotlib: pip install "xlfuncs[report]"'
    assert not out.exists()


def test_bad_calls_exit_2_before_writing(books: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    out.write_text("old", encoding="utf-8")
    assert main(["report", str(books["budget"]), "-o", str(out)]) == 2  # exists, no --force
    assert out.read_text(encoding="utf-8") == "old"
    assert main(["report", str(books["budget"]), "-o", str(tmp_path / "r.csv")]) == 2
    assert main(["report", str(books["budget"])]) == 2  # neither -o nor --text
    assert main(["report", str(tmp_path / "empty-*.xlsx"), "-o", str(tmp_path / "n.html")]) == 2
    assert not (tmp_path / "n.html").exists()
    assert main(["report", str(books["budget"]), "-o", str(out), "--force"]) == 0
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".xlfuncs-tmp-")] == []


def test_report_is_not_imported_at_start_up() -> None:
    code = ("import sys, xlfuncs.cli as c; c._build_parser(); "
            "print('matplotlib' in sys.modules, 'xlfuncs.report' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]  # registered, matplotlib not loaded


def _non_white_pixels(png: bytes) -> tuple[int, int]:
    """(non-white pixels, all pixels) of an 8-bit RGB/RGBA PNG, decoded with zlib only."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        body = png[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour in (2, 6), (depth, colour)
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    prev = bytearray(stride)
    count = 0
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 0xFF
            elif f == 2:
                line[i] = (line[i] + b) & 0xFF
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        row = bytes(line)
        for x in range(0, stride, bpp * 4):  # every 4th pixel is plenty
            if row[x:x + 3] != b"\xff\xff\xff":
                count += 1
        prev = line
    return count, (width // 4 or 1) * height


@pytest.mark.slow
def test_renders_in_headless_chromium(books: dict[str, Path], tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        if REQUIRE_CHROMIUM:
            pytest.fail("XLFUNCS_REQUIRE_CHROMIUM=1 but /usr/bin/chromium is not installed")
        pytest.skip("no /usr/bin/chromium (apt-get install chromium)")
    out = tmp_path / "report.html"
    assert main(["report", str(books["budget_ru"]), str(books["portfolio"]), "-o", str(out)]) == 0
    png = tmp_path / "report.png"
    profile = tmp_path / "profile"
    subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={profile}", f"--screenshot={png}",
         "--window-size=1280,2000", out.as_uri()],
        capture_output=True, timeout=180, check=False, env={**os.environ, "HOME": str(tmp_path)},
    )
    shutil.rmtree(profile, ignore_errors=True)
    assert png.exists() and png.stat().st_size > 10_000
    dark, total = _non_white_pixels(png.read_bytes())
    assert dark > total * 0.02, (dark, total)  # text, tables and a chart, not a blank page
