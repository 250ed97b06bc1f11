"""Atomic file writes shared by every part of xlfuncs that writes a file.

A write goes to a temporary file (name prefix :data:`TEMP_PREFIX`, then the writer's process
id) in the destination folder, is flushed to disk and renamed over the destination with
:func:`os.replace`, so a kill at any moment leaves either the old file or the new one. On
any error the temporary file is removed and the destination is untouched.

>>> import tempfile
>>> with tempfile.TemporaryDirectory() as d:
...     p = Path(d) / "out.txt"
...     write_bytes_atomic(p, b"new")
...     p.read_bytes(), sorted(q.name for q in Path(d).iterdir())
(b'new', ['out.txt'])
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import IO

from xlfuncs.errors import WorkbookError

__all__ = ["TEMP_PREFIX", "atomic_write", "clean_stale_temp_files", "write_bytes_atomic"]

#: Name prefix of the temporary files written next to a destination.
TEMP_PREFIX = ".xlfuncs-tmp-"


def _pid_alive(pid: int) -> bool:
    """True when process ``pid`` exists and is not a zombie (a killed, unreaped writer)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read()
        return stat[stat.rfind(b")") + 2 : stat.rfind(b")") + 3] not in (b"Z", b"X")
    except OSError:
        return True


def clean_stale_temp_files(folder: str | os.PathLike[str]) -> list[Path]:
    """Remove temporary files left in ``folder`` by killed runs (their process is gone)."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith(TEMP_PREFIX):
            continue
        try:
            pid = int(entry.name[len(TEMP_PREFIX) :].split("-", 1)[0])
        except ValueError:
            continue
        if pid != os.getpid() and not _pid_alive(pid):
            try:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
            except OSError:
                pass
    return removed


def atomic_write(
    dst: str | os.PathLike[str],
    write: Callable[[IO[bytes]], object],
    *,
    mode_from: str | os.PathLike[str] | None = None,
) -> None:
    """Call ``write(fileobj)`` on a temporary file next to ``dst``, fsync it, then rename it to ``dst``.

    The new file gets the permissions of ``mode_from`` when that file exists, else the
    umask default. A folder that cannot take the temporary file raises
    :class:`~xlfuncs.errors.WorkbookError` (``cannot write to FOLDER (reason)``); errors
    of ``write`` and of the rename propagate unchanged.
    """
    dst = Path(dst)
    folder = dst.parent if str(dst.parent) else Path(".")
    tmp = folder / f"{TEMP_PREFIX}{os.getpid()}-{secrets.token_hex(4)}{dst.suffix}"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        raise WorkbookError(f"cannot write to {folder} ({exc.strerror or exc})") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        if mode_from is not None:
            try:
                os.chmod(tmp, os.stat(mode_from).st_mode & 0o7777)
            except OSError:
                pass
        os.replace(tmp, dst)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:
        dfd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes, *, make_parents: bool = False) -> None:
    """Write ``data`` to ``path`` with :func:`atomic_write`, keeping the permissions of a replaced file.

    ``make_parents`` creates missing folders first.
    """
    path = Path(path)
    if make_parents:
        path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda fh: fh.write(data), mode_from=path)
