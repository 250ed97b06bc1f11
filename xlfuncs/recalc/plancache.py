"""Compiled-plan cache: formula shapes compiled once per process and once per machine.

A *plan key* is ``"c:" + shape`` (a cell formula), ``"a:" + shape`` (an array formula) or
``"n:" + shape`` (a defined name). Keys that differ only in their reference numbers share
one compiled plan, the key's :func:`~xlfuncs.recalc.compiler.skeleton`, which takes the
numbers as parameters. In memory the cache keeps the bindable ``make`` function of every
key it has seen. On disk it keeps, per workbook structure (the set of
its plan keys), one file of marshalled code objects, so the 2nd..Nth workbook of a
template, even in a new process, neither parses nor compiles.

It also keeps, per workbook structure (its formula cells, texts, names and sheets), the
cells' plan keys and their evaluation order (``<tag>/structures/<digest>.struct``), so a new
process recalculating a workbook it has seen before neither normalises a formula nor
orders the cells again.

Disk layout: ``<cache dir>/plans/<tag>/<digest[:2]>/<digest>.plans`` where ``tag`` holds
the xlfuncs version, the compiler version and the Python bytecode tag, so any of them
changing invalidates old entries. Plans do not depend on the rulebook: a user function is
named in a plan and bound, with the rulebook of the run, when the workbook is evaluated. The cache dir is
``$XLFUNCS_CACHE_DIR`` if set (``off`` disables the disk cache), else
``platformdirs.user_cache_dir("xlfuncs")``. Files are written to a temporary name and
renamed into place, so concurrent processes only ever see whole files; an unreadable file
is ignored and rebuilt.

Marshalled code runs when it is loaded, so the disk cache is trusted only as far as its
folders are: an entry is read only when every folder from the cache dir down to the entry
is owned by this user and writable by nobody else (folders are made ``0700``), and the entry
itself passes its integrity check (a header with the SHA-256 of the payload, and the payload
names the structure digest it was saved for). An entry that fails is deleted and rebuilt.

>>> c = PlanCache(disk=False)
>>> f, d = c.get("c:@R[0]C[-1]+1")(type("E", (), {"V": {(0, 1, 1): 41.0}})(), 0)
>>> f(1, 2)
42.0
"""

from __future__ import annotations

import functools
import hashlib
import marshal
import os
import sys
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from types import CodeType
from typing import Any, cast

from xlfuncs._fileio import CACHE_ENV, seal, trusted_folder, unseal, user_cache_dir, write_bytes_atomic
from xlfuncs.errors import WorkbookError
from xlfuncs.recalc.compiler import COMPILER_VERSION, MakeFn, compile_source, generate, load, skeleton

__all__ = ["PlanCache", "default_cache", "cache_tag", "CACHE_ENV"]

#: first bytes of a disk entry; then the SHA-256 of the payload, then the payload
_MAGIC = b"XLFPLAN1"
#: first bytes of a structure entry (plan keys and order of a workbook's formula cells)
_MAGIC_STRUCTURE = b"XLFSTRC1"
_KINDS = {"c": "cell", "a": "array", "n": "name"}


def cache_tag() -> str:
    """Directory name that versions the on-disk plans."""
    try:
        from xlfuncs._version import __version__ as version
    except Exception:
        version = "0"
    raw = f"{version}|{COMPILER_VERSION}|{sys.implementation.cache_tag}"
    return f"v{version}-c{COMPILER_VERSION}-{sys.implementation.cache_tag}-" + hashlib.sha1(
        raw.encode()
    ).hexdigest()[:10]


