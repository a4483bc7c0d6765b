"""Suspect statistics: over-representation of an attribute value among failed units.

For every (attribute, value) the 2x2 table is

                     failed   not failed
    has the value      a          b        (n = a + b units)
    does not have      c          d

with a + c = F failures among N units. The one-sided Fisher exact p-value of
over-representation is the hypergeometric upper tail P(X >= a), X ~ Hypergeom(N, F, n),
which is what ``scipy.stats.fisher_exact(..., alternative="greater")`` computes, here
for every row at once. Relative risk = (a / n) / (c / (N - n)); Benjamini-Hochberg
q-values over all tests of the run (``scipy.stats.false_discovery_control``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

COLUMNS = [
    "attribute", "value", "units", "failures", "rate", "baseline_rate", "relative_risk",
    "p_value", "q_value",
]  # fmt: skip


def suspect_table(counts: pd.DataFrame, *, population: int, failures: int) -> pd.DataFrame:
    """Rows of ``counts`` (attribute, value, units, failures) with their statistics.

    Sorted by p-value, then relative risk (largest first), then attribute and value. A
    value every unit has gives no comparison: its baseline and relative risk are NaN and
    its p-value 1. A relative risk with no failure outside the value is ``inf``.
    """
    if counts.empty or population <= 0:
        return pd.DataFrame(columns=COLUMNS)
    table = counts.copy()
    units = table["units"].to_numpy(dtype=np.int64)
    hits = table["failures"].to_numpy(dtype=np.int64)
    others = population - units
    other_hits = failures - hits
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = hits / units
        baseline = np.where(others > 0, other_hits / np.where(others > 0, others, 1), np.nan)
        risk = np.where(np.isnan(baseline), np.nan, np.where(baseline > 0, rate / baseline, np.inf))
    p_value = stats.hypergeom.sf(hits - 1, population, failures, units)
    p_value = np.where(others > 0, np.clip(p_value, 0.0, 1.0), 1.0)
    table["rate"] = rate
    table["baseline_rate"] = baseline
    table["relative_risk"] = np.where(hits > 0, risk, np.where(np.isnan(risk), np.nan, 0.0))
    table["p_value"] = p_value
    table["q_value"] = stats.false_discovery_control(p_value, method="bh")
    order = np.lexsort(
        (
            table["value"].astype(str).to_numpy(),
            table["attribute"].astype(str).to_numpy(),
            -np.nan_to_num(table["relative_risk"].to_numpy(dtype=float), nan=-1.0),
            table["p_value"].to_numpy(),
        )
    )
    return table.iloc[order][COLUMNS].reset_index(drop=True)
