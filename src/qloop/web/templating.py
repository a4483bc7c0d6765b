"""Jinja2 templates from every domain's ``templates/`` folder, autoescaped."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

_PACKAGE = Path(__file__).resolve().parent.parent
_DOMAINS = (
    "web", "accounts", "intake", "classify", "taxonomy", "kpi", "alerts", "rca", "capa", "kb",
)  # fmt: skip


def make_templates() -> Jinja2Templates:
    environment = Environment(
        loader=ChoiceLoader([FileSystemLoader(_PACKAGE / d / "templates") for d in _DOMAINS]),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )
    environment.filters["path_part"] = lambda value: quote(str(value), safe="")
    return Jinja2Templates(env=environment)
