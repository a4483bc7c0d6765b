"""Values several classify and taxonomy tests expect."""

#: the keys of every answer of ``qloop classify`` and ``/api/v1/classify``
KEYS = {
    "category",
    "category_confidence",
    "failure_mode",
    "severity",
    "severity_reasons",
    "model",
}
#: the default taxonomy's categories, in order
DEFAULT_CATEGORIES = [
    "electrical",
    "mechanical",
    "software",
    "packaging",
    "cosmetic",
    "usability",
    "service",
    "other",
]
SAFETY_ZH = "充电时电池鼓包还冒烟"
LEAK_EN = "The washing machine leaks water all over the floor"