class PlanCache:
    """Compiled plans by key, in memory and (optionally) on disk.

    ``directory``: where disk entries go (default: see the module doc); ``disk=False``
    keeps everything in memory only.
    """

    def __init__(self, directory: str | os.PathLike[str] | None = None, *, disk: bool = True) -> None:
        self._make: dict[str, MakeFn] = {}
        self._code: dict[str, CodeType] = {}
        self._lock = threading.Lock()
        self._dir: Path | None = None
        self._base: Path | None = None
        if disk:
            base = Path(directory) if directory is not None else user_cache_dir()
            if base is not None:
                self._base = base
                self._dir = base / "plans" / cache_tag()
        #: structure entries kept on disk, all together, at most (least recently used go)
        self.max_structure_bytes = 256 << 20
        #: counters: plans compiled here, loaded from disk, found in memory
        self.compiled = 0
        self.loaded = 0
        self.hits = 0

    @property
    def directory(self) -> Path | None:
        return self._dir

    def __contains__(self, key: str) -> bool:
        return key in self._make or _plan_of(key)[0] in self._code

    def __len__(self) -> int:
        return len(self._code)

    def get(self, key: str) -> MakeFn:
        """The ``make`` function of a key, compiling it if needed (once per skeleton: keys
        that differ only in their reference numbers share the compiled plan).

        Raises :class:`~xlfuncs.recalc.parser.FormulaSyntaxError` (or ``SyntaxError`` for
        formulas too deeply nested for Python) when the shape cannot be compiled.
        """
        hit = self._make.get(key)
        if hit is not None:
            self.hits += 1
            return hit
        plan, params = _plan_of(key)
        made = self._make.get(plan) if params else None
        if made is None:
            code = compile_source(generate(plan[2:], _KINDS[plan[0]], len(params)))
            made = load(code)
            with self._lock:
                self._code[plan] = code
                self._make[plan] = made
                self.compiled += 1
        else:
            self.hits += 1
        if not params:
            return made
        fn: MakeFn = functools.partial(cast("Callable[..., Any]", made), P=params)
        with self._lock:
            if len(self._make) > _MAX_BOUND_KEYS:
                self._make = {k: v for k, v in self._make.items() if k in self._code}
            self._make[key] = fn
        return fn

    # ------------------------------------------------------------- disk
    def _path(self, digest: str) -> Path | None:
        if self._dir is None:
            return None
        return self._dir / digest[:2] / f"{digest}.plans"

    def _structure_path(self, digest: str) -> Path | None:
        if self._dir is None:
            return None
        return self._dir / "structures" / f"{digest}.struct"

    def load_structure(self, digest: str) -> tuple[list[str | None], bytes, Any] | None:
        """A workbook structure saved by :meth:`save_structure` for ``digest``: each formula
        cell's plan key, the evaluation order (``array("i")`` bytes) and what the order was
        made for (the sheets' extents); ``None`` when there is none or it fails its check
        (it is then deleted)."""
        path = self._structure_path(digest)
        data = self._read_entry(path)
        if path is None or data is None:
            return None
        payload = unseal(_MAGIC_STRUCTURE, data)
        entry: Any = None
        if payload is not None:
            try:
                entry = marshal.loads(payload)
            except (ValueError, EOFError, TypeError):
                entry = None
        ok = (
            type(entry) is tuple and len(entry) == 4 and entry[0] == digest
            and type(entry[1]) is list and type(entry[2]) is bytes
            and all(k is None or type(k) is str for k in entry[1])
        )
        if not ok:
            _discard(path)
            return None
        try:
            os.utime(path)  # recently used: the last to be pruned
        except OSError:
            pass
        return entry[1], entry[2], entry[3]

    def save_structure(self, digest: str, keys: list[str | None], order: bytes, made_for: Any) -> bool:
        """Keep a workbook structure on disk (atomic): its cells' plan keys and its
        evaluation order, for :meth:`load_structure` in a later process."""
        path = self._structure_path(digest)
        if path is None:
            return False
        try:
            # each distinct key once in the file (marshal refers back to an object it wrote)
            canon: dict[str | None, str | None] = {}
            keys = [canon.setdefault(k, k) for k in keys]
            payload = marshal.dumps((digest, keys, order, made_for))
        except ValueError:
            return False
        if not self._write_entry(path, seal(_MAGIC_STRUCTURE, payload)):
            return False
        try:
            self._prune_structures(path.parent)
        except OSError:  # a cache that cannot be pruned is only larger
            pass
        return True

    def _prune_structures(self, folder: Path) -> None:
        """Delete the least recently used structure entries beyond
        :attr:`max_structure_bytes` (each use touches its entry)."""
        entries = []
        total = 0
        with os.scandir(folder) as it:
            for e in it:
                if e.name.endswith(".struct") and e.is_file(follow_symlinks=False):
                    st = e.stat(follow_symlinks=False)
                    entries.append((st.st_mtime, st.st_size, e.path))
                    total += st.st_size
        entries.sort()
        for _mtime, size, path in entries:
            if total <= self.max_structure_bytes:
                break
            try:
                os.unlink(path)
                total -= size
            except OSError:
                pass

    @staticmethod
    def digest(keys: Iterable[str]) -> str:
        """Digest of a workbook structure (its set of plan keys)."""
        h = hashlib.sha256()
        for k in sorted(set(keys)):
            h.update(k.encode("utf-8", "surrogatepass"))
            h.update(b"\0")
        return h.hexdigest()

    def preload(self, digest: str) -> bool:
        """Load the disk entry for ``digest`` into memory; ``False`` when there is none."""
        path = self._path(digest)
        data = self._read_entry(path)
        if path is None or data is None:
            return False
        table = self._verified(data, digest)
        if table is None:  # damaged or foreign: never run it, rebuild it
            _discard(path)
            return False
        try:
            for key, code in table.items():
                if key not in self._make and isinstance(code, CodeType):
                    fn = load(code)
                    with self._lock:
                        self._code[key] = code
                        self._make[key] = fn
                        self.loaded += 1
            return True
        except (OSError, ValueError, EOFError, TypeError, KeyError):
            return False

    def save(self, digest: str, keys: Iterable[str]) -> bool:
        """Write the plans of ``keys`` as the disk entry for ``digest`` (atomic)."""
        path = self._path(digest)
        if path is None:
            return False
        plans = {_plan_of(k)[0] for k in keys}
        table = {k: self._code[k] for k in plans if k in self._code}
        payload = marshal.dumps((digest, table))
        return self._write_entry(path, seal(_MAGIC, payload))

    def _read_entry(self, path: Path | None) -> bytes | None:
        """The bytes of the disk entry at ``path`` when its folders are trusted, else ``None``."""
        if path is None or not self._trusted(path):
            return None
        try:
            return path.read_bytes()
        except OSError:
            return None

    def _write_entry(self, path: Path, data: bytes) -> bool:
        """Write a sealed entry at ``path`` (atomic), making its folders ``0700`` first;
        ``False`` when a folder is not trusted or the write fails."""
        try:
            assert self._base is not None
            self._base.mkdir(mode=0o700, parents=True, exist_ok=True)
            for folder in (self._base / "plans", path.parent.parent, path.parent):
                folder.mkdir(mode=0o700, exist_ok=True)
            if not self._trusted(path):
                return False
            write_bytes_atomic(path, data)
            return True
        except (OSError, WorkbookError):  # a cache that cannot be written is only slower
            return False

    def _trusted(self, path: Path) -> bool:
        """Every folder from the cache dir down to ``path`` is this user's and nobody else's."""
        if self._base is None:
            return False
        folders = [self._base, self._base / "plans", path.parent.parent, path.parent]
        return all(trusted_folder(f) for f in folders)

    @staticmethod
    def _verified(data: bytes, digest: str) -> dict[str, CodeType] | None:
        """The plans of a disk entry that passes its integrity check, else ``None``."""
        payload = unseal(_MAGIC, data)
        if payload is None:
            return None
        try:
            saved_for, table = marshal.loads(payload)
        except (ValueError, EOFError, TypeError):
            return None
        if saved_for != digest or not isinstance(table, dict):
            return None
        if not all(isinstance(k, str) and isinstance(c, CodeType) for k, c in table.items()):
            return None
        return table


def _discard(path: Path) -> None:
    """Delete a damaged or foreign disk entry (it is rebuilt)."""
    try:
        path.unlink()
    except OSError:
        pass


#: keys bound to a skeleton's plan kept in memory, at most (then only the plans are kept)
_MAX_BOUND_KEYS = 1_000_000


def _plan_of(key: str) -> tuple[str, tuple[int, ...]]:
    """The key of the plan compiled for ``key`` (its :func:`skeleton`) and the numbers
    it binds.

    >>> _plan_of("c:@R[-1]C[0]*2")
    ('c:@R[2000000]C[0]*2', (-1,))
    """
    shape, params = skeleton(key[2:])
    return (key[:2] + shape if params else key), params


_DEFAULT: PlanCache | None = None
_DEFAULT_LOCK = threading.Lock()


def default_cache() -> PlanCache:
    """The process-wide cache used when :func:`~xlfuncs.recalc.engine.evaluate` gets none."""
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None:
            _DEFAULT = PlanCache()
        return _DEFAULT
