"""Build the demo database: write the demo files, then import them through the normal import."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from qloop.demo.generate import write_demo_files
from qloop.intake import service as intake_service
from qloop.intake.importers import ImportResult, ProgressCallback

#: Import order: units first so that later features find the units cases name.
DEMO_TABLES = ("units", "cases", "repairs", "surveys")


def build_demo(
    engine: Engine,
    *,
    out_dir: Path,
    seed: int = 20261129,
    on_progress: ProgressCallback | None = None,
) -> list[ImportResult]:
    """Write the demo CSV files into ``out_dir`` and import each one.

    Going through :func:`qloop.intake.service.import_file` means the demo
    exercises exactly the code path a user's files take.
    """
    files = write_demo_files(out_dir, seed=seed)
    return [
        intake_service.import_file(engine, table=table, path=files[table], on_progress=on_progress)
        for table in DEMO_TABLES
    ]
