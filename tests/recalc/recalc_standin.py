"""A stand-in evaluator for the I/O tests: deterministic values that depend only on the formula.

It does not compute Excel semantics; it lets the reader/writer/batch tests run without the
real engine and gives every value type the writer must handle:

* text starting with ``"``           -> that text (without quotes)
* text containing ``ERRDIV``         -> ``#DIV/0!``
* text containing ``TRUE``           -> ``True``
* text containing ``NOPE(``          -> ``#NAME?`` and a warning "unsupported function NOPE"
* text containing ``CIRC``           -> the cell is reported as circular
* text containing ``BOOM``           -> raises (an engine crash must not stop a batch)
* text containing ``DIE``            -> the worker process exits at once (never the main process)
* text containing ``CYCLE``          -> leaves a reference cycle behind (watched in ``CYCLES``)
* text containing ``BLANK``          -> ``None``
* text containing ``SLOW``           -> sleeps 0.2 s first (a batch long enough to interrupt)
* text containing ``RULEBOOK``       -> the edition id of the active rulebook (the one a batch
  run pins), plus ``|`` and ``$XLFUNCS_RULEBOOK`` when that is set
* anything else                      -> ``row * 1000 + col + len(text) / 8``
"""

from __future__ import annotations

import multiprocessing
import os
import time
import weakref

from xlfuncs.errors import ExcelError
from xlfuncs.recalc.model import EvalResult, WorkbookData

#: weak references to the cycles left by ``CYCLE`` formulas
CYCLES: list[weakref.ref[object]] = []


class _Node:
    def __init__(self, inner: list[object]) -> None:
        self.inner = inner
        inner.append(self)


def standin_value(text: str, row: int, col: int) -> object:
    if text.startswith('"'):
        return text.strip('"')
    if "ERRDIV" in text:
        return ExcelError.DIV0
    if "TRUE" in text:
        return True
    if "NOPE(" in text:
        return ExcelError.NAME
    if "BLANK" in text:
        return None
    if "RULEBOOK" in text:
        from xlfuncs.rulebook import active_rulebook

        env = os.environ.get("XLFUNCS_RULEBOOK")
        return active_rulebook().edition + (f"|{env}" if env else "")
    return row * 1000 + col + len(text) / 8


def evaluate(book: WorkbookData, *, today: object = None, cache: object = None) -> EvalResult:
    if os.environ.get("STANDIN_SLEEP"):
        time.sleep(float(os.environ["STANDIN_SLEEP"]))
    res = EvalResult(values={})
    for si, sheet in enumerate(book.sheets):
        for (r, c), f in sheet.formulas.items():
            if "BOOM" in f.text:
                raise RuntimeError("stand-in engine exploded")
            if "CYCLE" in f.text:
                node: list[object] = []
                node.append(node)  # unreachable once this call returns: only the collector frees it
                CYCLES.append(weakref.ref(_Node(node)))
            if "SLOW" in f.text:
                time.sleep(0.2)
            if "DIE" in f.text and multiprocessing.parent_process() is not None:
                os._exit(3)  # a worker killed mid-file (out of memory, kill -9)
            res.values[(si, r, c)] = standin_value(f.text, r, c)
            if "NOPE(" in f.text:
                res.warnings.append("unsupported function NOPE")
            if "CIRC" in f.text:
                res.circular.append(f"{sheet.name}!R{r}C{c}")
        for r, c in sheet.array_members:
            res.values[(si, r, c)] = float(r * 1000 + c)
    return res
