"""Benchmark of batch recalculation against the I/O floor and LibreOffice, in one run.

Cases:

* generated workbooks of ~5,000 and ~50,000 formula cells (Inputs/Params/Calc/Summary, cross
  sheet references, defined names, ~10 % xlfuncs calls: ``LOCPOINTS`` per programme-year,
  ``LOCTHRESHOLD`` per programme), optionally ~500,000 (``--huge``);
* a batch of N filled ``programme_budget`` templates (``--batch N``, default 500).

For each, in this process and on the same files: our recalc + write (read, evaluate, patch
values; cold = empty plan cache, warm = cache filled by the previous run), openpyxl
load + save (the I/O floor; it keeps no cached values, so it is a floor, not an alternative)
and LibreOffice headless ``--convert-to xlsx`` with a warm private profile (on a variant in
which our functions are replaced by plain arithmetic, since LibreOffice does not know them).
Peak memory is the max RSS of a fresh subprocess doing one recalc + write.

    python benchmarks/bench_recalc.py            # full run
    python benchmarks/bench_recalc.py --quick    # smoke run: small sizes, 1 repeat, 20 templates
    python benchmarks/bench_recalc.py --huge     # also ~500,000 formula cells (references once there)
    python benchmarks/bench_recalc.py --batch-only   # only the batch of filled templates
    python benchmarks/bench_recalc.py --ratio 3  # only the ~500k / ~50k growth, 3 rounds of fresh processes
    python benchmarks/bench_recalc.py --against ../old-checkout  # the same files, old code against this
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from xlfuncs._a1 import column_letters

YEARS = list(range(2025, 2035))


# ----------------------------------------------------------------------------- workbooks


def generate_workbook(path: Path, programmes: int, *, plain: bool = False, seed: int = 7) -> int:
    """Write a workbook of ``programmes`` x 10 years (~98 formula cells per programme).

    ``plain=True`` replaces our functions by arithmetic so LibreOffice can compute the file.
    Returns the number of formula cells.
    """
    import openpyxl
    from openpyxl.workbook.defined_name import DefinedName

    rnd = random.Random(seed)
    wb = openpyxl.Workbook()
    inp = wb.active
    inp.title = "Inputs"
    params = wb.create_sheet("Params")
    calc = wb.create_sheet("Calc")
    summ = wb.create_sheet("Summary")
    ny = len(YEARS)
    last = column_letters(2 + ny)
    for j, y in enumerate(YEARS):
        inp.cell(1, 3 + j, y)
        calc.cell(1, 3 + j, y)
        params.cell(4, 1 + j, round(1 + j / 10, 2))
    params["A1"], params["A2"], params["A3"] = 4000, 1500, 2025
    wb.defined_names["PointsCap"] = DefinedName("PointsCap", attr_text="Params!$A$1")
    wb.defined_names["Threshold"] = DefinedName("Threshold", attr_text="Params!$A$2")
    wb.defined_names["BaseYear"] = DefinedName("BaseYear", attr_text="Params!$A$3")
    wb.defined_names["Weights"] = DefinedName("Weights", attr_text=f"Params!$A$4:${column_letters(ny)}$4")
    wb.defined_names["Years"] = DefinedName("Years", attr_text=f"Inputs!$C$1:${last}$1")
    n = 0

    def points(rd: str, rev: str, lic: str, year: str) -> str:
        if plain:  # stands in for LOCPOINTS in LibreOffice (same arithmetic shape, no UDF)
            return f"MIN(400*({rd}+{lic})/MAX({rev},1)*100,4000)"
        return f"LOCPOINTS({rd},{rev},{lic},{year})"

    threshold = "3500" if plain else 'LOCTHRESHOLD("procurement",2027)'
    for p in range(programmes):
        i = 2 + 3 * p  # Inputs rows: revenue, R&D, licence
        base = 2 + 9 * p
        inp.cell(i, 1, f"P{p}")
        for j in range(ny):
            c = 3 + j
            inp.cell(i, c, rnd.randint(5_000, 50_000))
            inp.cell(i + 1, c, rnd.randint(50, 900))
            inp.cell(i + 2, c, rnd.randint(0, 200))
            L = column_letters(c)
            rows = [
                "="
                + points(f"Inputs!{L}{i + 1}", f"Inputs!{L}{i}", f"Inputs!{L}{i + 2}", f"{L}$1"),
                f"=ROUND({L}{base},2)",
                f"=MIN(MAX({L}{base + 1},0),PointsCap)",
                f'=IF({L}{base + 2}>=Threshold,"HIGH","LOW")',
                f"=SUM(Inputs!{L}{i + 1}:{L}{i + 2})",
                f"=Inputs!{L}{i}-{L}{base + 4}",
                f"={column_letters(c - 1)}{base + 6}+{L}{base + 2}" if j else f"={L}{base + 2}",
                f"=IF(Inputs!{L}{i}=0,0,{L}{base + 4}/Inputs!{L}{i})",
                f"={L}{base + 2}*INDEX(Weights,1,MATCH({L}$1,Years,0))",
            ]
            for k, text in enumerate(rows):
                calc.cell(base + k, c, text)
                n += 1
        r = 2 + p
        rng = f"Calc!C{base + 2}:{last}{base + 2}"
        summ.cell(r, 1, f"P{p}")
        for k, text in enumerate(
            [
                f"=SUM({rng})",
                f"=MAX({rng})",
                f"=MIN({rng})",
                f"=SUMPRODUCT({rng},Weights)",
                f"=INDEX(Inputs!C{i}:{last}{i},MATCH(BaseYear,Years,0))",
                f"=ROUND(AVERAGE({rng}),2)",
                f'=COUNTIF(Calc!C{base + 3}:{last}{base + 3},"HIGH")',
                "="
                + points(
                    f"SUM(Inputs!C{i + 1}:{last}{i + 1})",
                    f"SUM(Inputs!C{i}:{last}{i})",
                    f"SUM(Inputs!C{i + 2}:{last}{i + 2})",
                    "BaseYear",
                ),
                f'=IF(B{r}>={threshold},"ok","short")',
            ]
        ):
            summ.cell(r, 2 + k, text)
            n += 1
    last_row = 1 + programmes
    for k, text in enumerate(
        [f"=SUM(B2:B{last_row})", f"=MAX(C2:C{last_row})", f"=SUM(I2:I{last_row})"]
    ):
        summ.cell(last_row + 2, 2 + k, text)
        n += 1
    wb.save(path)
    return n


def fill_templates(folder: Path, count: int, seed: int = 11) -> tuple[list[Path], str]:
    """``count`` filled programme_budget templates; returns (paths, how they were made)."""
    folder.mkdir(parents=True, exist_ok=True)
    rnd = random.Random(seed)
    try:
        from xlfuncs.templates.fill import fill

        template: str = "programme_budget"
        paths = []
        for k in range(count):
            data = {
                "Model_Name": f"Model {k}",
                "Revenue": [rnd.randint(1_000, 90_000) * 1000 for _ in range(7)],
                "RnD_Spend": [rnd.randint(10, 900) * 1000 for _ in range(7)],
                "Licence_Lump_Sum": [rnd.randint(0, 200) * 1000 for _ in range(7)],
            }
            out = folder / f"programme_{k:04d}.xlsx"
            # recalc=False: no stored results, so the batch below does the full work
            fill(template, data, out, force=True, recalc=False)
            paths.append(out)
        return paths, "xlfuncs.templates.fill(programme_budget, recalc=False)"
    except Exception as exc:  # noqa: BLE001  (templates package missing or changed: copy the committed template)
        return _template_copies(folder, count, f"{type(exc).__name__}: {exc}")


def _template_copies(folder: Path, count: int, why: str) -> tuple[list[Path], str]:
    src = ROOT / "workbook_templates" / "programme_budget.xlsx"
    if not src.exists():
        return [], f"no templates ({why})"
    paths = []
    for k in range(count):
        out = folder / f"programme_{k:04d}.xlsx"
        shutil.copyfile(src, out)
        paths.append(out)
    return paths, f"copies of workbook_templates/programme_budget.xlsx ({why})"


# ----------------------------------------------------------------------------- timers
def median_time(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def ours(src: Path, dst: Path) -> int:
    from xlfuncs.recalc import writer
    from xlfuncs.recalc.engine import clear_result_memo, evaluate
    from xlfuncs.recalc.reader import clear_memos, read_workbook
    from xlfuncs.recalc.writer import write_values

    # real work each time: "warm" means compiled plans, not remembered rows or results
    clear_memos()
    writer.clear_memos()
    clear_result_memo()
    book = read_workbook(src)
    res = evaluate(book)
    return write_values(src, dst, res.values)


def openpyxl_floor(src: Path, dst: Path) -> None:
    import openpyxl

    openpyxl.load_workbook(src).save(dst)


class LibreOffice:
    """``soffice --convert-to xlsx`` with a private, warmed profile."""

    def __init__(self, workdir: Path) -> None:
        self.exe = shutil.which("soffice")
        self.profile = workdir / "lo-profile"
        self.out = workdir / "lo-out"
        self.out.mkdir(parents=True, exist_ok=True)

    @property
    def available(self) -> bool:
        return self.exe is not None

    def convert(self, files: list[Path], timeout: float = 900) -> None:
        assert self.exe
        subprocess.run(
            [
                self.exe,
                f"-env:UserInstallation=file://{self.profile}",
                "--headless",
                "--norestore",
                "--convert-to",
                "xlsx",
                "--outdir",
                str(self.out),
                *map(str, files),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=timeout,
        )

    def warm(self, sample: Path) -> None:
        """Create the profile, then add ``ooSetupLastVersion`` so later starts skip first-start work."""
        self.convert([sample])
        xcu = self.profile / "user" / "registrymodifications.xcu"
        if not xcu.exists():
            return
        text = xcu.read_text(encoding="utf-8")
        if "ooSetupLastVersion" in text:
            return
        ver = subprocess.run(
            [self.exe or "soffice", "--version"], capture_output=True, text=True, check=False
        ).stdout.split()
        version = ".".join(ver[1].split(".")[:2]) if len(ver) > 1 else "7.4"
        item = (
            f'<item oor:path="/org.openoffice.Setup/Product"><prop oor:name="ooSetupLastVersion" '
            f'oor:op="fuse"><value>{version}</value></prop></item>\n'
        )
        xcu.write_text(text.replace("</oor:items>", item + "</oor:items>"), encoding="utf-8")
        self.convert([sample])


# VmHWM (peak RSS of this process image) rather than ru_maxrss, which Linux carries over
# from the parent across fork + exec and so would report the benchmark's own peak.
_PEAK = """
import sys
sys.path.insert(0, {root!r})
from benchmarks.bench_recalc import ours
from pathlib import Path
def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
before = hwm()
ours(Path({src!r}), Path({dst!r}))
print(before, hwm())
"""


def peak_memory_mb(src: Path, dst: Path) -> tuple[float, float]:
    """(baseline MB after imports, peak MB) of a fresh process doing one recalc + write."""
    code = (
        "import xlfuncs.recalc.engine, xlfuncs.recalc.reader, xlfuncs.recalc.writer\n"
        + _PEAK.format(root=str(ROOT), src=str(src), dst=str(dst))
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=1800
    )
    base_kb, peak_kb = map(int, out.stdout.split()[-2:])
    return base_kb / 1024, peak_kb / 1024


# ----------------------------------------------------------------------------- ratio
_CHILD = """
import sys, time
sys.path.insert(0, {bench!r})
from pathlib import Path
from bench_recalc import median_time, ours
src = Path({src!r})
ours(src, Path({dst!r}))  # compile the plans (cold)
print(median_time(lambda: ours(src, Path({dst!r})), 3))
"""


def growth_ratio(rounds: int) -> int:
    """~50k and ~500k formula cells, read + evaluate + write, alternating in fresh processes.

    Each process gives the median of 3 warm runs; the medians over ``rounds`` rounds and
    their ratio are printed (target: at most 12x). One pair of runs varies too much on a
    shared machine to judge the growth.
    """
    work = Path(tempfile.mkdtemp(prefix="bench-ratio-"))
    try:
        env = {**os.environ, "XLFUNCS_CACHE_DIR": str(work / "plan-cache")}
        files = {}
        for programmes in (500, 5000):
            files[programmes] = work / f"gen_{programmes}.xlsx"
            generate_workbook(files[programmes], programmes)
        times: dict[int, list[float]] = {500: [], 5000: []}
        for r in range(rounds):
            for programmes, src in files.items():
                code = _CHILD.format(
                    bench=str(Path(__file__).parent), src=str(src), dst=str(work / "out.xlsx")
                )
                out = subprocess.run(
                    [sys.executable, "-c", code], check=True, capture_output=True, text=True, env=env
                )
                times[programmes].append(float(out.stdout.strip().splitlines()[-1]))
                print(f"round {r + 1}: ~{programmes * 99:,} cells {times[programmes][-1]:.3f} s", file=sys.stderr)
        small, big = statistics.median(times[500]), statistics.median(times[5000])
        print(f"~50k: {small:.3f} s, ~500k: {big:.3f} s (medians of {rounds} fresh processes)")
        print(f"~500k / ~50k time: {big / small:.1f}x (target <= 12x)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


# ----------------------------------------------------------------------------- against
_AGAINST_CHILD = """
import os, statistics, sys, time
sys.path.insert(0, {root!r})
import xlfuncs
assert os.path.dirname(os.path.abspath(xlfuncs.__file__)) == {pkg!r}, xlfuncs.__file__
from pathlib import Path
from xlfuncs.recalc import writer
from xlfuncs.recalc.engine import clear_result_memo, evaluate
from xlfuncs.recalc.reader import clear_memos, read_workbook

