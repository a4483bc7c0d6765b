"""Snippets: a short window of an article around the query's terms, matches marked.

Pure functions, no database. The matches are found by the search tokenizer
(``kb/text.py``), so a snippet marks the terms that made the article match: a stem's
forms (``leaking`` for ``leak``), a code's parts, a query's Chinese pairs (its single
characters only where none of its pairs is found).
"""

from __future__ import annotations

import bisect
import html
import re
from collections.abc import Iterable
from functools import lru_cache

from qloop.kb.text import CJK_CHARS, Kind, normalize, tokens

SNIPPET_SOURCE_LIMIT = 50_000
_CJK_PAIR = re.compile(rf"[{CJK_CHARS}]{{2}}")
_SPACES = re.compile(r"\s+")
#: a stretch no term crosses
_CHUNK = re.compile(r"[\w-]+")
_CHUNK_TAIL = re.compile(r"[\w-]+\Z")


def snippet(text: str, query_terms: Iterable[str], width: int = 160) -> str:
    """About ``width`` characters of ``text`` around the most query terms, as safe HTML.

    The window holding the most distinct matched terms wins (then the most matches, then
    the earliest). The text is HTML-escaped and only then are the matches wrapped in
    ``<mark>…</mark>``, so the result can go into a page as it is. Chinese needs no
    spaces: a query's character pairs are marked and its single characters only where no
    pair of the query is found (``鼓包`` marks ``鼓包``, not every ``包``).

    A stem is the start of its word but for its last letter (``batter`` of
    ``batteries``), so a regular expression of the terms finds the likely matches in a
    long text fast; only the window chosen from them is tokenized, to mark exactly.
    """
    text = text[:SNIPPET_SOURCE_LIMIT]
    wanted = set(query_terms)
    normal, places = _with_places(text)
    finder = _finder(frozenset(wanted))
    likely = [] if finder is None else list(finder.finditer(normal))
    coarse = [(_original(places, m.start()), _original(places, m.end()), m.group()) for m in likely]
    start, end = _window(text, coarse, max(width, 20))
    shown = _matches(normal, places, wanted, start, end) if likely else []
    parts = ["…"] if start > 0 else []
    at = start
    for a, b in _merged(shown):
        parts.append(_escaped(text[at:a]))
        parts.append(f"<mark>{_escaped(text[a:b])}</mark>")
        at = b
    parts.append(_escaped(text[at:end]))
    if end < len(text):
        parts.append("…")
    return "".join(parts).strip()


def _escaped(segment: str) -> str:
    return html.escape(_SPACES.sub(" ", segment), quote=True)


def _original(places: list[int] | None, at: int) -> int:
    """Where a place in the normalised text is in the original text."""
    if places is None:
        return at
    return places[at] if at < len(places) else (places[-1] + 1 if places else 0)


def _matches(
    normal: str, places: list[int] | None, wanted: set[str], start: int, end: int
) -> list[tuple[int, int]]:
    """(start, end) in the original text of every query term within ``start:end``."""
    low = start if places is None else bisect.bisect_left(places, start)
    high = end if places is None else bisect.bisect_left(places, end)
    head = _CHUNK_TAIL.search(normal, max(0, low - 100), low)
    low = head.start() if head else low
    tail = _CHUNK.match(normal, high)
    high = tail.end() if tail else high
    found = [t for t in tokens(normal[low:high]) if t.term in wanted]
    paired = {char for term in wanted if _CJK_PAIR.fullmatch(term) for char in term}
    if any(token.kind is Kind.CJK_PAIR for token in found):
        found = [t for t in found if t.kind is not Kind.CJK_CHAR or t.term not in paired]
    spans = [
        (_original(places, t.start + low), _original(places, t.end + low - 1) + 1) for t in found
    ]
    return [(a, b) for a, b in spans if a >= start and b <= end]


@lru_cache(maxsize=256)
def _finder(wanted: frozenset[str]) -> re.Pattern[str] | None:
    heads = {term[:-1] if len(term) > 3 and term.isalpha() else term for term in wanted if term}
    if not heads:
        return None
    return re.compile("|".join(re.escape(head) for head in sorted(heads, key=len, reverse=True)))


def _with_places(text: str) -> tuple[str, list[int] | None]:
    """The normalised text and, when its length changed, where each character came from."""
    normal = normalize(text)
    if len(normal) == len(text):
        return normal, None
    chars: list[str] = []
    places: list[int] = []
    for place, char in enumerate(text):
        folded = normalize(char)
        chars.append(folded)
        places.extend([place] * len(folded))
    return "".join(chars), places


def _window(text: str, marks: list[tuple[int, int, str]], width: int) -> tuple[int, int]:
    """The window starting a little before a match that holds the most distinct terms
    (``marks``: start, end and text of each likely match, in order)."""
    if len(text) <= width:
        return 0, len(text)
    best, best_key = 0, (0, 0, 0)
    inside: dict[str, int] = {}
    low = high = 0
    for first, _, _ in marks:
        begin = max(0, min(first - width // 5, len(text) - width))
        while high < len(marks) and marks[high][1] <= begin + width:
            inside[marks[high][2]] = inside.get(marks[high][2], 0) + 1
            high += 1
        while low < high and marks[low][0] < begin:
            term = marks[low][2]
            inside[term] -= 1
            if not inside[term]:
                del inside[term]
            low += 1
        key = (len(inside), high - low, -begin)
        if key > best_key:
            best, best_key = begin, key
    return _word_edges(text, best, best + width)


def _word_edges(text: str, start: int, end: int) -> tuple[int, int]:
    """Move a cut in the middle of a Latin word to the nearest space (within 12)."""
    if start > 0 and not text[start - 1].isspace():
        space = text.rfind(" ", max(0, start - 12), start)
        start = space + 1 if space >= 0 else start
    if end < len(text) and not text[end].isspace():
        space = text.find(" ", end, end + 12)
        end = space if space >= 0 else end
    return start, end


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged
