"""Render ``docs/functions.md`` from the registry (``python -m xlfuncs.recalc.functions._docs``).

The page lists every built-in with its category, argument kinds and status, the names
openpyxl knows that the engine does not compute (those cells are ``#NAME?``, or go to the
optional ``formulas`` fallback), and the known deviations from Excel.
"""

from __future__ import annotations

import sys

from xlfuncs.recalc.functions import CATEGORIES, specs

__all__ = ["KNOWN_DEVIATIONS", "render"]

#: places where the engine knowingly differs from Excel, or where LibreOffice (the test
#: oracle) differs from Excel so that the differential test leaves the case out
KNOWN_DEVIATIONS: dict[str, str] = {
    "SUBTOTAL, AGGREGATE": "row visibility is not read: the 10x function numbers and the "
    "options that skip hidden rows count hidden rows too",
    "CELL, INFO": "what describes Excel's environment is not known: CELL's formatting types "
    "and filename are `#VALUE!`, INFO's directory and osversion `#N/A`; INFO's origin is the "
    "unscrolled window's `$A:$A$1`, release `16.0`",
    "Database functions (DSUM, DGET...)": "a computed criterion (a formula under a label that "
    "is not the database's) is run per record at its moved position; a relative reference in "
    "it to a cell outside the database and the criteria may be read before that cell is "
    "computed. A condition under any other label that is not the database's matches no record",
    "JIS, PHONETIC": "the text is returned unchanged (no full-width conversion, no furigana)",
    "LibreOffice: database functions": "DGET with several matching records is `#VALUE!` "
    "(Excel: `#NUM!`); plain-text criteria match whole cells (Excel: the text that starts "
    "with them); a criteria label that is not the database's is `#VALUE!`, so computed "
    "criteria are not evaluated (left out of the test)",
    "TEXT": "the en-US locale only (month and day names, `.` and `,`)",
    "DATEVALUE, TIMEVALUE, text in date arguments": "month/day/year first, then "
    "day/month/year when the first part cannot be a month; ISO dates; month names in English",
    "Text read as a number": "dates in text follow the same rule (`\"13/01/1900\"` is 13, as "
    "in a day-first locale; Excel follows the system's locale, so in en-US it is `#VALUE!`)",
    "REGEXTEST, REGEXEXTRACT, REGEXREPLACE": "Python's `re` syntax, not PCRE2",
    "CHAR, CODE": "the workbook's code page: Mac Roman when `docProps/app.xml` names "
    "\"Microsoft Macintosh Excel\" (a file last saved by Excel for Mac, as Excel for Mac "
    "computes them), else Windows-1252 (Windows Excel's ANSI code page in en-US); other "
    "Windows code pages (Cyrillic, CJK) are not followed",
    "Circular references (iteration off)": "the cells of a true circular reference and those "
    "downstream of it stay 0, as Excel leaves them uncalculated; an OFFSET or INDIRECT cell on "
    "the sheet of one counts as downstream (what it reads is known only when it runs). A "
    "reference read by an array IF but not used (the branch not taken) does not make a cycle "
    "here, where Excel reports one",
    "DATEDIF \"YD\"": "the start moved into the end's year (LibreOffice's rule); Excel gives "
    "one day more for a start in 1900 (its 29 February), DATE & TIME!R4 of the corpus",
    "Lifting in array formulas": "an array formula larger than a function's result shows "
    "#N/A in the extra cells; Excel passes #N/A into the function there (ISLOGICAL over a "
    "short range gives FALSE), and broadcasts row against column arguments (XLOOKUP, HLOOKUP "
    "and UNIQUE with array options)",
    "Reference operators": "`A1:C3 B2:D4` (intersection), `(A1,C3:D4)` (union) and "
    "`A1:B2:C3` are read; a union is taken by AREAS, INDEX, ROWS/COLUMNS (`#REF!`) and the "
    "aggregates that read references (SUM, COUNT...); other functions see it as `#VALUE!`",
    "Structured references": "`Table1[Col]`, `Table1[#All]`, `[#Headers]`, `[#Totals]`, "
    "`[[#This Row],[Col]]`, `[@Col]`, `[[Col1]:[Col2]]` and `[Col]` inside the table are read "
    "from the workbook's table parts and become plain ranges; an unknown table or column or an "
    "empty part is `#REF!`, #This Row in a row outside the table's data `#VALUE!`. In a defined "
    "name, #This Row follows the row of the cell using it without that check; references to "
    "another workbook's tables are not resolved",
    "Not built in": "the names listed under Not computed above (the CUBE* functions, "
    "GETPIVOTDATA, RTD...)",
    "Securities (PRICE, YIELD, COUP*, ODD*, ACCRINT, AMOR*...)": "where Microsoft's pages "
    "leave the rule open the engine follows Excel's values (its examples, and every line of "
    "the Excel-generated test data of fsprojects/ExcelFinancialFunctions for these "
    "functions, 132,519 cases, and YIELD, ODDFYIELD, ODDLYIELD give back the yields of its "
    "positive prices to 1e-11): US 30/360 keeps a "
    "31st end unless the start is the 30th/31st before it is moved; COUPDAYSNC on basis 0 is "
    "the period less COUPDAYBS, on basis 4 counted itself; PRICE, YIELD and DURATION take "
    "DSC as E - A and use simple interest with one coupon left; the quasi-coupon periods of "
    "ODDFPRICE and ODDLPRICE step a period from the one before (a day clamped in a short "
    "month stays clamped); ACCRINT's calc_method FALSE leaves out the whole quasi-periods "
    "between the issue and the period before the first interest date; AMORLINC/AMORDEGRC "
    "end after ceil(1/rate) periods and count a fractional period by its whole periods. "
    "Not covered by Excel data: coupon dates of a maturity on the 29th/30th of a longer month "
    "(taken on the maturity's day, as LibreOffice does). Microsoft's ODDLPRICE example "
    "states 99.87829834, its own formula gives 99.8782860 (LibreOffice's value too)",
    "LibreOffice: securities": "left out of the differential test where LibreOffice differs "
    "from Excel: DURATION/MDURATION (a year fraction for the coupon fraction; Microsoft's "
    "DURATION example is 10.9191453, LibreOffice 10.92157), ODDFPRICE/ODDFYIELD (always an "
    "error), ACCRINT with calc_method or on bases 1 and 2 (a plain year fraction), "
    "INTRATE/PRICEDISC/ACCRINTM/PRICEMAT/YIELDMAT on actual/actual (the first year's length), "
    "PRICE/YIELD on bases 2 and 3 (actual days to the next coupon) and with one coupon left "
    "(compound discounting), ODDLPRICE/ODDLYIELD on bases 1 to 3, COUPDAYSNC on basis 4, "
    "TBILLPRICE/TBILLYIELD/TBILLEQ (30/360 days plus one, and no term limit), and invalid "
    "arguments (#VALUE! where Excel gives #NUM!)",
    "XIRR": "bisection between 0 and the guess (doubled until the net present value changes "
    "sign), stopped when half the interval is below 1e-8: Excel's stored digits (FINANCIAL!"
    "R54:AW54 of the corpus); LibreOffice converges to the root, about 1e-8 relative away; "
    "a guess of 0 starts from 0.1 (Excel's digits there differ by 1e-8)",
    "BESSELI, BESSELJ, BESSELK, BESSELY": "Excel's own approximations (Numerical Recipes' "
    "polynomials and recurrences, about 1e-8 relative from the exact functions) are "
    "reproduced to the bit, so the values match Excel's, not the exact functions",
    "BAHTTEXT": "Thai words as LibreOffice spells them (a final 1 is เอ็ด only after tens: "
    "101 is หนึ่งร้อยหนึ่ง), checked against Excel on 0-157 and Microsoft's 1234 only",
    "ASC, DBCS": "the text is returned unchanged",
    "RAND, RANDBETWEEN, RANDARRAY": "Python's random generator (values differ from Excel's)",
    "LibreOffice: logicals in ranges": "LibreOffice counts TRUE/FALSE in references as numbers "
    "(SUM, COUNT...); Excel skips them (the engine follows Excel; the test keeps logicals out)",
    "LibreOffice: MATCH/LOOKUP approximate on unsorted data": "both use a binary search, "
    "whose result on unsorted data differs (the test uses sorted data)",
    "LibreOffice: 0^-1": "`#NUM!` in LibreOffice, `#DIV/0!` in Excel (the engine follows Excel)",
    "LibreOffice: CEILING/FLOOR with a negative significance": "LibreOffice's CEILING of a "
    "positive number with a negative significance is not `#NUM!` (left out of the test)",
    "LibreOffice: DAYS360, YEARFRAC basis 1 across many years": "LibreOffice's actual/actual "
    "averages differently (left out of the test)",
    "LibreOffice: VDB with a fractional start period": "LibreOffice prorates the periods "
    "of a whole-period schedule; Excel (and the engine) runs the schedule on a grid that "
    "starts at the fraction (left out of the test; the corpus's VDB.xlsx has Excel's values)",
    "LibreOffice: IRR/RATE/XIRR": "compared to 1e-9 relative: the solvers stop at different "
    "iterations",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render() -> str:
    """The text of docs/functions.md."""
    all_specs = specs()
    by_cat = {c: [s for s in all_specs if s.category == c] for c in CATEGORIES}
    lines = [
        "# Built-in functions of the recalculation engine",
        "",
        "Generated from the registry (`xlfuncs/recalc/functions/`) by",
        "`python -m xlfuncs.recalc.functions._docs > docs/functions.md`; "
        "`tests/recalc/test_functions_doc.py` keeps it current.",
        "",
        f"{len(all_specs)} functions ({sum(1 + len(s.aliases) for s in all_specs)} names with "
        "aliases). Status `ok`: Excel's documented semantics (error propagation, coercion of "
        "text and logicals, references against values); `partial`: see the note.",
        "",
        "Argument kinds: `number` (blank is 0, TRUE is 1, numeric text is read), `integer` "
        "(a number truncated), `text`, `bool`, `scalar` (one value, errors propagate), `any` "
        "(one value, errors passed in), `ref` (a reference or array, read whole); `=x` is the "
        "default when the argument is left out, `[kind]` an optional argument with no default "
        "value, `*`/`+` a repeating argument. Volatile functions are recomputed on every run.",
        "",
        "| category | functions |",
        "|---|---|",
    ]
    for c in CATEGORIES:
        lines.append(f"| {c} | {len(by_cat[c])} |")
    for c in CATEGORIES:
        lines += ["", f"## {c}", "", "| function | arguments | status | notes |", "|---|---|---|---|"]
        for s in by_cat[c]:
            notes = []
            if s.aliases:
                notes.append("also " + ", ".join(s.aliases))
            if s.volatile:
                notes.append("volatile")
            if s.note:
                notes.append(s.note)
            status = s.status
            lines.append(
                f"| {s.name} | `{_cell(s.signature)}` | {status} | {_cell('; '.join(notes))} |"
            )
    from openpyxl.utils.formulas import FORMULAE
    from xlfuncs.recalc.functions import REGISTRY

    missing = sorted(n for n in (x.replace("_xlfn.", "") for x in FORMULAE) if n not in REGISTRY)
    lines += [
        "",
        "## Not computed",
        "",
        f"{len(missing)} of the {len(FORMULAE)} names openpyxl knows "
        "(`openpyxl.utils.formulas.FORMULAE`) are not built in; their cells are `#NAME?` "
        "(or computed by the optional `formulas` package, see the README):",
        "",
        ", ".join(missing) + ".",
        "",
        "## Known deviations",
        "",
        "| where | what |",
        "|---|---|",
    ]
    for k, v in KNOWN_DEVIATIONS.items():
        lines.append(f"| {_cell(k)} | {_cell(v)} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
