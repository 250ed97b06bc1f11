"""The golden corpus through xlfuncs, IronCalc and formualizer: who computes what Excel computed.

Every Excel-saved workbook of ``../shared/corpus/files`` (the files and the rule that tells
Excel-saved ones apart are described in ``tests/recalc/corpus.py``) is recalculated by each
engine in a fresh process, which writes an .xlsx (formualizer: the values, see below); the
values each engine wrote are read back with one reader and compared with the values Excel stored, cell by cell, with the corpus rule
(numbers to 1e-9 relative, text exactly, booleans and errors by identity). The cells compared
are the same for every engine: the formula cells with a stored value, less those whose value
depends on the date or on chance (found by evaluating twice with two dates, as the corpus test
does). A file an engine cannot load, or does not finish within ``--timeout`` seconds, counts as
every one of its cells differing for that engine.

* ``xlfuncs``      ``python -m xlfuncs recalc SRC -o OUT`` (as installed: the optional
  ``formulas`` fallback is used when that package is present; ``--no-fallback`` turns it off)
* ``ironcalc``     ``load_from_xlsx`` + ``evaluate`` + ``save_to_xlsx`` (PyPI ``ironcalc``)
* ``formualizer``  ``load_workbook`` + ``evaluate_all`` + ``get_value`` of each compared cell
  (PyPI ``formualizer``; its writer refuses a whole file over one error it cannot store)

    pip install -e ".[bench]"
    python benchmarks/bench_corpus.py                  # a table of match rates, ~3 min
    python benchmarks/bench_corpus.py --by-file        # and the rate of each file per engine
    python benchmarks/bench_corpus.py --png corpus.png # and a chart of the rates per file
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ENGINES = ("xlfuncs", "ironcalc", "formualizer")


@functools.cache
def _corpus_module() -> ModuleType:
    """``tests/recalc/corpus.py``: the corpus location, the Excel-saved rule and the comparison
    (loaded once, not once per file)."""
    spec = importlib.util.spec_from_file_location("xlfuncs_corpus", ROOT / "tests" / "recalc" / "corpus.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses resolve their module by name
    spec.loader.exec_module(mod)
    return mod


Cell = tuple[str, int, int]


def compared_cells(path: Path) -> dict[Cell, Any]:
    """Excel's stored value of every non-volatile formula cell of ``path``, by (sheet, row, col)."""
    from xlfuncs.recalc.engine import evaluate
    from xlfuncs.recalc.plancache import PlanCache
    from xlfuncs.recalc.reader import read_workbook

    corpus = _corpus_module()
    book = read_workbook(path)
    cache = PlanCache(disk=False)
    one = evaluate(book, cache=cache, today=dt.date(2031, 5, 7)).values
    two = evaluate(book, cache=cache, today=dt.date(2033, 11, 23)).values
    out: dict[Cell, Any] = {}
    for si, sh in enumerate(book.sheets):
        for (r, c), stored in sh.cached.items():
            key = (si, r, c)
            if key in one and corpus.same(one[key], two.get(key)):
                out[(sh.name, r, c)] = stored
    return out


def written_values(path: Path) -> dict[Cell, Any]:
    """The value each cell of ``path`` holds as written (cached result or constant)."""
    from xlfuncs.recalc.reader import read_workbook

    book = read_workbook(path)
    out: dict[Cell, Any] = {}
    for sh in book.sheets:
        for (r, c), v in sh.values.items():
            out[(sh.name.lower(), r, c)] = v
        for (r, c), v in sh.cached.items():
            out[(sh.name.lower(), r, c)] = v
    return out


def _child(engine: str, src: str, dst: str) -> None:
    if engine == "ironcalc":
        import ironcalc

        model = ironcalc.load_from_xlsx(src)
        model.evaluate()
        model.save_to_xlsx(dst)
    elif engine == "formualizer":
        # its value API, not its writer: recalculate_xlsx_file refuses a whole file when one
        # cell holds an error it cannot write (#N/IMPL!, #CIRC!), which would hide the rest
        import formualizer

        cells = json.loads(Path(dst + ".cells.json").read_text())
        wb = formualizer.load_workbook(src)
        wb.evaluate_all()
        out = []
        for sheet, r, c in cells:
            try:
                out.append(_plain(wb.get_value(sheet, r, c)))
            except Exception as exc:  # noqa: BLE001  (a cell it cannot give)
                out.append({"error": f"#{type(exc).__name__}"})
        Path(dst).write_text(json.dumps(out))
    else:
        raise SystemExit(f"unknown engine {engine}")


