"""Action Priority (AP) of an FMEA row, from its severity, occurrence and detection.

Source: AIAG & VDA FMEA Handbook, 1st edition (2019), table "Action Priority (AP) for
DFMEA and PFMEA". Design and process FMEA share that one table. The FMEA-MSR
supplement has a separate table, which this module does not cover. We have no copy of
the handbook to check against, so the table was checked against public reproductions
of the published version instead:
- the table list in the VDA QMC download update of 2021-08-10 ("Tabelle AP -
  Aufgabenpriorität in DFMEA und PFMEA"), which confirms DFMEA and PFMEA use one table;
- shawnparnell81/AccuQual, apps/web/src/components/forms/fmeaPriority.ts;
- shs3647-lgtm/SDD_FMEA, src/app/pfmea/worksheet/panels/APTable/APTable5.tsx.
All three agree with every cell below. Two kinds of public table do not match, and
neither is used here. The first is built from the 2018 pre-publication draft ("yellow
print"; four severity bands, three detection bands), which its own authors marked as
non-binding. The second is an in-house "user-defined" variant.

Why AP and not RPN: RPN = S x O x D multiplies ordinal ratings as if they were equal in
weight and could stand in for one another. One RPN can stand for very different risks,
and a row with a higher RPN can be the less urgent one: (6, 6, 6) gives 216 and AP M,
while (9, 3, 7) gives 189 and AP H. The handbook ranks severity first, then occurrence,
then detection, through a fixed table. AP sets the priority. ``rpn`` keeps the product
only as a number, for old reports and sorting, and never for deciding on actions.

How to read the table: take the band that holds S (9-10, 7-8, 4-6, 2-3, 1), then the band
that holds O (8-10, 6-7, 4-5, 2-3, 1), then the band that holds D (7-10, 5-6, 2-4, 1).
A high D rating means the current controls are unlikely to catch the failure, so a
higher D never lowers the priority. Severity 1 and occurrence 1 always give L. What each
letter asks of the team:
- H: the team must find an action that improves prevention or detection, or must
  justify and document why the current controls are adequate;
- M: the team should find such an action, or justify the current controls;
- L: the team could find one.
AP ranks the need for action, not the size of the risk. The handbook recommends that
management review every S 9-10 row with AP H or M.
"""

from __future__ import annotations

from enum import StrEnum


class ActionPriority(StrEnum):
    HIGH = "H"
    MEDIUM = "M"
    LOW = "L"


# Each band is named by its lowest rating, in the order the handbook prints the bands.
_SEVERITY_BANDS = (9, 7, 4, 2, 1)  # 9-10, 7-8, 4-6, 2-3, 1
_OCCURRENCE_BANDS = (8, 6, 4, 2, 1)  # 8-10, 6-7, 4-5, 2-3, 1
_DETECTION_BANDS = (7, 5, 2, 1)  # 7-10, 5-6, 2-4, 1

# _TABLE[severity band][occurrence band][detection band], in the handbook's order.
_TABLE = (
    ("HHHH", "HHHH", "HHHM", "HMLL", "LLLL"),  # S 9-10
    ("HHHH", "HHHM", "HMMM", "MMLL", "LLLL"),  # S 7-8
    ("HHMM", "MMML", "MLLL", "LLLL", "LLLL"),  # S 4-6
    ("MMLL", "LLLL", "LLLL", "LLLL", "LLLL"),  # S 2-3
    ("LLLL", "LLLL", "LLLL", "LLLL", "LLLL"),  # S 1
)


def _rating(name: str, value: object) -> int:
    """``value`` if it is an int from 1 to 10 (a bool does not count), else ValueError."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10:
        raise ValueError(f"{name} must be an integer from 1 to 10, got {value!r}")
    return value


def _band(rating: int, bands: tuple[int, ...]) -> int:
    return next(index for index, lowest in enumerate(bands) if rating >= lowest)


def action_priority(severity: int, occurrence: int, detection: int) -> ActionPriority:
    """The AP (H, M or L) that the AIAG & VDA table gives for one S, O, D combination."""
    s = _band(_rating("severity", severity), _SEVERITY_BANDS)
    o = _band(_rating("occurrence", occurrence), _OCCURRENCE_BANDS)
    d = _band(_rating("detection", detection), _DETECTION_BANDS)
    return ActionPriority(_TABLE[s][o][d])


def rpn(severity: int, occurrence: int, detection: int) -> int:
    """The legacy risk priority number S x O x D (1 to 1000). A number only, not a priority."""
    return (
        _rating("severity", severity)
        * _rating("occurrence", occurrence)
        * _rating("detection", detection)
    )
