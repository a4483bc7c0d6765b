"""The fishbone SVG: valid XML whatever the text, every cause drawn, states told apart
without colour, no overlapping ribs, the same string for the same input."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qloop.rca.fishbone_svg import (
    CATEGORIES,
    CAUSE_FONT,
    CAUSE_UNITS,
    LINE_H,
    STATES,
    UNIT,
    FishboneCause,
    display_width,
    fishbone_svg,
    wrap,
)
from qloop.rca.models import CauseCategory, CauseState

NS = "{http://www.w3.org/2000/svg}"
EN = {"man": "Man", "machine": "Machine", "material": "Material", "method": "Method",
      "measurement": "Measurement", "environment": "Environment",
      "suspected": "Suspected", "confirmed": "Confirmed", "ruled_out": "Ruled out"}  # fmt: skip
ZH = {"man": "人", "machine": "机", "material": "料", "method": "法", "measurement": "测",
      "environment": "环", "suspected": "疑似", "confirmed": "已确认",
      "ruled_out": "已排除"}  # fmt: skip
# XML 1.0: tab, LF, CR, U+0020-U+D7FF, U+E000-U+FFFD, U+10000-U+10FFFF
XML_CHAR = re.compile("^[\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*$")


def parse(svg: str) -> ET.Element:
    assert XML_CHAR.match(svg)
    return ET.fromstring(svg)


def cause_groups(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{NS}g") if "cause" in g.get("class", "").split()]


def drawn_lines(group: ET.Element) -> list[ET.Element]:
    text = group.find(f"{NS}text")
    assert text is not None
    return list(text.iter(f"{NS}tspan"))


def all_text(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{NS}text")]


def sample() -> list[FishboneCause]:
    return [
        FishboneCause("man", "Operator skipped torque check", "confirmed"),
        FishboneCause("man", "New hire not trained", "suspected"),
        FishboneCause("machine", "Worn die", "ruled_out"),
        FishboneCause("material", "Separator film thinner than spec", "confirmed"),
        FishboneCause("measurement", '<b>& "x"', "suspected"),
        FishboneCause("environment", "Storage above 40 °C", "ruled_out"),
    ]


def test_root_is_a_titled_svg_image() -> None:
    root = parse(fishbone_svg("Battery swelling", sample(), EN, title="INV-7"))
    assert root.tag == f"{NS}svg" and root.get("role") == "img"
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"
    assert "Noto Sans CJK SC" in root.get("font-family", "")
    assert f"max-width:{root.get('width')}px" in root.get("style", "")  # shrinks, never grows
    first = root[0]
    assert first.tag == f"{NS}title" and first.text == "INV-7"
    assert "INV-7" in all_text(root) and "Battery swelling" in all_text(root)


def test_every_cause_and_category_label_is_drawn() -> None:
    causes = sample()
    root = parse(fishbone_svg("Battery swelling", causes, EN))
    groups = cause_groups(root)
    assert [g.findtext(f"{NS}title") for g in groups] == [c.text for c in causes]
    drawn = [" ".join(t.text or "" for t in drawn_lines(g)) for g in groups]
    assert drawn == [c.text for c in causes]  # short Latin texts: wrapped at spaces, not cut
    assert [g.get("data-category") for g in groups] == [c.category for c in causes]
    texts = all_text(root)
    for code in CATEGORIES:
        assert EN[code] in texts
    for state in STATES:  # the legend
        assert EN[state] in texts


def test_markup_in_text_is_escaped_and_round_trips() -> None:
    nasty = "<b>& \"x\"</b> 'y' <script>alert(1)</script>"
    svg = fishbone_svg(nasty, [FishboneCause("method", nasty, "suspected")], EN, title=nasty)
    assert "<script>" not in svg and "<b>" not in svg
    root = parse(svg)
    (group,) = cause_groups(root)
    assert group.findtext(f"{NS}title") == nasty
    assert root.findtext(f"{NS}title") == nasty
    labels = {**EN, "man": 'M<a & "b">'}
    assert 'M<a & "b">' in all_text(parse(fishbone_svg("p", [], labels)))


def test_states_map_to_classes_styles_and_marker_shapes() -> None:
    causes = [FishboneCause("man", s, s) for s in STATES]
    by_state = {g.get("data-state"): g for g in cause_groups(parse(fishbone_svg("p", causes, EN)))}
    for state, group in by_state.items():
        assert group.get("class") == f"cause cause-{state}"
    confirmed, suspected, ruled_out = (
        by_state[s].find(f"{NS}text") for s in ("confirmed", "suspected", "ruled_out")
    )
    assert confirmed is not None and suspected is not None and ruled_out is not None
    assert confirmed.get("font-weight") == "bold"
    assert suspected.get("font-weight") is None and suspected.get("text-decoration") is None
    assert ruled_out.get("text-decoration") == "line-through"
    assert ruled_out.get("fill") not in (confirmed.get("fill"), suspected.get("fill"))
    # markers differ by shape and fill, not by colour alone
    dot = by_state["confirmed"].find(f"{NS}circle")
    ring = by_state["suspected"].find(f"{NS}circle")
    assert dot is not None and ring is not None
    assert dot.get("fill") != "#ffffff" and ring.get("fill") == "#ffffff"
    assert by_state["ruled_out"].find(f"{NS}circle") is None
    assert by_state["ruled_out"].find(f"{NS}path") is not None


def test_state_and_category_enums_are_accepted_as_their_values() -> None:
    cause = FishboneCause(CauseCategory.MATERIAL, "film", CauseState.RULED_OUT)
    (group,) = cause_groups(parse(fishbone_svg("p", [cause], EN)))
    assert group.get("class") == "cause cause-ruled_out"
    assert group.get("data-category") == "material"


@pytest.mark.parametrize(
    "cause, name",
    [(FishboneCause("money", "x", "suspected"), "money"),
     (FishboneCause("man", "x", "maybe"), "maybe")],
)  # fmt: skip
def test_unknown_category_or_state_is_refused_by_name(cause: FishboneCause, name: str) -> None:
    with pytest.raises(ValueError, match=name):
        fishbone_svg("p", [cause], EN)


def test_chinese_labels_and_causes_wrap_by_display_width() -> None:
    long = "供应商B批次的隔膜厚度低于规格导致内部短路风险增加，" * 3
    causes = [FishboneCause("man", "夜班操作员跳过扭矩检查", "confirmed"),
              FishboneCause("material", long, "suspected")]  # fmt: skip
    root = parse(fishbone_svg("电池在现场使用6个月后鼓包", causes, ZH, title="调查"))
    texts = all_text(root)
    for code in (*CATEGORIES, *STATES):
        assert ZH[code] in texts
    short, wrapped = cause_groups(root)
    assert "".join(t.text or "" for t in drawn_lines(short)) == "夜班操作员跳过扭矩检查"
    lines = [t.text or "" for t in drawn_lines(wrapped)]
    assert len(lines) == 2 and lines[-1].endswith("…")
    assert all(display_width(line) <= CAUSE_UNITS for line in lines)
    assert wrapped.findtext(f"{NS}title") == long


def test_no_causes_still_draws_six_bones_and_the_legend() -> None:
    root = parse(fishbone_svg("Nothing yet", [], EN))
    assert cause_groups(root) == []
    texts = all_text(root)
    assert all(EN[code] in texts for code in (*CATEGORIES, *STATES))
    assert len(list(root.iter(f"{NS}line"))) == 1 + 6  # spine and bones


def height(svg: str) -> float:
    return float(parse(svg).get("height", "0"))


@pytest.mark.parametrize("long_texts", [False, True])
def test_many_causes_grow_the_drawing_without_overlap(long_texts: bool) -> None:
    word = "very long cause text that needs wrapping " if long_texts else ""

    def causes(n: int) -> list[FishboneCause]:  # fmt: skip
        return [FishboneCause("method", f"{word}cause {k}", STATES[k % 3]) for k in range(n)]

    few, many = fishbone_svg("p", causes(3), EN), fishbone_svg("p", causes(30), EN)
    assert height(many) > height(few)
    root = parse(many)
    width = float(root.get("width", "0"))
    blocks = []
    for group in cause_groups(root):
        spans = drawn_lines(group)
        ys = [float(t.get("y", "0")) for t in spans]
        blocks.append((ys[0], ys[-1]))
        for span in spans:  # right-aligned text stays inside the drawing
            left = float(span.get("x", "0")) - display_width(span.text or "") * UNIT * CAUSE_FONT
            assert 0 <= left and float(span.get("x", "0")) <= width
    assert len({top for top, _ in blocks}) == 30
    blocks.sort()
    for (_, previous_bottom), (top, _) in zip(blocks, blocks[1:], strict=False):
        assert top - previous_bottom >= LINE_H


def test_rib_spacing_follows_the_fullest_bone() -> None:
    causes = [FishboneCause(c, f"{c} {k}", "suspected") for c in CATEGORIES for k in range(8)]
    root = parse(fishbone_svg("p", causes, EN))
    tops: dict[str, list[float]] = defaultdict(list)
    for group in cause_groups(root):
        tops[group.get("data-category", "")].append(float(drawn_lines(group)[0].get("y", "0")))
    for ys in tops.values():
        assert len(set(ys)) == 8
        assert min(b - a for a, b in zip(ys, ys[1:], strict=False)) >= LINE_H


def test_forbidden_control_characters_are_stripped() -> None:
    dirty = "a\x00b\x01c\x08d\x0be\x0cf\x1fg\x7fh\x85i\ud800j\ufffek\uffffl"
    svg = fishbone_svg(dirty, [FishboneCause("man", dirty, "confirmed")], {**EN, "man": dirty})
    root = parse(svg)
    (group,) = cause_groups(root)
    assert group.findtext(f"{NS}title") == "abcdefghijkl"
    assert "abcdefghijkl" in all_text(root)
    tabbed = cause_groups(
        parse(fishbone_svg("p", [FishboneCause("man", "a\tb\n\nc", "suspected")], EN))
    )
    assert tabbed[0].findtext(f"{NS}title") == "a b c"


def test_width_counts_east_asian_wide_characters_double() -> None:
    assert display_width("abc") == 3
    assert display_width("中文") == 4
    assert display_width("ＡＢ") == 4  # fullwidth
    assert display_width("e\u0301") == 1  # combining accent takes no room
    assert display_width("ｱ") == 1  # halfwidth katakana


def test_wrap_keeps_words_and_cuts_with_an_ellipsis() -> None:
    assert wrap("alpha beta gamma", 11, 3) == ["alpha beta", "gamma"]
    assert wrap("alpha beta gamma delta", 10, 2) == ["alpha beta", "gamma…"]
    assert wrap("x" * 25, 10, 3) == ["x" * 10, "x" * 10, "x" * 5]
    assert wrap("中文字符测试", 4, 2) == ["中文", "字…"]
    assert wrap("", 10, 2) == [""]


def test_same_input_gives_the_same_string() -> None:
    first = fishbone_svg("Battery swelling", sample(), EN, title="t")
    assert fishbone_svg("Battery swelling", list(sample()), dict(EN), title="t") == first
    assert fishbone_svg("Battery swelling", sample(), ZH, title="t") != first


@settings(max_examples=150, deadline=None)
@given(
    problem=st.text(),
    title=st.none() | st.text(),
    label=st.text(),
    causes=st.lists(
        st.tuples(st.sampled_from(CATEGORIES), st.text(), st.sampled_from(STATES)), max_size=12
    ),
)
def test_any_text_gives_parseable_xml(
    problem: str, title: str | None, label: str, causes: list[tuple[str, str, str]]
) -> None:
    drawn = [FishboneCause(c, text, s) for c, text, s in causes]
    root = parse(fishbone_svg(problem, drawn, {**EN, "man": label}, title=title))
    assert len(cause_groups(root)) == len(drawn)
