"""The Windows commands of the docs work in Windows PowerShell 5.1 and in cmd.

Every Windows block is a fenced block right after a marker line saying which shells it is
for: ``<!-- windows: both -->``, ``<!-- windows: powershell -->`` or ``<!-- windows: cmd -->``.
No Windows shell runs here, so the blocks are checked for what breaks in one of them:
``&&``/``||`` (PowerShell 5.1 has neither), unquoted ``;`` ``<`` ``>`` ``|`` ``&``, single
quotes (cmd does not quote with them), line continuations, comments (``#`` is not one in cmd,
``REM`` not in PowerShell), ``%VAR%`` (PowerShell does not expand it) and ``$env:``
(cmd does not); and every ``py -m xlfuncs ...`` line parses with the real ``xlfuncs`` parser,
every ``py -m MODULE`` names a module that exists, and wheel file names match this version.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from xlfuncs._version import __version__

REPO = Path(__file__).resolve().parents[1]
DOCS = ["README.md", "docs/excel.md", "docs/ru/README.md"]
MARKER = re.compile(r"^\s*<!-- windows: (both|powershell|cmd) -->\s*$")
FENCE = re.compile(r"^\s*```")
SHELLS = {"both": ("powershell", "cmd"), "powershell": ("powershell",), "cmd": ("cmd",)}
#: commands a Windows block may start with
COMMANDS = {"py", "cd", "xlwings", "git"}


def windows_blocks(doc: str) -> list[tuple[str, int, str, list[str]]]:
    """(doc, line number, shell marker, command lines) of every marked block of ``doc``."""
    lines = (REPO / doc).read_text(encoding="utf-8").splitlines()
    out = []
    i = 0
    while i < len(lines):
        m = MARKER.match(lines[i])
        if not m:
            i += 1
            continue
        j = i + 1
        while j < len(lines) and not lines[j].strip():
            j += 1
        assert j < len(lines) and FENCE.match(lines[j]), f"{doc}:{i + 1}: marker not followed by a fenced block"
        k = j + 1
        body = []
        while k < len(lines) and not FENCE.match(lines[k]):
            body.append(lines[k].strip())
            k += 1
        out.append((doc, j + 1, m.group(1), [b for b in body if b]))
        i = k + 1
    return out


BLOCKS = [b for doc in DOCS for b in windows_blocks(doc)]


def test_every_doc_has_windows_blocks() -> None:
    for doc in DOCS:
        assert any(b[0] == doc for b in BLOCKS), f"{doc}: no marked Windows block"
    assert {b[2] for b in BLOCKS} == {"both", "powershell", "cmd"}


def test_every_fenced_block_with_py_is_marked() -> None:
    """A ``py -m`` command (the Windows launcher) outside a marked block would go unchecked."""
    for doc in DOCS:
        lines = (REPO / doc).read_text(encoding="utf-8").splitlines()
        inside, marked = False, False
        for n, line in enumerate(lines, 1):
            if FENCE.match(line):
                if not inside:
                    prev = next((p for p in reversed(lines[: n - 1]) if p.strip()), "")
                    marked = bool(MARKER.match(prev))
                inside = not inside
            elif inside and re.match(r"^\s*py\s", line):
                assert marked, f"{doc}:{n}: Windows command outside a marked block: {line.strip()}"


def split_args(line: str) -> list[str]:
    """Split as both shells do for these simple lines: spaces, double quotes group."""
    return [a[1:-1] if a.startswith('"') else a for a in re.findall(r'"[^"]*"|\S+', line)]


def unquoted(line: str) -> str:
    return re.sub(r'"[^"]*"', '""', line)


def problems(line: str, shells: tuple[str, ...]) -> list[str]:
    found = []
    bare = unquoted(line)
    if line.count('"') % 2:
        found.append("unbalanced double quote")
    if "&&" in line or "||" in line:
        found.append("&& or || (not in Windows PowerShell 5.1)")
    for ch in ";<>|&":
        if ch in bare:
            found.append(f"unquoted {ch!r}")
    if "'" in bare:
        found.append("single quotes (cmd does not quote with them)")
    if bare.endswith(("\\", "^", "`")):
        found.append("line continuation")
    if bare.startswith(("#", "REM", "rem", "::")):
        found.append("comment line")
    if "`" in line or "$(" in line:
        found.append("PowerShell-only syntax")
    if "powershell" in shells and re.search(r"%\w+%", line):
        found.append("%VAR% (PowerShell does not expand it)")
    if "cmd" in shells and "$env:" in line:
        found.append("$env: (cmd does not expand it)")
    if "cmd" in shells and "powershell" in shells and ("$" in line or re.search(r"%\w+%", line)):
        found.append("a variable in a block for both shells")
    args = split_args(line)
    if not args or args[0] not in COMMANDS:
        found.append(f"starts with {args[:1]}, not one of {sorted(COMMANDS)}")
    return found


@pytest.mark.parametrize(("doc", "lineno", "marker", "body"), BLOCKS, ids=[f"{b[0]}:{b[1]}" for b in BLOCKS])
def test_windows_block_works_in_its_shells(doc: str, lineno: int, marker: str, body: list[str]) -> None:
    assert body, f"{doc}:{lineno}: empty block"
    shells = SHELLS[marker]
    for line in body:
        assert not problems(line, shells), f"{doc}:{lineno}: {line!r}: {problems(line, shells)}"


def py_lines() -> list[tuple[str, list[str]]]:
    out = []
    for doc, lineno, _marker, body in BLOCKS:
        for line in body:
            args = split_args(line)
            if args[0] == "py":
                out.append((f"{doc}:{lineno}", args[1:]))
    return out


@pytest.mark.parametrize(("where", "args"), py_lines(), ids=[w for w, _ in py_lines()])
def test_py_commands_exist(where: str, args: list[str]) -> None:
    from xlfuncs.cli import _build_parser

    if args and re.fullmatch(r"-3\.\d+", args[0]):
        args = args[1:]  # py -3.12 ...
    if args in (["--version"], ["-0"]):
        return
    if args[:1] == ["-c"]:
        compile(args[1], "<py -c>", "exec")
        return
    assert args[:1] == ["-m"], f"{where}: py {' '.join(args)}"
    module, rest = args[1], args[2:]
    assert importlib.util.find_spec(module) is not None, f"{where}: no module {module}"
    if module == "xlfuncs":
        try:
            _build_parser().parse_args(rest)
        except SystemExit as exc:  # argparse: a sub-command or option that does not exist
            pytest.fail(f"{where}: xlfuncs {' '.join(rest)}: not a valid command ({exc})")
    if module == "pip":
        assert rest[:1] == ["install"], f"{where}: pip {' '.join(rest)}"
        target = rest[-1]
        if target.endswith(".whl"):
            assert Path(target.replace("\\", "/")).name == f"xlfuncs-{__version__}-py3-none-any.whl", where
        else:
            assert target.startswith("git+https://"), f"{where}: pip install {target}"
    if module == "xlwings.cli":
        assert rest == ["addin", "install"], where


@pytest.mark.parametrize(
    ("line", "shells", "fragment"),
    [
        ("py -m pip install . && py -m pytest", ("powershell", "cmd"), "&&"),
        ("py -m xlfuncs results out -o t.csv > log.txt", ("powershell", "cmd"), "unquoted '>'"),
        ("py -c 'import sys'", ("powershell", "cmd"), "single quotes"),
        ('cd "$env:USERPROFILE\\Downloads"', ("cmd",), "$env:"),
        ('cd /d "%USERPROFILE%\\Downloads"', ("powershell",), "%VAR%"),
        ('cd "%USERPROFILE%"', ("powershell", "cmd"), "both shells"),
        ("py -m pip install a ^", ("cmd",), "continuation"),
        ("# install", ("powershell",), "comment"),
        ("python -m pip install .", ("powershell", "cmd"), "starts with"),
    ],
)
def test_the_checks_catch_what_breaks(line: str, shells: tuple[str, ...], fragment: str) -> None:
    assert any(fragment in p for p in problems(line, shells)), problems(line, shells)


def test_a_wrong_xlfuncs_option_fails_the_check() -> None:
    with pytest.raises(pytest.fail.Exception, match="not a valid command"):
        test_py_commands_exist("x", ["-m", "xlfuncs", "results", "out", "--exel"])
    with pytest.raises(AssertionError, match="no module"):
        test_py_commands_exist("x", ["-m", "xlwings.nope", "addin", "install"])
