"""Timed runs for ``benchmarks/suspects.py``: ``find_suspects`` in a session (stopped after
a time limit), the baseline, the real command in a process of its own, and a profile of
the SQL statements of one ``find_suspects`` run with the plan of the slowest.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from suspects_baseline import baseline_suspects
from suspects_data import FAILURE_MODE

from qloop.core.db import session_scope
from qloop.rca.service import Suspects, find_suspects

CLI_ARGS = ["suspects", "--failure-mode", FAILURE_MODE, "--format", "json"]
#: SQLite virtual-machine steps between two looks at the clock of a time-limited run
STEPS_PER_CHECK = 100_000


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
