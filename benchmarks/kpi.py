"""Benchmark: monthly KPIs by product over 1,000,000 units, 50,000 cases, 35,000 repairs.

Builds a fresh SQLite database (``benchmarks/kpi_data.py``: qloop's schema, synthetic rows
from a fixed seed), then times ``qloop.kpi.service.kpi_table`` (month, by product) against a
plain pandas baseline computing the same KPIs from the four tables read whole
(``benchmarks/kpi_pandas.py``), checks that both give the same numbers, and times the real
command ``qloop --db URL kpi --period month --by product --format json`` (a process of its
own, start-up included). The three run ``--repeat`` times, alternately, and the medians are
shown; the ratio pandas / qloop is the figure to watch on a noisy machine.
Target: kpi_table < 2 s and faster than pandas.

    .venv/bin/python benchmarks/kpi.py [--scale 1.0] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from kpi_data import Sizes, build_database
from kpi_pandas import KPI_COLUMNS, monthly_kpis_by_product, read_tables
from sqlalchemy.engine import Engine

from qloop.core.db import make_engine, session_scope
from qloop.kpi.definitions import GroupBy
from qloop.kpi.periods import PeriodKind
from qloop.kpi.service import KpiTable, kpi_table

TARGET_SECONDS = 2.0
COUNT_COLUMNS = ("cases", "units_in_service")
NO_PRODUCT = "<none>"  # merge key for the row of records without a product
CLI_ARGS = ["kpi", "--period", "month", "--by", "product", "--format", "json"]
#: runs the same CLI and reports its VmHWM at exit: getrusage(RUSAGE_CHILDREN) would count
#: the pages of this (big) process that the child shares between fork and exec
PEAK_RSS_PROBE = """
import atexit, re, sys
def peak():
    with open("/proc/self/status") as status:
        sys.stderr.write("VmHWM " + re.search(r"VmHWM:\\s+(\\d+)", status.read()).group(1))
