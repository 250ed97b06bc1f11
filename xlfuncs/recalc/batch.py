"""Batch recalculation: many workbooks, in parallel, with a report.

:func:`recalc` reads each workbook, evaluates it with the formula engine
(:func:`xlfuncs.recalc.engine.evaluate`) and writes the results into a copy
(``out_dir``) or into the file itself (``in_place=True``). :func:`check` evaluates in
memory and lists cells whose stored value differs. Files run in a process pool (or on a
Dask cluster) with a bounded number of tasks in flight; one bad file never stops the rest.

The engine is reached through one seam, :func:`get_evaluator`: pass ``evaluator=`` (a
picklable callable or ``"module:function"``) or set ``XLFUNCS_RECALC_EVALUATOR``.

The rulebook is explicit: :func:`recalc` and :func:`check` load and validate it once, in
the calling process, before any file is touched (a bad one is a :class:`UsageError`); each
task and each pool worker gets its edition id or absolute path, loads it with
:func:`~xlfuncs.rulebook.load_rulebook` (once per process, again only when the file
changes) and pins it (:func:`~xlfuncs.rulebook.pinned_rulebook`) while a workbook is
computed. The environment is neither read nor written here.

>>> sorted(p.name for p in expand_paths([]))
[]
"""

from __future__ import annotations

import functools
import gc
import glob
import importlib
import math
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from xlfuncs._fileio import file_stamp
from xlfuncs.errors import ExcelError, RulebookError, WorkbookError
from xlfuncs.recalc.model import EvalResult, WorkbookData
from xlfuncs.recalc.report import BatchReport, FileResult
from xlfuncs.rulebook import (
    Rulebook,
    active_rulebook,
    available_editions,
    load_rulebook,
    pinned_rulebook,
)

if TYPE_CHECKING:  # the pool is imported when one is started (a one-file run needs none)
    from concurrent.futures import Future, ProcessPoolExecutor

    from xlfuncs.recalc.session import RecalcSession

__all__ = [
    "EVALUATOR_ENV",
    "RULEBOOK_ENV",
    "Task",
    "UsageError",
    "cell_name",
    "check",
    "expand_paths",
    "get_evaluator",
    "prepare_rulebook",
    "process_file",
    "process_files",
    "recalc",
]

#: ``"module:function"`` of an alternative evaluator (tests, experiments).
EVALUATOR_ENV = "XLFUNCS_RECALC_EVALUATOR"
#: The user's outer default rulebook (read by :mod:`xlfuncs.rulebook` and, once, by the command
#: line); batch runs never set it: the rulebook travels in the tasks.
RULEBOOK_ENV = "XLFUNCS_RULEBOOK"
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
_GLOB_CHARS = set("*?[")

Evaluator = Callable[..., EvalResult]


class UsageError(ValueError):
    """The call itself is wrong (exit code 2), as opposed to a bad file."""


def get_evaluator(spec: Evaluator | str | None = None) -> Evaluator:
    """Return the evaluator to use: ``spec``, else ``$XLFUNCS_RECALC_EVALUATOR``, else the engine."""
    if callable(spec):
        return spec
    spec = spec or os.environ.get(EVALUATOR_ENV) or "xlfuncs.recalc.engine:evaluate"
    module_name, _, attr = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise WorkbookError(f"formula engine not available ({exc.name} missing)") from None
    fn = getattr(module, attr or "evaluate", None)
    if not callable(fn):
        raise WorkbookError(f"formula engine not available ({spec} is not callable)")
    return fn  # type: ignore[no-any-return]


def _is_candidate(p: Path) -> bool:
    from xlfuncs.recalc.writer import TEMP_PREFIX

    name = p.name
    return (
        p.suffix.lower() in WORKBOOK_SUFFIXES
        and not name.startswith("~$")
        and not name.startswith(TEMP_PREFIX)
    )


