"""Search terms from Chinese and English text, query weights and highlighted snippets.

Pure functions, no database: the index (``kb/index.py``) and the scorer (``kb/search.py``)
both tokenize here, so SQLite and PostgreSQL rank by the same terms by construction.

Tokenizer rules (``terms``):

* the text is NFKC-normalised (full-width ``ＰＸ９`` is ``px9``) and case-folded;
* a run of letters and digits is a word. Words with a digit are codes (``e21``, ``px9``)
  and kept as they are; a hyphenated run with a digit in a part is a code kept whole and
  in its parts (``hl-b2512-02``, ``hl``, ``b2512``, ``02``); other hyphenated words give
  their parts and their concatenation (``wi-fi``: ``wi``, ``fi``, ``wifi``);
* English words lose a short stop-word list and single letters, and are stemmed lightly
  (``stem``): plural ``-s``/``-es``/``-ies``, ``-ing``, ``-ed``, ``-ly``, then a final ``e``;
* a run of CJK characters gives every character (unigram) and every pair of neighbours
  (bigram): ``鼓包`` gives ``鼓``, ``鼓包``, ``包``. Particles and pronouns (``的``, ``了``,
  ``我`` ...) end a run like a space does, so ``我的屏幕碎了`` gives pairs of ``屏幕碎`` only;
* everything else (punctuation, FTS and SQL syntax, emoji, control characters) separates
  terms and is never an error. A term is at most 64 characters (the index column).
"""

from __future__ import annotations

import bisect
import html
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from importlib import resources

import yaml

MAX_TERM_LENGTH = 64
#: weight of a query's CJK characters when their run also gives pairs (the pairs rank)
UNIGRAM_WEIGHT = 0.3
#: weight of the terms a synonym of a query phrase adds
SYNONYM_WEIGHT = 0.5

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
#: particles and pronouns: a Chinese "space"
_CJK_STOP = "的了吗呢吧啊呀哦嗯哈我你您他她它们这那是在和与及或而就都也还很又被给让之其"
_LETTER = rf"(?:(?![{_CJK}])[^\W_])"
_TOKEN = re.compile(
    rf"(?P<cjk>(?:(?![{_CJK_STOP}])(?=[^\W_])[{_CJK}])+)|(?P<word>{_LETTER}+(?:-{_LETTER}+)*)"
)
STOP_WORDS = frozenset(
    """a an the and or but if of to in on at by for from with into onto as is are was were be
    been being am it its this that these those there here i me my we our us you your he she
    him his her they them their what which who whom when where how why do does did doing
    done has have had having will would shall should can could may might must not no nor so
    than too very just also any all some such only own same other more most both each few
    then once again about after before above below up down out off over under during s t
    don doesn didn won isn aren wasn weren hasn haven hadn wouldn couldn shouldn cannot
    please hi hello thanks""".split()
)
_S_KEPT = frozenset("lens gas bias alias canvas series species news yes plus minus".split())
_LY_KEPT = frozenset("apply supply reply comply family assembly early daily ugly holy".split())


class Kind(Enum):
    WORD = "word"
    CODE = "code"
    CJK_CHAR = "cjk char"  # a character of a run of two or more
    CJK_LONE = "cjk lone"  # a run of one character
    CJK_PAIR = "cjk pair"


@dataclass(frozen=True)
class Token:
    """A term and where it is in the normalised text."""

    term: str
    start: int
    end: int
    kind: Kind


def normalize(text: str) -> str:
    """NFKC and case-folded; ASCII text only lower-cased (the same, faster)."""
    if text.isascii():
        return text.lower()
    return unicodedata.normalize("NFKC", text).casefold()


def stem(word: str) -> str:
    """A light English stemmer: conservative, so unrelated words rarely meet.

    ``batteries`` -> ``battery``, ``boxes`` -> ``box``, ``leaks``/``leaking``/``leaked`` ->
    ``leak``, ``stopped`` -> ``stop``, ``loudly`` -> ``loud``, ``charge``/``charging`` ->
    ``charg``. Stems are index keys, not words.
    """
    if len(word) <= 3 or not (word.isascii() and word.isalpha()):
        return word
    base = word
    if word.endswith("ies") and len(word) > 4:
        base = word[:-3] + "y"
    elif word.endswith("ied") and len(word) > 4:
        base = word[:-3] + "y"
    elif word.endswith("sses"):
        base = word[:-2]
    elif word.endswith("es") and word[:-2].endswith(("x", "z", "ch", "sh", "ss")):
        base = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")) and word not in _S_KEPT:
        base = word[:-1]
    elif word.endswith("ing") and _stem_ok(word[:-3]):
        base = _undouble(word[:-3])
    elif word.endswith("ed") and not word.endswith("eed") and _stem_ok(word[:-2]):
        base = _undouble(word[:-2])
    elif word.endswith("ly") and len(word) >= 6 and word not in _LY_KEPT:
        base = word[:-2]
    if len(base) >= 4 and base.endswith("e") and not base.endswith("ee"):
        base = base[:-1]
    return base


def _stem_ok(base: str) -> bool:
    return len(base) >= 3 and any(vowel in base for vowel in "aeiouy")


def _undouble(base: str) -> str:
    if len(base) >= 4 and base[-1] == base[-2] and base[-1] in "bdgkmnprt":
        return base[:-1]
    return base


