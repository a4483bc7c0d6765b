"""``qloop user`` and ``qloop token``."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from qloop.cli import app

runner = CliRunner()


def test_user_and_token_commands(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QLOOP_PASSWORD", "correct horse")
    result = runner.invoke(app, ["--db", db_url, "user", "add", "li.wei", "--role", "engineer"])
    assert result.exit_code == 0 and "added li.wei (engineer)" in result.output
    again = runner.invoke(app, ["--db", db_url, "user", "add", "li.wei", "--role", "viewer"])
    assert again.exit_code == 2 and 'user "li.wei" exists already' in again.output
    bad_role = runner.invoke(app, ["--db", db_url, "user", "add", "x", "--role", "boss"])
    assert bad_role.exit_code == 2

    created = runner.invoke(app, ["--db", db_url, "token", "create", "li.wei", "--label", "ERP"])
    assert created.exit_code == 0
    token = created.output.strip().splitlines()[-1]
    assert token.startswith("qlp_") and " " not in token
    listed = runner.invoke(app, ["--db", db_url, "token", "list"])
    assert "li.wei" in listed.output and "ERP" in listed.output and token not in listed.output
    token_id = re.search(r"token (\d+) for li.wei", created.output).group(1)  # type: ignore[union-attr]
    assert runner.invoke(app, ["--db", db_url, "token", "revoke", token_id]).exit_code == 0
    assert runner.invoke(app, ["--db", db_url, "token", "revoke", token_id]).exit_code == 2

    users = runner.invoke(app, ["--db", db_url, "user", "list"])
    assert "li.wei" in users.output and "engineer" in users.output
    assert runner.invoke(app, ["--db", db_url, "user", "disable", "li.wei"]).exit_code == 0
    assert runner.invoke(app, ["--db", db_url, "token", "create", "li.wei"]).exit_code == 2


def test_password_prompt(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QLOOP_PASSWORD", raising=False)
    result = runner.invoke(
        app,
        ["--db", db_url, "user", "add", "wang", "--role", "viewer"],
        input="a long secret\na long secret\n",
    )
    assert result.exit_code == 0 and "added wang (viewer)" in result.output
