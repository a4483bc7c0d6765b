"""Benchmark: suspect statistics of battery_swelling over 1,000,000 units and 20,000 failures.

Builds a fresh SQLite database (``benchmarks/suspects_data.py``: qloop's schema, synthetic
rows from a fixed seed written with plain ``sqlite3``, one planted cause), then times
``qloop.rca.service.find_suspects``:

1. first run: the stored units per value count none of the units yet (plain SQL wrote
   them), so this run counts all of them — the cold case, as after any import;
2. ``qloop import units`` of a file with 1 % new units and 1 % changed ones (the import
   counts its updates), then a run that counts the new units;
3. ``--repeat`` warm runs, alternating with a plain pandas + SciPy baseline written from
   the definitions alone (``benchmarks/suspects_baseline.py``, no ``qloop.rca`` import)
   and with the real command ``qloop --db URL suspects --failure-mode battery_swelling
   --format json`` (a process of its own, start-up included). Medians are shown; the
   ratio baseline / qloop is the figure to watch on a noisy machine.

Both answers are compared (same table). Target: find_suspects < 3 s.

    .venv/bin/python benchmarks/suspects.py [--scale 1.0] [--repeat 3] [--limit 300] [--profile]

A qloop run (function or command) is stopped after ``--limit`` seconds; the remaining
qloop runs are then skipped and the numbers cannot be compared (try a smaller
``--scale``). ``--profile`` adds the seconds of each SQL statement of one warm run and
the query plan of the slowest.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from suspects_baseline import differences, same_json
from suspects_data import (
    FAILURE_MODE,
    PLANTED_KEY,
    PLANTED_VALUE,
    Sizes,
    build_database,
    write_changes,
)
from suspects_runs import CLI_ARGS, TimeLimit, profile, run_baseline, run_cli, run_qloop

from qloop.core.db import make_engine
from qloop.intake.service import import_file
from qloop.rca.service import Suspects

TARGET_SECONDS = 3.0


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
    runs: dict[str, list[float]] = {"qloop": [], "baseline": [], "cli": []}
    steps: dict[str, Any] = {}
    cli_answer: dict[str, Any] | None = None
    with tempfile.TemporaryDirectory(prefix="qloop-suspects-") as folder:
        database = Path(folder) / "suspects.db"
        url = f"sqlite:///{database}"
        started = time.perf_counter()
        build_database(database, sizes)
        steps["build"] = time.perf_counter() - started
        steps["size_mb"] = database.stat().st_size / 1e6
        engine = make_engine(url)
        limit = TimeLimit(engine)
        steps["cold"], found = run_qloop(engine, limit, args.limit)
        if found is not None:
            changes = Path(folder) / "changes.csv"
            steps["new"], steps["changed"] = write_changes(
                database, changes, units=sizes.units // 100
            )
            started = time.perf_counter()
            import_file(engine, table="units", path=changes)
            steps["import"] = time.perf_counter() - started
            steps["after_import"], found = run_qloop(engine, limit, args.limit)
        finishes = found is not None  # once a qloop run is stopped, the others would be too
        for _ in range(args.repeat):  # alternate, so all see the same machine state
            seconds, baseline = run_baseline(database)
            runs["baseline"].append(seconds)
            if finishes:
                seconds, found = run_qloop(engine, limit, args.limit)
                runs["qloop"].append(seconds)
                finishes = found is not None
            if finishes:
                seconds, cli_answer = run_cli(url, args.limit)
                runs["cli"].append(seconds)
        if args.profile:
            profile(engine, database, limit, args.limit)
        engine.dispose()
    report(args, sizes, steps, runs, found)
    if found is None or len(runs["qloop"]) < args.repeat:
        print(f"same numbers: not checked (a find_suspects run stopped after {args.limit:.0f} s)")
        raise SystemExit(1)
    problems = differences(found, baseline)
    if cli_answer is not None:
        cli_same = same_json(cli_answer, json.loads(json.dumps(found.as_json())))
        print(f"CLI JSON equals find_suspects' answer: {'yes' if cli_same else 'NO'}")
    if problems:
        print(f"same numbers: NO ({len(problems)} differences; first ones below)")
        print("\n".join(f"  {line}" for line in problems[:20]))
        raise SystemExit(1)
    print("same numbers: yes")


def report(
    args: argparse.Namespace,
    sizes: Sizes,
    steps: dict[str, Any],
    runs: dict[str, list[float]],
    found: Suspects | None,
) -> None:
    """Print the figures: sizes, the cold and after-import runs, medians of the warm ones,
    ratio, CLI time, the verdict and the top suspects."""
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"data: {sizes.units:,} units, {sizes.failed:,} failed with {FAILURE_MODE}; "
        f"SQLite {steps['size_mb']:.0f} MB; built in {steps['build']:.1f} s"
    )
    print(f"load average (1, 5, 15 min) at the end: {load} on {os.cpu_count()} CPUs")
    print(
        f"qloop find_suspects, first run (counts all {sizes.units:,} units, written by "
        f"plain sqlite3): {steps['cold']:.2f} s"
    )
    if "import" in steps:
        print(
            f"qloop import units ({steps['new']:,} new, {steps['changed']:,} changed): "
            f"{steps['import']:.2f} s; next find_suspects (counts the new ones): "
            f"{steps['after_import']:.2f} s"
        )
    baseline_median = statistics.median(runs["baseline"])
    print(
        f"baseline (read_sql + json.loads + pandas groupby + fisher_exact per row): "
        f"{baseline_median:.2f} s  ({_runs(runs['baseline'])}; median of {args.repeat})"
    )
    qloop_runs = runs["qloop"]
    if found is None or len(qloop_runs) < args.repeat:
        print(f"qloop find_suspects: stopped after {args.limit:.0f} s (--limit); rest skipped")
        print(f"target find_suspects < {TARGET_SECONDS:.0f} s: NOT met")
        return
    qloop_median = statistics.median(qloop_runs)
    ratios = [b / q for b, q in zip(runs["baseline"], qloop_runs, strict=True)]
    ratio = statistics.median(ratios)  # steadier than the ratio of two medians
    print(f"qloop find_suspects, warm: {qloop_median:.2f} s  ({_runs(qloop_runs)})")
    print(f"ratio baseline / qloop: {ratio:.2f} (runs: {_runs(ratios, '')}; > 1: qloop faster)")
    if len(runs["cli"]) < len(qloop_runs):
        print(f"CLI `qloop --db URL {' '.join(CLI_ARGS)}`: stopped after {args.limit:.0f} s")
    else:
        print(
            f"CLI `qloop --db URL {' '.join(CLI_ARGS)}`: {statistics.median(runs['cli']):.2f} s"
            f" wall, start-up included ({_runs(runs['cli'])})"
        )
    met = qloop_median < TARGET_SECONDS
    print(
        f"target find_suspects < {TARGET_SECONDS:.0f} s: {'met' if met else 'NOT met'} "
        f"(warm median {qloop_median:.2f} s)"
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


def _runs(values: list[float], unit: str = " s") -> str:
    return ", ".join(f"{v:.2f}{unit}" for v in values)


if __name__ == "__main__":
    main()
