"""The pandas + SciPy baseline of ``benchmarks/suspects.py``, and the comparison of answers.

Written from the definitions alone (no ``qloop.rca`` import): population, failures and the
suspect table from two ``read_sql`` and pandas, ``scipy.stats.fisher_exact`` per row.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from qloop.rca.service import Suspects

UNIT_COLUMNS = ("product", "batch", "region")
COUNTS = ("units", "failures")
FIGURES = ("rate", "baseline_rate", "relative_risk", "p_value", "q_value")
RTOL = 1e-9


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


def same_json(left: Any, right: Any) -> bool:
    """Equal JSON documents, floats within ``RTOL``."""
    if isinstance(left, float) and isinstance(right, float):
        return bool(np.isclose(left, right, rtol=RTOL, atol=0))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(same_json(left[k], right[k]) for k in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(map(same_json, left, right))
    return bool(left == right)
