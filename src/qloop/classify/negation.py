"""Is a symptom denied ("没有漏水", "no leak"), is a function lost ("不制冷", "does not cool")?

Both questions look only at the words just before a term and never across a
clause boundary (punctuation, "but", "但是"), because customers write "没有冒烟，
但是有焦味": the second half must still count. Chinese negation is a single
character that also sits inside ordinary words (不久, 无线, 没想到), so those
words are blanked first, and a single-character cue must stand right before the
term while two-character cues (没有, 并未, 没发现) may stand a few characters off.
Missing an urgent case costs more than a false alarm, so the windows are short.
"""

from __future__ import annotations

import re

_BOUNDARY = re.compile(
    r"[,.;:!?()\[\]，。；：！？、（）\n]|\b(?:but|however|although|though|except|yet|until|"
    r"unless|whereas|while|then|and then)\b|但是|但|可是|不过|然而|却|就是|只是|而是|结果|后来"
)

_ZH_NOT_NEGATION = re.compile(
    "不久|不到|不知|不停|不断|不少|不小心|不仅|不但|不光|不时|不止|不一会|不得不|不管|不料|"
    "不然|不对劲|不好意思|不错|差不多|不经意|无故|无缘无故|无线|无论|无人|无意|无数|没多久|没几天|"
    "没过|没想到|没用几天|没用多久|没注意|没一会|没两天|没三天|没几个月|未满|未到|非常|并非常"
)
_EN_NOT_NEGATION = re.compile(
    r"\b(?:not sure|not long|no idea|not only|no reason|not even|no sooner|no warning|"
    r"without warning|without any warning|no matter|not to mention|not happy|not impressed|"
    r"no clue|not certain|no doubt|no joke|not kidding)\b"
)

_ZH_STRONG = (
    "没有",
    "并没",
    "并未",
    "并无",
    "从未",
    "从没",
    "没发现",
    "未发现",
    "没看到",
    "没闻到",
    "未见",
    "无任何",
    "没出现",
    "未出现",
    "不存在",
    "不会",
    "不再",
    "没再",
)
_ZH_SINGLE = "不没无未别非"
_EN_NEGATORS = frozenset(
    {"no", "not", "never", "without", "none", "nor", "neither", "zero", "nothing"}
)

_ZH_INABILITY = "不没无难停"
_EN_INABILITY = frozenset(
    {
        "not",
        "no",
        "never",
        "cannot",
        "unable",
        "fail",
        "fails",
        "failed",
        "failing",
        "stopped",
        "stops",
        "quit",
        "quits",
        "refuses",
        "refused",
        "refuse",
        "longer",
        "hardly",
        "barely",
    }
)

_EN_TOKEN = re.compile(r"[a-z0-9]+")
_CJK_CHAR = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def clause_before(text: str, start: int, reach: int = 60) -> str:
    """The part of the clause that precedes position ``start``."""
    before = text[max(0, start - reach) : start]
    pieces = _BOUNDARY.split(before)
    return pieces[-1] if pieces else ""


def is_negated(text: str, start: int, *, cjk: bool) -> bool:
    """Whether the symptom starting at ``start`` is denied by the words before it.

    The words just before the term decide which language's cues apply, so that mixed
    texts ("没有 burning smell", "no 冒烟") are read the way they are written.
    """
    clause = clause_before(text, start)
    cjk = _written_in_cjk(clause, cjk=cjk)
    if cjk:
        clause = _ZH_NOT_NEGATION.sub(lambda m: "_" * len(m.group()), clause).rstrip()
        near = clause[-6:]
        if any(cue in near for cue in _ZH_STRONG):
            return True
        return any(cue in clause[-2:] for cue in _ZH_SINGLE)
    clause = _EN_NOT_NEGATION.sub(" ", clause)
    tokens = _EN_TOKEN.findall(clause)[-4:]  # "no sign of a leak"
    return any(token in _EN_NEGATORS for token in tokens)


def is_inability(text: str, start: int, *, cjk: bool) -> bool:
    """Whether the function starting at ``start`` is said not to work ("不能充电", "won't cool")."""
    clause = clause_before(text, start)
    cjk = _written_in_cjk(clause, cjk=cjk)
    if cjk:
        clause = _ZH_NOT_NEGATION.sub(lambda m: "_" * len(m.group()), clause).rstrip()
        return any(cue in clause[-3:] for cue in _ZH_INABILITY)
    clause = _EN_NOT_NEGATION.sub(" ", clause)
    tokens = _EN_TOKEN.findall(clause)[-3:]
    return any(token in _EN_INABILITY for token in tokens)


def _written_in_cjk(clause: str, *, cjk: bool) -> bool:
    """Whether the words right before a term are Chinese (``cjk``: the term's own script).

    Only a switch of script right before the term counts: "没有 burning smell" reads as
    Chinese, "no 冒烟" as English; after a symbol or nothing the term's own script decides.
    """
    tail = clause.rstrip()[-1:]
    if _CJK_CHAR.match(tail):
        return True
    if tail.isascii() and tail.isalnum():
        return False
    return cjk
