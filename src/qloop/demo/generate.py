"""Write the demo data set: units, cases, repairs and surveys as CSV files.

The data tell four stories an after-sales quality engineer should be able to
find with qloop (see :mod:`qloop.demo.scenarios` for the culprits), plus
noise that must *not* look like a story. Output is deterministic per seed:
every random draw comes from ``random.Random`` streams derived from the seed,
one per stage, so the same seed gives byte-identical files on every run.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from qloop.demo.cases import draw_cases
from qloop.demo.catalog import ATTRIBUTE_COLUMNS
from qloop.demo.modes import MODES
from qloop.demo.records import Case, Repair, Survey
from qloop.demo.repairs import plan_repairs, settle
from qloop.demo.texts import case_text
from qloop.demo.units import Unit, make_units

DEFAULT_SEED = 20261129
UNIT_COLUMNS = ("serial", "product", "batch", "production_date", "ship_date", "region")
CASE_COLUMNS = (
    "case_id",
    "received_at",
    "channel",
    "serial",
    "product",
    "region",
    "title",
    "description",
    "category",
    "failure_mode",
    "severity",
    "status",
    "drop_height_m",
    "vibration_mm_s",
)
REPAIR_COLUMNS = (
    "repair_id",
    "case_id",
    "serial",
    "opened_at",
    "closed_at",
    "resolved",
    "technician",
    "action",
    "parts",
)
SURVEY_COLUMNS = ("case_id", "score", "answered_at", "comment")
# Shares of cases exported without a label, for the classifier features to fill in.
BLANK_SHARES = (("show_category", 0.2), ("show_mode", 0.15), ("show_severity", 0.3))


@dataclass(frozen=True)
class DemoData:
    """The generated records, in export order."""

    units: list[Unit]
    cases: list[Case]
    repairs: list[Repair]
    surveys: list[Survey]


def _stream(seed: int, stage: str) -> random.Random:
    """An independent random stream per stage: tweaking one stage leaves the others alone."""
    return random.Random(f"qloop-demo:{seed}:{stage}")


def _blank_labels(rng: random.Random, cases: Sequence[Case]) -> None:
    """Hide category, failure mode and severity on a fixed share of every mode's cases."""
    by_mode: dict[str, list[Case]] = {}
    for case in cases:
        by_mode.setdefault(case.mode, []).append(case)
    for attribute, share in BLANK_SHARES:
        for group in by_mode.values():
            for case in rng.sample(group, round(share * len(group))):
                setattr(case, attribute, False)


def _number(items: Iterable[Case | Repair], prefix: str) -> None:
    """Ids like C2506-00017: running number within the month the record was opened."""
    counters: dict[str, int] = {}
    for item in items:
        moment = item.received_at if isinstance(item, Case) else item.opened_at
        month = f"{moment.year % 100:02d}{moment.month:02d}"
        counters[month] = counters.get(month, 0) + 1
        identifier = f"{prefix}{month}-{counters[month]:05d}"
        if isinstance(item, Case):
            item.case_id = identifier
        else:
            item.repair_id = identifier


def generate_demo(seed: int = DEFAULT_SEED) -> DemoData:
    """Generate every record in memory (no files), for callers that want the objects."""
    units = make_units(_stream(seed, "units"))
    cases = draw_cases(_stream(seed, "cases"), units)
    repairs = plan_repairs(_stream(seed, "repairs"), cases)
    surveys = settle(_stream(seed, "surveys"), cases)
    text_rng = _stream(seed, "texts")
    for case in cases:
        case.title, case.description = case_text(text_rng, case)
    _blank_labels(_stream(seed, "labels"), cases)
    cases.sort(key=lambda c: c.received_at)
    repairs.sort(key=lambda r: r.opened_at)
    surveys.sort(key=lambda s: s.answered_at)
    _number(cases, "C")
    _number(repairs, "R")
    return DemoData(units, cases, repairs, surveys)


def _day(value: dt.date | None) -> str:
    return value.isoformat() if value is not None else ""


def _minute(value: dt.datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else ""


def _number_cell(value: float | None, digits: int) -> str:
    return f"{value:.{digits}f}" if value is not None else ""


def _unit_row(unit: Unit) -> list[str]:
    fixed = [unit.serial, unit.product, unit.batch, _day(unit.production_date)]
    fixed += [_day(unit.ship_date), unit.region]
    return fixed + [unit.attrs.get(column, "") for column in ATTRIBUTE_COLUMNS]


def _case_row(case: Case) -> list[str]:
    mode = MODES[case.mode]
    return [
        case.case_id,
        _minute(case.received_at),
        case.channel,
        case.unit.serial if case.unit is not None else "",
        case.product,
        case.region or "",
        case.title,
        case.description,
        mode.category if case.show_category else "",
        case.mode if case.show_mode else "",
        case.severity if case.show_severity else "",
        case.status,
        _number_cell(case.drop_height, 2),
        _number_cell(case.vibration, 1),
    ]


def _repair_row(repair: Repair) -> list[str]:
    resolved = "" if repair.resolved is None else str(repair.resolved).lower()
    return [
        repair.repair_id,
        repair.case.case_id,
        repair.serial,
        _minute(repair.opened_at),
        _minute(repair.closed_at),
        resolved,
        repair.technician,
        repair.action,
        repair.parts,
    ]


def _survey_row(survey: Survey) -> list[str]:
    return [survey.case.case_id, str(survey.score), _minute(survey.answered_at), survey.comment]


def _write(path: Path, header: Sequence[str], rows: Iterable[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_demo_files(out_dir: Path, *, seed: int = DEFAULT_SEED) -> dict[str, Path]:
    """Write units.csv, cases.csv, repairs.csv, surveys.csv into out_dir.

    Returns {"units": path, "cases": ..., "repairs": ..., "surveys": ...}. The
    same seed always gives byte-identical files (UTF-8, no BOM, header first).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    data = generate_demo(seed)
    return {
        "units": _write(
            out_dir / "units.csv", UNIT_COLUMNS + ATTRIBUTE_COLUMNS, map(_unit_row, data.units)
        ),
        "cases": _write(out_dir / "cases.csv", CASE_COLUMNS, map(_case_row, data.cases)),
        "repairs": _write(out_dir / "repairs.csv", REPAIR_COLUMNS, map(_repair_row, data.repairs)),
        "surveys": _write(out_dir / "surveys.csv", SURVEY_COLUMNS, map(_survey_row, data.surveys)),
    }
