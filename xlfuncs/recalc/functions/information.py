"""Information functions: IS*, N, NA, TYPE, ERROR.TYPE, ISREF, ISFORMULA, SHEET, SHEETS,
CELL, INFO."""

from __future__ import annotations

from typing import Any

from xlfuncs.errors import ExcelError
from xlfuncs.recalc.functions._registry import registrar
from xlfuncs.recalc.values import Lam, Rng

ERR = ExcelError
reg = registrar("information")


@reg("ISERROR", "any")
def ISERROR(x: Any) -> bool:
    return type(x) is ExcelError


@reg("ISERR", "any")
def ISERR(x: Any) -> bool:
    return type(x) is ExcelError and x is not ERR.NA


@reg("ISNA", "any")
def ISNA(x: Any) -> bool:
    return x is ERR.NA


@reg("ISNUMBER", "any")
def ISNUMBER(x: Any) -> bool:
    return type(x) is float or type(x) is int


@reg("ISTEXT", "any")
def ISTEXT(x: Any) -> bool:
    return type(x) is str


@reg("ISNONTEXT", "any")
def ISNONTEXT(x: Any) -> bool:
    return type(x) is not str


@reg("ISLOGICAL", "any")
def ISLOGICAL(x: Any) -> bool:
    return type(x) is bool


@reg("ISBLANK", "any")
def ISBLANK(x: Any) -> bool:
    return x is None


def _parity_arg(x: Any) -> int:
    from xlfuncs.recalc.functions._helpers import integer

    if type(x) is bool:
        from xlfuncs.recalc.functions._registry import XErr

        raise XErr(ERR.VALUE)
    return integer(x)


@reg("ISEVEN", "scalar", atp=True)
def ISEVEN(x: Any) -> bool:
    return _parity_arg(x) % 2 == 0


@reg("ISODD", "scalar", atp=True)
def ISODD(x: Any) -> bool:
    return _parity_arg(x) % 2 == 1


@reg("N", "ref")
def N(x: Any) -> Any:
    """N(value): a reference or array gives N of its first value (N does not lift)."""
    if type(x) is Rng or type(x) is list:
        from xlfuncs.recalc.values import to_scalar

        x = to_scalar(x)
    t = type(x)
    if t is float or t is int:
        return x
    if t is bool:
        return 1.0 if x else 0.0
    if t is ExcelError:
        return x
    return 0.0


@reg("NA", "")
def NA() -> Any:
    return ERR.NA


@reg("TYPE", "ref")
def TYPE(x: Any) -> Any:
    """TYPE(value): 1 number, 2 text, 4 logical, 16 error, 64 array, 128 a LAMBDA."""
    if type(x) is Lam:
        return 128.0
    if type(x) is Rng:
        if x.nrows * x.ncols > 1:
            return 64.0
        x = x.top_left()
    elif type(x) is list:
        return 64.0
    t = type(x)
    if t is str:
        return 2.0
    if t is bool:
        return 4.0
    if t is ExcelError:
        return 16.0
    return 1.0


_ERROR_TYPE = {
    ERR.NULL: 1.0, ERR.DIV0: 2.0, ERR.VALUE: 3.0, ERR.REF: 4.0, ERR.NAME: 5.0, ERR.NUM: 6.0,
    ERR.NA: 7.0, ERR.SPILL: 9.0, ERR.CALC: 14.0,
}


@reg("ERROR.TYPE", "any")
def ERROR_TYPE(x: Any) -> Any:
    if type(x) is ExcelError:
        return _ERROR_TYPE.get(x, ERR.NA)
    return ERR.NA


@reg("ISREF", "ref")
def ISREF(x: Any) -> bool:
    return type(x) is Rng


@reg("ISFORMULA", "ref", env=True, array=True)
def ISFORMULA(env: Any, sheet: int, row: int, col: int, x: Any) -> Any:
    if type(x) is ExcelError:
        return x
    if type(x) is not Rng:
        return ERR.VALUE
    if x.s >= len(env.book.sheets):  # a linked workbook's cached cells: values only
        fs, members = {}, {}
    else:
        sh = env.book.sheets[x.s]
        fs, members = sh.formulas, sh.array_members
    rows = [[(r, c) in fs or (r, c) in members for c in range(x.c1, x.c2 + 1)]
            for r in range(x.r1, x.r2 + 1)]
    return rows[0][0] if len(rows) == 1 and len(rows[0]) == 1 else rows


@reg("SHEET", "ref=-", env=True)
def SHEET(env: Any, sheet: int, row: int, col: int, x: Any = None) -> Any:
    if x is None:
        return float(sheet + 1)
    if type(x) is Rng:
        return float(x.s + 1)
    if type(x) is str:
        ix = env.sheet_ix.get(x.lower())
        return ERR.NA if ix is None else float(ix + 1)
    return ERR.VALUE


@reg("SHEETS", "ref=-", env=True)
def SHEETS(env: Any, sheet: int, row: int, col: int, x: Any = None) -> Any:
    if x is None:
        return float(len(env.sheet_ix))
    return 1.0 if type(x) is Rng else ERR.VALUE


@reg("CELL", "text, ref=-", env=True,
     note="info types address, col, row, contents and type; the formatting types and "
     "filename are not known (#VALUE!)")
def CELL(env: Any, sheet: int, row: int, col: int, info: str, ref: Any = None) -> Any:
    kind = info.strip().lower()
    if ref is None:
        s, r, c = sheet, row, col
        value = env.V.get((s, r, c))
    elif type(ref) is Rng:
        s, r, c = ref.s, ref.r1, ref.c1
        value = ref.top_left()
    elif type(ref) is ExcelError:
        return ref
    else:
        return ERR.VALUE
    if kind == "address":
        n = c
        letters = ""
        while n:
            n, rem = divmod(n - 1, 26)
            letters = chr(65 + rem) + letters
        return f"${letters}${r}"
    if kind == "col":
        return float(c)
    if kind == "row":
        return float(r)
    if kind == "contents":
        return 0.0 if value is None else value
    if kind == "type":
        return "b" if value is None else "l" if type(value) is str else "v"
    return ERR.VALUE


#: INFO's types that describe the machine or the window (not known here: #N/A); the
#: memory types are #N/A in Excel itself since Excel 2007
_INFO_UNKNOWN = frozenset(("directory", "osversion", "memavail", "memused", "totmem"))


@reg("INFO", "text", env=True,
     note='numfile (the workbook\'s worksheets), recalc ("Automatic"), release ("16.0"), '
     'system ("pcdos", "mac" for a file saved by Excel for Mac) and origin ("$A:$A$1", the '
     'window unscrolled); directory and osversion are #N/A')
def INFO(env: Any, sheet: int, row: int, col: int, kind: str) -> Any:
    """INFO(type_text): what Excel documents without its environment."""
    k = kind.strip().lower()
    if k == "numfile":
        return float(len(env.sheet_ix))
    if k == "recalc":
        return "Automatic"
    if k == "release":
        return "16.0"
    if k == "system":
        return "mac" if env.ctx.mac else "pcdos"
    if k == "origin":
        return "$A:$A$1"
    if k in _INFO_UNKNOWN:
        return ERR.NA
    return ERR.VALUE