def expand_paths(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Path]:
    """Expand folders (their workbooks, not recursive) and globs (``**`` recursive) to workbook paths.

    A file named explicitly is yielded whatever its extension (so a ``.xls`` given by name is
    reported as a failure); folders and globs yield only ``.xlsx``/``.xlsm`` files, never
    Excel lock files (``~$*``) nor temporary files of an interrupted run. Each path once.
    """
    seen: set[str] = set()

    def once(p: Path) -> Iterator[Path]:
        key = os.path.abspath(p)
        if key not in seen:
            seen.add(key)
            yield p

    for item in paths:
        text = os.fspath(item)
        p = Path(text)
        if p.is_dir():
            try:
                children = sorted(os.scandir(p), key=lambda e: e.name)
            except OSError:
                yield from once(p)
                continue
            for entry in children:
                child = Path(entry.path)
                if _is_candidate(child) and entry.is_file():
                    yield from once(child)
        elif not p.exists() and _GLOB_CHARS & set(text):
            for match in sorted(glob.glob(text, recursive=True)):
                mp = Path(match)
                if _is_candidate(mp) and mp.is_file():
                    yield from once(mp)
        else:
            yield from once(p)


@dataclass(frozen=True, slots=True)
class Task:
    """One unit of work, picklable for process pools and Dask."""

    src: str
    #: destination, or ``None`` to evaluate only (``check``)
    dst: str | None
    mode: Literal["recalc", "check"] = "recalc"
    #: edition id or absolute path of the rulebook (``None``: the process's active one)
    rulebook: str | None = None
    evaluator: Any = None
    force: bool = False
    in_place: bool = False
    #: functions that are not built in computed by the optional ``formulas`` package
    fallback: bool = True


def cell_name(sheet: str, row: int, col: int) -> str:
    """``Sheet!A1``, quoting the sheet name when Excel would.

    >>> cell_name("Calc", 2, 3), cell_name("My data", 1, 1)
    ('Calc!C2', "'My data'!A1")
    """
    from xlfuncs.recalc.reader import index_to_col

    if not sheet.replace("_", "").replace(".", "").isalnum() or sheet[:1].isdigit():
        sheet = "'" + sheet.replace("'", "''") + "'"
    return f"{sheet}!{index_to_col(col)}{row}"


def _show(value: object) -> str:
    if value is None:
        return "(empty)"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return '"' + value.replace('"', '""') + '"'
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def _same(stored: object, computed: object) -> bool:
    if isinstance(stored, bool) or isinstance(computed, bool):
        return type(stored) is type(computed) and stored == computed
    if isinstance(stored, (int, float)) and isinstance(computed, (int, float)):
        if math.isnan(float(computed)) or math.isnan(float(stored)):
            return False
        return math.isclose(float(stored), float(computed), rel_tol=1e-9, abs_tol=0.0)
    if isinstance(stored, ExcelError) and isinstance(computed, ExcelError):
        return stored.stored is computed.stored  # #SPILL!/#CALC! are stored as #VALUE!
    if isinstance(stored, ExcelError) or isinstance(computed, ExcelError):
        return False
    if computed == "" and stored is None:
        return True
    return type(stored) is type(computed) and stored == computed


#: rulebooks loaded in this process: spec -> (file stamp, rulebook)
_RULEBOOKS: dict[str, tuple[object, Rulebook]] = {}
_RULEBOOKS_MAX = 8


def _stamp(spec: str) -> object:
    """What tells a changed rulebook file: its size and modification time (``None`` when it
    cannot be read; a packaged edition never changes)."""
    if spec in available_editions():
        return "packaged"
    try:
        st = os.stat(spec)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


def _task_rulebook(spec: str) -> Rulebook:
    """The rulebook of a task: loaded with :func:`~xlfuncs.rulebook.load_rulebook` once per
    process, and again when its file changed. Raises :class:`~xlfuncs.errors.RulebookError`."""
    stamp = _stamp(spec)
    hit = _RULEBOOKS.get(spec)
    if hit is not None and stamp is not None and hit[0] == stamp:
        return hit[1]
    book = load_rulebook(spec)
    _remember(spec, stamp, book)
    return book


def _remember(spec: str, stamp: object, book: Rulebook) -> None:
    _RULEBOOKS.pop(spec, None)
    while len(_RULEBOOKS) >= _RULEBOOKS_MAX:
        _RULEBOOKS.pop(next(iter(_RULEBOOKS)))
    _RULEBOOKS[spec] = (stamp, book)


