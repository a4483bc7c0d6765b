"""The taxonomy file format (YAML): categories, failure modes and their words.

The same shape is shipped as the default (``classify/data/taxonomy.yaml``),
written by ``qloop taxonomy export`` and read by ``qloop taxonomy import``, so a
user's edited file is checked exactly like ours. Codes are normalised the way
imported cells are (``Battery Swelling`` -> ``battery_swelling``).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from qloop.core.errors import InputError
from qloop.core.storable import has_nul
from qloop.intake.parsing import normalise_code

CODE_LENGTH = 100
TERM_LENGTH = 200  # ignored phrases are stored in a column this wide
M = TypeVar("M", bound=BaseModel)
Terms = list[str]


def clean_terms(terms: list[Any]) -> list[str]:
    cleaned: list[str] = []
    for term in terms:
        if not isinstance(term, str | int | float):
            raise ValueError(f"a term must be text, not {type(term).__name__}")
        text = " ".join(str(term).split())
        if len(text) > TERM_LENGTH:
            raise ValueError(f"a term is at most {TERM_LENGTH} characters: {text[:40]}...")
        if text and text not in cleaned:
            cleaned.append(text)
    return cleaned


class StrictSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="after")
    def _storable(self) -> StrictSpec:
        for name in type(self).model_fields:
            if has_nul(getattr(self, name)):
                raise ValueError(f"{name} contains a NUL character or broken text")
        return self


class FailureModeSpec(StrictSpec):
    code: str = Field(min_length=1, max_length=CODE_LENGTH)
    name_en: str | None = Field(default=None, max_length=200)
    name_zh: str | None = Field(default=None, max_length=200)
    keywords: Terms = Field(default_factory=list)
    functions: Terms = Field(default_factory=list)

    _terms = field_validator("keywords", "functions", mode="before")(
        lambda cls, value: clean_terms(value or [])
    )

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        return normalise_code(value)


class CategorySpec(FailureModeSpec):
    parts: Terms = Field(default_factory=list)
    causes: Terms = Field(default_factory=list)
    failure_modes: list[FailureModeSpec] = Field(default_factory=list)

    _more_terms = field_validator("parts", "causes", mode="before")(
        lambda cls, value: clean_terms(value or [])
    )


class TaxonomySpec(StrictSpec):
    """A whole taxonomy; category order decides ties between categories."""

    format: Literal["qloop-taxonomy"] = "qloop-taxonomy"
    version: Literal[1] = 1
    categories: list[CategorySpec] = Field(min_length=1)
    ignore: Terms = Field(default_factory=list)

    _ignore = field_validator("ignore", mode="before")(lambda cls, value: clean_terms(value or []))

    @model_validator(mode="after")
    def _unique_codes(self) -> TaxonomySpec:
        seen: dict[str, str] = {}
        for category in self.categories:
            if category.code in seen:
                raise ValueError(f'category "{category.code}" is listed twice')
            seen[category.code] = "category"
        modes: dict[str, str] = {}
        for category in self.categories:
            for mode in category.failure_modes:
                if mode.code in modes:
                    raise ValueError(
                        f'failure mode "{mode.code}" is listed under both '
                        f'"{modes[mode.code]}" and "{category.code}"'
                    )
                modes[mode.code] = category.code
        return self

    def category_of_mode(self) -> dict[str, str]:
        return {m.code: c.code for c in self.categories for m in c.failure_modes}


def parse_taxonomy(text: str, *, source: str) -> TaxonomySpec:
    """Read a taxonomy file's text; errors name the file and the place in it."""
    return parse_yaml_document(text, source=source, model=TaxonomySpec)


def load_taxonomy_file(path: Path) -> TaxonomySpec:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot be read: {error}", file=str(path)) from None
    return parse_taxonomy(text, source=str(path))


def default_taxonomy() -> TaxonomySpec:
    """The taxonomy qloop ships with."""
    text = resources.files("qloop.classify").joinpath("data/taxonomy.yaml").read_text("utf-8")
    return parse_taxonomy(text, source="default taxonomy")


def dump_taxonomy(spec: TaxonomySpec) -> str:
    """YAML text of a taxonomy, readable by ``parse_taxonomy``."""
    data = spec.model_dump(mode="json", exclude_none=True)
    return str(
        yaml.safe_dump(
            data, allow_unicode=True, sort_keys=False, width=100, default_flow_style=None
        )
    )


def parse_yaml_document(text: str, *, source: str, model: type[M]) -> M:
    """A YAML file's text validated as ``model``; errors name the file and the place."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        raise InputError(f"is not valid YAML: {error}", file=source, row=row) from None
    if not isinstance(data, dict):
        raise InputError("must be a YAML mapping (format:, version:, ...)", file=source)
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or None
        raise InputError(str(first["msg"]), file=source, column=where) from None
