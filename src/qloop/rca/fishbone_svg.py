"""An investigation's fishbone (Ishikawa) diagram as one standalone SVG string.

It goes inline into the investigation page (English or Chinese), into HTML reports and
through WeasyPrint into PDF, which runs no JavaScript and no outside CSS inside an SVG:
so every style is a presentation attribute, and the layout is computed here, with text
widths estimated (CJK counted double) and long texts wrapped or cut with "…"."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

CATEGORIES = ("man", "machine", "material", "method", "measurement", "environment")
STATES = ("suspected", "confirmed", "ruled_out")
SVG_NS = "http://www.w3.org/2000/svg"
FONT_FAMILY = "'Noto Sans CJK SC', 'WenQuanYi Zen Hei', 'Microsoft YaHei', sans-serif"
Attrs = Mapping[str, str | float]

# Layout in px. UNIT: estimated em width of a narrow character; a wide (CJK) one counts
# two, 1.16 em, so estimates err wide and wrapped text stays clear of the next bone.
UNIT, MARGIN, TITLE_FONT, LABEL_FONT = 0.58, 16, 17, 14
CAUSE_FONT, MAX_CAUSE_LINES, HEAD_FONT, MAX_HEAD_LINES = 13, 2, 14, 6
LINE_H, HEAD_LINE_H = CAUSE_FONT + 4, HEAD_FONT + 4  # as _text spaces its lines
COL_W = 280  # horizontal distance between bones: one column of cause texts
RIB, TEXT_GAP = 16, 10  # rib length; gap between the rib's marker and its text
ROW_GAP, MAX_EXTRA = 6, 22  # least space between two ribs' texts; most added when roomy
ROOT_PAD, END_PAD, MIN_BONE = 16, 10, 120  # bone left free near the spine, near the label
HEAD_W, HEAD_GAP = 210, 36
CAUSE_UNITS = int((COL_W - RIB - TEXT_GAP - 34) / (UNIT * CAUSE_FONT))  # 30 px to spare
HEAD_UNITS = int((HEAD_W - 20) / (UNIT * HEAD_FONT))

# State shows without colour: confirmed is bold (plus a thin stroke, as Chromium may not
# embolden a font with no bold face, e.g. WenQuanYi) with a filled dot, suspected a ring,
# ruled out struck through with a cross (WeasyPrint ignores SVG line-through).
_BOLD = {"font-weight": "bold", "stroke-width": "0.35"}
_TEXT_STYLE: dict[str, dict[str, str]] = {
    "confirmed": {"fill": "#111111", "stroke": "#111111", **_BOLD},
    "suspected": {"fill": "#333333"},
    "ruled_out": {"fill": "#8a8a8a", "text-decoration": "line-through"},
}
_MARKER_STYLE: dict[str, dict[str, str]] = {
    "confirmed": {"fill": "#2e7d32", "stroke": "#1b5e20", "stroke-width": "1"},
    "suspected": {"fill": "#ffffff", "stroke": "#d08800", "stroke-width": "2"},
}
# XML 1.0 forbids C0 controls but tab/LF/CR, surrogates, U+FFFE/F; C1 and DEL are noise.
_UNWANTED = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class FishboneCause:
    """One cause as drawn; plain data so the renderer needs no database row."""

    category: str
    text: str
    state: str


def display_width(text: str) -> int:
    """Width in narrow-character units: East Asian wide/fullwidth count 2, marks 0."""
    kept = [char for char in text if unicodedata.category(char) not in ("Mn", "Me", "Cf")]
    return sum(2 if unicodedata.east_asian_width(char) in ("W", "F") else 1 for char in kept)


def clean_text(text: str) -> str:
    """Text fit for XML on one line: forbidden characters dropped, whitespace runs to one space."""
    return _WHITESPACE.sub(" ", _UNWANTED.sub("", text)).strip()


def _fit_width(text: str) -> float:
    """``display_width`` plus room for capitals: all-caps text (W, M) runs far wider."""
    return display_width(text) + 0.6 * sum(char.isupper() for char in text)


def wrap(text: str, units: int, max_lines: int) -> list[str]:
    """Greedy wrap into lines at most ``units`` wide (capitals counted wider), keeping Latin
    words whole unless longer than a line; text left over ends the last line with "…"."""
    lines: list[str] = []
    line = ""
    for token in re.findall(r"\s+|\S+", clean_text(text)):
        if token.isspace():
            line += " " if line else ""
        elif _fit_width(line + token) <= units:
            line += token
        elif line and _fit_width(token) <= units and display_width(token) == len(token):
            lines.append(line.rstrip())
            line = token
        else:  # a word longer than a line, or CJK (no spaces): break it anywhere
            for char in token:
                if _fit_width(line + char) > units and line.strip():
                    lines.append(line.rstrip())
                    line = ""
                line += char
    lines.append(line.rstrip())
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and _fit_width(last) + 1 > units:
            last = last[:-1]
        lines = lines[: max_lines - 1] + [last.rstrip() + "…"]
    return lines


def _num(value: float) -> str:
    """Coordinates with one decimal at most, so equal input gives an identical string."""
    return f"{value:.1f}".removesuffix(".0")


def _tag(name: str, attrs: Attrs, body: str | None = None) -> str:
    """One element; attribute values are quoted, ``body`` must already be markup."""
    rendered = "".join(
        f" {key}={quoteattr(value if isinstance(value, str) else _num(value))}"
        for key, value in attrs.items()
    )
    return f"<{name}{rendered}/>" if body is None else f"<{name}{rendered}>{body}</{name}>"


def _text(x: float, y: float, lines: Sequence[str], attrs: Attrs) -> str:
    """A <text> with one <tspan> per line, the first baseline at ``y``."""
    step = float(attrs.get("font-size", CAUSE_FONT)) + 4
    spans = "".join(
        _tag("tspan", {"x": x, "y": y + k * step}, escape(line)) for k, line in enumerate(lines)
    )
    return _tag("text", {"x": x, "y": y, **attrs}, spans)


def _marker(state: str, x: float, y: float) -> str:
    """Filled dot, hollow ring or grey cross, so the state shows in greyscale print too."""
    if state == "ruled_out":
        d = f"M{_num(x - 4)} {_num(y - 4)}l8 8m0 -8l-8 8"
        return _tag("path", {"d": d, "stroke": "#8a8a8a", "stroke-width": 2, "fill": "none"})
    return _tag("circle", {"cx": x, "cy": y, "r": 4.5, **_MARKER_STYLE[state]})


def _head(problem: str, x: float, spine_y: float) -> str:
    """The fish's head: the problem, wrapped, in a box centred on the spine."""
    lines = wrap(problem, HEAD_UNITS, MAX_HEAD_LINES)
    box_h = max(56, len(lines) * HEAD_LINE_H + 20)
    box: Attrs = {"x": x, "y": spine_y - box_h / 2, "width": HEAD_W, "height": box_h, "rx": 6}
    first = spine_y - len(lines) * HEAD_LINE_H / 2 + HEAD_FONT - 1
    style: Attrs = {"font-size": HEAD_FONT, "fill": "#7f1d1d", "stroke": "#7f1d1d", **_BOLD}
    rect = _tag("rect", {**box, "fill": "#fdecea", "stroke": "#b71c1c", "stroke-width": 2})
    return rect + _text(x + HEAD_W / 2, first, lines, {**style, "text-anchor": "middle"})