def _evaluate(book: WorkbookData, task: Task, session: RecalcSession) -> EvalResult:
    from xlfuncs.recalc import engine

    evaluate = get_evaluator(task.evaluator)
    if evaluate is engine.evaluate:  # the engine: the worker's session for the task's setting
        evaluate = functools.partial(engine.evaluate, session=session)
    if task.rulebook is None:
        return evaluate(book)
    with pinned_rulebook(_task_rulebook(task.rulebook)):
        return evaluate(book)


_NUMBER_TYPES = (int, float)


def _unchanged_sheets(
    book: WorkbookData, values: Mapping[tuple[int, int, int], object]
) -> set[int]:
    """Sheets whose every computed value equals the stored one exactly (same type and value;
    int and float count as one type): their bytes need no rewrite."""
    changed: set[int] = set()
    seen: set[int] = set()
    miss = object()
    for (s, r, c), v in values.items():
        if s in changed:
            continue
        seen.add(s)
        if not 0 <= s < len(book.sheets):
            changed.add(s)
            continue
        old = book.sheets[s].cached.get((r, c), miss)
        tv, to = type(v), type(old)
        if tv is to or (tv in _NUMBER_TYPES and to in _NUMBER_TYPES):
            if old == v:
                continue
        changed.add(s)
    return seen - changed


def _lock_file(src: Path) -> Path:
    return src.with_name("~$" + src.name)


def process_file(task: Task) -> FileResult:
    """Recalculate (or check) one workbook; never raises."""
    start = time.perf_counter()
    result = FileResult(task.src)
    try:
        _process(task, result)
    except WorkbookError as exc:
        result.status, result.reason = "failed", _one_line(str(exc))
    except RulebookError as exc:  # the file changed after the run validated it
        result.status, result.reason = "failed", _one_line(f"rulebook: {exc}")
    except MemoryError:
        result.status, result.reason = "failed", "out of memory"
    except RecursionError:
        result.status, result.reason = "failed", "formulas nested too deeply"
    except Exception as exc:  # noqa: BLE001  (one broken file must never stop a batch)
        result.status, result.reason = (
            "failed",
            _one_line(f"internal error: {type(exc).__name__}: {exc}"),
        )
    result.seconds = time.perf_counter() - start
    return result


def _one_line(text: str) -> str:
    return " ".join(text.split())[:500]


def _process(task: Task, result: FileResult) -> None:
    from xlfuncs.recalc.reader import read_workbook

    src = Path(task.src)
    if task.dst is not None and not task.in_place:
        dst = Path(task.dst)
        if dst.exists():
            if src.exists() and os.path.samefile(dst, src):
                raise WorkbookError(
                    "output would overwrite the input; use --in-place to change the file itself"
                )
            if not task.force:
                raise WorkbookError(f"output {dst} exists; use --force to overwrite")
    if task.in_place:
        if src.exists() and not os.access(src, os.W_OK):
            raise WorkbookError("file is read-only; not modified")
        if _lock_file(src).exists():
            raise WorkbookError(
                f"file is open in Excel (lock file {_lock_file(src).name}); not modified"
            )
    # --in-place: the file replaced must be the file read (a save from Excel meanwhile is
    # refused at the rename, not overwritten with results of the old inputs)
    stamp = file_stamp(src) if task.in_place else None
    from xlfuncs.recalc.session import default_session

    session = default_session(fallback=task.fallback)  # the reader's memo and the engine's state
    book = read_workbook(src, memo=session.read_memo)
    result.formula_cells = sum(len(s.formulas) for s in book.sheets)
    evaluated = _evaluate(book, task, session)
    result.warnings = list(dict.fromkeys(evaluated.warnings))
    result.fallback_cells = list(evaluated.fallback_cells)
    result.circular = list(evaluated.circular)
    values = evaluated.values
    result.error_cells = sum(1 for v in values.values() if isinstance(v, ExcelError))
    if evaluated.circular and not book.iterate:
        shown = ", ".join(evaluated.circular[:5]) + (" ..." if len(evaluated.circular) > 5 else "")
        raise WorkbookError(f"circular reference ({shown}); fix it or enable iterative calculation")
    if task.mode == "check":
        for (s, r, c), computed in sorted(values.items(), key=lambda kv: kv[0]):
            if not 0 <= s < len(book.sheets):
                continue
            sheet = book.sheets[s]
            if (r, c) not in sheet.formulas and (r, c) not in sheet.array_members:
                continue
            stored = sheet.cached.get((r, c))
            if not _same(stored, computed):
                result.differences.append(
                    f"{cell_name(sheet.name, r, c)} stored {_show(stored)} computed {_show(computed)}"
                )
        return
    assert task.dst is not None
    from xlfuncs.recalc.writer import write_values

    unchanged = _unchanged_sheets(book, values)
    del book
    result.written_cells = write_values(
        src, task.dst, values, unchanged_sheets=unchanged, expect=stamp
    )
    result.output = task.dst


