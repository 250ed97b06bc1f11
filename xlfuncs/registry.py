"""The one registry of Excel functions, read by every consumer.

The xlwings adapter (:mod:`xlfuncs.udfs`), the VBA and xlwings Lite generators and the
batch recalculation engine all read :data:`REGISTRY`; none of them keeps its own list.

Calling convention (what an engine passes to :meth:`FunctionSpec.invoke`):

* a scalar is ``float``/``int``, ``str``, ``bool``, ``None`` (blank cell or omitted
  argument) or an :class:`~xlfuncs.errors.ExcelError`;
* a range is a 2-D ``list`` of rows of scalars (row-major, at least 1x1);
* the result is a scalar, or a 2-D list for functions whose ``returns`` is ``"array"``.

``invoke`` never raises: bad input becomes an Excel error value.

>>> resolve("_xludf.LOCTHRESHOLD").name
'LOCTHRESHOLD'
>>> resolve("_xldudf_XLFUNCS_locgap").name
'LOCGAP'
>>> resolve("SUM") is None
True
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from xlfuncs.errors import DomainError, ExcelError, excel_error_for

__all__ = [
    "LITE_NAMESPACE",
    "REGISTRY",
    "Arg",
    "ExcelScalar",
    "ExcelValue",
    "FunctionSpec",
    "resolve",
]

ExcelScalar = float | int | str | bool | None | ExcelError
ExcelValue = ExcelScalar | list[list[ExcelScalar]]

#: Namespace of the functions in the generated xlwings Lite module. Excel stores a Lite
#: call as ``_xldudf_XLFUNCS_LOCPOINTS(...)`` in a file when the add-in is not loaded.
LITE_NAMESPACE = "XLFUNCS"

ArgKind = Literal["number", "text", "date", "any", "range"]


@dataclass(frozen=True)
class Arg:
    """One argument of an Excel function.

    ``kind`` tells adapters how to pass it: ``"range"`` arguments receive 2-D lists
    (xlwings ``ndim=2``); all others receive scalars.
    """

    name: str
    doc: str
    kind: ArgKind = "number"
    optional: bool = False


@dataclass(frozen=True)
class FunctionSpec:
    """An Excel function: its contract (name, args, docs) and its implementation."""

    name: str
    impl: Callable[..., Any]
    description: str
    args: tuple[Arg, ...]
    returns: Literal["scalar", "array"] = "scalar"
    volatile: bool = False
    example: str = ""
    propagate_errors: bool = field(default=True)

    def __post_init__(self) -> None:
        # fixed per function, read by every call (not fields: equality and hash unchanged)
        object.__setattr__(self, "_nargs", len(self.args))
        object.__setattr__(self, "_min_args", sum(1 for a in self.args if not a.optional))
        object.__setattr__(
            self, "_scalar_args",
            tuple(i for i, a in enumerate(self.args) if a.kind != "range")
            if self.propagate_errors else (),
        )
        object.__setattr__(
            self, "_date_args", tuple(i for i, a in enumerate(self.args) if a.kind == "date")
        )

    @property
    def min_args(self) -> int:
        """Number of required arguments."""
        return self._min_args  # type: ignore[attr-defined, no-any-return]

    @property
    def has_date_args(self) -> bool:
        """Whether an argument is a date (``kind == "date"``), read in the date system."""
        return bool(self._date_args)  # type: ignore[attr-defined]

    def invoke(self, *args: Any, date1904: bool = False) -> Any:
        """Call the function the way a spreadsheet does; never raises.

        Missing trailing arguments are passed as ``None``. An error value in a
        scalar argument is returned as the result (as Excel built-ins do).
        ``date1904``: the calling workbook uses the 1904 date system, so a date serial
        (a number from 10000 on) in a ``"date"`` argument counts days from 1904-01-01 and
        is passed as a :class:`datetime.date`; year numbers 1900-9999 stay years.
        """
        n = len(args)
        nargs: int = self._nargs  # type: ignore[attr-defined]
        if n > nargs or n < self._min_args:  # type: ignore[attr-defined]
            return ExcelError.VALUE
        for i in self._scalar_args:  # type: ignore[attr-defined]
            if i < n and type(args[i]) is ExcelError:  # an enum with members: no subclasses
                return args[i]
        if n < nargs:
            args += (None,) * (nargs - n)
        try:
            if date1904 and self._date_args:  # type: ignore[attr-defined]
                args = tuple(
                    serial_1904(a) if i in self._date_args else a  # type: ignore[attr-defined]
                    for i, a in enumerate(args)
                )
            return self.impl(*args)
        except Exception as exc:  # noqa: BLE001  (the edge: no traceback ever reaches a cell)
            return excel_error_for(exc)


_EPOCH_1904 = datetime.date(1904, 1, 1)
#: 9999-12-31, the last date Excel knows, as a serial of the 1904 date system
_LAST_1904 = 2957003


def serial_1904(value: Any) -> Any:
    """A date argument of a workbook in the 1904 date system as its date.

    A number from 10000 on is a serial of the 1904 system (days since 1904-01-01, the
    fraction of a day ignored); anything else (a year number, text, blank) is returned as
    it is, for the function to read as in the 1900 system. A serial past 9999-12-31 raises
    :class:`~xlfuncs.errors.DomainError` (``#NUM!``).

    >>> serial_1904(45196.0), serial_1904(2027.0)
    (datetime.date(2027, 9, 28), 2027.0)
    """
    t = type(value)
    if (t is float or t is int) and value >= 10000:
        if value > _LAST_1904 + 0.999999:
            raise DomainError(f"year must be a year 1900-9999 or a date, got {value!r}")
        return _EPOCH_1904 + datetime.timedelta(days=int(value))
    return value


_PREFIX = re.compile(
    # Excel's add-in spellings, and the long name LibreOffice writes for the Calc add-in of
    # ``xlfuncs libreoffice`` when it saves .xlsx (ORG.XLFUNCS.CALCADDIN.LOCPOINTS)
    r"^(?:_xll\.|_xludf\.|_xldudf_(?:[A-Za-z0-9]+_)?|ORG\.XLFUNCS\.CALCADDIN\.|(?:XLFUNCS)[._])",
    re.IGNORECASE,
)


class _Registry(Mapping[str, FunctionSpec]):
    """Read-only mapping ``NAME -> FunctionSpec``, built on first use."""

    def __init__(self) -> None:
        self._table: Mapping[str, FunctionSpec] | None = None

    def _load(self) -> Mapping[str, FunctionSpec]:
        if self._table is None:
            from xlfuncs.functions import FUNCTIONS

            self._table = MappingProxyType({f.name: f for f in FUNCTIONS})
        return self._table

    def __getitem__(self, key: str) -> FunctionSpec:
        return self._load()[key.upper()]

    def __iter__(self) -> Iterator[str]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.upper() in self._load()


#: Every Excel function xlfuncs provides, keyed by upper-case Excel name.
REGISTRY: Mapping[str, FunctionSpec] = _Registry()


def current_table() -> Mapping[str, FunctionSpec]:
    """The table :data:`REGISTRY` reads now; another object once the table is replaced
    (engines that keep resolved functions compare it by identity)."""
    return REGISTRY._load()  # type: ignore[attr-defined, no-any-return]


def resolve(name: str) -> FunctionSpec | None:
    """Find the function behind any spelling Excel stores in a file.

    Accepts ``LOCPOINTS``, ``_xll.LOCPOINTS``, ``_xludf.LOCPOINTS``,
    ``_xldudf_XLFUNCS_LOCPOINTS`` (xlwings Lite) and ``XLFUNCS.LOCPOINTS``,
    case-insensitively. Returns ``None`` for a name that is not ours.
    """
    key = name.upper()
    if key in REGISTRY:
        return REGISTRY[key]
    stripped = _PREFIX.sub("", name, count=1).upper()
    if stripped in REGISTRY:
        return REGISTRY[stripped]
    # _xldudf_ with a namespace that itself contains underscores: try each split
    if key.startswith("_XLDUDF_"):
        rest = key[len("_XLDUDF_"):]
        parts = rest.split("_")
        for i in range(len(parts)):
            cand = "_".join(parts[i:])
            if cand in REGISTRY:
                return REGISTRY[cand]
    return None


def _check_names(specs: Sequence[FunctionSpec]) -> None:
    """Raise if two specs share a name (used by tests and at build time)."""
    seen: set[str] = set()
    for s in specs:
        if s.name in seen:
            raise ValueError(f"duplicate function name {s.name}")
        seen.add(s.name)
