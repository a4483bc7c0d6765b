"""Which script a severity pattern needs, so a text without it can skip the pattern.

A Chinese text cannot match a pattern every match of which holds a letter a-z, and an
English text cannot match one that always holds a Chinese character: skipping those is
the cheapest speed-up of the rules (a test keeps the verdicts identical with and without).
"""

from __future__ import annotations

import importlib
import re
from typing import Any

LATIN, CJK = "latin", "cjk"

# The standard library's regex parser (private, the same since Python 3.11), used only to
# decide which patterns may be skipped; anything unexpected there means "never skip".
try:
    _SRE_PARSER: Any = importlib.import_module("re._parser")
    _SRE: Any = importlib.import_module("re._constants")
except ImportError:  # pragma: no cover - another Python: every pattern runs on every text
    _SRE_PARSER = _SRE = None


def pattern_script(pattern: str) -> str | None:
    """``LATIN`` if every match of ``pattern`` holds a letter a-z, ``CJK`` if every match
    holds a Chinese character, else None.

    A text without such a character cannot match, so the pattern need not run on it
    (Chinese texts skip the English patterns and the other way round). The answer comes
    from the regex parser; when in doubt it is None, and the pattern always runs.
    """
    if _SRE_PARSER is None:
        return None
    try:
        compiled = re.compile(pattern)
        if compiled.flags & re.IGNORECASE:
            return None
        parsed = _SRE_PARSER.parse(pattern)
        for script, blocks in _SCRIPT_BLOCKS.items():
            if _needs(list(parsed), blocks):
                return script
    except Exception:  # a parser this module does not know: never skip
        return None
    return None


# code point blocks of each script, the same as ``_LATIN`` and ``_CJK``
Blocks = tuple[tuple[int, int], ...]
_SCRIPT_BLOCKS: dict[str, Blocks] = {
    LATIN: ((ord("a"), ord("z")),),
    CJK: ((0x3400, 0x9FFF), (0xF900, 0xFAFF)),
}


def _needs(items: list[tuple[Any, Any]], blocks: Blocks) -> bool:
    """Whether every string the parsed sequence ``items`` matches holds a char in ``blocks``."""
    return any(_item_needs(op, av, blocks) for op, av in items)


def _item_needs(op: Any, av: Any, blocks: Blocks) -> bool:
    if op is _SRE.LITERAL:
        return _inside(av, av, blocks)
    if op is _SRE.IN:
        return all(_member_inside(o, a, blocks) for o, a in av)
    if op is _SRE.SUBPATTERN:
        return _needs(list(av[-1]), blocks)
    if op is _SRE.ATOMIC_GROUP:
        return _needs(list(av), blocks)
    if op is _SRE.BRANCH:
        return all(_needs(list(branch), blocks) for branch in av[1])
    if op in (_SRE.MAX_REPEAT, _SRE.MIN_REPEAT, _SRE.POSSESSIVE_REPEAT):
        low, _, sub = av
        return bool(low >= 1) and _needs(list(sub), blocks)
    return False  # anchors, lookarounds, any character, categories such as \w


def _member_inside(op: Any, av: Any, blocks: Blocks) -> bool:
    if op is _SRE.LITERAL:
        return _inside(av, av, blocks)
    if op is _SRE.RANGE:
        return _inside(av[0], av[1], blocks)
    return False  # a negated set or a category: anything may match


def _inside(low: int, high: int, blocks: Blocks) -> bool:
    return any(start <= low and high <= end for start, end in blocks)
