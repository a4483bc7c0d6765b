"""Finding lexicon terms in customer text, fast, in Chinese and English at once.

Every term of the taxonomy and the severity rules goes into one regular
expression built as a trie (shared prefixes factored out), so a text is scanned
once whatever the size of the lexicon: that is what makes thousands of texts per
second possible in pure Python. English terms match whole words and their usual
inflections; a trailing ``*`` matches any ending; Chinese terms match anywhere.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

WILDCARD = "\x00"  # stands for "any word ending" inside the trie

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[a-z]")
_LATIN_WORD = "a-z0-9"

_CONTRACTIONS: list[tuple[re.Pattern[str], Any]] = [
    (re.compile(r"\b(?:won['’]?t)\b"), "will not"),
    (re.compile(r"\b(?:can['’]t|cant|can not)\b"), "cannot"),
    (
        re.compile(
            r"\b(aren|couldn|didn|doesn|don|hadn|hasn|haven|isn|shouldn|wasn|weren|wouldn)['’]?t\b"
        ),
        lambda m: m.group(1)[:-1] + " not",
    ),
]
_SPACING = re.compile(r"[\s\-_/]+")
# "line 5 down", "press #2 stopped", "2号线停了": the number says which, not what happened
_NUMBERED = re.compile(
    r"\b(line|cell|press|machine|station|robot|oven|kiln)\s*(?:no\.?\s*|#\s*)?\d+\b"
)
_NUMBERED_ZH = re.compile(r"[0-9一二三四五六七八九十]+\s*号\s*(?=线|机|设备|炉|工位|车间)")
_APOSTROPHE = re.compile(r"['’`]")


def normalise_text(text: str) -> str:
    """The form every text and term is matched in.

    NFKC turns full-width letters and digits into ASCII (common in Chinese
    input); contractions are spelled out so that "doesn't", "doesnt" and "does
    not" are one thing to the negation rules; hyphens and slashes become spaces.
    """
    text = unicodedata.normalize("NFKC", text).lower()
    for pattern, replacement in _CONTRACTIONS:
        text = pattern.sub(replacement, text)
    text = _APOSTROPHE.sub("", text)
    text = _NUMBERED_ZH.sub("", _NUMBERED.sub(r"\1", text))
    return _SPACING.sub(" ", text).strip()


def has_cjk(text: str) -> bool:
    return _CJK.search(text) is not None


def has_latin(text: str) -> bool:
    """Whether a normalised (lower-case) text holds a Latin letter."""
    return _LATIN.search(text) is not None


_UNINFLECTED = frozenset(
    "the not too any all and for with was has had his her its our you your one two off out "
    "way very been will does did into onto from this that then than just still again after "
    "before some more most much many each every over under only also cannot would could "
    "should have were there their they them when what which while where who why how being "
    "about since until even ever never".split()
)


def word_forms(word: str) -> set[str]:
    """A word and its regular English inflections (plural, past, -ing); short and function
    words as they are. Only forms the spelling rules allow, to keep the scanner small."""
    if len(word) < 3 or not word.isalpha() or word in _UNINFLECTED:
        return {word}
    if word.endswith("e"):
        return {word, word + "s", word + "d", word[:-1] + "ing"}
    if word.endswith("y") and word[-2] not in "aeiou":
        return {word, word[:-1] + "ies", word[:-1] + "ied", word + "ing"}
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return {word, word + "es", word + "ed", word + "ing"}
    forms = {word, word + "s", word + "ed", word + "ing"}
    if word[-1] not in "aeiouwxy" and word[-2] in "aeiou" and word[-3] not in "aeiou":
        forms |= {word + word[-1] + "ed", word + word[-1] + "ing"}  # stop -> stopped
    return forms


def term_surfaces(term: str) -> set[str]:
    """Every surface form a lexicon term is matched as (wildcards kept as ``WILDCARD``)."""
    normal = normalise_text(term.rstrip("*")) + (WILDCARD if term.endswith("*") else "")
    if not normal.strip(WILDCARD) or has_cjk(normal):
        return {normal} if normal.strip(WILDCARD) else set()
    words = normal.split(" ")
    first = {words[0]} if words[0].endswith(WILDCARD) else word_forms(words[0])
    if len(words) == 1:
        return first
    last = {words[-1]} if words[-1].endswith(WILDCARD) else word_forms(words[-1])
    middle = " ".join(words[1:-1])
    return {" ".join(p for p in (f, middle, la) if p) for f in first for la in last}


@dataclass(frozen=True)
class Entry:
    """What finding a term means: evidence of ``kind`` for ``target``, with a weight."""

    kind: str  # "keyword" | "part" | "function" | "ignore"
    target: str  # "category:<code>", "mode:<code>", "rule:<id>" or "" for ignore
    weight: float
    term: str


@dataclass(frozen=True)
class Found:
    """One term found in a text: where, the matched words, and what they mean."""

    start: int
    end: int
    words: str
    entries: tuple[Entry, ...]


class TermFinder:
    """All terms of a lexicon compiled into one scanner."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        exact: dict[str, list[Entry]] = defaultdict(list)
        wild: dict[str, list[tuple[re.Pattern[str], Entry]]] = defaultdict(list)
        latin: set[str] = set()
        cjk: set[str] = set()
        for entry in entries:
            for surface in term_surfaces(entry.term):
                (cjk if has_cjk(surface) else latin).add(surface)
                if WILDCARD in surface:
                    literal = surface.replace(WILDCARD, "[a-z0-9]*")
                    pattern = re.compile("".join(_escape_keep_class(literal)))
                    wild[surface[:3]].append((pattern, entry))
                else:
                    exact[surface].append(entry)
        self._exact = dict(exact)
        self._wild = dict(wild)
        latin_part = (
            f"(?<![{_LATIN_WORD}])(?:{_trie_pattern(latin)})(?![{_LATIN_WORD}])" if latin else ""
        )
        cjk_part = f"(?:{_trie_pattern(cjk)})" if cjk else ""
        parts = [p for p in (latin_part, cjk_part) if p]
        self._scanner = re.compile("|".join(parts)) if parts else None
        # A text in one script only is scanned for that script's terms: the same matches
        # (a Chinese term holds a Chinese character, an English one a letter), found faster.
        self._latin_only = re.compile(latin_part) if latin_part else None
        self._cjk_only = re.compile(cjk_part) if cjk_part else None
        self._latin_needs_letter = all(_LATIN.search(s) for s in latin)

    def find(self, normal_text: str) -> Iterator[Found]:
        """Terms in a text already passed through ``normalise_text``, left to right."""
        scanner = self._scanner
        if not has_cjk(normal_text):
            scanner = self._latin_only
        elif self._latin_needs_letter and not has_latin(normal_text):
            scanner = self._cjk_only
        if scanner is None:
            return
        for match in scanner.finditer(normal_text):
            words = match.group()
            entries = list(self._exact.get(words, ()))
            for pattern, entry in self._wild.get(words[:3], ()):
                if pattern.fullmatch(words):
                    entries.append(entry)
            if entries:
                yield Found(match.start(), match.end(), words, tuple(entries))


def _escape_keep_class(literal: str) -> Iterator[str]:
    marker = "[a-z0-9]*"
    pieces = literal.split(marker)
    for i, piece in enumerate(pieces):
        yield re.escape(piece)
        if i < len(pieces) - 1:
            yield marker


def _trie_pattern(words: Iterable[str]) -> str:
    """A regex matching any of ``words``, longest first, with shared prefixes factored out."""
    root: dict[str, Any] = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return _node_pattern(root)


def _node_pattern(node: dict[str, Any]) -> str:
    ends_here = "" in node
    branches = []
    for char in sorted((c for c in node if c), key=lambda c: (c == WILDCARD, c)):
        head = "[a-z0-9]*" if char == WILDCARD else re.escape(char)
        branches.append(head + _node_pattern(node[char]))
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if ends_here:
        return f"(?:{body})?"
    return body