def ours(src, dst):
    clear_memos(); writer.clear_memos(); clear_result_memo()
    book = read_workbook(src)
    return writer.write_values(src, dst, evaluate(book).values)

src, dst = Path({src!r}), Path({dst!r})
if {batch!r}:
    from xlfuncs.recalc.batch import recalc
    paths = sorted(src.glob("*.xlsx"))
    recalc(paths[:4], out_dir=dst, force=True, progress=False, jobs=1)  # plans on disk
    t0 = time.perf_counter()
    rep = recalc(paths, out_dir=dst, force=True, progress=False, jobs={jobs!r})
    print(time.perf_counter() - t0)
    assert not rep.failed, [f.reason for f in rep.failed][:3]
else:
    ours(src, dst)  # compile the plans (cold)
    times, writes = [], []
    for _ in range(3):
        t0 = time.perf_counter()
        ours(src, dst)
        times.append(time.perf_counter() - t0)
    values = evaluate(read_workbook(src)).values
    for _ in range(5):  # the writer alone (where the copied members are checked)
        read_workbook(src)
        writer.clear_memos()
        t0 = time.perf_counter()
        writer.write_values(src, dst, values)
        writes.append(time.perf_counter() - t0)
    print(statistics.median(times), statistics.median(writes))
"""


def _copied_member_check_ms(paths: list[Path]) -> float:
    """Milliseconds per file of :func:`~xlfuncs.recalc.writer.verify_member` (inflate and
    CRC-32) over the members a recalc copies unchanged (all but the worksheets)."""
    import zipfile

    from xlfuncs.recalc.writer import verify_member

    total = 0.0
    for p in paths:
        with zipfile.ZipFile(p) as z, open(p, "rb") as fh:
            for info in z.infolist():
                if info.filename.startswith("xl/worksheets/sheet"):
                    continue
                fh.seek(info.header_offset + 26)
                n, m = int.from_bytes(fh.read(2), "little"), int.from_bytes(fh.read(2), "little")
                fh.seek(info.header_offset + 30 + n + m)
                raw = fh.read(info.compress_size)
                t0 = time.perf_counter()
                verify_member(raw, info)
                total += time.perf_counter() - t0
    return total / len(paths) * 1000


def against(before: Path, rounds: int, n_batch: int, jobs: int | None) -> int:
    """The same files recalculated by the code in ``before`` (a checkout of an earlier commit)
    and by this tree, alternating in fresh processes for ``rounds`` rounds: the medians, their
    ratio, and the cost of checking the copied members alone."""
    before = before.resolve()
    if not (before / "xlfuncs" / "__init__.py").is_file():
        print(f"{before}: no xlfuncs package there", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="bench-against-"))
    trees = {"before": before, "after": ROOT}
    try:
        cases: list[tuple[str, Path, bool]] = []
        if n_batch:
            paths, how = fill_templates(work / "batch", n_batch)
            print(f"[batch] {len(paths)} templates: {how}", file=sys.stderr)
            cases.append((f"batch of {len(paths)} templates", work / "batch", True))
            cases.append(("one filled template", paths[0], False))
        for programmes in (50, 500):
            src = work / f"gen_{programmes}.xlsx"
            cells = generate_workbook(src, programmes)
            cases.append((f"~{cells // 1000}k formula cells, one file", src, False))
        times: dict[tuple[str, str], list[float]] = {
            (label, tree): [] for label, _s, _b in cases for tree in trees
        }
        writes: dict[tuple[str, str], list[float]] = {k: [] for k in times}
        for r in range(rounds):
            for label, src, batch in cases:
                for tree, root in (trees.items() if r % 2 == 0 else reversed(trees.items())):
                    env = {**os.environ, "XLFUNCS_CACHE_DIR": str(work / f"plans-{tree}")}
                    code = _AGAINST_CHILD.format(
                        root=str(root), pkg=str(root / "xlfuncs"), src=str(src),
                        dst=str(work / f"out-{tree}" if batch else work / f"out-{tree}.xlsx"),
                        batch=batch, jobs=jobs,
                    )
                    out = subprocess.run(
                        [sys.executable, "-c", code], check=True, capture_output=True, text=True,
                        env=env, cwd=work,
                    )
                    got = out.stdout.strip().splitlines()[-1].split()
                    times[(label, tree)].append(float(got[0]))
                    if len(got) > 1:
                        writes[(label, tree)].append(float(got[1]))
                    print(f"round {r + 1} {tree:6} {label}: {' '.join(got)} s", file=sys.stderr)
        print(f"before: {before}\nafter:  {ROOT}\n")
        def paired(series: dict[tuple[str, str], list[float]], label: str) -> float:
            # the two runs of one round are adjacent in time: their ratio drifts less with
            # the machine's load than the ratio of the medians
            pairs = zip(series[(label, "after")], series[(label, "before")])
            return statistics.median(a / b for a, b in pairs)

        print(
            "case | read+evaluate+write before s | after s | after/before (paired) "
            "| write alone before ms | after ms | after/before (paired) "
            "| copied-member check ms/file"
        )
        for label, src, batch in cases:
            b = statistics.median(times[(label, "before")])
            a = statistics.median(times[(label, "after")])
            files = sorted(src.glob("*.xlsx")) if batch else [src]
            check = _copied_member_check_ms(files)
            if writes[(label, "after")]:
                wb = statistics.median(writes[(label, "before")]) * 1000
                wa = statistics.median(writes[(label, "after")]) * 1000
                w = f"{wb:.1f} | {wa:.1f} | {wa / wb:.3f} ({paired(writes, label):.3f})"
            else:
                w = "- | - | -"
            print(
                f"{label} | {b:.3f} | {a:.3f} | {a / b:.3f} ({paired(times, label):.3f}) "
                f"| {w} | {check:.2f}"
            )
        print(f"\nmedians of {rounds} fresh processes per tree, alternating; "
              f"{os.cpu_count()} CPUs; batch jobs: {jobs or 'all cores'}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


# ----------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--quick", action="store_true", help="fast smoke run")
    ap.add_argument(
        "--batch", type=int, default=None, help="number of filled templates (default 500; quick 20)"
    )
    ap.add_argument("--huge", action="store_true", help="also ~500,000 formula cells (slow)")
    ap.add_argument(
        "--batch-only", action="store_true", help="only the batch of filled templates"
    )
    ap.add_argument(
        "--jobs", type=int, default=None, help="workers for the template batch (default: cores)"
    )
    ap.add_argument("--no-libreoffice", action="store_true")
    ap.add_argument("--keep", metavar="DIR", help="work in DIR and keep the files")
    ap.add_argument(
        "--ratio",
        type=int,
        metavar="ROUNDS",
        help="only the growth from ~50k to ~500k cells, alternating in fresh processes",
    )
    ap.add_argument(
        "--against",
        metavar="DIR",
        type=Path,
        help="compare with the code of DIR (a checkout of an earlier commit), same files, "
        "alternating fresh processes (--rounds, default 3; --batch, default 200)",
    )
    ap.add_argument("--rounds", type=int, default=3, help="rounds of --against")
    args = ap.parse_args(argv)
    if args.ratio:
        return growth_ratio(args.ratio)
    if args.against:
        n = args.batch if args.batch is not None else 200
        return against(args.against, args.rounds, n, args.jobs)
    repeat = 1 if args.quick else 3
    sizes = [("~500 cells", 5)] if args.quick else [("~5k cells", 50), ("~50k cells", 500)]
    if args.huge:
        sizes.append(("~500k cells", 5000))
    if args.batch_only:
        sizes = []
    n_batch = args.batch if args.batch is not None else (20 if args.quick else 500)
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-recalc-"))
    work.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("XLFUNCS_CACHE_DIR", str(work / "plan-cache"))
    lo = LibreOffice(work)
    use_lo = lo.available and not args.no_libreoffice
    rows: list[tuple[str, ...]] = []
    warm_by_size: dict[int, float] = {}
    try:
        if use_lo:
            sample = work / "warm.xlsx"
            generate_workbook(sample, 1, plain=True)
            lo.warm(sample)
        # the batch first, in a process that holds no large workbook yet
        if n_batch:
            from xlfuncs.recalc.batch import recalc

            paths, how = fill_templates(work / "batch", n_batch)
            print(f"[batch] {len(paths)} templates: {how}", file=sys.stderr)
            if paths:
                out = work / "batch-out"
                reports = []

                def run_batch() -> None:
                    shutil.rmtree(out, ignore_errors=True)
                    reports.append(
                        recalc(paths, out_dir=out, jobs=args.jobs, force=True, progress=False)
                    )

                # fresh workers each run (their row and result memos start empty); the
                # template's compiled plan is on disk after the first run
                ours_b = median_time(run_batch, repeat)
                rep = reports[-1]
                failed = len(rep.failed)
                cli_out = work / "batch-cli"
                cli = [sys.executable, "-m", "xlfuncs", "recalc", str(work / "batch"), "-o"]
                cli += [str(cli_out), "--force"] + (["--jobs", str(args.jobs)] if args.jobs else [])
                cli_b = median_time(
                    lambda: subprocess.run(cli, check=True, capture_output=True), repeat
                )
                t0 = time.perf_counter()
                for p in paths:
                    openpyxl_floor(p, work / "floor.xlsx")
                floor_b = time.perf_counter() - t0
                lo_b = float("nan")
                if use_lo:
                    t0 = time.perf_counter()
                    lo.convert(paths)
                    lo_b = time.perf_counter() - t0
                rows.append(
                    (
                        f"batch {len(paths)} templates ({rep.formula_cells} formulas, {failed} failed)",
                        "-",
                        f"{ours_b:.3f}",
                        f"{floor_b:.3f}",
                        f"{lo_b:.3f}",
                        f"{ours_b / floor_b:.2f}",
                        f"{lo_b / ours_b:.2f}",
                        f"{len(paths) / ours_b:.0f} files/s",
                    )
                )
                rows.append(
                    (
                        "  the same from the command line (Python start and imports included)",
                        "-",
                        f"{cli_b:.3f}",
                        f"{floor_b:.3f}",
                        f"{lo_b:.3f}",
                        f"{cli_b / floor_b:.2f}",
                        f"{lo_b / cli_b:.2f}",
                        f"{len(paths) / cli_b:.0f} files/s",
                    )
                )
        for label, programmes in sizes:
            src, plain = work / f"gen_{programmes}.xlsx", work / f"gen_{programmes}_plain.xlsx"
            t0 = time.perf_counter()
            cells = generate_workbook(src, programmes)
            generate_workbook(plain, programmes, plain=True)
            gen = time.perf_counter() - t0
            dst = work / f"gen_{programmes}_out.xlsx"
            t0 = time.perf_counter()
            ours(src, dst)  # cold: plan cache empty for this shape
            cold = time.perf_counter() - t0
            rep = 1 if programmes >= 5000 else repeat  # for the slow references at ~500k
            warm = median_time(lambda s=src, d=dst: ours(s, d), repeat)
            warm_by_size[programmes] = warm
            floor = median_time(lambda s=src: openpyxl_floor(s, work / "floor.xlsx"), rep)
            lot = median_time(lambda p=plain: lo.convert([p]), rep) if use_lo else float("nan")
            base_mb, peak_mb = peak_memory_mb(src, work / "peak.xlsx")
            rows.append(
                (
                    f"{label} ({cells} formulas)",
                    f"{cold:.3f}",
                    f"{warm:.3f}",
                    f"{floor:.3f}",
                    f"{lot:.3f}",
                    f"{warm / floor:.2f}",
                    f"{lot / warm:.2f}",
                    f"{peak_mb:.0f} (base {base_mb:.0f})",
                )
            )
            print(f"[{label}] generated in {gen:.1f} s", file=sys.stderr)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    head = (
        "case",
        "ours cold s",
        "ours s",
        "openpyxl load+save s",
        "LibreOffice s",
        "ours/openpyxl",
        "LibreOffice/ours",
        "peak MB / rate",
    )
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
    for r in [head, tuple("-" * w for w in widths), *rows]:
        print(" | ".join(str(x).ljust(w) for x, w in zip(r, widths)))
    if 500 in warm_by_size and 5000 in warm_by_size:
        print(
            f"\n~500k / ~50k time: {warm_by_size[5000] / warm_by_size[500]:.1f}x (target <= 12x)"
        )
    print(
        f"\n{os.cpu_count()} CPUs; repeats: {repeat} (median; 1 for openpyxl and LibreOffice at "
        f"~500k and on the batch); LibreOffice: "
        f"{'warm private profile' if use_lo else 'not run'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
