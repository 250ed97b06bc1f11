"""A1-style cell addresses: column letters and numbers (1-based, as in Excel).

>>> column_letters(1), column_letters(26), column_letters(27), column_letters(16384)
('A', 'Z', 'AA', 'XFD')
>>> column_number("A"), column_number("AA"), column_number("xfd")
(1, 27, 16384)
>>> a1(5, 3)
'C5'
"""

from __future__ import annotations

__all__ = ["a1", "column_letters", "column_number"]


def column_letters(n: int) -> str:
    """Letters of 1-based column ``n`` (``""`` for 0)."""
    s = ""
    while n:
        n, rem = divmod(n - 1, 26)
        s = chr(65 + rem) + s
    return s


def column_number(letters: str) -> int:
    """1-based number of column ``letters`` (either case)."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def a1(row: int, col: int) -> str:
    """Relative A1 address of 1-based ``row`` and ``col``."""
    return f"{column_letters(col)}{row}"
