"""``python -m xlfuncs.templates [DIR]``: regenerate the template workbooks (default ``workbook_templates``).

The same as ``xlfuncs template --regenerate DIR``: errors print ``DIR: what is wrong`` and exit 1.
"""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    """Parse ``[DIR]`` and regenerate through the ``xlfuncs template`` command."""
    parser = argparse.ArgumentParser(
        prog="python -m xlfuncs.templates", description="Regenerate the template workbooks into DIR."
    )
    parser.add_argument("folder", nargs="?", default="workbook_templates", metavar="DIR",
                        help="output folder (default: workbook_templates)")
    args = parser.parse_args(argv)
    from xlfuncs.cli import main as cli_main

    return cli_main(["template", "--regenerate", args.folder])


if __name__ == "__main__":
    sys.exit(main())