_FZ_ERRORS = {"Na": "#N/A", "Value": "#VALUE!", "Div": "#DIV/0!", "Ref": "#REF!", "Name": "#NAME?",
              "Num": "#NUM!", "Null": "#NULL!", "Spill": "#SPILL!", "Calc": "#CALC!"}


def _plain(v: Any) -> Any:
    """formualizer's value as JSON: numbers, text, booleans, ``{"error": code}``."""
    if isinstance(v, dict) and v.get("type") == "Error":
        return {"error": _FZ_ERRORS.get(str(v.get("kind")), f"#{v.get('kind')}")}
    if isinstance(v, dt.datetime):
        return (v - dt.datetime(1899, 12, 30)).total_seconds() / 86400
    if isinstance(v, dt.date):
        return float((v - dt.date(1899, 12, 30)).days)
    if isinstance(v, dt.time):
        return (v.hour * 3600 + v.minute * 60 + v.second + v.microsecond / 1e6) / 86400
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    return repr(v)


def _from_plain(v: Any) -> Any:
    from xlfuncs.errors import ExcelError

    if isinstance(v, dict):
        code = v.get("error", "")
        return next((e for e in ExcelError if e.value == code), code)
    return v


def run_engine(engine: str, src: Path, dst: Path, timeout: float, fallback: bool) -> tuple[str | None, float]:
    """Recalculate ``src`` into ``dst`` in a fresh process: (what went wrong or None, seconds)."""
    env = dict(os.environ)
    if engine == "xlfuncs":
        out_dir = dst.with_suffix("")  # the CLI writes SRC's name into a folder
        out_dir.mkdir(exist_ok=True)
        cmd = [sys.executable, "-m", "xlfuncs", "recalc", str(src), "-o", str(out_dir), "--jobs", "1",
               "--no-progress"]
        if not fallback:
            cmd.append("--no-fallback")
    else:
        cmd = [sys.executable, __file__, "--child", engine, str(src), str(dst)]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return f"no result in {timeout:.0f} s", timeout
    took = time.perf_counter() - t0
    if engine == "xlfuncs" and (out_dir / src.name).exists():
        (out_dir / src.name).replace(dst)
        out_dir.rmdir()
    if not dst.exists():
        last = (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1]
        return last[:160], took
    return None, took


@dataclass
class Tally:
    compared: int = 0
    matched: int = 0
    failed: list[str] = field(default_factory=list)
    seconds: float = 0.0
    by_file: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.matched / self.compared if self.compared else 0.0


