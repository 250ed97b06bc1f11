"""xlfuncs against other engines, whole processes, on the same files, in one run.

Each measurement is one fresh process that loads a workbook, evaluates it and writes an
.xlsx: Python start and imports included, as a user running the tool pays them.

Engines (those not installed are left out and said so):

* ``xlfuncs``      ``python -m xlfuncs recalc SRC -o OUT`` (plan cache warm, as after a first run)
* ``ironcalc``     ``load_from_xlsx`` + ``evaluate`` + ``save_to_xlsx`` (Rust, PyPI ``ironcalc``)
* ``formualizer``  ``recalculate_xlsx_file`` (Rust, PyPI ``formualizer``; patches cached values)
* ``libreoffice``  ``soffice --headless --convert-to xlsx`` with a private profile that
  recalculates every formula on load (``OOXMLRecalcMode`` = always: the default profile keeps
  stale cached values; checked on a file with a wrong cached value before timing)
* ``formulas``     ``ExcelModel().loads().finish()`` + ``calculate`` + ``write`` (pure Python)
* ``openpyxl``     ``load_workbook`` + ``save`` (no evaluation: the I/O floor of a Python tool)

Cases: generated workbooks of ~5k, ~50k and ~500k formula cells (``bench_recalc``'s
generator, plain variant: arithmetic, ROUND/MIN/MAX/IF/SUM/INDEX/MATCH/SUMPRODUCT/AVERAGE/
COUNTIF, cross-sheet references and defined names, which every engine runs) and a batch of
200 small files (3 programmes, ~300 formula cells each) on 2 workers (``--jobs 2`` for
xlfuncs; a 2-process pool for the Python engines; 2 ``soffice`` processes, one profile each).

Then the same workbooks with our functions (``LOCPOINTS``, ``LOCTHRESHOLD``) against
formualizer with our functions registered in its process (``register_function`` over
:meth:`FunctionSpec.invoke`; load + ``evaluate_all`` + ``to_xlsx_bytes``).

Times are medians of ``--repeat`` rounds (default 3) after one untimed warm-up round; the
engines alternate within each round (the order rotates), so a drift of the shared machine
hits them alike. ``formulas`` is run once (no warm-up) at ~50k and on the batch, and not
at ~500k (92 s and 2.5 GB at ~50k; ~10x that would not fit the machine). The ratio is engine time / xlfuncs time in the
same run, for the wall time and for the CPU time of the process tree (user + system,
which another load on a shared machine disturbs less than the wall time). Peak MB is the largest resident set of any process of the run (``wait4``): for a
batch, the largest worker. Results are compared with xlfuncs' on a sample of formula cells
(numbers at relative 1e-9: LibreOffice writes 15 digits).

    pip install -e ".[bench]"      # ironcalc, formualizer, formulas
    apt-get install -y --no-install-recommends libreoffice-calc-nogui
    python benchmarks/bench_peers.py                 # everything (~15 min on 2 cores)
    python benchmarks/bench_peers.py --quick         # ~5k and a batch of 20, 1 round
    python benchmarks/bench_peers.py --sizes 50 500 --engines xlfuncs ironcalc formualizer

``PYTHONDONTWRITEBYTECODE`` is dropped from the children's environment: an installed package
has its bytecode compiled, and an editable one writes it on the warm-up run.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve()

ENGINES = ("xlfuncs", "ironcalc", "formualizer", "libreoffice", "formulas", "openpyxl")
#: the engine each optional one needs importable (libreoffice: soffice on PATH)
_MODULES = {"ironcalc": "ironcalc", "formualizer": "formualizer", "formulas": "formulas",
            "openpyxl": "openpyxl"}
#: our functions in the LOC* variant of the workbooks
LOC_FUNCTIONS = ("LOCPOINTS", "LOCTHRESHOLD")
#: formulas' cost grows fast: at most this many programmes, once above FORMULAS_ONCE
FORMULAS_MAX, FORMULAS_ONCE = 500, 100
#: from this many formula cells no warm-up round (the smaller cases warmed every cache) and
#: ``--repeat-huge`` rounds
HUGE = 200_000


# ----------------------------------------------------------------------------- children
# Each engine runs in a fresh interpreter started as ``bench_peers.py --child ENGINE ...``:
# it imports only that engine.


def _child_one(engine: str, src: str, out_dir: str) -> None:
    dst = os.path.join(out_dir, os.path.basename(src))
    if engine == "ironcalc":
        import ironcalc

        model = ironcalc.load_from_xlsx(src)
        model.evaluate()
        if os.path.exists(dst):
            os.remove(dst)
        model.save_to_xlsx(dst)
    elif engine == "formualizer":
        import formualizer

        formualizer.recalculate_xlsx_file(src, dst)
    elif engine == "formualizer-loc":
        _formualizer_loc(src, dst)
    elif engine == "formulas":
        import formulas

        xl = formulas.ExcelModel().loads(src).finish()
        xl.calculate()
        xl.write(dirpath=out_dir)
    elif engine == "openpyxl":
        import openpyxl

        openpyxl.load_workbook(src).save(dst)
    else:
        raise SystemExit(f"unknown engine {engine}")


def _formualizer_loc(src: str, dst: str) -> None:
    """formualizer with our functions registered in-process (the best it can do with them)."""
    import formualizer as fz

    from xlfuncs.errors import ExcelError
    from xlfuncs.registry import resolve

    kinds = {ExcelError.NUM: "Num", ExcelError.VALUE: "Value", ExcelError.NA: "Na",
             ExcelError.DIV0: "Div", ExcelError.NAME: "Name", ExcelError.REF: "Ref",
             ExcelError.NULL: "Null"}
    back = {v: k for k, v in kinds.items()}

    def adapter(spec: Any) -> Any:
        invoke = spec.invoke

        def call(*args: Any) -> Any:
            conv = []
            for a in args:
                if isinstance(a, fz.ExcelError):
                    conv.append(back.get(a.kind, ExcelError.VALUE))
                else:
                    conv.append(a)
            v = invoke(*conv)
            if isinstance(v, ExcelError):
                return fz.LiteralValue.error(kinds.get(v, "Value"), None)
            return v

        return call

    wb = fz.load_workbook(src)
    for name in LOC_FUNCTIONS:
        spec = resolve(name)
        assert spec is not None
        wb.register_function(name, adapter(spec), min_args=spec.min_args,
                             max_args=len(spec.args))
    wb.evaluate_all()
    data = wb.to_xlsx_bytes()
    with open(dst, "wb") as fh:
        fh.write(data)


def _pool_one(job: tuple[str, str, str]) -> None:
    _child_one(*job)


def _child_batch(engine: str, list_file: str, out_dir: str, jobs: int) -> None:
    import multiprocessing

    files = Path(list_file).read_text(encoding="utf-8").split("\n")
    work = [(engine, f, out_dir) for f in files if f]
    with multiprocessing.Pool(jobs) as pool:
        pool.map(_pool_one, work, chunksize=max(1, len(work) // (jobs * 8)))


def _child_lo_batch(list_file: str, out_dir: str, profiles: str) -> None:
    """One soffice per profile, the files split between them, all at once."""
    files = [f for f in Path(list_file).read_text(encoding="utf-8").split("\n") if f]
    profs = profiles.split(os.pathsep)
    procs = []
    for k, prof in enumerate(profs):
        part = files[k :: len(profs)]
        procs.append(subprocess.Popen(_soffice_cmd(Path(prof), out_dir, part),
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    rc = [p.wait(timeout=3600) for p in procs]
    if any(rc):
        raise SystemExit(f"soffice failed: {rc}")


# ----------------------------------------------------------------------------- running
def _soffice_cmd(profile: Path, out_dir: str, files: list[str]) -> list[str]:
    return [shutil.which("soffice") or "soffice", f"-env:UserInstallation={profile.as_uri()}",
            "--headless", "--norestore", "--convert-to", "xlsx", "--outdir", out_dir, *files]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def measure(cmd: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds of the whole process tree, peak MB of its largest process)
    of one command."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=str(ROOT), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        _pid, status, usage = os.wait4(proc.pid, 0)
    except BaseException:
        proc.kill()
        raise
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[:4]}... exited {proc.returncode}: {err.strip()[-800:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


class LibreOffice:
    """Private profiles that recalculate on load and skip first-start work."""

    ITEMS = (
        '<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" '
        'oor:op="fuse"><value>0</value></prop></item>\n'
        '<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" '
        'oor:op="fuse"><value>0</value></prop></item>\n'
    )

    def __init__(self, work: Path, count: int) -> None:
        self.profiles = [work / f"lo-profile-{k}" for k in range(count)]

    def prepare(self, stale: Path, env: dict[str, str]) -> None:
        ver = subprocess.run([shutil.which("soffice") or "soffice", "--version"],
                             capture_output=True, text=True, check=False).stdout.split()
        version = ".".join(ver[1].split(".")[:2]) if len(ver) > 1 else "7.4"
        out = stale.parent / "lo-check"
        for prof in self.profiles:
            subprocess.run(_soffice_cmd(prof, str(out), [str(stale)]), check=True, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
            xcu = prof / "user" / "registrymodifications.xcu"
            text = xcu.read_text(encoding="utf-8")
            items = self.ITEMS
            if "ooSetupLastVersion" not in text:
                items += (f'<item oor:path="/org.openoffice.Setup/Product"><prop oor:name='
                          f'"ooSetupLastVersion" oor:op="fuse"><value>{version}</value></prop></item>\n')
            xcu.write_text(text.replace("</oor:items>", items + "</oor:items>"), encoding="utf-8")
            shutil.rmtree(out, ignore_errors=True)
            subprocess.run(_soffice_cmd(prof, str(out), [str(stale)]), check=True, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
            got = _sheet1_value(out / stale.name, "B1")
            if got is None or abs(float(got) - 6.0) > 1e-9:
                raise RuntimeError(f"LibreOffice kept the stale cached value ({got!r}, want 6)")


def _sheet1_value(path: Path, ref: str) -> str | None:
    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
    m = re.search(rf'<c r="{ref}"[^>]*>(?:(?!</c>).)*?<v>([^<]*)</v>', xml, re.S)
    return m.group(1) if m else None


def engine_cmd(engine: str, src: Path | list[Path], out: Path, jobs: int,
               lo: LibreOffice | None, list_file: Path | None) -> list[str]:
    py = sys.executable
    batch = isinstance(src, list)
    if engine == "xlfuncs":
        target = str(src[0].parent) if batch else str(src)
        cmd = [py, "-m", "xlfuncs", "recalc", target, "-o", str(out), "--force", "--no-progress"]
        return cmd + ["--jobs", str(jobs if batch else 1)]
    if engine == "libreoffice":
        assert lo is not None
        if batch:
            assert list_file is not None
            profs = os.pathsep.join(str(p) for p in lo.profiles[:jobs])
            return [py, str(HERE), "--child-lo-batch", str(list_file), str(out), profs]
        return _soffice_cmd(lo.profiles[0], str(out), [str(src)])
    if batch:
        assert list_file is not None
        return [py, str(HERE), "--child-batch", engine, str(list_file), str(out), str(jobs)]
    return [py, str(HERE), "--child", engine, str(src), str(out)]


# ----------------------------------------------------------------------------- workbooks
_GEN = """
import sys, random
sys.path.insert(0, {root!r})
from pathlib import Path
from benchmarks.bench_recalc import generate_workbook
jobs = {jobs!r}
for path, programmes, plain, seed in jobs:
    n = generate_workbook(Path(path), programmes, plain=plain, seed=seed)
    print(path, n)
