"""Former home of the built-in functions, kept as an alias of :mod:`xlfuncs.recalc.functions`.

:data:`BUILTINS` maps an upper-case Excel name to ``(kind, function)`` where ``kind`` is
``"scalar"``, ``"raw"`` (takes references), ``"ctx"`` (the evaluation context first) or
``"lazy"``; the functions themselves live in the category modules of
:mod:`xlfuncs.recalc.functions`, with their argument kinds declared there.

>>> BUILTINS["ROUND"][1](2.5, 0)
3.0
>>> BUILTINS["MOD"][1](-3.0, 2.0)
1.0
>>> _add("2", True)
3.0
"""

from __future__ import annotations

from xlfuncs.recalc.functions import BUILTINS, REGISTRY, Ctx, XErr, lift
from xlfuncs.recalc.functions.operators import (
    OPERATORS,
    _add,
    _approx_cmp,
    _bcast,
    _cat,
    _div,
    _eq,
    _ge,
    _gt,
    _ii,
    _is_arr,
    _le,
    _lt,
    _map,
    _mul,
    _ne,
    _neg,
    _pct,
    _pos,
    _pow,
    _power,
    _rangeop,
    _sub,
    _tv,
)

__all__ = [
    "BUILTINS", "Ctx", "OPERATORS", "REGISTRY", "XErr", "_add", "_approx_cmp", "_bcast", "_cat",
    "_div", "_eq", "_ge", "_gt", "_ii", "_is_arr", "_le", "_lt", "_map", "_mul", "_ne", "_neg",
    "_pct", "_pos", "_pow", "_power", "_rangeop", "_sub", "_tv", "lift",
]
