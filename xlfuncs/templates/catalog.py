"""The template catalog: names, one-line descriptions and builders.

>>> [t.name for t in TEMPLATES.values()]
['programme_budget', 'model_portfolio', 'licence_scenarios']
>>> TEMPLATES["programme_budget"].filename
'programme_budget.xlsx'
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from xlfuncs.errors import TemplateError

if TYPE_CHECKING:
    from openpyxl import Workbook

__all__ = ["TEMPLATES", "TemplateInfo", "build_template", "get_template", "regenerate"]


@dataclass(frozen=True)
class TemplateInfo:
    """A template: catalog name, description and the module whose ``build()`` makes it."""

    name: str
    description: str
    module: str

    @property
    def filename(self) -> str:
        """File name in ``workbook_templates/``."""
        return f"{self.name}.xlsx"

    def build(self) -> Workbook:
        """Build the openpyxl workbook (not saved)."""
        module = importlib.import_module(self.module)
        wb: Workbook = module.build()
        return wb


TEMPLATES: Mapping[str, TemplateInfo] = MappingProxyType({
    t.name: t
    for t in (
        TemplateInfo("programme_budget",
                     "One model's localization programme by year: R&D, licence, operations, "
                     "score with/without R&D, thresholds, gaps, spend needed, chart",
                     "xlfuncs.templates.programme_budget"),
        TemplateInfo("model_portfolio",
                     "Many models/modifications as rows: operations, R&D, score and eligibility "
                     "per purpose, counts of models passing each bar",
                     "xlfuncs.templates.model_portfolio"),
        TemplateInfo("licence_scenarios",
                     "Licensing a foreign platform vs in-house R&D: points per year, cost per "
                     "point, first year each threshold is met",
                     "xlfuncs.templates.licence_scenarios"),
    )
})


def get_template(name: str) -> TemplateInfo:
    """Look a template up by name (``programme_budget`` or ``programme_budget.xlsx``)."""
    key = name.strip()
    if key.lower().endswith(".xlsx"):
        key = key[:-5]
    try:
        return TEMPLATES[key]
    except KeyError:
        raise TemplateError(
            f"unknown template {name!r}; known: {', '.join(TEMPLATES)}"
        ) from None


def build_template(name: str, path: str | Path, *, force: bool = False) -> Path:
    """Build template ``name`` and save it to ``path`` (refuses to overwrite unless ``force``)."""
    from xlfuncs.templates.builder import save_workbook

    info = get_template(name)
    out = Path(path)
    if out.exists() and not force:
        raise TemplateError(f"{out}: output exists (use --force to overwrite)")
    return save_workbook(info.build(), out, force=True)


def regenerate(folder: str | Path) -> list[Path]:
    """(Re)build every template into ``folder``; returns the written paths."""
    out = Path(folder)
    return [build_template(t.name, out / t.filename, force=True) for t in TEMPLATES.values()]


