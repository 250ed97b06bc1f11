"""The recalculation engine's state in one object: :class:`RecalcSession`.

Files made from one template repeat the same formulas, the same structure and most of the
same function calls, so the engine keeps what it worked out for one file for the next: plan
keys of formula texts, bound structures (compiled closures over a value store), evaluation
orders and the results of xlfuncs function calls. A session owns all of them, with one size
budget in formula cells for the structures and orders it keeps, and the settings they depend
on (the plan cache, whether the optional ``formulas`` package computes what is not built
in). Pass one to :func:`~xlfuncs.recalc.engine.evaluate` to keep the state apart (a service
that recalculates for several users, a test); without one, the process's default session is
used, as the batch workers do. The reader's memo of parts and rows is the session's too
(:attr:`RecalcSession.read_memo`, passed to :func:`~xlfuncs.recalc.reader.read_workbook`).

>>> from xlfuncs.recalc.engine import evaluate
>>> from xlfuncs.recalc.model import FormulaCell, SheetData, WorkbookData
>>> from xlfuncs.recalc.plancache import PlanCache
>>> s = RecalcSession(plans=PlanCache(disk=False), fallback=False)
>>> sh = SheetData("S", values={(1, 1): 2.0}, formulas={(1, 2): FormulaCell("A1*3", (1, 2))})
>>> evaluate(WorkbookData([sh]), session=s).values[(0, 1, 2)]
6.0
>>> s.held_cells()  # the structure (one cell) and its order are kept for the next file
2
>>> s.clear(); s.held_cells()
0
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from xlfuncs.recalc.plancache import PlanCache, default_cache
from xlfuncs.recalc.reader import DEFAULT_MEMO, ReadMemo

__all__ = ["DEFAULT_BUDGET_CELLS", "RecalcSession", "default_session"]

#: formula cells of bound structures and evaluation orders a session keeps, all together
DEFAULT_BUDGET_CELLS = 2_400_000
#: at most this many kept structures (and as many orders)
_MAX_ENTRIES = 4


class RecalcSession:
    """Caches and settings of the recalculation engine, with one size budget.

    ``plans``: the plan cache (default: the process-wide one with its disk store);
    ``budget_cells``: formula cells of kept structures and orders, all together;
    ``fallback``: compute functions that are not built in with the optional ``formulas``
    package when it is installed (per cell, reported in the result); ``udf_results``:
    memoised xlfuncs function results kept before the memo is emptied; ``read_memo``: the
    parts and rows the reader keeps (bounded in bytes, see
    :class:`~xlfuncs.recalc.reader.ReadMemo`).
    """

    def __init__(
        self,
        *,
        plans: PlanCache | None = None,
        budget_cells: int = DEFAULT_BUDGET_CELLS,
        fallback: bool = True,
        udf_results: int = 200_000,
        read_memo: ReadMemo | None = None,
    ) -> None:
        if budget_cells < 0 or udf_results < 0:
            raise ValueError("budget_cells and udf_results must be >= 0")
        self._plans = plans
        #: parts and rows the reader keeps for the next file (``read_workbook(memo=...)``)
        self.read_memo = read_memo if read_memo is not None else ReadMemo()
        self.budget_cells = budget_cells
        self.fallback = fallback
        self.udf_results = udf_results
        #: a structure or order larger than this is never kept
        self.max_entry_cells = 1_000_000
        #: structures up to this size keep two copies (one in use, one to take)
        self.two_copies_cells = 200_000
        #: (formula text, anchor, is array) -> plan key
        self.key_memo: dict[tuple[str, tuple[int, int], bool], str | None] = {}
        #: structure -> (evaluation order, dependency lists when a cycle needs them)
        self.orders: dict[tuple[Any, ...], tuple[list[int], list[list[int]] | None]] = {}
        #: (function spec, 1904 dates) -> {arguments: result}; the bound structures hold
        #: these tables, so they are emptied in place, never replaced
        self.udf_memo: dict[Any, dict[tuple[Any, ...], Any]] = {}
        #: (rulebook, day) the memoised results are valid for
        self.udf_stamp: list[Any] = [None, None]
        #: (structure, 1904 dates, fallback) -> bound structures (a short list each)
        self.bound: dict[tuple[Any, ...], list[Any]] = {}
        self._fallback_table: dict[str, Callable[..., Any]] | None = None

    @property
    def plans(self) -> PlanCache:
        """The plan cache of this session."""
        if self._plans is None:
            self._plans = default_cache()
        return self._plans

    def fallback_table(self) -> dict[str, Callable[..., Any]]:
        """Functions of the optional ``formulas`` package by name (empty when
        :attr:`fallback` is off or the package is not installed)."""
        if not self.fallback:
            return {}
        if self._fallback_table is None:
            try:
                import formulas  # type: ignore[import-untyped]

                self._fallback_table = dict(formulas.get_functions())
            except Exception:  # not installed or broken: no fallback
                self._fallback_table = {}
        return self._fallback_table

    def held_cells(self) -> int:
        """Formula cells of the structures and orders kept now (what the budget bounds)."""
        bound = sum(len(b.order) for pool in list(self.bound.values()) for b in pool)
        return bound + sum(len(key[0]) for key in list(self.orders))

    def make_room(self, cells: int) -> bool:
        """Drop the oldest orders and structures until ``cells`` more fit the budget;
        False (nothing dropped) when ``cells`` alone exceeds what one entry may hold."""
        if cells > min(self.budget_cells, self.max_entry_cells):
            return False
        while self.held_cells() + cells > self.budget_cells and (self.orders or self.bound):
            try:
                if self.orders:
                    del self.orders[next(iter(self.orders))]
                else:
                    del self.bound[next(iter(self.bound))]
            except (StopIteration, KeyError, RuntimeError):  # another thread took it
                break
        return True

    def keep_order(self, key: tuple[Any, ...], value: tuple[list[int], list[list[int]] | None]) -> None:
        """Keep an evaluation order for the next workbook of the same structure."""
        n = len(key[0])
        if key in self.orders or not self.make_room(n):
            return
        while len(self.orders) >= _MAX_ENTRIES:
            del self.orders[next(iter(self.orders))]
        self.orders[key] = value

    def keep_bound(self, key: tuple[Any, ...], bound: Any, cells: int) -> None:
        """Give a bound structure back for reuse (up to two copies of a small one)."""
        pool = self.bound.get(key)
        if pool is None:
            if not self.make_room(cells):
                return
            while len(self.bound) >= _MAX_ENTRIES:
                try:
                    del self.bound[next(iter(self.bound))]
                except (StopIteration, KeyError, RuntimeError):
                    break
            pool = self.bound.setdefault(key, [])
        if len(pool) < (2 if cells <= self.two_copies_cells else 1):
            pool.append(bound)

    def clear_results(self) -> None:
        """Forget the memoised xlfuncs function results (kept tables emptied in place)."""
        for t in self.udf_memo.values():
            t.clear()

    def clear(self) -> None:
        """Forget everything kept (the plan cache's disk store stays)."""
        self.clear_results()
        self.udf_memo.clear()
        self.udf_stamp[:] = [None, None]
        self.bound.clear()
        self.orders.clear()
        self.key_memo.clear()
        self.read_memo.clear()


_DEFAULT: dict[bool, RecalcSession] = {}


def default_session(*, fallback: bool = True) -> RecalcSession:
    """The process's session (one per ``fallback`` setting, which batch runs choose per
    command): what :func:`~xlfuncs.recalc.engine.evaluate` uses without one.

    >>> default_session() is default_session(), default_session(fallback=False).fallback
    (True, False)
    """
    s = _DEFAULT.get(fallback)
    if s is None:
        # both settings read through the process's reader memo (reading does not depend on it)
        s = _DEFAULT[fallback] = RecalcSession(fallback=fallback, read_memo=DEFAULT_MEMO)
    return s
