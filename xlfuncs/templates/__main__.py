"""``python -m xlfuncs.templates [DIR]``: regenerate the template workbooks (default ``workbook_templates``)."""

from __future__ import annotations

import sys

from xlfuncs.templates.catalog import regenerate

for _path in regenerate(sys.argv[1] if len(sys.argv) > 1 else "workbook_templates"):
    print(_path)