import openpyxl
wb = openpyxl.Workbook()
ws = wb.active
ws["A1"] = 2
ws["B1"] = "=A1*3"
wb.save({stale!r})
from xlfuncs.recalc.writer import write_values
import os
tmp = {stale!r} + ".tmp.xlsx"
write_values({stale!r}, tmp, {{(0, 1, 2): 999.0}})
os.replace(tmp, {stale!r})
"""


def generate(work: Path, sizes: list[int], batch: int) -> dict[str, Any]:
    """Write every workbook in a child process (this one stays small, so the children's
    peak memory is theirs); returns paths and formula counts. Workbooks a ``--keep`` folder
    already holds (listed in its ``cells.json``) are reused."""
    import json

    manifest = work / "cells.json"
    known: dict[str, int] = json.loads(manifest.read_text()) if manifest.exists() else {}
    jobs: list[tuple[str, int, bool, int]] = []
    for n in sizes:
        jobs.append((str(work / "plain" / f"gen_{n}.xlsx"), n, True, 7))
        jobs.append((str(work / "loc" / f"gen_{n}.xlsx"), n, False, 7))
    for k in range(batch):
        jobs.append((str(work / "plain-batch" / f"small_{k:04d}.xlsx"), 3, True, 100 + k))
        jobs.append((str(work / "loc-batch" / f"small_{k:04d}.xlsx"), 3, False, 100 + k))
    for sub in ("plain", "loc", "plain-batch", "loc-batch"):
        (work / sub).mkdir(parents=True, exist_ok=True)
    stale = work / "stale.xlsx"
    jobs = [j for j in jobs if not (j[0] in known and Path(j[0]).exists())]
    code = _GEN.format(root=str(ROOT), jobs=jobs, stale=str(stale))
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True, env=_env())
    cells = dict(known)
    for line in out.stdout.splitlines():
        path, n = line.rsplit(" ", 1)
        cells[path] = int(n)
    manifest.write_text(json.dumps(cells))
    return {"cells": cells, "stale": stale}


# ----------------------------------------------------------------------------- checking
_CHECK = """
import sys, json, math
from pathlib import Path
from xlfuncs.recalc.reader import read_workbook
ref_path, sample_n = sys.argv[1], int(sys.argv[2])
others = json.loads(sys.argv[3])
ref = read_workbook(ref_path)
cells = sorted((s, r, c) for s, sh in enumerate(ref.sheets) for (r, c) in sh.formulas)
step = max(1, len(cells) // sample_n)
sample = cells[::step] + cells[-5:]
def value(book, name, r, c):
    for sh in book.sheets:
        if sh.name.lower() == name.lower():
            v = sh.cached.get((r, c), sh.values.get((r, c)))
            return v
    return "<no sheet>"
def same(a, b):
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return str(a) == str(b)
out = {}
for engine, path in others.items():
    try:
        book = read_workbook(path)
    except Exception as exc:
        out[engine] = f"unreadable: {exc}"
        continue
    bad = []
    for s, r, c in sample:
        want = ref.sheets[s].cached.get((r, c))
        got = value(book, ref.sheets[s].name, r, c)
        if not same(want, got):
            bad.append(f"{ref.sheets[s].name}!R{r}C{c}: xlfuncs {want!r}, {engine} {got!r}")
    out[engine] = f"{len(sample) - len(bad)}/{len(sample)}" + (f" (e.g. {bad[0]})" if bad else "")
print(json.dumps(out))
"""


def _output_file(out: Path, src: Path) -> Path | None:
    for cand in (out / src.name, out / src.name.upper()):
        if cand.exists():
            return cand
    for p in out.glob("*"):
        if p.name.lower() == src.name.lower():
            return p
    return None


def check(ref: Path, outputs: dict[str, Path], sample: int) -> dict[str, str]:
    import json

    if not outputs:
        return {}
    got = subprocess.run(
        [sys.executable, "-c", _CHECK, str(ref), str(sample),
         json.dumps({k: str(v) for k, v in outputs.items()})],
        check=True, capture_output=True, text=True, env=_env(), cwd=str(ROOT),
    )
    return json.loads(got.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


# ----------------------------------------------------------------------------- main
def available(engines: list[str]) -> tuple[list[str], list[str]]:
    import importlib.util

    ok, missing = [], []
    for e in engines:
        if e == "libreoffice":
            (ok if shutil.which("soffice") else missing).append(e)
        elif e == "formualizer-loc" or e in _MODULES:
            mod = "formualizer" if e == "formualizer-loc" else _MODULES[e]
            (ok if importlib.util.find_spec(mod) else missing).append(e)
        else:
            ok.append(e)
    return ok, missing


def run_case(label: str, engines: list[str], srcs: Path | list[Path], work: Path, jobs: int,
             repeat: int, lo: LibreOffice | None, env: dict[str, str], cells: int,
             sample: int, log: Any) -> list[tuple[str, ...]]:
    batch = isinstance(srcs, list)
    list_file = None
    if batch:
        list_file = work / f"{label.replace(' ', '_')}.txt"
        list_file.write_text("\n".join(str(p) for p in srcs), encoding="utf-8")
    runs: dict[str, list[float]] = {e: [] for e in engines}
    cpus: dict[str, list[float]] = {e: [] for e in engines}
    failed: dict[str, str] = {}  # an engine that refuses the file is reported, not retried
    peaks: dict[str, float] = {e: 0.0 for e in engines}
    outs = {e: work / "out" / label.replace(" ", "_") / e for e in engines}

    def once(e: str) -> tuple[float, float, float] | None:
        if e in failed:
            return None
        shutil.rmtree(outs[e], ignore_errors=True)
        outs[e].mkdir(parents=True, exist_ok=True)
        try:
            return measure(engine_cmd(e, srcs, outs[e], jobs, lo, list_file), env)
        except RuntimeError as exc:
            failed[e] = str(exc).strip().splitlines()[-1][:160]
            print(f"[{label}] {e} failed: {failed[e]}", file=log, flush=True)
            return None

    def rounds_of(e: str) -> int:
        return 1 if e == "formulas" and (cells > FORMULAS_ONCE * 99 or batch) else repeat

    for e in engines:  # warm-up: bytecode, plan cache, page cache, LibreOffice's libraries
        if (rounds_of(e) > 1 or repeat == 1) and cells < HUGE:  # the smaller cases warmed those
            once(e)
    for r in range(max(rounds_of(e) for e in engines)):
        order = engines[r % len(engines):] + engines[: r % len(engines)]
        for e in order:
            if len(runs[e]) >= rounds_of(e) or e in failed:
                continue
            got = once(e)
            if got is None:
                continue
            wall, cpu, peak = got
            runs[e].append(wall)
            cpus[e].append(cpu)
            peaks[e] = max(peaks[e], peak)
            print(f"[{label}] round {r + 1} {e}: {wall:.3f} s, CPU {cpu:.3f} s, {peak:.0f} MB",
                  file=log, flush=True)
    med = {e: statistics.median(runs[e]) if runs[e] else math.nan for e in engines}
    mcpu = {e: statistics.median(cpus[e]) if cpus[e] else math.nan for e in engines}
    ref = srcs[0] if batch else srcs
    agree: dict[str, str] = {}
    if "xlfuncs" in engines:
        ours = _output_file(outs["xlfuncs"], ref)
        others = {}
        for e in engines:
            if e == "xlfuncs" or e == "openpyxl" or e in failed:
                continue
            p = _output_file(outs[e], ref)
            if p is None:
                agree[e] = "no output"
            else:
                others[e] = p
        if ours is not None:
            agree.update(check(ours, others, sample))
    rows = []
    base, cbase = med.get("xlfuncs"), mcpu.get("xlfuncs")
    for e in engines:
        ratio = f"{med[e] / base:.2f}" if base else "-"
        cratio = f"{mcpu[e] / cbase:.2f}" if cbase else "-"
        note = agree.get(e, "(reference)" if e == "xlfuncs" else "no evaluation")
        if e in failed:
            note = f"failed: {failed[e]}"
        rows.append((label, e, f"{med[e]:.3f}", ratio, f"{mcpu[e]:.3f}", cratio,
                     str(len(runs[e])), f"{peaks[e]:.0f}", note))
    return rows


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--child":
        _child_one(argv[1], argv[2], argv[3])
        return 0
    if argv and argv[0] == "--child-batch":
        _child_batch(argv[1], argv[2], argv[3], int(argv[4]))
        return 0
    if argv and argv[0] == "--child-lo-batch":
        _child_lo_batch(argv[1], argv[2], argv[3])
        return 0
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="*", default=None, metavar="PROGRAMMES",
                    help="workbook sizes in programmes of ~99 formula cells (default 50 500 5000)")
    ap.add_argument("--batch", type=int, default=None, help="small files in the batch (default 200)")
    ap.add_argument("--jobs", type=int, default=2, help="workers for the batch (default 2)")
    ap.add_argument("--repeat", type=int, default=None, help="timed rounds (default 3)")
    ap.add_argument("--repeat-huge", type=int, default=None,
                    help=f"timed rounds from {HUGE:,} formula cells (default: --repeat)")
    ap.add_argument("--loc-only", action="store_true", help="only the LOC* part")
    ap.add_argument("--engines", nargs="+", default=list(ENGINES), choices=ENGINES)
    ap.add_argument("--no-loc", action="store_true", help="skip the LOC* part")
    ap.add_argument("--sample", type=int, default=300, help="cells compared per output")
    ap.add_argument("--quick", action="store_true", help="~5k cells and a batch of 20, 1 round")
    ap.add_argument("--keep", metavar="DIR", help="work in DIR and keep the files")
    args = ap.parse_args(argv)
    sizes = args.sizes if args.sizes is not None else ([50] if args.quick else [50, 500, 5000])
    n_batch = args.batch if args.batch is not None else (20 if args.quick else 200)
    repeat = args.repeat or (1 if args.quick else 3)
    engines, missing = available(list(dict.fromkeys(["xlfuncs", *args.engines])))
    loc_engines, loc_missing = available(["xlfuncs", "formualizer-loc"])
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-peers-"))
    work.mkdir(parents=True, exist_ok=True)
    env = _env()
    env["XLFUNCS_CACHE_DIR"] = str(work / "plan-cache")
    log = sys.stderr
    rows: list[tuple[str, ...]] = []
    try:
        t0 = time.perf_counter()
        gen = generate(work, sizes, n_batch)
        cells = gen["cells"]
        print(f"generated {len(cells)} workbooks in {time.perf_counter() - t0:.0f} s", file=log)
        lo = None
        if "libreoffice" in engines:
            lo = LibreOffice(work, max(1, args.jobs))
            lo.prepare(gen["stale"], env)
            print("LibreOffice profiles ready (recalculation on load checked)", file=log)
        parts = [] if args.loc_only else [("plain", engines)]
        if not args.no_loc:
            parts.append(("loc", loc_engines))
        for part, engs in parts:
            for n in sizes:
                src = work / part / f"gen_{n}.xlsx"
                k = cells[str(src)]
                use = [e for e in engs if not (e == "formulas" and n > FORMULAS_MAX)]
                label = f"{part} ~{round(k, -3) // 1000}k cells" if k >= 1000 else f"{part} {k} cells"
                rounds = (args.repeat_huge or repeat) if k >= HUGE else repeat
                rows += run_case(label, use, src, work, args.jobs, rounds, lo, env, k,
                                 args.sample, log)
            if n_batch:
                files = sorted((work / f"{part}-batch").glob("*.xlsx"))
                k = sum(cells[str(p)] for p in files)
                label = f"{part} batch {len(files)} files ({k} cells), {args.jobs} workers"
                rows += run_case(label, engs, files, work, args.jobs, repeat, lo, env, k,
                                 args.sample, log)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    head = ("case", "engine", "wall s", "wall / xlfuncs", "CPU s", "CPU / xlfuncs", "runs",
            "peak MB", "results agree")
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
    for r in [head, tuple("-" * w for w in widths), *rows]:
        print("| " + " | ".join(str(x).ljust(w) for x, w in zip(r, widths)) + " |")
    print(f"\n{os.cpu_count()} CPUs; {repeat} timed round(s) after a warm-up, engines alternating; "
          f"'loc' = our functions (formualizer-loc: formualizer with them registered in-process)")
    if missing or loc_missing:
        print(f"not installed, left out: {', '.join(dict.fromkeys(missing + loc_missing))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
