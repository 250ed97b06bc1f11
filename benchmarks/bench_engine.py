"""Speed and memory of the compiled formula engine on generated workbooks.

Builds ``WorkbookData`` directly (no file I/O) in the shape of the measured test workbooks
(Inputs/Params/Calc, 9 formula rows per programme and year, cross-sheet references,
defined names, ROUND/MIN/MAX/IF/SUM/INDEX/MATCH, a running chain and a LOCPOINTS call),
then times :func:`xlfuncs.recalc.engine.evaluate` cold (empty plan cache), warm (plans in
memory, as for the 2nd..Nth file of a batch) and from the disk cache (a new process).

Run: ``python benchmarks/bench_engine.py [cells ...]`` (default 5000 50000).
Peak memory is measured in a child process per size (``ru_maxrss``).

``python benchmarks/bench_engine.py --ratio [ROUNDS]`` measures the growth from 50,000 to
500,000 cells (issue target: at most 12x): the two sizes alternate in fresh processes for
ROUNDS rounds (default 3), each giving the median of 3 warm evaluations, and the medians
and their ratio are printed. Single runs of the 500k case vary by +-20 % on a shared
machine, so one pair of figures is not enough to judge a change.
"""

from __future__ import annotations

import os
import random
import resource
import subprocess
import sys
import tempfile
import time

from xlfuncs._a1 import column_letters
from xlfuncs.recalc.model import DefinedName, FormulaCell, SheetData, WorkbookData

YEARS = 10




