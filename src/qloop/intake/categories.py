"""The default problem categories, so imported Chinese or English names land on one code.

A category text that matches none of these is registered as a new code, not
rejected: users extend the taxonomy with their own data.
"""

from __future__ import annotations

from qloop.intake.parsing import normalise_code

#: code -> (English name, Chinese name, other accepted spellings)
DEFAULT_CATEGORIES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "electrical": ("Electrical failure", "电气故障", ("electrical fault", "电气")),
    "mechanical": ("Mechanical failure / wear", "机械故障/磨损", ("机械故障", "机械磨损", "机械")),
    "software": ("Software defect", "软件缺陷", ("software bug", "软件bug", "软件")),
    "packaging": ("Packaging / transit damage", "包装/运输破损", ("包装破损", "运输破损", "包装")),
    "cosmetic": ("Cosmetic defect", "外观缺陷", ("外观",)),
    "usability": ("Usability / design", "易用性/设计", ("易用性",)),
    "service": ("Service issue", "服务问题", ("服务",)),
    "other": ("Other", "其他", ()),
}

_BY_NAME: dict[str, str] = {}
for _code, (_en, _zh, _more) in DEFAULT_CATEGORIES.items():
    for _name in (_code, _en, _zh, *_more):
        _BY_NAME[normalise_code(_name)] = _code


def category_code(value: object) -> str:
    """The stored category code for a cell: a default category's code, or the normalised text."""
    code = normalise_code(value)
    return _BY_NAME.get(code, code)


def category_names(code: str) -> tuple[str | None, str | None]:
    """English and Chinese names of a default category; ``(None, None)`` for user codes."""
    names = DEFAULT_CATEGORIES.get(code)
    return (names[0], names[1]) if names else (None, None)