def _bone(
    category: str, label: str, items: Sequence[tuple[str, str, list[str]]], *, up: bool,
    root_x: float, spine_y: float, bone_h: float, slant: float,
) -> str:  # fmt: skip
    """One bone, its label at the outer end and its causes as ribs listed top to bottom.

    The ribs gather next to the label (the list's heading); they spread out a little
    when the bone has room to spare, never so far that a short list looks scattered.
    """
    outer_x, outer_y = root_x - slant, spine_y - bone_h if up else spine_y + bone_h
    bone: Attrs = {"x1": root_x, "y1": spine_y, "x2": outer_x, "y2": outer_y}
    name = wrap(label, int((COL_W - 20) / (UNIT * LABEL_FONT)), 1)
    label_style: Attrs = {"font-size": LABEL_FONT, "fill": "#263238", "stroke": "#263238", **_BOLD}
    label_y = outer_y - 8 if up else outer_y + LABEL_FONT + 6
    parts = [_tag("line", {**bone, "stroke": "#546e7a", "stroke-width": 2.5})]
    parts.append(_text(outer_x, label_y, name, {**label_style, "text-anchor": "middle"}))
    needed = sum(len(lines) * LINE_H + ROW_GAP for _, _, lines in items)
    extra = min((bone_h - ROOT_PAD - END_PAD - needed) / len(items), MAX_EXTRA) if items else 0
    y = outer_y + END_PAD if up else outer_y - END_PAD - needed - extra * len(items)
    for text, state, lines in items:
        row_h = len(lines) * LINE_H + ROW_GAP + extra
        rib_y, y = y + row_h / 2, y + row_h
        bone_x = root_x - slant * abs(rib_y - spine_y) / bone_h
        dot_x = bone_x - RIB - 4
        rib: Attrs = {"x1": bone_x, "y1": rib_y, "x2": dot_x, "y2": rib_y}
        first = rib_y - len(lines) * LINE_H / 2 + CAUSE_FONT - 1
        style: Attrs = {"font-size": CAUSE_FONT, "text-anchor": "end", **_TEXT_STYLE[state]}
        body = (
            _tag("title", {}, escape(clean_text(text)))
            + _tag("line", {**rib, "stroke": "#78909c", "stroke-width": 1.5})
            + _marker(state, dot_x, rib_y)
            + _text(dot_x - TEXT_GAP, first, lines, style)
        )
        group = {"class": f"cause cause-{state}", "data-category": category, "data-state": state}
        parts.append(_tag("g", group, body))
    return "".join(parts)


