"""The README documents every command, setting and accepted column name."""

from __future__ import annotations

from pathlib import Path

import typer.main

from qloop.cli import app
from qloop.core.settings import Settings
from qloop.intake.headers import FIELD_ALIASES

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def command_paths() -> list[str]:
    group = typer.main.get_command(app)
    paths = []
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        sub = getattr(command, "commands", None)
        paths.extend(f"qloop {name} {s}" for s in sub) if sub else paths.append(f"qloop {name}")
    return paths


def test_readme_starts_with_the_two_commands() -> None:
    first_block = README.split("```")[1]
    assert "make demo" in first_block and "make test" in first_block


def test_every_command_is_documented() -> None:
    assert len(command_paths()) >= 5
    for path in command_paths():
        assert f"`{path}" in README, path


def test_every_setting_is_documented() -> None:
    for name in Settings.model_fields:
        assert f"QLOOP_{name.upper()}" in README, name


def test_every_accepted_column_name_is_documented() -> None:
    for field, aliases in FIELD_ALIASES.items():
        row = next(line for line in README.splitlines() if line.startswith(f"| `{field}` |"))
        for alias in aliases:
            assert alias in row, (field, alias)
