"""Start-up cost of ``xlfuncs recalc``: CPU seconds until the first file is reached.

Measured in fresh processes (the minimum and the median of ``--runs``, since a shared
machine only ever adds time):

* **CLI, first file**: ``xlfuncs recalc one_small.xlsx -o out`` (one file, run inline): the
  process's CPU time (user + system, interpreter start included) when the batch calls
  ``process_file`` for its first file; then the same when that file's reader, engine and
  writer modules are imported and its workbook is read (``evaluate`` entered), and the
  CPU time of the whole command.
* **pool worker, first file**: ``xlfuncs recalc DIR -o out --jobs 2``: each forked
  worker's CPU time when it reaches its first file (the default start method on Linux).
* **spawned worker**: a fresh interpreter running the pool's worker initializer (what a
  worker costs where processes are spawned: Windows, macOS, Python 3.14's forkserver).

It also lists which heavy packages (numpy, pandas, openpyxl, lxml) the CLI process has
imported by the first file. The plan cache and the rulebook cache are warm (one untimed
run first), as for every run after the first on a machine.

    python benchmarks/bench_startup.py [--runs 9] [--root OTHER_CHECKOUT]

``--root`` measures another checkout of the project (e.g. an older commit in a worktree)
with this interpreter. ``PYTHONDONTWRITEBYTECODE`` is dropped for the children: an
installed package has its bytecode compiled.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve()
ROOT = HERE.parents[1]

_HOOK = """
import os, sys, time, json
sys.path.insert(0, {root!r})
out = {out!r}
def note(what):
    with open(out, "a") as fh:
        fh.write(json.dumps([what, os.getpid(), time.process_time(),
                             [m for m in ("numpy", "pandas", "openpyxl", "lxml") if m in sys.modules]]) + "\\n")
import xlfuncs.recalc.batch as b
first = []
real = b.process_file
def process_file(task):
    if os.getpid() not in first:
        first.append(os.getpid())
        note("file")
    return real(task)
b.process_file = process_file
real_eval = b._evaluate
def _evaluate(book, task):
    if len(first) == 1 and os.getpid() == first[0] and not hasattr(_evaluate, "done"):
        _evaluate.done = True
        import xlfuncs.recalc.engine, xlfuncs.recalc.writer  # what the file needs next
        note("read")
    return real_eval(book, task)
b._evaluate = _evaluate
from xlfuncs.cli import main
rc = main(sys.argv[1:])
note("end")
raise SystemExit(rc)
"""

_SPAWNED = """
import sys, time
sys.path.insert(0, {root!r})
from xlfuncs.recalc.batch import _init_worker
_init_worker({rulebook!r})
import multiprocessing.connection, concurrent.futures.process  # a pool worker's own imports
print(time.process_time())
"""


def _env(cache: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["XLFUNCS_CACHE_DIR"] = str(cache)
    env.pop("XLFUNCS_RULEBOOK", None)
    return env


def _run(root: Path, args: list[str], work: Path, env: dict[str, str]) -> list[list[object]]:
    out = work / "notes.jsonl"
    out.unlink(missing_ok=True)
    code = _HOOK.format(root=str(root), out=str(out))
    subprocess.run([sys.executable, "-c", code, *args], check=True, env=env, cwd=str(root),
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return [json.loads(line) for line in out.read_text().splitlines()]


def _fmt(xs: list[float]) -> str:
    return f"min {min(xs):.3f} s, median {statistics.median(xs):.3f} s"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--root", type=Path, default=ROOT, help="checkout to measure (default: this one)")
    args = ap.parse_args(argv)
    root = args.root.resolve()
    work = Path(tempfile.mkdtemp(prefix="bench-startup-"))
    env = _env(work / "cache")
    # the workbooks: one small file (a programme of our functions and plain formulas) and 4 more
    gen = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r})\n"
        "from pathlib import Path\n"
        "from benchmarks.bench_recalc import generate_workbook\n"
        f"generate_workbook(Path({str(work / 'one_small.xlsx')!r}), 1)\n"
        f"Path({str(work / 'many')!r}).mkdir()\n"
        f"for k in range(4): generate_workbook(Path({str(work / 'many')!r}) / f's{{k}}.xlsx', 1, seed=k)\n"
    )
    subprocess.run([sys.executable, "-c", gen], check=True, env=env)
    one = ["recalc", str(work / "one_small.xlsx"), "-o", str(work / "out"), "--force", "--jobs", "1"]
    many = ["recalc", str(work / "many"), "-o", str(work / "out2"), "--force", "--jobs", "2"]
    _run(root, one, work, env)  # warm: bytecode, plan cache, rulebook cache
    _run(root, many, work, env)
    first, read, total, workers, spawned = [], [], [], [], []
    mods: set[str] = set()
    for _ in range(args.runs):
        notes = _run(root, one, work, env)
        by = {n[0]: n for n in notes}
        first.append(float(by["file"][2]))  # type: ignore[arg-type]
        read.append(float(by["read"][2]))  # type: ignore[arg-type]
        total.append(float(by["end"][2]))  # type: ignore[arg-type]
        mods.update(by["file"][3])  # type: ignore[arg-type]
        notes = _run(root, many, work, env)
        main_pid = next(n[1] for n in notes if n[0] == "end")
        workers += [float(n[2]) for n in notes if n[0] == "file" and n[1] != main_pid]  # type: ignore[arg-type]
        out = subprocess.run(
            [sys.executable, "-c", _SPAWNED.format(root=str(root), rulebook="ru719-2026-07")],
            check=True, env=env, capture_output=True, text=True, cwd=str(root))
        spawned.append(float(out.stdout.strip().splitlines()[-1]))
    print(f"checkout: {root}")
    print(f"CLI, CPU when the first file is reached:        {_fmt(first)}")
    print(f"CLI, CPU when that file is read, modules loaded: {_fmt(read)}")
    print(f"CLI, CPU of the whole one-file command:          {_fmt(total)}")
    print(f"forked pool worker, CPU to its first file:       {_fmt(workers)}")
    print(f"spawned worker, CPU to ready (initializer):      {_fmt(spawned)}")
    print(f"heavy packages imported by the first file: {', '.join(sorted(mods)) or 'none'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
