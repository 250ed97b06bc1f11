"""``python -m xlfuncs.recalc.functions._index_make``: rewrite ``_index.py`` from the
category modules (after adding, renaming or re-declaring a built-in)."""

from __future__ import annotations

from pathlib import Path

from xlfuncs.recalc.functions import index_source


def main() -> None:
    path = Path(__file__).with_name("_index.py")
    path.write_text(index_source(), encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
