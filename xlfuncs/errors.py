"""Exceptions and Excel error values.

The exception tree::

    XlfuncsError                    base of everything xlfuncs raises
    ├── InputError                  an argument is unusable                  -> #VALUE!
    │   └── UnknownCodeError        unknown operation code, purpose, category -> #VALUE!
    ├── DomainError                 a number outside its domain               -> #NUM!
    ├── NoRuleError                 no rule in force for that date/key         -> #N/A
    ├── RulebookError               a rulebook file is invalid (file, row, field)
    ├── WorkbookError               a workbook cannot be read or written (recalc)
    └── TemplateError               a template cannot be built or filled

Core functions raise these exceptions; only the Excel edge (:mod:`xlfuncs.registry`)
turns them into :class:`ExcelError` values, through :data:`ERROR_FOR_EXCEPTION`.

>>> ExcelError.from_text("#n/a") is ExcelError.NA
True
>>> str(ExcelError.NUM)
'#NUM!'
"""

from __future__ import annotations

import enum

__all__ = [
    "ERROR_FOR_EXCEPTION",
    "DomainError",
    "ExcelError",
    "InputError",
    "NoRuleError",
    "RowsWarning",
    "RulebookError",
    "TemplateError",
    "UnknownCodeError",
    "WorkbookError",
    "XlfuncsError",
    "excel_error_for",
]


class ExcelError(enum.Enum):
    """An Excel error value (what a cell shows, what ``ISERROR`` sees).

    Deliberately not a ``str`` subclass: the text ``"#N/A"`` typed into a cell is
    text, not an error, and the two must never compare equal.
    """

    NULL = "#NULL!"
    DIV0 = "#DIV/0!"
    VALUE = "#VALUE!"
    REF = "#REF!"
    NAME = "#NAME?"
    NUM = "#NUM!"
    NA = "#N/A"
    SPILL = "#SPILL!"
    CALC = "#CALC!"

    def __str__(self) -> str:
        return self.value

    @property
    def stored(self) -> ExcelError:
        """The error a cell of an .xlsx file holds for this one. ``#SPILL!`` and ``#CALC!``
        are not among the file format's error values: Excel stores ``#VALUE!`` and keeps
        the real error in rich-value metadata, which it recomputes on opening.

        >>> ExcelError.SPILL.stored, ExcelError.NA.stored
        (<ExcelError.VALUE: '#VALUE!'>, <ExcelError.NA: '#N/A'>)
        """
        return ExcelError.VALUE if self in (ExcelError.SPILL, ExcelError.CALC) else self

    @classmethod
    def from_text(cls, text: str) -> ExcelError:
        """Return the error whose text is ``text`` (case-insensitive).

        Raises :class:`ValueError` for text that is not an Excel error.
        """
        key = text.strip().upper()
        for member in cls:
            if member.value == key:
                return member
        raise ValueError(f"not an Excel error value: {text!r}")


class XlfuncsError(Exception):
    """Base class of every exception raised by xlfuncs."""


class RowsWarning(UserWarning):
    """Some elements of an array call could not be computed: they are NaN in the result, and
    the warning says how many and why the first one failed."""


class InputError(XlfuncsError):
    """An argument has the wrong type or cannot be interpreted (``#VALUE!``)."""


class UnknownCodeError(InputError):
    """An operation code, purpose or category is not in the rulebook (``#VALUE!``)."""


class DomainError(XlfuncsError):
    """A number is outside its domain, e.g. revenue <= 0 (``#NUM!``)."""


class NoRuleError(XlfuncsError):
    """No rule is in force for that date, category or purpose (``#N/A``)."""


class RulebookError(XlfuncsError):
    """A rulebook file is invalid; the message names the file, row and field."""


class WorkbookError(XlfuncsError):
    """A workbook cannot be read, evaluated or written."""


class TemplateError(XlfuncsError):
    """A template cannot be built, or data cannot be filled into it."""


#: The one table that maps core exceptions to the Excel error a cell shows.
#: Checked in order; the first matching class wins. Anything else is ``#VALUE!``.
ERROR_FOR_EXCEPTION: tuple[tuple[type[BaseException], ExcelError], ...] = (
    (NoRuleError, ExcelError.NA),
    (DomainError, ExcelError.NUM),
    (InputError, ExcelError.VALUE),
    (ZeroDivisionError, ExcelError.DIV0),
    (OverflowError, ExcelError.NUM),
)


def excel_error_for(exc: BaseException) -> ExcelError:
    """Map an exception to the Excel error value shown in a cell.

    >>> excel_error_for(NoRuleError("no threshold for loans in 2019"))
    <ExcelError.NA: '#N/A'>
    >>> excel_error_for(RuntimeError("anything unexpected"))
    <ExcelError.VALUE: '#VALUE!'>
    """
    for cls, err in ERROR_FOR_EXCEPTION:
        if isinstance(exc, cls):
            return err
    return ExcelError.VALUE
