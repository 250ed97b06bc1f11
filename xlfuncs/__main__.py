"""``python -m xlfuncs``: the command-line interface."""

from xlfuncs.cli import main

raise SystemExit(main())