class _Progress:
    """A one-line progress bar on stderr, shown only on a terminal."""

    def __init__(self, total: int, enabled: bool | None, label: str) -> None:
        stream = sys.stderr
        self.enabled = stream.isatty() if enabled is None else enabled
        self.total, self.done, self.failed, self.label = total, 0, 0, label
        self.start = time.perf_counter()
        self._last = 0.0

    def update(self, ok: bool) -> None:
        self.done += 1
        self.failed += 0 if ok else 1
        now = time.perf_counter()
        if self.enabled and (now - self._last > 0.1 or self.done == self.total):
            self._last = now
            width = 30
            frac = self.done / self.total if self.total else 1.0
            bar = "#" * int(frac * width)
            rate = self.done / max(now - self.start, 1e-9)
            sys.stderr.write(
                f"\r{self.label} [{bar:<{width}}] {self.done}/{self.total} files"
                f" ({self.failed} failed, {rate:.1f}/s)"
            )
            sys.stderr.flush()

    def close(self) -> None:
        if self.enabled and self.total:
            sys.stderr.write("\n")
            sys.stderr.flush()


def _run_inline(tasks: Sequence[Task], on_done: Callable[[int, FileResult], None]) -> None:
    for i, task in enumerate(tasks):
        on_done(i, process_file(task))


def _warm_up() -> None:
    """Import the reader, engine, writer and function table once, so forked workers inherit
    them and spawned ones pay for it before their first file."""
    try:
        from xlfuncs.recalc import engine, reader, writer  # noqa: F401
        from xlfuncs.registry import resolve

        resolve("LOCPOINTS")
    except Exception:  # noqa: BLE001  (a broken table shows up per file, with its reason)
        pass


def _die_with_parent(parent: int) -> None:
    """End this worker as soon as the process that started it is gone.

    A killed run must stop writing: without this, workers re-parented after a SIGKILL of the
    command go on writing outputs and hold its stdout open. On Linux the kernel delivers
    SIGKILL when the parent dies (``PR_SET_PDEATHSIG``); elsewhere a daemon thread watches
    the parent id. Either way a worker whose parent died before this ran exits at once.
    Interrupts are the parent's to handle: workers ignore SIGINT (a Ctrl-C reaches the whole
    process group) and are stopped by the parent, which then removes their temporary files.
    """
    import signal

    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except (ValueError, OSError):  # pragma: no cover - not the main thread
        pass
    armed = False
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            armed = libc.prctl(1, int(signal.SIGKILL), 0, 0, 0) == 0  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):  # pragma: no cover - no prctl
            armed = False
    if os.getppid() != parent:
        os._exit(1)
    if armed:
        return
    import threading

    def watch() -> None:  # pragma: no cover - platforms without PR_SET_PDEATHSIG
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="xlfuncs-parent-watch", daemon=True).start()


