"""Check what `python -m build` wrote: one wheel and one sdist that carry the whole package.

Usage: python .ci/check_dist.py DIST_DIR

`python -m build` builds the wheel *from the sdist*, so a file missing from the sdist is
missing from the wheel too. This checks that every file of the package tree (xlfuncs/,
without caches) is in the wheel, that the sdist has the project files, and that the wheel's
metadata asks for the xlwings version the generated Lite module needs. Exit 1 naming what
is wrong.
"""

from __future__ import annotations

import re
import sys
import tarfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def package_files() -> set[str]:
    out = set()
    for path in (ROOT / "xlfuncs").rglob("*"):
        if path.is_dir() or "__pycache__" in path.parts or path.suffix in (".pyc", ".pyo"):
            continue
        out.add(path.relative_to(ROOT).as_posix())
    return out


def main(argv: list[str]) -> int:
    dist = Path(argv[1]) if len(argv) > 1 else ROOT / "dist"
    wheels = sorted(dist.glob("xlfuncs-*.whl"))
    sdists = sorted(dist.glob("xlfuncs-*.tar.gz"))
    problems: list[str] = []
    if len(wheels) != 1 or len(sdists) != 1:
        print(f"check_dist: want one wheel and one sdist in {dist}, found "
              f"{[p.name for p in wheels + sdists]}", file=sys.stderr)
        return 1
    wheel, sdist = wheels[0], sdists[0]
    if not wheel.name.endswith("-py3-none-any.whl"):
        problems.append(f"{wheel.name}: not a pure-Python wheel (xlwings Lite needs py3-none-any)")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        meta_name = next((n for n in names if n.endswith(".dist-info/METADATA")), None)
        metadata = zf.read(meta_name).decode("utf-8") if meta_name else ""
    for missing in sorted(package_files() - names):
        problems.append(f"{wheel.name}: lacks {missing}")
    # read, not imported: this runs with a bare python3, without xlfuncs' dependencies
    floor = re.search(r'^LITE_XLWINGS_MIN = "([^"]+)"$',
                      (ROOT / "xlfuncs" / "codegen.py").read_text(encoding="utf-8"), re.MULTILINE)
    if floor is None:
        problems.append("xlfuncs/codegen.py: no LITE_XLWINGS_MIN")
    LITE_XLWINGS_MIN = floor.group(1) if floor else "?"
    if not re.search(rf"^Requires-Dist: xlwings\s*>=\s*{re.escape(LITE_XLWINGS_MIN)}\s*$",
                     metadata, re.MULTILINE):
        problems.append(f"{wheel.name}: METADATA does not require xlwings>={LITE_XLWINGS_MIN}")
    if not re.search(r"^Requires-Python: >=3\.11$", metadata, re.MULTILINE):
        problems.append(f"{wheel.name}: METADATA does not require Python >=3.11")
    with tarfile.open(sdist) as tf:
        top = sdist.name[: -len(".tar.gz")]
        members = {m.name[len(top) + 1:] for m in tf.getmembers() if m.name.startswith(top + "/")}
    for needed in ["pyproject.toml", "README.md", *sorted(package_files())]:
        if needed not in members:
            problems.append(f"{sdist.name}: lacks {needed}")
    for p in problems:
        print(f"check_dist: {p}", file=sys.stderr)
    if not problems:
        print(f"check_dist: {wheel.name} ({len(names)} files) and {sdist.name} are complete")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
