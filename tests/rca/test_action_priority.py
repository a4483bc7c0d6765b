"""action_priority against the published AIAG & VDA AP table (DFMEA and PFMEA), cell by cell."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qloop.rca.action_priority import ActionPriority, action_priority, rpn

# The table written out as the handbook prints it: one line per severity band and
# occurrence band, then the AP for detection 7-10, 5-6, 2-4 and 1.
PUBLISHED_TABLE = """
S 9-10 | O 8-10 | H H H H
S 9-10 | O 6-7  | H H H H
S 9-10 | O 4-5  | H H H M
S 9-10 | O 2-3  | H M L L
S 9-10 | O 1    | L L L L
S 7-8  | O 8-10 | H H H H
S 7-8  | O 6-7  | H H H M
S 7-8  | O 4-5  | H M M M
S 7-8  | O 2-3  | M M L L
S 7-8  | O 1    | L L L L
S 4-6  | O 8-10 | H H M M
S 4-6  | O 6-7  | M M M L
S 4-6  | O 4-5  | M L L L
S 4-6  | O 2-3  | L L L L
S 4-6  | O 1    | L L L L
S 2-3  | O 8-10 | M M L L
S 2-3  | O 6-7  | L L L L
S 2-3  | O 4-5  | L L L L
S 2-3  | O 2-3  | L L L L
S 2-3  | O 1    | L L L L
S 1    | O 1-10 | L L L L
"""
DETECTION_BANDS = ("7-10", "5-6", "2-4", "1")
RANK = {ActionPriority.LOW: 0, ActionPriority.MEDIUM: 1, ActionPriority.HIGH: 2}
RATINGS = range(1, 11)
Cell = tuple[int, int, int]


def ratings(band: str) -> range:
    """'7-10' -> 7..10, '1' -> 1..1."""
    low, _, high = band.partition("-")
    return range(int(low), int(high or low) + 1)


def parse_published_table() -> tuple[dict[Cell, ActionPriority], list[str]]:
    """Every (S, O, D) cell of PUBLISHED_TABLE, and the cells it gives more than once."""
    cells: dict[Cell, ActionPriority] = {}
    duplicates: list[str] = []
    for line in PUBLISHED_TABLE.strip().splitlines():
        severity, occurrence, letters = (part.split() for part in line.split("|"))
        assert severity[0] == "S" and occurrence[0] == "O" and len(letters) == 4, line
        for detection, letter in zip(DETECTION_BANDS, letters, strict=True):
            for cell in itertools.product(
                ratings(severity[1]), ratings(occurrence[1]), ratings(detection)
            ):
                if cell in cells:
                    duplicates.append(f"{cell} again in {line!r}")
                cells[cell] = ActionPriority(letter)
    return cells, duplicates


PUBLISHED, DUPLICATES = parse_published_table()


def raised(cell: Cell, axis: int, step: int) -> Cell:
    values = list(cell)
    values[axis] += step
    return values[0], values[1], values[2]


def test_published_table_gives_each_of_the_1000_cells_once() -> None:
    assert DUPLICATES == []
    assert sorted(PUBLISHED) == list(itertools.product(RATINGS, RATINGS, RATINGS))


def test_action_priority_matches_the_published_table_in_every_cell() -> None:
    mismatches = [
        f"S={s} O={o} D={d}: published {expected}, got {action_priority(s, o, d)}"
        for (s, o, d), expected in sorted(PUBLISHED.items())
        if action_priority(s, o, d) != expected
    ]
    assert not mismatches, f"{len(mismatches)} of 1000 cells differ:\n" + "\n".join(mismatches)


def test_action_priority_is_an_action_priority_with_the_handbook_letters() -> None:
    result = action_priority(10, 10, 10)
    assert isinstance(result, ActionPriority)
    assert result == "H" and action_priority(5, 5, 5) == "L" and action_priority(5, 6, 6) == "M"
    assert [p.value for p in ActionPriority] == ["H", "M", "L"]


def test_published_table_never_lowers_the_priority_when_a_rating_rises() -> None:
    # checks the table itself first, so the property test below asserts something true
    drops = [
        f"{cell} {PUBLISHED[cell]} -> {raised(cell, axis, 1)} {PUBLISHED[raised(cell, axis, 1)]}"
        for cell in PUBLISHED
        for axis in range(3)
        if cell[axis] < 10 and RANK[PUBLISHED[raised(cell, axis, 1)]] < RANK[PUBLISHED[cell]]
    ]
    assert drops == []


@given(
    cell=st.tuples(st.integers(1, 10), st.integers(1, 10), st.integers(1, 10)),
    axis=st.integers(0, 2),
    step=st.integers(1, 9),
)
def test_raising_a_rating_never_lowers_the_action_priority(
    cell: Cell, axis: int, step: int
) -> None:
    higher = raised(cell, axis, step)
    if higher[axis] > 10:
        return
    assert RANK[action_priority(*higher)] >= RANK[action_priority(*cell)]


def test_priorities_are_ranked_high_over_medium_over_low() -> None:
    assert RANK[ActionPriority.HIGH] > RANK[ActionPriority.MEDIUM] > RANK[ActionPriority.LOW]


@pytest.mark.parametrize("function", [action_priority, rpn])
@pytest.mark.parametrize("position", [0, 1, 2])
@pytest.mark.parametrize("bad", [0, 11, -1, 1.5, True, "5"])
def test_a_rating_outside_1_to_10_or_not_an_int_is_refused(
    function: Any, position: int, bad: Any
) -> None:
    name = ("severity", "occurrence", "detection")[position]
    arguments: list[Any] = [5, 5, 5]
    arguments[position] = bad
    with pytest.raises(ValueError, match=f"^{name} must be an integer from 1 to 10, got "):
        function(*arguments)


@pytest.mark.parametrize(
    ("severity", "occurrence", "detection", "expected"),
    [(1, 1, 1, 1), (10, 10, 10, 1000), (10, 1, 1, 10), (2, 5, 4, 40), (7, 3, 6, 126)],
)
def test_rpn_is_the_product(severity: int, occurrence: int, detection: int, expected: int) -> None:
    assert rpn(severity, occurrence, detection) == expected


def test_rpn_does_not_rank_like_action_priority() -> None:
    # the higher RPN is the lower priority: why AP, not RPN, decides
    assert rpn(6, 6, 6) > rpn(9, 3, 7)
    assert action_priority(6, 6, 6) == ActionPriority.MEDIUM
    assert action_priority(9, 3, 7) == ActionPriority.HIGH