def available(engines: list[str]) -> tuple[list[str], list[str]]:
    """The engines that can run here, and a note for each one left out."""
    ok, notes = [], []
    for e in engines:
        if e == "xlfuncs" or importlib.util.find_spec(e) is not None:
            ok.append(e)
        else:
            notes.append(f"{e}: not installed (pip install -e \".[bench]\")")
    return ok, notes


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--child", nargs=3, metavar=("ENGINE", "SRC", "DST"), help=argparse.SUPPRESS)
    ap.add_argument("--engines", nargs="+", default=list(ENGINES), choices=ENGINES)
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds per file and engine")
    ap.add_argument("--no-fallback", action="store_true", help="xlfuncs without the formulas fallback")
    ap.add_argument("--by-file", action="store_true", help="print the rate of each file per engine")
    ap.add_argument("--json", type=Path, help="write the figures as JSON")
    ap.add_argument("--png", type=Path, help="draw the match rate of each file per engine (matplotlib)")
    ap.add_argument("--limit", type=int, default=0, help="only the first N files (a quick look)")
    args = ap.parse_args(argv)
    if args.child:
        _child(*args.child)
        return 0

    corpus = _corpus_module()
    if not corpus.CORPUS.is_dir():
        print(f"{corpus.CORPUS}: the corpus is not there (../shared beside the checkout)", file=sys.stderr)
        return 2
    engines, notes = available(args.engines)
    for n in notes:
        print(n, file=sys.stderr)
    files = [p for p in corpus.corpus_files() if corpus.excel_saved(p)]
    if args.limit:
        files = files[: args.limit]
    tallies = {e: Tally() for e in engines}
    with tempfile.TemporaryDirectory(prefix="bench-corpus-") as tmp:
        for i, src in enumerate(files, start=1):
            label = f"{src.parent.name}/{src.name}"
            print(f"\r[{i}/{len(files)}] {label[:60]:60}", end="", file=sys.stderr, flush=True)
            try:
                want = compared_cells(src)
            except Exception as exc:  # noqa: BLE001  (the corpus test reports these too)
                print(f"\n{label}: left out, unreadable ({exc})", file=sys.stderr)
                continue
            for k, engine in enumerate(engines):
                # the order rotates from file to file, so a drift of the machine hits all alike
                engine = engines[(k + i) % len(engines)]
                dst = Path(tmp) / f"{engine}-{i}.{'json' if engine == 'formualizer' else 'xlsx'}"
                if engine == "formualizer":
                    Path(str(dst) + ".cells.json").write_text(json.dumps(list(want)))
                err, took = run_engine(engine, src, dst, args.timeout, not args.no_fallback)
                t = tallies[engine]
                t.seconds += took
                t.compared += len(want)
                got: dict[Cell, Any] = {}
                if err is None:
                    try:
                        if engine == "formualizer":
                            vals = json.loads(dst.read_text())
                            got = {(k[0].lower(), k[1], k[2]): _from_plain(v) for k, v in zip(want, vals)}
                        else:
                            got = written_values(dst)
                    except Exception as exc:  # noqa: BLE001
                        err = f"output unreadable ({exc})"
                if err is not None:
                    t.failed.append(f"{label}: {err}")
                ok = sum(1 for (s, r, c), v in want.items() if (s.lower(), r, c) in got
                         and corpus.same(v, got[(s.lower(), r, c)]))
                t.matched += ok
                t.by_file[label] = (ok, len(want))
                dst.unlink(missing_ok=True)
    print(file=sys.stderr)
    first = tallies[engines[0]] if engines else Tally()
    print(f"{len(files)} Excel-saved workbooks, {first.compared:,} formula cells compared per engine")
    print(f"{'engine':12} {'match':>8} {'cells':>9} {'files failed':>13} {'seconds':>8} {'time / xlfuncs':>15}")
    base = tallies["xlfuncs"].seconds if "xlfuncs" in tallies else 0.0
    for e, t in tallies.items():
        ratio = f"{t.seconds / base:.2f}" if base else "-"
        print(f"{e:12} {t.rate:8.2%} {t.matched:9,} {len(t.failed):13} {t.seconds:8.1f} {ratio:>15}")
    for e, t in tallies.items():
        for f in t.failed:
            print(f"  {e}: {f}")
    if args.by_file:
        print("\nper file: " + "  ".join(engines))
        for label in tallies[engines[0]].by_file:
            cells = [tallies[e].by_file.get(label, (0, 0)) for e in engines]
            n = cells[0][1]
            print(f"  {label:60} {n:6} " + " ".join(f"{ok / n:7.1%}" if n else "      -" for ok, _ in cells))
    if args.json:
        args.json.write_text(json.dumps({e: {"rate": t.rate, "matched": t.matched, "compared": t.compared,
                                             "failed": t.failed, "seconds": t.seconds, "by_file": t.by_file}
                                         for e, t in tallies.items()}, indent=1))
    if args.png:
        _chart(tallies, args.png)
    return 0


def _chart(tallies: dict[str, Tally], png: Path) -> None:
    """Cells matched per engine, and per file the share matched (files sorted by size)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    engines = list(tallies)
    labels = sorted(tallies[engines[0]].by_file, key=lambda f: -tallies[engines[0]].by_file[f][1])
    fig, (a, b) = plt.subplots(1, 2, figsize=(14, 6), gridspec_kw={"width_ratios": [1, 3]})
    a.bar(engines, [100 * tallies[e].rate for e in engines], color=["#1f4e79", "#c55a11", "#548235"][: len(engines)])
    for x, e in enumerate(engines):
        a.text(x, 100 * tallies[e].rate + 0.5, f"{tallies[e].rate:.2%}", ha="center")
    a.set_ylim(0, 105)
    a.set_ylabel("formula cells matching Excel's stored value, %")
    a.set_title("All compared cells")
    for e in engines:
        rates = [100 * ok / n if n else 0 for ok, n in (tallies[e].by_file.get(f, (0, 0)) for f in labels)]
        b.plot(range(len(labels)), rates, marker="o", linestyle="none", label=e, alpha=0.7)
    b.set_xlabel("workbook (largest first)")
    b.set_ylabel("cells matching, %")
    b.set_title("Per workbook")
    b.legend()
    fig.suptitle("Golden corpus: Excel-saved workbooks recalculated by each engine")
    fig.tight_layout()
    fig.savefig(png, dpi=100)


if __name__ == "__main__":
    raise SystemExit(main())