def build(cells: int, seed: int = 1) -> WorkbookData:
    """A workbook with about ``cells`` formula cells (9 per programme-year, 1 in 9 LOCPOINTS)."""
    rnd = random.Random(seed)
    programs = max(1, cells // (9 * YEARS))
    inputs = SheetData("Inputs")
    params = SheetData("Params")
    calc = SheetData("Calc")
    for y in range(YEARS):
        inputs.values[(1, 3 + y)] = 2021.0 + y
        calc.values[(1, 3 + y)] = 2021.0 + y
        params.values[(2, 1 + y)] = rnd.uniform(0.5, 1.5)
    params.values[(1, 1)] = 500.0
    params.values[(1, 2)] = 40.0
    for p in range(programs):
        base = 2 + p * 3
        for y in range(YEARS):
            c = 3 + y
            inputs.values[(base, c)] = rnd.uniform(1e5, 1e6)  # revenue
            inputs.values[(base + 1, c)] = rnd.uniform(1e3, 5e4)  # R&D
            inputs.values[(base + 2, c)] = rnd.uniform(0, 1e4)  # licence
        cb = 2 + p * 9
        for y in range(YEARS):
            c = 3 + y
            L = column_letters(c)
            prev = column_letters(c - 1)
            ib = base
            f = calc.formulas
            f[(cb, c)] = FormulaCell(f"LOCPOINTS(Inputs!{L}{ib+1},Inputs!{L}{ib},Inputs!{L}{ib+2},{L}$1)", (cb, c))
            f[(cb + 1, c)] = FormulaCell(f"ROUND({L}{cb},2)", (cb + 1, c))
            f[(cb + 2, c)] = FormulaCell(f"MIN(MAX({L}{cb+1},0),PointsCap)", (cb + 2, c))
            f[(cb + 3, c)] = FormulaCell(f'IF({L}{cb+2}>=Threshold,"HIGH","LOW")', (cb + 3, c))
            f[(cb + 4, c)] = FormulaCell(f"SUM(Inputs!{L}{ib+1}:{L}{ib+2})", (cb + 4, c))
            f[(cb + 5, c)] = FormulaCell(f"Inputs!{L}{ib}-{L}{cb+4}", (cb + 5, c))
            chain = f"{prev}{cb+6}+{L}{cb+2}" if y else f"{L}{cb+2}"
            f[(cb + 6, c)] = FormulaCell(chain, (cb + 6, c))
            f[(cb + 7, c)] = FormulaCell(f"IF(Inputs!{L}{ib}=0,0,{L}{cb+4}/Inputs!{L}{ib})", (cb + 7, c))
            f[(cb + 8, c)] = FormulaCell(f"{L}{cb+2}*INDEX(Weights,1,MATCH({L}$1,Years,0))", (cb + 8, c))
    names = [
        DefinedName("PointsCap", "Params!$A$1"),
        DefinedName("Threshold", "Params!$B$1"),
        DefinedName("Weights", f"Params!$A$2:${column_letters(YEARS)}$2"),
        DefinedName("Years", f"Inputs!$C$1:${column_letters(2 + YEARS)}$1"),
    ]
    return WorkbookData([inputs, params, calc], names=names)


def _time(fn, repeat: int) -> float:
    best = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best.append(time.perf_counter() - t)
    best.sort()
    return best[len(best) // 2]


def measure(cells: int) -> dict[str, float]:
    from xlfuncs.recalc.engine import PlanCache, evaluate

    book = build(cells)
    n = sum(len(s.formulas) for s in book.sheets)
    tmp = tempfile.mkdtemp(prefix="xlfuncs-bench-")
    out: dict[str, float] = {"cells": n}
    t = time.perf_counter()
    evaluate(book, cache=PlanCache(tmp))
    out["cold_s"] = time.perf_counter() - t
    warm = PlanCache(tmp)
    out["disk_s"] = _time(lambda: evaluate(book, cache=PlanCache(tmp)), 3 if n < 100_000 else 1)
    evaluate(book, cache=warm)
    out["warm_s"] = _time(lambda: evaluate(book, cache=warm), 5 if n < 100_000 else 1)
    out["per_cell_us"] = out["warm_s"] / n * 1e6
    out["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def warm_only(cells: int, repeat: int = 3) -> float:
    """Median warm evaluation time of a ``cells`` workbook (plans already in memory)."""
    from xlfuncs.recalc.engine import PlanCache, evaluate

    book = build(cells)
    cache = PlanCache(tempfile.mkdtemp(prefix="xlfuncs-bench-"))
    evaluate(book, cache=cache)
    return _time(lambda: evaluate(book, cache=cache), repeat)


def ratio(rounds: int) -> None:
    """50k and 500k alternating in fresh processes; medians and their ratio."""
    import statistics

    times: dict[int, list[float]] = {50_000: [], 500_000: []}
    for _ in range(rounds):
        for size in times:
            proc = subprocess.run(
                [sys.executable, __file__, "--warm-child", str(size)],
                capture_output=True, text=True, env=dict(os.environ), check=True,
            )
            times[size].append(float(proc.stdout))
    for size, ts in times.items():
        print(f"{size:>8} cells: median {statistics.median(ts):.3f} s  runs {[round(t, 3) for t in ts]}")
    r = statistics.median(times[500_000]) / statistics.median(times[50_000])
    print(f"500k / 50k: {r:.1f}x (target <= 12x)")


def main(argv: list[str]) -> None:
    if argv and argv[0] == "--child":
        res = measure(int(argv[1]))
        print(" ".join(f"{k}={v:.4f}" for k, v in res.items()))
        return
    if argv and argv[0] == "--warm-child":
        print(f"{warm_only(int(argv[1])):.6f}")
        return
    if argv and argv[0] == "--ratio":
        ratio(int(argv[1]) if len(argv) > 1 else 3)
        return
    sizes = [int(a) for a in argv] or [5000, 50000]
    print(f"{'cells':>8} {'cold s':>8} {'disk s':>8} {'warm s':>8} {'us/cell':>8} {'peak MB':>8}")
    for size in sizes:
        proc = subprocess.run(
            [sys.executable, __file__, "--child", str(size)],
            capture_output=True, text=True, env=dict(os.environ), check=True,
        )
        vals = dict(kv.split("=") for kv in proc.stdout.split())
        print(
            f"{int(float(vals['cells'])):>8} {float(vals['cold_s']):>8.3f} {float(vals['disk_s']):>8.3f} "
            f"{float(vals['warm_s']):>8.3f} {float(vals['per_cell_us']):>8.1f} {float(vals['maxrss_mb']):>8.0f}"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
