"""Benchmark: suspect statistics of battery_swelling over 1,000,000 units and 20,000 failures.

Builds a fresh SQLite database (``benchmarks/suspects_data.py``: qloop's schema, synthetic
rows from a fixed seed, one planted cause), then times ``qloop.rca.service.find_suspects``
against a plain pandas + SciPy baseline written here from the definitions alone (no
``qloop.rca`` import), checks that both give the same table, and times the real command
``qloop --db URL suspects --failure-mode battery_swelling --format json`` (a process of its
own, start-up included). The three run ``--repeat`` times, alternately, and the medians are
shown; the ratio baseline / qloop is the figure to watch on a noisy machine.
Target: find_suspects < 3 s.

    .venv/bin/python benchmarks/suspects.py [--scale 1.0] [--repeat 3] [--limit 300] [--profile]

A qloop run (function or command) is stopped after ``--limit`` seconds: a query plan that
grows with units x failures would otherwise hold the machine for hours. The remaining qloop
runs are then skipped and the numbers cannot be compared (try a smaller ``--scale``).
``--profile`` adds the seconds of each SQL statement of one ``find_suspects`` run (at most
``--limit`` seconds) and the query plan of the slowest.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from suspects_data import FAILURE_MODE, PLANTED_KEY, PLANTED_VALUE, Sizes, build_database

from qloop.core.db import make_engine, session_scope
from qloop.rca.service import Suspects, find_suspects

TARGET_SECONDS = 3.0
UNIT_COLUMNS = ("product", "batch", "region")
CLI_ARGS = ["suspects", "--failure-mode", FAILURE_MODE, "--format", "json"]
COUNTS = ("units", "failures")
FIGURES = ("rate", "baseline_rate", "relative_risk", "p_value", "q_value")
RTOL = 1e-9
#: SQLite virtual-machine steps between two looks at the clock of a time-limited run
STEPS_PER_CHECK = 100_000


# --- the baseline: pandas + SciPy from the definitions --------------------------------------


def baseline_suspects(database: Path, failure_mode: str) -> tuple[int, int, pd.DataFrame]:
    """Population, failures and the suspect table, from two ``read_sql`` and pandas.

    Population: the units of the products named by at least one case of the failure mode
    (the case's own product, else its unit's). Failures: the distinct units of the
    population with such a case. For every non-empty (attribute, value) — the columns
    product, batch, region and every key of the JSON attributes — the 2x2 table of
    value x failed, the one-sided Fisher exact p-value (``scipy.stats.fisher_exact``,
    ``alternative="greater"``, called once per row), relative risk and BH q-values.
    """
    with sqlite3.connect(database) as connection:
        units = pd.read_sql(
            "SELECT serial, product, batch, region, attributes FROM units", connection
        )
        cases = pd.read_sql(
            "SELECT serial, product FROM cases WHERE failure_mode = ?",
            connection,
            params=(failure_mode,),
        )
    unit_product = units.set_index("serial")["product"]
    case_product = cases["product"].fillna(cases["serial"].map(unit_product))
    products = set(case_product.dropna())
    units = units[units["product"].isin(products)].reset_index(drop=True)
    failed = units["serial"].isin(set(cases["serial"].dropna())).to_numpy()
    population, failures = len(units), int(failed.sum())

    documents = [json.loads(text) for text in units["attributes"]]
    attributes: dict[str, pd.Series] = {c: units[c] for c in UNIT_COLUMNS}
    for key in sorted(set().union(*documents)):
        name = f"attributes.{key}" if key in UNIT_COLUMNS else key
        attributes[name] = pd.Series([_as_text(d.get(key)) for d in documents], dtype=object)
    parts = []
    for name, values in attributes.items():
        frame = pd.DataFrame({"value": values, "failed": failed})
        frame = frame[frame["value"].notna() & (frame["value"] != "")]
        counted = frame.groupby("value")["failed"].agg(units="size", failures="sum")
        parts.append(counted.reset_index().assign(attribute=name))
    table = pd.concat(parts, ignore_index=True)[["attribute", "value", *COUNTS]]
    return population, failures, _statistics(table, population, failures)


def _as_text(value: Any) -> str | None:
    """A JSON value as the text it is compared by: true/false for booleans, as written for
    numbers and strings; None for null (and for a missing key)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _statistics(table: pd.DataFrame, population: int, failures: int) -> pd.DataFrame:
    """Rate, baseline rate, relative risk, Fisher p and BH q of every row's 2x2 table."""
    rows = []
    for units, hits in zip(table["units"].tolist(), table["failures"].tolist(), strict=True):
        others, other_hits = population - units, failures - hits
        rate = hits / units
        if others == 0:  # every unit has the value: nothing to compare with
            rows.append((rate, np.nan, np.nan, 1.0))
            continue
        baseline = other_hits / others
        risk = rate / baseline if baseline > 0 else (np.inf if hits > 0 else 0.0)
        contingency = [[hits, units - hits], [other_hits, others - other_hits]]
        p_value = stats.fisher_exact(contingency, alternative="greater").pvalue
        rows.append((rate, baseline, risk, float(p_value)))
    figures = pd.DataFrame(rows, columns=["rate", "baseline_rate", "relative_risk", "p_value"])
    result = pd.concat([table.reset_index(drop=True), figures], axis=1)
    result["q_value"] = stats.false_discovery_control(result["p_value"].to_numpy(), method="bh")
    return result.sort_values(["p_value", "attribute", "value"], ignore_index=True)


