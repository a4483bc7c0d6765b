"""Search terms from Chinese and English text, and query weights with synonyms.

Pure functions, no database: the index (``kb/index.py``), the scorer (``kb/search.py``)
and the snippets (``kb/snippets.py``) all tokenize here, so SQLite and PostgreSQL rank by
the same terms by construction.

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

import re
import unicodedata
from collections.abc import Iterator
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

#: the CJK ranges, for a regular expression's character class
CJK_CHARS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
#: particles and pronouns: a Chinese "space"
_CJK_STOP = "的了吗呢吧啊呀哦嗯哈我你您他她它们这那是在和与及或而就都也还很又被给让之其"
_LETTER = rf"(?:(?![{CJK_CHARS}])[^\W_])"
_TOKEN = re.compile(
    rf"(?P<cjk>(?:(?![{_CJK_STOP}])(?=[^\W_])[{CJK_CHARS}])+)|(?P<word>{_LETTER}+(?:-{_LETTER}+)*)"
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
    """Markdown as plain text for the index and the snippets: links become their text,
    marks go."""
    return _MD_MARKS.sub(" ", _TAG.sub(" ", _MD_LINK.sub(r"\1", markdown)))