def _init_worker(rulebook: str | None, parent: int | None = None) -> None:
    """Pool worker start: tied to its parent, the warm-up, the rulebook, then the garbage
    collector.

    ``rulebook`` is the edition id or absolute path the calling process validated; a forked
    worker finds it loaded already, a spawned one loads it here. Should it fail now (the
    file changed since), each file of the worker fails with that reason.

    A forked worker inherits every object of the calling process (a caller may hold a large
    workbook). They are frozen, so no collection ever walks them (nor copies their memory
    pages), and automatic collection is off: files make mostly acyclic objects, freed by
    reference counting, and :func:`process_files` collects the young generations after each
    chunk, which finds every cycle made since the chunk before (and every 32nd chunk all
    generations but the frozen objects).
    """
    if parent is not None:
        _die_with_parent(parent)
    _warm_up()
    if rulebook is not None:
        try:
            _task_rulebook(rulebook)
        except RulebookError:
            pass  # not kept: every file of this worker loads it again and fails with the reason
    gc.freeze()
    gc.disable()
    _WORKER_GC[0] = True


def process_files(tasks: Sequence[Task]) -> list[FileResult]:
    """:func:`process_file` over a chunk of tasks (one round trip to a worker per chunk)."""
    out = [process_file(t) for t in tasks]
    if _WORKER_GC[0]:
        # the automatic collector is off: the young generations after each chunk (every
        # cycle made since the chunk before), everything but the frozen objects now and then
        _WORKER_GC[1] += 1
        gc.collect(2 if _WORKER_GC[1] % 32 == 0 else 1)
    return out


#: [on, chunks done]: set in pool workers, whose garbage collector is off (see
#: :func:`_init_worker`)
_WORKER_GC: list[Any] = [False, 0]