# --- runs ----------------------------------------------------------------------------------


class TimeLimit:
    """A deadline for the SQLite statements of an engine: past it, SQLite interrupts them
    (a progress handler on every connection the engine opens)."""

    def __init__(self, engine: Engine) -> None:
        self.deadline = float("inf")
        event.listen(engine, "connect", self._install)

    def _install(self, connection: sqlite3.Connection, _record: Any) -> None:
        connection.set_progress_handler(self._expired, STEPS_PER_CHECK)

    def _expired(self) -> bool:
        return time.perf_counter() > self.deadline

    @contextmanager
    def within(self, seconds: float) -> Iterator[None]:
        """Interrupt whatever SQL is still running ``seconds`` from now."""
        self.deadline = time.perf_counter() + seconds
        try:
            yield
        finally:
            self.deadline = float("inf")


def run_qloop(engine: Engine, limit: TimeLimit, seconds: float) -> tuple[float, Suspects | None]:
    """Seconds for ``find_suspects`` in one session and its answer; None if it was stopped
    after ``seconds``."""
    started = time.perf_counter()
    try:
        with limit.within(seconds), session_scope(engine) as session:
            found = find_suspects(session, failure_mode=FAILURE_MODE)
    except OperationalError as error:
        if "interrupted" not in str(error):
            raise
        return time.perf_counter() - started, None
    return time.perf_counter() - started, found


def run_baseline(database: Path) -> tuple[float, tuple[int, int, pd.DataFrame]]:
    """Seconds for the pandas + SciPy baseline, reading included, and its answer."""
    started = time.perf_counter()
    answer = baseline_suspects(database, FAILURE_MODE)
    return time.perf_counter() - started, answer


def run_cli(url: str, limit: float) -> tuple[float, dict[str, Any] | None]:
    """Wall seconds of ``qloop suspects`` as its own process and its JSON answer; None if
    it was killed after ``limit`` seconds."""
    command = [str(Path(sys.executable).with_name("qloop")), "--db", url, *CLI_ARGS]
    started = time.perf_counter()
    try:
        completed = subprocess.run(
            command, capture_output=True, text=True, check=False, timeout=limit
        )
    except subprocess.TimeoutExpired:
        return time.perf_counter() - started, None
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"qloop suspects failed ({completed.returncode}):\n{completed.stderr}")
    answer: dict[str, Any] = json.loads(completed.stdout)
    return seconds, answer


# --- comparison ----------------------------------------------------------------------------


