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
from collections.abc import Callable
from pathlib import Path
from typing import IO

from xlfuncs.errors import WorkbookError

__all__ = [
    "CACHE_ENV",
    "TEMP_PREFIX",
    "FileStamp",
    "atomic_write",
    "clean_stale_temp_files",
    "file_stamp",
    "real_target",
    "seal",
    "trusted_folder",
    "unseal",
    "user_cache_dir",
    "write_bytes_atomic",
]

#: Name prefix of the temporary files written next to a destination.
TEMP_PREFIX = ".xlfuncs-tmp-"


#: what identifies one version of a file: (size, modification time in ns, inode, device)
FileStamp = tuple[int, int, int, int]


def file_stamp(path: str | os.PathLike[str]) -> FileStamp | None:
    """Size, modification time, inode and device of ``path`` (through symlinks), or ``None``.

    Two equal stamps mean the file was not replaced or rewritten in between (a save from
    Excel writes a new file: a new inode, size or time).
    """
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev


def real_target(path: str | os.PathLike[str]) -> Path:
    """The file a write to ``path`` must replace: the final target when ``path`` is a symlink
    (so the link stays a link and its target gets the new content), else ``path`` itself.

    >>> real_target("no/such/file.xlsx")
    PosixPath('no/such/file.xlsx')
    """
    p = Path(path)
    if p.is_symlink():
        return Path(os.path.realpath(p))
    return p


def trusted_folder(folder: str | os.PathLike[str]) -> bool:
    """True when ``folder`` is a folder this user owns and nobody else can write to.

    Caches hold code (marshalled plans) or pickles, which run when loaded: a cache folder that
    another user could write to is never read.
    """
    import stat

    try:
        st = os.stat(folder)
    except OSError:
        return False
    if not stat.S_ISDIR(st.st_mode) or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return False
    getuid = getattr(os, "getuid", None)
    return getuid is None or st.st_uid == getuid()


#: the user's cache folder for every cache of xlfuncs (plans, rulebooks, built templates);
#: ``off`` (or empty, ``none``, ``0``) turns the disk caches off
CACHE_ENV = "XLFUNCS_CACHE_DIR"


def user_cache_dir() -> Path | None:
    """``$XLFUNCS_CACHE_DIR``, else the platform's user cache folder for xlfuncs, or ``None``
    when the disk caches are off (or no folder can be named)."""
    env = os.environ.get(CACHE_ENV)
    if env is not None:
        if env.strip().lower() in ("", "off", "none", "0"):
            return None
        return Path(env)
    try:
        import platformdirs

        return Path(platformdirs.user_cache_dir("xlfuncs"))
    except Exception:  # noqa: BLE001 - no platformdirs or no home: no disk cache
        return None


def seal(magic: bytes, payload: bytes) -> bytes:
    """A cache entry: ``magic``, the SHA-256 of ``payload``, then ``payload``.

    >>> unseal(b"XLF1", seal(b"XLF1", b"data")), unseal(b"XLF1", seal(b"XLF1", b"data")[:-1])
    (b'data', None)
    """
    import hashlib

    return magic + hashlib.sha256(payload).digest() + payload


def unseal(magic: bytes, data: bytes) -> bytes | None:
    """The payload of a :func:`seal` entry, or ``None`` when it is not one or is damaged."""
    import hashlib

    head = len(magic) + 32
    if len(data) < head or not data.startswith(magic):
        return None
    payload = data[head:]
    return payload if hashlib.sha256(payload).digest() == data[len(magic) : head] else None


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
    expect: FileStamp | None = None,
) -> None:
    """Call ``write(fileobj)`` on a temporary file next to ``dst``, fsync it, then rename it to ``dst``.

    A ``dst`` that is a symlink keeps being one: its target is replaced (see
    :func:`real_target`). The new file gets the permissions of ``mode_from`` when that file
    exists, else the umask default. ``expect``: the :func:`file_stamp` ``dst`` had when it
    was read; if the file changed since (saved again by someone else), nothing is replaced
    and :class:`~xlfuncs.errors.WorkbookError` says so. A folder that cannot take the
    temporary file raises :class:`~xlfuncs.errors.WorkbookError` (``cannot write to FOLDER
    (reason)``); errors of ``write`` and of the rename propagate unchanged.
    """
    import secrets

    dst = real_target(dst)
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
        if expect is not None and file_stamp(dst) != expect:
            raise WorkbookError(
                "file changed while it was recalculated (saved again?); not modified, run again"
            )
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
    path = real_target(path)
    if make_parents:
        path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda fh: fh.write(data), mode_from=path)