def tokens(normal: str, *, stop_words: bool = True) -> Iterator[Token]:
    """The terms of normalised text (``normalize``) with their places, in text order."""
    for match in _TOKEN.finditer(normal):
        start, end = match.span()
        if match.lastgroup == "cjk":
            run = match.group()
            if len(run) == 1:
                yield Token(run, start, end, Kind.CJK_LONE)
                continue
            for offset, char in enumerate(run):
                yield Token(char, start + offset, start + offset + 1, Kind.CJK_CHAR)
                if offset + 1 < len(run):
                    pair = run[offset : offset + 2]
                    yield Token(pair, start + offset, start + offset + 2, Kind.CJK_PAIR)
            continue
        raw = match.group()
        if "-" not in raw:
            yield from _word(raw, start, stop_words)
            continue
        parts, place = [], start
        for part in raw.split("-"):
            parts.append((part, place))
            place += len(part) + 1
        if any(char.isdigit() for char in raw):
            yield Token(_cut(raw), start, end, Kind.CODE)
            for part, at in parts:
                if len(part) > 1 or part.isdigit():
                    yield Token(_cut(part), at, at + len(part), Kind.CODE)
            continue
        for part, at in parts:
            yield from _word(part, at, stop_words)
        yield from _word(raw.replace("-", ""), start, stop_words, end=end)


def _word(raw: str, start: int, stop_words: bool, end: int | None = None) -> Iterator[Token]:
    if len(raw) < 2 or (stop_words and raw in STOP_WORDS):
        return
    stop = start + len(raw) if end is None else end
    if any(char.isdigit() for char in raw):
        yield Token(_cut(raw), start, stop, Kind.CODE)
    else:
        yield Token(_cut(stem(raw)), start, stop, Kind.WORD)


def _cut(term: str) -> str:
    return term[:MAX_TERM_LENGTH].rstrip("-")


def terms(text: str) -> list[str]:
    """Every search term of ``text`` in order, with repeats (see the module's rules)."""
    return [token.term for token in tokens(normalize(text))]


def query_weights(text: str) -> dict[str, float]:
    """The terms of a query with their weights, highest first, then in text order.

    A term of the query weighs 1; a CJK character whose run also gives pairs weighs
    ``UNIGRAM_WEIGHT`` (the pairs carry the ranking, the characters the recall); a term
    a synonym adds (``synonyms.yaml``) weighs ``SYNONYM_WEIGHT``. A term keeps its
    highest weight.
    """
    normal = normalize(text)
    weights: dict[str, float] = {}
    for token in tokens(normal):
        weight = UNIGRAM_WEIGHT if token.kind is Kind.CJK_CHAR else 1.0
        weights[token.term] = max(weight, weights.get(token.term, 0.0))
    if weights:
        for term in synonym_terms(normal):
            weights[term] = max(SYNONYM_WEIGHT, weights.get(term, 0.0))
    return dict(sorted(weights.items(), key=lambda item: -item[1]))


@dataclass(frozen=True)
class _Phrase:
    words: tuple[str, ...]  # English: the stems in order, stop words included
    cjk: str  # Chinese: the normalised phrase, matched as a substring
    terms: tuple[str, ...]  # what the phrase adds to a query


@lru_cache(maxsize=1)
def synonym_groups() -> tuple[tuple[_Phrase, ...], ...]:
    """The groups of ``kb/data/synonyms.yaml``, each phrase tokenized once."""
    source = resources.files("qloop.kb").joinpath("data/synonyms.yaml").read_text("utf-8")
    groups = []
    for group in yaml.safe_load(source)["groups"]:
        phrases = []
        for phrase in group:
            normal = normalize(str(phrase))
            found = list(tokens(normal))
            words = tuple(t.term for t in tokens(normal, stop_words=False) if t.kind is Kind.WORD)
            cjk = normal if any(t.kind is not Kind.WORD for t in found) else ""
            added = [t.term for t in found if t.kind in (Kind.WORD, Kind.CODE, Kind.CJK_PAIR)]
            phrases.append(_Phrase(words=() if cjk else words, cjk=cjk, terms=tuple(added)))
        groups.append(tuple(phrases))
    return tuple(groups)


def synonym_terms(normal: str) -> list[str]:
    """The terms the synonyms of the phrases in normalised query text add."""
    words = [t.term for t in tokens(normal, stop_words=False) if t.kind is Kind.WORD]
    places: dict[str, list[int]] = {}
    for at, word in enumerate(words):
        places.setdefault(word, []).append(at)
    added: dict[str, None] = {}
    for group in synonym_groups():
        if any(_contains(normal, words, places, phrase) for phrase in group):
            for phrase in group:
                added.update(dict.fromkeys(phrase.terms))
    return list(added)


def _contains(normal: str, words: list[str], places: dict[str, list[int]], phrase: _Phrase) -> bool:
    if phrase.cjk:
        return phrase.cjk in normal
    if not phrase.words:
        return False
    size = len(phrase.words)
    return any(
        tuple(words[at : at + size]) == phrase.words for at in places.get(phrase.words[0], ())
    )


_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_MARKS = re.compile(r"^\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+)|[*_`~|]+", re.MULTILINE)
_TAG = re.compile(r"<[^>\n]{0,200}>")


def plain(markdown: str) -> str:
    """Markdown as plain text for snippets: links become their text, marks go."""
    return _MD_MARKS.sub(" ", _TAG.sub(" ", _MD_LINK.sub(r"\1", markdown)))


SNIPPET_SOURCE_LIMIT = 50_000
_CJK_PAIR = re.compile(rf"[{_CJK}]{{2}}")
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
