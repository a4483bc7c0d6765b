"""Uniform sampling of units that cannot produce a chance "root cause".

A plain random sample of ~100 units out of 40,000 will, every few seeds,
put four cases into one 40-unit batch or ten into one colour, and an
analyst (or a test) would then find a cause that was never planted. This
sampler draws units in uniformly random order but skips a unit whenever
taking it would push some (column, value) count into the tail of what
chance allows (one-sided binomial p < ``alpha``). The cap only binds in
those rare tails, so every unit stays (all but exactly) equally likely.
``alpha`` is 5 %: cases later lose their serial or failure mode at random,
and that thinning can turn a merely high count into a suspicious share.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence

from qloop.demo.units import Unit

Key = tuple[str, str]
DEFAULT_ALPHA = 0.05
MIN_CAP = 3


def unit_keys(unit: Unit) -> list[Key]:
    """Every (column, value) an analyst could slice units by."""
    keys = [("product", unit.product), ("batch", unit.batch), ("region", unit.region)]
    keys.extend(unit.attrs.items())
    return keys


def binomial_cap(draws: int, share: float, alpha: float) -> int:
    """Smallest count c with P(X >= c) < alpha for X ~ Binomial(draws, share)."""
    if share >= 1.0:
        return draws + 1
    if share <= 0.0:
        return 1
    pmf = (1 - share) ** draws
    below = 0.0  # P(X < c)
    for count in range(draws + 1):
        if 1.0 - below < alpha:
            return count
        below += pmf
        pmf *= (draws - count) / (count + 1) * share / (1 - share)
    return draws + 1


class Population:
    """The units an analyst compares against, with how many carry each (column, value)."""

    def __init__(self, units: Sequence[Unit]) -> None:
        self.size = len(units)
        self.totals = Counter(key for unit in units for key in unit_keys(unit))


def balanced_sample(
    rng: random.Random,
    candidates: Sequence[Unit],
    size: int,
    population: Population,
    alpha: float = DEFAULT_ALPHA,
) -> list[Unit]:
    """Draw ``size`` candidates uniformly without any (column, value) count reaching the cap.

    Shares are taken over ``population`` (what a test compares against), not
    over the candidates, which may leave out units that could not report.
    """
    # Two of a kind are always allowed: capping tiny groups (a 40-unit batch) at one
    # would make their units noticeably less likely than the rest.
    caps = {
        key: max(MIN_CAP, binomial_cap(size, n / population.size, alpha))
        for key, n in population.totals.items()
    }
    taken: list[Unit] = []
    used: Counter[Key] = Counter()
    seen: set[int] = set()
    # Candidates in uniformly random order, drawn lazily: we need a few out of thousands.
    while len(taken) < size and len(seen) < len(candidates):
        index = rng.randrange(len(candidates))
        if index in seen:
            continue
        seen.add(index)
        keys = unit_keys(candidates[index])
        if any(used[key] + 1 >= caps.get(key, size + 1) for key in keys):
            continue
        used.update(keys)
        taken.append(candidates[index])
    return taken