def _legend(labels: Mapping[str, str], y: float) -> str:
    """The three states in a row, each drawn as its causes are."""
    parts, x = [], float(MARGIN + 8)
    for state in STATES:
        name = wrap(labels.get(state, state), 30, 1)
        style: Attrs = {"font-size": CAUSE_FONT, "class": f"legend-{state}", **_TEXT_STYLE[state]}
        parts += [_marker(state, x, y - 4.5), _text(x + 10, y, name, style)]
        x += 10 + _fit_width(name[0]) * UNIT * CAUSE_FONT + 32
    return "".join(parts)


def fishbone_svg(
    problem: str, causes: Sequence[FishboneCause], labels: Mapping[str, str], *,
    title: str | None = None,
) -> str:  # fmt: skip
    """Spine to the problem's head box, three bones above and three below; ``labels`` gives
    each category's and state's text in the reader's language (else the code shows).

    Every bone is as long as the fullest one needs, so ribs never come closer than a row
    of text: the drawing grows instead. Each cause is a ``<g class="cause cause-<state>"
    data-category=...>`` whose ``<title>`` (a tooltip) keeps the full text the drawing
    may cut."""
    bones: dict[str, list[tuple[str, str, list[str]]]] = {c: [] for c in CATEGORIES}
    for cause in causes:
        if cause.category not in CATEGORIES:
            raise ValueError(f"unknown fishbone category: {cause.category!r}")
        if cause.state not in STATES:
            raise ValueError(f"unknown fishbone cause state: {cause.state!r}")
        state = STATES[STATES.index(cause.state)]  # a StrEnum member becomes its plain value
        lines = wrap(cause.text, CAUSE_UNITS, MAX_CAUSE_LINES)
        bones[CATEGORIES[CATEGORIES.index(cause.category)]].append((cause.text, state, lines))
    needed = max(sum(len(w) * LINE_H + ROW_GAP for _, _, w in b) for b in bones.values())
    bone_h = max(MIN_BONE, ROOT_PAD + END_PAD + needed)
    slant = min(max(0.35 * bone_h, 50.0), 140.0)
    spine_y = MARGIN + (TITLE_FONT + 13 if title else 0) + LABEL_FONT + 12 + bone_h
    root0 = MARGIN + COL_W + slant
    head_x = root0 + 2 * COL_W + HEAD_GAP
    legend_y = spine_y + bone_h + LABEL_FONT + 40
    width, height = head_x + HEAD_W + MARGIN, legend_y + 10 + MARGIN

    background = _tag("rect", {"width": width, "height": height, "fill": "#ffffff"})
    parts = [_tag("title", {}, escape(clean_text(title or problem))), background]
    if title:
        line = wrap(title, int((width - 2 * MARGIN) / (UNIT * TITLE_FONT)), 1)
        style: Attrs = {"font-size": TITLE_FONT, "fill": "#111111", "stroke": "#111111", **_BOLD}
        parts.append(_text(MARGIN, MARGIN + TITLE_FONT, line, style))
    spine: Attrs = {"x1": MARGIN + COL_W * 0.4, "y1": spine_y, "x2": head_x, "y2": spine_y}
    parts.append(_tag("line", {**spine, "stroke": "#37474f", "stroke-width": 4}))
    parts.append(_head(problem, head_x, spine_y))
    for index, category in enumerate(CATEGORIES):
        label = clean_text(labels.get(category, category))
        root_x = root0 + (index % 3) * COL_W
        geometry = {"root_x": root_x, "spine_y": spine_y, "bone_h": bone_h, "slant": slant}
        parts.append(_bone(category, label, bones[category], up=index < 3, **geometry))
    parts.append(_legend(labels, legend_y))
    size: Attrs = {"viewBox": f"0 0 {_num(width)} {_num(height)}", "width": width, "height": height}
    root: Attrs = {"xmlns": SVG_NS, **size, "role": "img", "font-family": FONT_FAMILY}
    # shrink into a narrow column or page, never grow (WeasyPrint keeps the ratio only so)
    fit = f"width:100%;max-width:{_num(width)}px;height:auto"
    return _tag("svg", {**root, "class": "fishbone", "style": fit}, "".join(parts))