def differences(found: Suspects, baseline: tuple[int, int, pd.DataFrame]) -> list[str]:
    """Every disagreement: totals, rows only one side has, counts not equal, figures not
    equal within ``RTOL`` (NaN only to NaN, infinity only to infinity)."""
    population, failures, frame = baseline
    problems = [
        f"{name}: qloop {ours}, baseline {theirs}"
        for name, ours, theirs in (
            ("population", found.population, population),
            ("failures", found.failures, failures),
        )
        if ours != theirs
    ]
    merged = found.table.merge(
        frame,
        on=["attribute", "value"],
        how="outer",
        suffixes=("_qloop", "_baseline"),
        indicator=True,
    )
    for row in merged[merged["_merge"] != "both"].itertuples():
        side = "qloop" if row._merge == "left_only" else "baseline"
        problems.append(f"{row.attribute}={row.value!r}: row only in {side}")
    merged = merged[merged["_merge"] == "both"].reset_index(drop=True)
    for column in (*COUNTS, *FIGURES):
        ours = merged[f"{column}_qloop"].astype(float).to_numpy()
        theirs = merged[f"{column}_baseline"].astype(float).to_numpy()
        same = np.isclose(ours, theirs, rtol=0 if column in COUNTS else RTOL, atol=0)
        same |= np.isnan(ours) & np.isnan(theirs)
        for i in np.flatnonzero(~same):
            row = merged.iloc[i]
            problems.append(
                f"{row['attribute']}={row['value']!r} {column}: "
                f"qloop {ours[i].item()!r}, baseline {theirs[i].item()!r}"
            )
    return problems


# --- profile -------------------------------------------------------------------------------


@contextmanager
def statement_timer(engine: Engine) -> Iterator[list[tuple[float, str, Any]]]:
    """Collect (seconds, SQL, parameters) of every statement run on ``engine`` meanwhile.

    The time runs from execute to the next statement (or the end of the block), so it
    includes fetching the rows, which is where SQLite does its work.
    """
    timings: list[tuple[float, str, Any]] = []
    pending: list[tuple[float, str, Any]] = []

    def close_pending() -> None:
        if pending:
            started, sql, parameters = pending.pop()
            timings.append((time.perf_counter() - started, sql, parameters))

    def before(_conn: Any, _cursor: Any, sql: str, parameters: Any, *_: Any) -> None:
        close_pending()
        pending.append((time.perf_counter(), sql, parameters))

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield timings
    finally:
        close_pending()
        event.remove(engine, "before_cursor_execute", before)


def profile(engine: Engine, database: Path, limit: TimeLimit, seconds: float) -> None:
    """Print the seconds of each statement of one ``find_suspects`` (stopped after
    ``seconds``) and the plan of the slowest."""
    with statement_timer(engine) as timings:
        total, found = run_qloop(engine, limit, seconds)
    stopped = "" if found else f", stopped at the {seconds:.0f} s limit"
    print(f"profile of one find_suspects run ({total:.2f} s{stopped}; time includes fetch):")
    for seconds, sql, _ in timings:
        print(f"  {seconds:6.2f} s  {' '.join(sql.split())[:110]}")
    seconds, sql, parameters = max(timings, key=lambda t: t[0])
    with sqlite3.connect(database) as connection:
        plan = connection.execute(f"EXPLAIN QUERY PLAN {sql}", parameters).fetchall()
    print(f"slowest ({seconds:.2f} s):\n    {' '.join(sql.split())}")
    print("  query plan:")
    depth = {0: 0}
    for node, parent, _unused, detail in plan:
        depth[node] = depth.get(parent, 0) + 1
        print(f"    {'  ' * depth[node]}{detail}")


