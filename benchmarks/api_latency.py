"""Benchmark: latency of GET /api/v1/cases and of the inbox page at 100,000 cases.

Fills a fresh SQLite database with 100,000 cases (and their units) through the
normal import, starts ``qloop serve`` in its own process, and measures from
this process, over loopback, p50 and p95 of 500 requests for each of three
filter sets of the API and for the inbox page. Targets: p95 < 100 ms (API),
< 150 ms (page).

    .venv/bin/python benchmarks/api_latency.py [--cases 100000] [--requests 500]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

PRODUCTS = ["PX9", "WM7", "SPK2", "CNC500", "AC3"]
WORDS_ZH = ["电池鼓包", "屏幕碎裂", "漏水", "无法开机", "噪音大", "死机", "包装破损", "划痕"]
WORDS_EN = [
    "battery swelling",
    "screen cracked",
    "water leak",
    "no power",
    "loud noise",
    "app crash",
    "damaged box",
    "scratch",
]
FILTER_SETS = {
    "newest page": {},
    "channel + severity + product": {"channel": "hotline", "severity": "urgent", "product": "PX9"},
    "search 鼓包 + date range": {
        "q": "鼓包",
        "received_from": "2026-01-01T00:00:00",
        "received_to": "2026-06-30T23:59:59",
    },
}


def write_files(folder: Path, cases: int, seed: int = 3) -> tuple[Path, Path]:
    rng = random.Random(seed)
    units_path, cases_path = folder / "units.csv", folder / "cases.csv"
    serials = [f"S{i:07d}" for i in range(cases // 2)]
    with units_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["serial", "product", "batch", "ship_date"])
        for serial in serials:
            writer.writerow([serial, rng.choice(PRODUCTS), f"B{rng.randint(1, 80)}", "2025-01-01"])
    start = dt.datetime(2025, 1, 1)
    with cases_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "case_id",
                "received_at",
                "channel",
                "serial",
                "product",
                "title",
                "description",
                "severity",
                "status",
            ]
        )
        for i in range(cases):
            words = rng.choice([WORDS_ZH, WORDS_EN])
            title = rng.choice(words)
            received = start + dt.timedelta(minutes=rng.randint(0, 2 * 365 * 24 * 60))
            writer.writerow(
                [
                    f"C{i:07d}",
                    received.isoformat(sep=" ", timespec="minutes"),
                    rng.choice(["hotline", "ecommerce", "repair", "app", "email"]),
                    rng.choice(serials),
                    rng.choice(PRODUCTS),
                    title,
                    f"{title}，{rng.choice(words)}。" * rng.randint(1, 4),
                    rng.choice(["urgent", "important", "general", ""]),
                    rng.choice(["new", "in_progress", "closed"]),
                ]
            )
    return units_path, cases_path


def qloop(*args: str, database: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).with_name("qloop")), "--db", database, *args]
    return subprocess.run(command, capture_output=True, text=True, check=True, **kwargs)  # type: ignore[call-overload]


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="qloop-latency-") as folder:
        work = Path(folder)
        database = f"sqlite:///{work / 'bench.db'}"
        units, cases = write_files(work, args.cases)
        qloop("import", "units", str(units), database=database)
        qloop("import", "cases", str(cases), database=database)
        env = {**os.environ, "QLOOP_PASSWORD": "benchmark-password"}
        qloop("user", "add", "bench", "--role", "engineer", database=database, env=env)
        token = qloop("token", "create", "bench", database=database).stdout.strip().splitlines()[-1]
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("qloop")),
                "--db",
                database,
                "serve",
                "--port",
                str(port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            with httpx.Client(base_url=base, timeout=10) as client:
                for _ in range(100):
                    try:
                        client.get("/login")
                        break
                    except httpx.TransportError:
                        time.sleep(0.1)
                results = measure(client, token, args.requests)
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(f"{args.cases:,} cases; {args.requests} requests each, sequential, over loopback")
    for name, (p50, p95, total, target) in results.items():
        verdict = "met" if p95 < target else "NOT met"
        print(
            f"{name:45} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  ({total:,} matches; "
            f"target p95 < {target:.0f} ms: {verdict})"
        )


def measure(client: httpx.Client, token: str, requests: int) -> dict[str, tuple[float, ...]]:
    results: dict[str, tuple[float, ...]] = {}
    headers = {"Authorization": f"Bearer {token}"}
    for name, params in FILTER_SETS.items():
        samples = []
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get("/api/v1/cases", params=params, headers=headers)
            samples.append((time.perf_counter() - started) * 1000)
            response.raise_for_status()
        results[f"GET /api/v1/cases ({name})"] = (
            *percentiles(samples),
            response.json()["total"],
            100.0,
        )
    form = client.get("/login").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form)
    assert csrf is not None
    client.post(
        "/login", data={"name": "bench", "password": "benchmark-password", "csrf": csrf.group(1)}
    )
    samples = []
    for _ in range(requests):
        started = time.perf_counter()
        page = client.get("/cases")
        samples.append((time.perf_counter() - started) * 1000)
        page.raise_for_status()
    total = int(re.search(r"([\d,]+) cases", page.text).group(1).replace(",", ""))  # type: ignore[union-attr]
    results["inbox page /cases"] = (*percentiles(samples), total, 150.0)
    return results


if __name__ == "__main__":
    main()