atexit.register(peak)
sys.argv[0] = "qloop"
from qloop.cli import run
run()
"""


def run_qloop(engine: Engine) -> tuple[float, KpiTable]:
    """Seconds for ``kpi_table`` (month, by product) in one session, and the table."""
    started = time.perf_counter()
    with session_scope(engine) as session:
        table = kpi_table(session, kind=PeriodKind.MONTH, by=GroupBy.PRODUCT)
    return time.perf_counter() - started, table


def run_pandas(database: Path) -> tuple[float, pd.DataFrame]:
    """Seconds for the pandas baseline, reading included, and its frame."""
    started = time.perf_counter()
    frame = monthly_kpis_by_product(read_tables(database))
    return time.perf_counter() - started, frame


def run_cli(url: str) -> tuple[float, list[dict[str, object]] | None]:
    """Wall seconds of ``qloop kpi`` as its own process, and its JSON rows (None: no command)."""
    command = [str(Path(sys.executable).with_name("qloop")), "--db", url, *CLI_ARGS]
    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        if "No such command 'kpi'" in completed.stderr:
            return seconds, None
        raise SystemExit(f"qloop kpi failed ({completed.returncode}):\n{completed.stderr}")
    rows: list[dict[str, object]] = json.loads(completed.stdout)
    return seconds, rows


def cli_peak_rss_mb(url: str) -> float | None:
    """Peak RSS (MB) of the same ``qloop kpi`` command, or None where /proc is missing."""
    if not Path("/proc/self/status").exists():
        return None
    command = [sys.executable, "-c", PEAK_RSS_PROBE, "--db", url, *CLI_ARGS]
    completed = subprocess.run(command, capture_output=True, text=True, check=True)
    return int(completed.stderr.rsplit("VmHWM ", 1)[1]) / 1024


def differences(qloop_frame: pd.DataFrame, pandas_frame: pd.DataFrame) -> list[str]:
    """Every disagreement: rows only one side has, KPIs not equal within rtol 1e-9 (nulls
    equal only to nulls), counts that are not integers."""
    problems = [
        f"{name}: {column} is {frame[column].dtype}, not integers"
        for name, frame in (("qloop", qloop_frame), ("pandas", pandas_frame))
        for column in COUNT_COLUMNS
        if frame[column].dtype.kind not in "iu"
    ]
    left = qloop_frame.rename(columns={"group": "product"})[["period", "product", *KPI_COLUMNS]]
    merged = left.assign(key=left["product"].fillna(NO_PRODUCT)).merge(
        pandas_frame.assign(key=pandas_frame["product"].fillna(NO_PRODUCT)),
        on=["period", "key"],
        how="outer",
        suffixes=("_qloop", "_pandas"),
        indicator=True,
    )
    for row in merged[merged["_merge"] != "both"].itertuples():
        side = "qloop" if row._merge == "left_only" else "pandas"
        problems.append(f"{row.period} {row.key}: row only in {side}")
    merged = merged[merged["_merge"] == "both"]
    for column in KPI_COLUMNS:
        ours = merged[f"{column}_qloop"].astype(float).to_numpy()
        theirs = merged[f"{column}_pandas"].astype(float).to_numpy()
        same = (np.isnan(ours) & np.isnan(theirs)) | np.isclose(ours, theirs, rtol=1e-9, atol=0)
        for i in np.flatnonzero(~same):
            row, left, right = merged.iloc[i], ours[i].item(), theirs[i].item()
            problems.append(f"{row['period']} {row['key']} {column}: qloop {left}, pandas {right}")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every row count")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; medians are shown")
    args = parser.parse_args()
    sizes = Sizes().scaled(args.scale)
    qloop_runs: list[float] = []
    pandas_runs: list[float] = []
    cli_runs: list[float] = []
    with tempfile.TemporaryDirectory(prefix="qloop-kpi-") as folder:
        database = Path(folder) / "kpi.db"
        url = f"sqlite:///{database}"
        started = time.perf_counter()
        build_database(database, sizes)
        build_seconds = time.perf_counter() - started
        size_mb = database.stat().st_size / 1e6
        engine = make_engine(url)
        for _ in range(args.repeat):  # alternate, so all see the same machine state
            seconds, frame = run_pandas(database)
            pandas_runs.append(seconds)
            seconds, table = run_qloop(engine)
            qloop_runs.append(seconds)
            seconds, cli_rows = run_cli(url)
            if cli_rows is not None:
                cli_runs.append(seconds)
        engine.dispose()
        cli_mb = cli_peak_rss_mb(url) if cli_rows is not None else None
    problems = differences(table.frame, frame)
    cli_same = cli_rows is not None and cli_rows == table.records()
    report(args, sizes, build_seconds, size_mb, qloop_runs, pandas_runs, cli_runs, cli_mb)
    print(f"rows compared: {len(frame):,} (month x product), {len(KPI_COLUMNS)} KPIs each")
    if cli_rows is not None:
        print(f"CLI JSON equals kpi_table records: {'yes' if cli_same else 'NO'}")
    if problems:
        print(f"same numbers: NO ({len(problems)} differences; first ones below)")
        print("\n".join(f"  {line}" for line in problems[:20]))
        raise SystemExit(1)
    print("same numbers: yes")


def report(
    args: argparse.Namespace,
    sizes: Sizes,
    build_seconds: float,
    size_mb: float,
    qloop_runs: list[float],
    pandas_runs: list[float],
    cli_runs: list[float],
    cli_mb: float | None,
) -> None:
    """Print the figures: sizes, medians, ratio, CLI time, peak RSS and the verdict."""
    qloop_median, pandas_median = statistics.median(qloop_runs), statistics.median(pandas_runs)
    ratios = sorted(p / q for p, q in zip(pandas_runs, qloop_runs, strict=True))
    ratio = statistics.median(ratios)  # "faster" by the ratio: steadier than two medians
    self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"data: {sizes.units:,} units, {sizes.cases:,} cases, {sizes.repairs:,} repairs, "
        f"{sizes.surveys:,} surveys; SQLite {size_mb:.0f} MB; built in {build_seconds:.1f} s"
    )
    print(f"median of {args.repeat} alternating runs")
    print(f"qloop kpi_table (month, by product): {qloop_median:.2f} s  ({_runs(qloop_runs)})")
    print(f"pandas baseline (read_sql + pandas): {pandas_median:.2f} s  ({_runs(pandas_runs)})")
    print(f"ratio pandas / qloop: {ratio:.2f} (runs: {_runs(ratios, '')}; > 1: qloop faster)")
    if not cli_runs:
        print("CLI: `qloop kpi` does not exist yet; only the function was timed")
    else:
        print(
            f"CLI `qloop kpi --period month --by product --format json`: "
            f"{statistics.median(cli_runs):.2f} s wall, start-up included ({_runs(cli_runs)}); "
            f"peak RSS {'?' if cli_mb is None else f'{cli_mb:.0f}'} MB"
        )
    print(f"peak RSS of this process (build + qloop + pandas): {self_mb:.0f} MB")
    met = qloop_median < TARGET_SECONDS and ratio > 1
    print(
        f"target kpi_table < {TARGET_SECONDS:.0f} s and faster than pandas: "
        f"{'met' if met else 'NOT met'} (median {qloop_median:.2f} s, ratio {ratio:.2f})"
    )


def _runs(values: list[float], unit: str = " s") -> str:
    return ", ".join(f"{v:.2f}{unit}" for v in values)


if __name__ == "__main__":
    main()
