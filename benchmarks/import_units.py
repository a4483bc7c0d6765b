"""Benchmark: import a large units file into a fresh SQLite database.

Prints rows/s and peak RSS of ``qloop import units`` (run as its own process,
exactly as a user runs it, start-up included), and the floor: the same file
read with ``csv`` and loaded by plain ``sqlite3`` ``executemany`` into a bare
table with no validation, no index and no JSON. The ratio of the two is the
figure to watch (absolute speeds vary from machine to machine); both run
``--repeat`` times, alternately, and the medians are shown.

    .venv/bin/python benchmarks/import_units.py --rows 1000000
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ATTRIBUTE_COLUMNS = [
    "battery_lot",
    "battery_supplier",
    "glass_thickness_mm",
    "display_supplier",
    "firmware",
    "color",
    "memory_gb",
    "assembly_line",
]
HEADER = [
    "serial",
    "product",
    "batch",
    "production_date",
    "ship_date",
    "region",
    *ATTRIBUTE_COLUMNS,
]


def write_units_file(path: Path, rows: int, seed: int = 1) -> None:
    """A units file shaped like a real ERP export: 6 standard columns plus 8 attributes."""
    rng = random.Random(seed)
    start = dt.date(2025, 1, 1)
    products = ["PX9", "PX10", "WM7", "SPK2", "CNC500"]
    regions = ["华东", "华南", "华北", "西南", "EU", "NA", "SEA"]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for index in range(rows):
            produced = start + dt.timedelta(days=index * 540 // rows)
            product = products[index % len(products)]
            writer.writerow(
                [
                    f"{product}-{index:09d}",
                    product,
                    f"{product}-{produced:%y%m}{'AB'[index % 2]}",
                    produced.isoformat(),
                    (produced + dt.timedelta(days=rng.randint(3, 40))).isoformat(),
                    rng.choice(regions),
                    f"BL-{rng.randint(1, 40):03d}",
                    rng.choice(["Lishen Cell", "Amperex", "Sunwoda"]),
                    rng.choice(["0.7", "1.0"]),
                    rng.choice(["BOE", "Tianma", "Visionox"]),
                    f"3.{rng.randint(0, 4)}.{rng.randint(0, 9)}",
                    rng.choice(["black", "white", "blue"]),
                    rng.choice(["128", "256", "512"]),
                    f"L{rng.randint(1, 6)}",
                ]
            )


def import_with_qloop(path: Path, database: Path) -> tuple[float, int, dict[str, object]]:
    """Seconds, peak RSS (KiB) and summary of ``qloop import units`` in its own process."""
    qloop = Path(sys.executable).with_name("qloop")
    command = [
        str(qloop),
        "--db",
        f"sqlite:///{database}",
        "import",
        "units",
        str(path),
        "--format",
        "json",
    ]
    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"qloop import failed ({completed.returncode}): {completed.stderr}")
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, peak_kib, json.loads(completed.stdout)


def import_floor(path: Path, database: Path) -> float:
    """Seconds to load the file with csv + sqlite3 executemany into a bare table ."""
    started = time.perf_counter()
    connection = sqlite3.connect(database)
    columns = ", ".join(f'"{name}" TEXT' for name in HEADER)
    connection.execute(f"CREATE TABLE units ({columns})")
    placeholders = ", ".join("?" for _ in HEADER)
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        with connection:
            connection.executemany(f"INSERT INTO units VALUES ({placeholders})", reader)
    connection.close()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; medians are shown")
    args = parser.parse_args()
    floor_runs: list[float] = []
    qloop_runs: list[float] = []
    peak_kib = 0
    with tempfile.TemporaryDirectory(prefix="qloop-bench-") as folder:
        work = Path(folder)
        source = work / "units.csv"
        write_units_file(source, args.rows)
        size_mb = source.stat().st_size / 1e6
        for run in range(args.repeat):  # alternate, so both see the same machine state
            floor_runs.append(import_floor(source, work / f"floor-{run}.db"))
            seconds, peak_kib, summary = import_with_qloop(source, work / f"qloop-{run}.db")
            qloop_runs.append(seconds)
            if summary["inserted"] != args.rows:
                raise SystemExit(f"expected {args.rows} inserted, got {summary}")
    seconds, floor_seconds = statistics.median(qloop_runs), statistics.median(floor_runs)
    ratios = sorted(f / q for f, q in zip(floor_runs, qloop_runs, strict=True))
    qloop_rate, floor_rate = args.rows / seconds, args.rows / floor_seconds
    print(
        f"file: {args.rows:,} rows, {len(HEADER)} columns, {size_mb:.0f} MB; "
        f"median of {args.repeat} runs"
    )
    print(
        f"qloop import units: {seconds:.2f} s, {qloop_rate:,.0f} rows/s, "
        f"peak RSS {peak_kib / 1024:.0f} MB"
    )
    print(
        f"floor (csv + sqlite3 executemany, bare table): {floor_seconds:.2f} s, "
        f"{floor_rate:,.0f} rows/s"
    )
    print(
        f"ratio qloop / floor: {statistics.median(ratios):.2f} "
        f"(runs: {', '.join(f'{r:.2f}' for r in ratios)}; target >= 0.33)"
    )
    print(
        f"target >= 100,000 rows/s: {'met' if qloop_rate >= 100_000 else 'NOT met'}; "
        f"peak RSS < 400 MB: {'met' if peak_kib < 400 * 1024 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
