"""docs/templates.md carries the name tables generated from xlfuncs.templates.names."""

from __future__ import annotations

import re

import pytest

from xlfuncs.templates import TEMPLATES
from xlfuncs.templates.builder import operations
from xlfuncs.templates.names import markdown_table

from .conftest import REPO


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_docs_table_is_current(name: str) -> None:
    text = (REPO / "docs" / "templates.md").read_text(encoding="utf-8")
    m = re.search(rf"<!-- names:{name} -->\n(.*?)\n<!-- /names -->", text, re.DOTALL)
    assert m, f"no names table for {name} in docs/templates.md"
    assert m.group(1) == markdown_table(name, [o.code for o in operations()])


def test_readme_lists_programme_budget_names() -> None:
    """Issue 4: the defined names of programme_budget are documented in the README too."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    m = re.search(r"<!-- names:programme_budget -->\n(.*?)\n<!-- /names -->", text, re.DOTALL)
    assert m, "no programme_budget names table in README.md"
    assert m.group(1) == markdown_table("programme_budget", [o.code for o in operations()])