# --- report --------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies units and failures")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; medians are shown")
    parser.add_argument(
        "--limit", type=float, default=300.0, help="seconds after which a qloop run is stopped"
    )
    parser.add_argument(
        "--profile", action="store_true", help="time each SQL statement of one qloop run"
    )
    args = parser.parse_args()
    sizes = Sizes().scaled(args.scale)
    qloop_runs: list[float] = []
    baseline_runs: list[float] = []
    cli_runs: list[float] = []
    found: Suspects | None = None
    cli_answer: dict[str, Any] | None = None
    with tempfile.TemporaryDirectory(prefix="qloop-suspects-") as folder:
        database = Path(folder) / "suspects.db"
        url = f"sqlite:///{database}"
        started = time.perf_counter()
        build_database(database, sizes)
        build_seconds = time.perf_counter() - started
        size_mb = database.stat().st_size / 1e6
        engine = make_engine(url)
        limit = TimeLimit(engine)
        finishes = True  # once a qloop run is stopped, the others would be too
        for _ in range(args.repeat):  # alternate, so all see the same machine state
            seconds, baseline = run_baseline(database)
            baseline_runs.append(seconds)
            if finishes:
                seconds, found = run_qloop(engine, limit, args.limit)
                qloop_runs.append(seconds)
                finishes = found is not None
            if finishes:
                seconds, cli_answer = run_cli(url, args.limit)
                cli_runs.append(seconds)
        if args.profile:
            profile(engine, database, limit, args.limit)
        engine.dispose()
    report(args, sizes, build_seconds, size_mb, qloop_runs, baseline_runs, cli_runs, found)
    if found is None:
        print(f"same numbers: not checked (find_suspects stopped after {args.limit:.0f} s)")
        raise SystemExit(1)
    problems = differences(found, baseline)
    if cli_answer is not None:
        cli_same = _same_json(cli_answer, json.loads(json.dumps(found.as_json())))
        print(f"CLI JSON equals find_suspects' answer: {'yes' if cli_same else 'NO'}")
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
    baseline_runs: list[float],
    cli_runs: list[float],
    found: Suspects | None,
) -> None:
    """Print the figures: sizes, medians, ratio, CLI time, the verdict and the top suspects."""
    baseline_median = statistics.median(baseline_runs)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"data: {sizes.units:,} units, {sizes.failed:,} failed with {FAILURE_MODE}; "
        f"SQLite {size_mb:.0f} MB; built in {build_seconds:.1f} s"
    )
    print(f"load average (1, 5, 15 min) at the end: {load} on {os.cpu_count()} CPUs")
    print(f"median of {args.repeat} alternating runs")
    print(
        f"baseline (read_sql + json.loads + pandas groupby + fisher_exact per row): "
        f"{baseline_median:.2f} s  ({_runs(baseline_runs)})"
    )
    if found is None:
        print(
            f"qloop find_suspects: stopped after {qloop_runs[-1]:.0f} s (--limit); "
            f"remaining qloop and CLI runs skipped"
        )
        print(f"target find_suspects < {TARGET_SECONDS:.0f} s: NOT met")
        return
    qloop_median = statistics.median(qloop_runs)
    ratios = [b / q for b, q in zip(baseline_runs, qloop_runs, strict=True)]
    ratio = statistics.median(ratios)  # steadier than the ratio of two medians
    print(f"qloop find_suspects: {qloop_median:.2f} s  ({_runs(qloop_runs)})")
    print(f"ratio baseline / qloop: {ratio:.2f} (runs: {_runs(ratios, '')}; > 1: qloop faster)")
    if len(cli_runs) < len(qloop_runs):
        print(f"CLI `qloop --db URL {' '.join(CLI_ARGS)}`: stopped after {args.limit:.0f} s")
    else:
        print(
            f"CLI `qloop --db URL {' '.join(CLI_ARGS)}`: {statistics.median(cli_runs):.2f} s "
            f"wall, start-up included ({_runs(cli_runs)})"
        )
    met = qloop_median < TARGET_SECONDS
    print(
        f"target find_suspects < {TARGET_SECONDS:.0f} s: {'met' if met else 'NOT met'} "
        f"(median {qloop_median:.2f} s)"
    )
    print(
        f"population {found.population:,} units ({', '.join(found.products)}), "
        f"{found.failures:,} failed, {len(found.table)} (attribute, value) rows"
    )
    print(f"top 3 suspects (planted: {PLANTED_KEY}={PLANTED_VALUE}, ten times the failure rate):")
    for row in found.table.head(3).itertuples(index=False):
        print(
            f"  {row.attribute}={row.value}: {row.failures:,} of {row.units:,} failed "
            f"({row.rate:.2%} vs {row.baseline_rate:.2%}), RR {row.relative_risk:.2f}, "
            f"p {row.p_value:.3g}, q {row.q_value:.3g}"
        )


def _same_json(left: Any, right: Any) -> bool:
    """Equal JSON documents, floats within ``RTOL``."""
    if isinstance(left, float) and isinstance(right, float):
        return bool(np.isclose(left, right, rtol=RTOL, atol=0))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(_same_json(left[k], right[k]) for k in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(map(_same_json, left, right))
    return bool(left == right)


def _runs(values: list[float], unit: str = " s") -> str:
    return ", ".join(f"{v:.2f}{unit}" for v in values)


if __name__ == "__main__":
    main()