def _chunk_size(n_tasks: int, jobs: int) -> int:
    """Tasks per pool submission: about 8 chunks per worker, at most 16 files each, so the
    round-trip cost is shared while the progress bar and the load balance stay smooth.

    >>> _chunk_size(500, 2), _chunk_size(20, 2), _chunk_size(10_000, 8)
    (16, 1, 16)
    """
    return max(1, min(16, n_tasks // (jobs * 8)))


def _rerun(task: Task, existed: bool) -> Task:
    """``task`` to run again after its chunk was lost: an output that did not exist before the
    run was written by the lost chunk, so it may be replaced without ``force``."""
    if not task.force and not existed and task.dst and os.path.exists(task.dst):
        return replace(task, force=True)
    return task


def _new_pool(jobs: int, rulebook: str | None) -> ProcessPoolExecutor:
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(
        max_workers=jobs, initializer=_init_worker, initargs=(rulebook, os.getpid())
    )


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Stop a pool at once (an interrupt): its workers are killed, not waited for; what they
    were writing stays in temporary files, which the caller removes."""
    import signal

    procs = list((getattr(pool, "_processes", None) or {}).values())
    for proc in procs:
        try:
            os.kill(proc.pid, getattr(signal, "SIGKILL", signal.SIGTERM))
        except (OSError, AttributeError, TypeError):
            pass
    for proc in procs:
        try:
            proc.join(5)
        except (OSError, AssertionError, AttributeError):
            pass
    pool.shutdown(wait=False, cancel_futures=True)


def _run_pool(
    tasks: Sequence[Task],
    jobs: int,
    rulebook: str | None,
    on_done: Callable[[int, FileResult], None],
) -> None:
    """Run ``tasks`` in a process pool, a chunk of files per submission.

    When a worker dies (out of memory, killed), every chunk the pool still held is run again
    at the end, one file at a time, so only a file that kills a worker on its own is
    reported as failed. A file that a dead chunk already wrote is written again (this run
    made it, so no ``force`` is needed).
    """
    from concurrent.futures import FIRST_COMPLETED, wait
    from concurrent.futures.process import BrokenProcessPool

    _warm_up()
    size = _chunk_size(len(tasks), jobs)
    chunks = [list(range(i, min(i + size, len(tasks)))) for i in range(0, len(tasks), size)]
    chunks.reverse()  # pop() from the end takes them in order
    existed = [t.dst is not None and os.path.exists(t.dst) for t in tasks]
    suspects: list[int] = []
    pool = _new_pool(jobs, rulebook)

    def run(queue: list[list[int]], window: int, final: bool) -> None:
        nonlocal pool
        inflight: dict[Future[list[FileResult]], list[int]] = {}
        while queue or inflight:
            while queue and len(inflight) < window:
                indexes = queue.pop()
                try:
                    fut = pool.submit(process_files, [_again(i) if final else tasks[i] for i in indexes])
                except BrokenProcessPool:
                    queue.append(indexes)
                    pool.shutdown(wait=False, cancel_futures=True)
                    pool = _new_pool(jobs, rulebook)
                    continue
                inflight[fut] = indexes
            done, _ = wait(inflight, return_when=FIRST_COMPLETED)
            broken = False
            for fut in done:
                indexes = inflight.pop(fut)
                try:
                    results = fut.result()
                except BrokenProcessPool:
                    broken = True
                    if not final:
                        suspects.extend(indexes)
                        continue
                    reason = "worker process died (out of memory or killed)"
                    results = [FileResult(tasks[i].src, status="failed", reason=reason) for i in indexes]
                except Exception as exc:  # noqa: BLE001
                    reason = _one_line(f"internal error: {exc}")
                    results = [FileResult(tasks[i].src, status="failed", reason=reason) for i in indexes]
                for i, res in zip(indexes, results):
                    on_done(i, res)
            if broken:
                for indexes in inflight.values():  # lost with the pool: innocent or not
                    if final:
                        queue.append(indexes)
                    else:
                        suspects.extend(indexes)
                inflight.clear()
                pool.shutdown(wait=False, cancel_futures=True)
                pool = _new_pool(jobs, rulebook)

    def _again(i: int) -> Task:
        return _rerun(tasks[i], existed[i])

    stopped = False
    try:
        run(chunks, max(2 * jobs, jobs + 1), final=False)
        if suspects:  # one file at a time: a death now is that file's own
            run([[i] for i in sorted(suspects, reverse=True)], 1, final=True)
    except BaseException:  # Ctrl-C, SIGTERM: no worker goes on writing
        stopped = True
        _stop_pool(pool)
        raise
    finally:
        if not stopped:
            pool.shutdown(wait=True, cancel_futures=True)
        if suspects or stopped:  # workers stopped mid-write leave temporary files
            from xlfuncs._fileio import clean_stale_temp_files

            for folder in {os.path.dirname(os.path.abspath(t.dst)) for t in tasks if t.dst}:
                clean_stale_temp_files(folder)


def _run_dask(
    tasks: Sequence[Task],
    jobs: int,
    scheduler: str | None,
    on_done: Callable[[int, FileResult], None],
) -> None:
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise UsageError(
            "the dask executor needs the optional extra: pip install 'xlfuncs[dask]'"
        ) from None
    cluster = None
    if scheduler:
        try:
            client = Client(scheduler, timeout="20s")  # type: ignore[no-untyped-call]
        except (OSError, TimeoutError) as exc:
            raise UsageError(f"cannot connect to Dask scheduler {scheduler} ({exc})") from None
    else:
        cluster = LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)  # type: ignore[no-untyped-call]
    window = max(4 * jobs, 8)
    size = _chunk_size(len(tasks), jobs)
    # (indexes, alone): a chunk that fails is run again one file at a time
    queue: list[tuple[list[int], bool]] = [
        (list(range(i, min(i + size, len(tasks)))), size == 1) for i in range(0, len(tasks), size)
    ]
    queue.reverse()
    existed = [t.dst is not None and os.path.exists(t.dst) for t in tasks]
    try:
        ac = as_completed()  # type: ignore[no-untyped-call]
        keys: dict[object, tuple[list[int], bool]] = {}
        retried: set[int] = set()
        inflight = 0

        def submit() -> None:
            nonlocal inflight
            indexes, alone = queue.pop()
            chunk = [_rerun(tasks[i], existed[i]) if i in retried else tasks[i] for i in indexes]
            fut = client.submit(process_files, chunk, pure=False)
            keys[fut.key] = (indexes, alone)
            ac.add(fut)  # type: ignore[no-untyped-call]
            inflight += 1

        while queue and inflight < window:
            submit()
        for fut in ac:
            inflight -= 1
            indexes, alone = keys.pop(fut.key)
            try:
                results = fut.result()
            except Exception as exc:  # noqa: BLE001
                if not alone:
                    queue.extend(([i], True) for i in reversed(indexes))
                    retried.update(indexes)
                    results = []
                else:
                    reason = _one_line(f"worker failed: {exc}")
                    results = [FileResult(tasks[i].src, status="failed", reason=reason) for i in indexes]
            fut.release()
            for i, res in zip(indexes, results):
                on_done(i, res)
            while queue and inflight < window:
                submit()
    finally:
        client.close()  # type: ignore[no-untyped-call]
        if cluster is not None:
            cluster.close()


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _run(
    tasks: list[Task],
    *,
    jobs: int | None,
    executor: str,
    scheduler: str | None,
    rulebook: str | None,
    progress: bool | None,
    label: str,
) -> BatchReport:
    start = time.perf_counter()
    results: list[FileResult | None] = [None] * len(tasks)
    bar = _Progress(len(tasks), progress, label)

    def on_done(i: int, res: FileResult) -> None:
        results[i] = res
        bar.update(res.ok)

    n_jobs = max(1, jobs or _cpu_count())
    try:
        if executor == "dask":
            _run_dask(tasks, n_jobs, scheduler, on_done)
        elif executor != "process":
            raise UsageError(f"unknown executor {executor!r} (use 'process' or 'dask')")
        elif n_jobs == 1 or len(tasks) <= 1:
            _run_inline(tasks, on_done)
        else:
            _run_pool(tasks, min(n_jobs, len(tasks)), rulebook, on_done)
    finally:
        bar.close()
    files = [
        r if r is not None else FileResult(t.src, status="failed", reason="not processed")
        for r, t in zip(results, tasks)
    ]
    return BatchReport(files, time.perf_counter() - start)


RulebookSpec = Rulebook | str | os.PathLike[str] | None


def _spec_of(book: Rulebook) -> str:
    """The edition id (a packaged edition) or the absolute path a worker loads ``book`` from."""
    packaged = available_editions().get(book.edition)
    path = Path(book.path)
    if packaged is not None and os.path.abspath(path) == os.path.abspath(packaged):
        return book.edition
    return os.path.abspath(path)


def prepare_rulebook(rulebook: RulebookSpec) -> tuple[str, Rulebook]:
    """Load and validate the rulebook of a run, once: ``(spec, rulebook)``, where ``spec`` (an
    edition id or an absolute path) is what the tasks carry.

    ``rulebook``: a :class:`~xlfuncs.rulebook.Rulebook`, an edition id, a path, or ``None``
    for the caller's active rulebook (:func:`~xlfuncs.rulebook.use_rulebook`, else
    ``$XLFUNCS_RULEBOOK``, else the default edition), asked once here. A bad rulebook raises
    :class:`UsageError` ``rulebook: FILE: row N: field: what is wrong``.
    """
    try:
        if isinstance(rulebook, Rulebook):
            book = rulebook
        elif rulebook is None:
            book = active_rulebook()
        else:
            text = os.fspath(rulebook)
            book = load_rulebook(text)
            if text in available_editions():
                _remember(text, _stamp(text), book)
                return text, book
    except RulebookError as exc:
        msg = str(exc)
        raise UsageError(msg if msg.startswith("rulebook:") else f"rulebook: {msg}") from exc
    spec = _spec_of(book)
    if spec not in available_editions() and not os.path.isfile(spec):
        raise UsageError(f"rulebook: {book.path}: not a file the workers can load")
    _remember(spec, _stamp(spec), book)
    return spec, book


def recalc(
    paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
    *,
    out_dir: str | os.PathLike[str] | None = None,
    in_place: bool = False,
    jobs: int | None = None,
    report: str | os.PathLike[str] | None = None,
    rulebook: RulebookSpec = None,
    executor: str = "process",
    scheduler: str | None = None,
    progress: bool | None = None,
    force: bool = False,
    evaluator: Evaluator | str | None = None,
    fallback: bool = True,
) -> BatchReport:
    """Recalculate workbooks and store the results in them.

    ``paths``: files, folders and globs. Results go to ``out_dir`` (same file names; an
    input is never overwritten) or, with ``in_place=True``, into the files themselves.
    An existing output file is replaced only with ``force=True``. Returns the
    :class:`BatchReport`; ``report`` also writes it as JSON or CSV. Raises
    :class:`UsageError` for a wrong call (no destination, unknown executor, a bad rulebook,
    ...).

    ``rulebook``: a :class:`~xlfuncs.rulebook.Rulebook`, an edition id or a file (default:
    the active rulebook), validated once before any file is touched; every file is computed
    with it. ``fallback=False``: functions that are not built in stay ``#NAME?`` even when the
    optional ``formulas`` package is installed (with it, they are computed per cell and the
    cells are listed in the report).
    """
    from xlfuncs.recalc.writer import clean_stale_temp_files

    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    if (out_dir is None) == (not in_place):
        raise UsageError(
            "give an output folder (-o DIR) or --in-place"
            if out_dir is None
            else "-o and --in-place exclude each other"
        )
    if jobs is not None and jobs < 1:
        raise UsageError("--jobs must be at least 1")
    if report is not None and Path(report).suffix.lower() not in (".json", ".csv"):
        raise UsageError(f"{report}: report must end in .json or .csv")
    rb, _book = prepare_rulebook(rulebook)
    out: Path | None = None
    if out_dir is not None:
        out = Path(out_dir)
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(
                f"{out}: cannot create output folder ({exc.strerror or exc})"
            ) from None
        clean_stale_temp_files(out)
    tasks: list[Task] = []
    taken: dict[str, str] = {}
    collisions: dict[int, str] = {}
    sources = list(expand_paths(paths))
    inputs = {os.path.realpath(s) for s in sources}
    cleaned: set[Path] = set()
    for src in sources:
        if in_place:
            if src.parent not in cleaned:
                cleaned.add(src.parent)
                clean_stale_temp_files(src.parent)
            dst = str(src)
        else:
            assert out is not None
            dst = str(out / src.name)
            real = os.path.realpath(dst)
            if real in inputs:
                collisions[len(tasks)] = (
                    f"output {dst} would overwrite an input; use another -o folder or --in-place"
                )
            elif real in taken:
                collisions[len(tasks)] = f"output name {src.name} is already used by {taken[real]}"
            taken.setdefault(real, str(src))
        tasks.append(Task(str(src), dst, "recalc", rb, evaluator, force, in_place, fallback))
    if not tasks:
        raise UsageError("no workbooks found in the given paths")
    runnable = [t for i, t in enumerate(tasks) if i not in collisions]
    rep = _run(
        runnable,
        jobs=jobs,
        executor=executor,
        scheduler=scheduler,
        rulebook=rb,
        progress=progress,
        label="recalc",
    )
    if collisions:
        merged: list[FileResult] = []
        it = iter(rep.files)
        for i, t in enumerate(tasks):
            merged.append(
                FileResult(t.src, status="failed", reason=collisions[i])
                if i in collisions
                else next(it)
            )
        rep.files = merged
    if report is not None:
        rep.try_write(report)
    return rep


def check(
    paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
    *,
    jobs: int | None = None,
    report: str | os.PathLike[str] | None = None,
    rulebook: RulebookSpec = None,
    executor: str = "process",
    scheduler: str | None = None,
    progress: bool | None = None,
    evaluator: Evaluator | str | None = None,
    fallback: bool = True,
) -> BatchReport:
    """Recalculate in memory and list, per file, the cells whose stored value differs.

    Numbers compare with a relative tolerance of 1e-9; text, booleans and errors exactly;
    a formula cell with no stored value differs from any computed value but an empty text.
    ``rulebook`` and ``fallback`` as for :func:`recalc`.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    if report is not None and Path(report).suffix.lower() not in (".json", ".csv"):
        raise UsageError(f"{report}: report must end in .json or .csv")
    rb, _book = prepare_rulebook(rulebook)
    tasks = [Task(str(p), None, "check", rb, evaluator, fallback=fallback) for p in expand_paths(paths)]
    if not tasks:
        raise UsageError("no workbooks found in the given paths")
    rep = _run(
        tasks,
        jobs=jobs,
        executor=executor,
        scheduler=scheduler,
        rulebook=rb,
        progress=progress,
        label="check",
    )
    if report is not None:
        rep.try_write(report)
    return rep
