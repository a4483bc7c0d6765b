"""The search tokenizer, query weights and snippets (pure, no database)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qloop.kb.snippets import snippet
from qloop.kb.text import (
    MAX_TERM_LENGTH,
    SYNONYM_WEIGHT,
    UNIGRAM_WEIGHT,
    plain,
    query_weights,
    stem,
    terms,
)


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("batteries", "battery"),
        ("leaks", "leak"),
        ("leaking", "leak"),
        ("leaked", "leak"),
        ("boxes", "box"),
        ("switches", "switch"),
        ("crashes", "crash"),
        ("glasses", "glass"),
        ("noises", "nois"),
        ("noise", "nois"),
        ("charge", "charg"),
        ("charging", "charg"),
        ("charged", "charg"),
        ("stopped", "stop"),
        ("humming", "hum"),
        ("buzzing", "buzz"),
        ("filled", "fill"),
        ("added", "add"),
        ("loudly", "loud"),
        ("suddenly", "sudden"),
        ("replied", "reply"),
        # kept: too short, no vowel left, or on an exception list
        ("bus", "bus"),
        ("gas", "gas"),
        ("lens", "lens"),
        ("status", "status"),
        ("analysis", "analysis"),
        ("thing", "thing"),
        ("string", "string"),
        ("speed", "speed"),
        ("apply", "apply"),
        ("only", "only"),
        ("fee", "fee"),
    ],
)
def test_stem(word: str, expected: str) -> None:
    assert stem(word) == expected


def test_inflections_of_one_word_meet() -> None:
    assert len({stem(w) for w in ["rattle", "rattles", "rattling", "rattled"]}) == 1
    assert len({stem(w) for w in ["overheat", "overheats", "overheating", "overheated"]}) == 1
    assert len({stem(w) for w in ["drip", "drips", "dripping", "dripped"]}) == 1


def test_english_words_stop_words_and_case() -> None:
    assert terms("The Battery is LEAKING and it won't charge!") == ["battery", "leak", "charg"]
    assert terms("a an the of") == []


def test_codes_are_kept_whole_and_in_parts() -> None:
    assert terms("Error E21 on PX9") == ["error", "e21", "px9"]
    assert terms("part HL-B2512-02") == ["part", "hl-b2512-02", "hl", "b2512", "02"]
    assert terms("ＰＸ９") == ["px9"]  # full width, NFKC
    assert terms("wi-fi drops") == ["wi", "fi", "wifi", "drop"]


def test_chinese_gives_characters_and_pairs() -> None:
    assert terms("鼓包") == ["鼓", "鼓包", "包"]
    assert terms("漏水") == ["漏", "漏水", "水"]
    assert terms("屏") == ["屏"]
    assert terms("PX9 电池鼓包") == ["px9", "电", "电池", "池", "池鼓", "鼓", "鼓包", "包"]
    assert terms("PX9电池") == ["px9", "电", "电池", "池"]


def test_chinese_particles_end_a_run() -> None:
    assert terms("我的屏幕碎了") == ["屏", "屏幕", "幕", "幕碎", "碎"]


@pytest.mark.parametrize(
    "hostile",
    ['"', "*", ")", "NEAR(", "' OR 1=1 --", "%_", "😀", "\x00", "", "   ", "^:()-", "AND OR"],
)
def test_hostile_input_gives_no_error(hostile: str) -> None:
    found = terms(hostile)
    assert all(term and not re.search(r"[\s\"*()'%_^:;=]", term) for term in found)
    assert isinstance(query_weights(hostile), dict)


def test_hostile_input_keeps_its_words() -> None:
    assert terms("' OR 1=1 -- leak") == ["leak"]  # single characters go
    assert terms('"swollen" NEAR(battery)') == ["swollen", "near", "battery"]
    assert terms("漏水😀\x00屏") == ["漏", "漏水", "水", "屏"]


_TERM = re.compile(r"[^\W_]+(?:-[^\W_]+)*")


@given(st.text(max_size=300))
def test_terms_never_fail_and_are_clean(text: str) -> None:
    for term in terms(text):
        assert _TERM.fullmatch(term), term
        assert 0 < len(term) <= MAX_TERM_LENGTH


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200), st.text(max_size=20))
def test_snippet_never_fails_and_is_escaped(text: str, query: str) -> None:
    shown = snippet(text, terms(query), width=60)
    assert "<" not in shown.replace("<mark>", "").replace("</mark>", "")


def test_query_weights_pairs_rank_characters_recall() -> None:
    assert query_weights("鼓包")["鼓包"] == 1.0
    assert query_weights("鼓包")["包"] == UNIGRAM_WEIGHT
    assert query_weights("屏") == {"屏": 1.0}


def test_synonyms_add_terms_at_a_lower_weight() -> None:
    english = query_weights("swollen battery")
    assert english["swollen"] == english["battery"] == 1.0
    assert english["bulg"] == english["swell"] == SYNONYM_WEIGHT
    chinese = query_weights("后盖鼓起")
    assert chinese["鼓起"] == 1.0
    assert chinese["鼓包"] == chinese["膨胀"] == SYNONYM_WEIGHT
    # a phrase matches by its words in order
    assert "dead" in query_weights("my phone won't turn on")
    assert "dead" not in query_weights("turn the knob")


def test_no_synonyms_for_a_query_of_no_terms() -> None:
    assert query_weights("the of and") == {}


def test_snippet_escapes_html_before_marking() -> None:
    shown = snippet("<script>alert(1)</script> the battery is swollen", terms("battery"))
    assert shown == "&lt;script&gt;alert(1)&lt;/script&gt; the <mark>battery</mark> is swollen"


def test_snippet_marks_stemmed_words_and_codes() -> None:
    shown = snippet("Leaking hose; replaced part HL-B2512-02.", terms("leak hl-b2512-02"))
    assert shown == "<mark>Leaking</mark> hose; replaced part <mark>HL-B2512-02</mark>."


def test_snippet_picks_the_window_with_the_matches() -> None:
    text = "filler words here. " * 20 + "The drain pump makes a loud noise. " + "more. " * 30
    shown = snippet(text, terms("pump noise"), width=80)
    assert shown.startswith("…") and shown.endswith("…")
    assert "<mark>pump</mark>" in shown and "<mark>noise</mark>" in shown
    assert len(re.sub(r"</?mark>", "", shown)) <= 80 + 2 + 24


def test_snippet_chinese_marks_pairs_not_every_character() -> None:
    text = "手机使用两年后电池鼓包，后盖被顶起。包装完好。"
    assert snippet(text, query_weights("鼓包")) == (
        "手机使用两年后电池<mark>鼓包</mark>，后盖被<mark>顶起</mark>。包装完好。"
    )
    # no pair of the query in the text: its characters are marked
    assert snippet("屏幕有裂纹", terms("屏裂")) == "<mark>屏</mark>幕有<mark>裂</mark>纹"
    # with the synonyms of the query
    assert snippet("屏幕有裂纹", query_weights("屏裂")) == "<mark>屏幕</mark>有<mark>裂纹</mark>"


def test_snippet_chinese_window_without_spaces() -> None:
    text = "说明" * 100 + "洗衣机门封漏水" + "说明" * 100
    shown = snippet(text, query_weights("漏水"), width=40)
    assert "<mark>漏水</mark>" in shown
    assert len(re.sub(r"</?mark>|…", "", shown)) == 40


def test_snippet_without_a_match_shows_the_start() -> None:
    assert snippet("short text", ["zzz"]) == "short text"
    assert snippet("word " * 100, ["zzz"], width=20).endswith("…")


def test_plain_drops_markdown() -> None:
    text = plain("## Fix\n\n1. Replace the **battery** ([guide](http://x/y)).\n- `E21`")
    assert "http" not in text and "*" not in text and "#" not in text
    assert terms(text) == terms("Fix Replace the battery guide E21")
