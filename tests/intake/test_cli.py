"""``qloop import`` and ``qloop status``: exit codes, summaries, database selection."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qloop.cli import app
from qloop.core import migrate
from tests.files import write_csv

runner = CliRunner()
HEADER = ["serial", "product", "ship_date", "supplier"]


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_import_exit_codes_and_json_summary(db_url: str, tmp_path: Path) -> None:
    good = write_csv(tmp_path / "good.csv", HEADER, [["SN1", "PX9", "2026-01-05", "A"]])
    code, output = run("--db", db_url, "import", "units", str(good), "--format", "json")
    assert code == 0
    assert json.loads(output) == {
        "table": "units",
        "file": str(good),
        "read": 1,
        "inserted": 1,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
        "rejects_path": None,
        "classified": 0,
        "to_review": 0,
        "escalated": 0,
        "duplicates": 0,
    }

    mixed = write_csv(
        tmp_path / "mixed.csv",
        HEADER,
        [["SN1", "PX9", "2026-01-05", "B"], ["SN2", "PX9", "someday", "A"]],
    )
    rejects = tmp_path / "out" / "bad-rows.csv"
    code, output = run(
        "--db", db_url, "import", "units", str(mixed), "--rejects", str(rejects), "--format", "json"
    )
    assert code == 3
    summary = json.loads(output)
    assert (summary["updated"], summary["rejected"]) == (1, 1)
    assert summary["rejects_path"] == str(rejects) and rejects.exists()

    code, output = run("--db", db_url, "import", "units", str(tmp_path / "missing.csv"))
    assert code == 2
    assert "missing.csv" in output and "file not found" in output

    no_serial = write_csv(tmp_path / "noserial.csv", ["product"], [["PX9"]])
    code, output = run("--db", db_url, "import", "units", str(no_serial))
    assert code == 2 and "missing required column(s) for units: serial" in output

    code, _ = run("--db", db_url, "import", "widgets", str(good))
    assert code == 2  # not a table qloop imports


def test_text_summary_and_dry_run(db_url: str, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "u.csv", HEADER, [["SN1", "PX9", "", ""], ["", "PX9", "", ""]])
    code, output = run("--db", db_url, "import", "units", str(source), "--dry-run")
    assert code == 3
    assert "would store 1 new" in output and "rejected 1" in output
    assert "u.csv.rejects.csv" in output
    code, output = run("--db", db_url, "status", "--format", "json")
    assert code == 0 and json.loads(output)["units"] == 0


def test_status_reports_counts_schema_and_case_range(db_url: str, tmp_path: Path) -> None:
    cases = write_csv(
        tmp_path / "c.csv",
        ["case_id", "received_at", "channel", "description"],
        [
            ["C1", "2026-03-01 08:00", "hotline", "no power"],
            ["C2", "2026-05-31 17:45", "app", "app crash"],
        ],
    )
    assert run("--db", db_url, "import", "cases", str(cases))[0] == 0
    code, output = run("--db", db_url, "status", "--format", "json")
    status = json.loads(output)
    assert code == 0
    assert status["schema_version"] == migrate.HEAD_REVISION
    assert (status["cases"], status["units"], status["repairs"], status["surveys"]) == (2, 0, 0, 0)
    assert (status["cases_from"], status["cases_to"]) == (
        "2026-03-01 08:00:00",
        "2026-05-31 17:45:00",
    )
    code, output = run("--db", db_url, "status")
    assert code == 0 and "cases" in output and migrate.HEAD_REVISION in output


def test_database_from_environment_and_default_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, output = run("status", "--format", "json")
    assert code == 0 and json.loads(output)["database"] == "sqlite:///qloop.db"
    assert (tmp_path / "qloop.db").exists()  # created and migrated on first use
    other = tmp_path / "other.db"
    monkeypatch.setenv("QLOOP_DATABASE_URL", f"sqlite:///{other}")
    code, output = run("db", "upgrade")
    assert code == 0 and migrate.HEAD_REVISION in output and other.exists()


def test_database_and_settings_failures_are_one_line_errors(tmp_path: Path) -> None:
    """Outside the test runner: the console entry point itself, as a user runs it."""
    command = [
        sys.executable,
        "-m",
        "qloop",
        "--db",
        "postgresql+psycopg://nobody@127.0.0.1:1/none",
        "status",
    ]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    assert completed.returncode == 1
    assert completed.stderr.startswith("error: database:") and "Traceback" not in completed.stderr

    source = write_csv(tmp_path / "u.csv", HEADER, [["SN1", "PX9", "", ""]])
    environment = {**os.environ, "QLOOP_IMPORT_CHUNK_ROWS": "0"}
    command = [
        sys.executable,
        "-m",
        "qloop",
        "--db",
        f"sqlite:///{tmp_path / 'x.db'}",
        "import",
        "units",
        str(source),
    ]
    completed = subprocess.run(
        command, capture_output=True, text=True, check=False, env=environment
    )
    assert completed.returncode == 2
    assert "settings" in completed.stderr and "import_chunk_rows" in completed.stderr
