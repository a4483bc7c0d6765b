"""The taxonomy file format: the default, parsing errors, normalised codes, dump round trip."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from qloop.core.errors import InputError
from qloop.intake.parsing import normalise_code
from qloop.taxonomy.schemas import (
    CategorySpec,
    FailureModeSpec,
    TaxonomySpec,
    default_taxonomy,
    dump_taxonomy,
    load_taxonomy_file,
    parse_taxonomy,
)
from tests.classify.expected import DEFAULT_CATEGORIES


def refusal(text: str, source: str = "my-taxonomy.yaml") -> InputError:
    with pytest.raises(InputError) as caught:
        parse_taxonomy(text, source=source)
    assert caught.value.file == source
    assert str(caught.value).startswith(source)
    return caught.value


def test_the_default_taxonomy() -> None:
    spec = default_taxonomy()
    assert [c.code for c in spec.categories] == DEFAULT_CATEGORIES
    names = {c.code: (c.name_en, c.name_zh) for c in spec.categories}
    assert names["electrical"] == ("Electrical failure", "电气故障")
    assert names["packaging"] == ("Packaging / transit damage", "包装/运输破损")
    assert names["other"][1] == "其他"
    modes = [m.code for c in spec.categories for m in c.failure_modes]
    assert len(modes) == 39 and len(set(modes)) == 39
    assert {"battery_swelling", "screen_crack", "water_leak", "abnormal_noise"} <= set(modes)
    assert {"crash_freeze", "missing_parts", "delivery_delay"} <= set(modes)
    assert set(modes).isdisjoint(DEFAULT_CATEGORIES)
    assert spec.category_of_mode()["battery_swelling"] == "electrical"
    assert spec.category_of_mode()["water_leak"] == "mechanical"
    for category in spec.categories:
        assert category.name_en and category.name_zh
        assert all(m.name_en and m.name_zh for m in category.failure_modes)
        for terms in (category.keywords, category.parts, category.causes, category.functions):
            assert len(terms) == len(set(terms))
            assert all(t == " ".join(t.split()) and t for t in terms)
    assert spec.ignore  # phrases such as "works fine"


def test_yaml_errors_name_the_row() -> None:
    text = (
        "format: qloop-taxonomy\n"
        "version: 1\n"
        "categories:\n"
        "  - code: a\n"
        "    keywords: [x, y\n"
        "  - code: b\n"
    )
    error = refusal(text)
    assert error.row == 6
    assert "my-taxonomy.yaml, row 6: is not valid YAML" in str(error)


def test_a_document_that_is_not_a_mapping() -> None:
    for text in ("", "- electrical\n- mechanical\n", "just words\n"):
        error = refusal(text)
        assert "must be a YAML mapping" in str(error)


def test_duplicate_codes_are_refused_after_normalising() -> None:
    error = refusal("categories:\n  - code: electrical\n  - code: Electrical\n")
    assert 'category "electrical" is listed twice' in str(error)
    error = refusal(
        "categories:\n"
        "  - code: a\n"
        "    failure_modes: [{code: Loose Screw}]\n"
        "  - code: b\n"
        "    failure_modes: [{code: loose-screw}]\n"
    )
    assert 'failure mode "loose_screw" is listed under both "a" and "b"' in str(error)
    error = refusal("categories:\n  - code: a\n    failure_modes: [{code: m}, {code: M}]\n")
    assert 'failure mode "m" is listed under both "a" and "a"' in str(error)


def test_unknown_keys_are_named_with_their_place() -> None:
    error = refusal("categories:\n  - code: a\n    failure_modes: [{code: m, colour: red}]\n")
    assert error.column == "categories.0.failure_modes.0.colour"
    assert "categories.0.failure_modes.0.colour" in str(error)
    assert "Extra inputs are not permitted" in str(error)
    error = refusal("categories:\n  - code: a\nlanguages: [en]\n")
    assert error.column == "languages" and "Extra inputs are not permitted" in str(error)
    error = refusal("format: something-else\ncategories:\n  - code: a\n")
    assert error.column == "format"
    error = refusal("categories: []\n")
    assert error.column == "categories"
    error = refusal("categories:\n  - name_en: no code\n")
    assert error.column == "categories.0.code"
    error = refusal("categories:\n  - code: a\n    keywords: [{nested: 1}]\n")
    assert error.column == "categories.0.keywords" and "a term must be text" in str(error)


def test_nul_characters_are_refused() -> None:
    error = refusal('categories:\n  - code: a\n    name_en: "x\\0y"\n')
    assert error.column == "categories.0"
    assert "name_en contains a NUL character" in str(error)
    error = refusal(
        'categories:\n  - code: a\n    failure_modes: [{code: m, keywords: ["ok", "x\\0"]}]\n'
    )
    assert error.column == "categories.0.failure_modes.0"
    assert "keywords contains a NUL character" in str(error)
    raw = refusal("categories:\n  - code: a\n    name_en: x\x00y\n")
    assert "is not valid YAML" in str(raw) and "#x0000" in str(raw)
    assert "position 38" in str(raw)  # the reader's place: the NUL is the 39th character


def test_codes_and_terms_are_normalised() -> None:
    spec = parse_taxonomy(
        "categories:\n"
        "  - code: ' Battery Swelling '\n"
        "    name_en: '  Battery  '\n"
        "    keywords: ['  swollen   battery ', swollen battery, '', 12, 1.5]\n"
        "    failure_modes:\n"
        "      - code: Water-Leak\n"
        "      - code: 电池 鼓包\n",
        source="s",
    )
    category = spec.categories[0]
    assert category.code == "battery_swelling"
    assert category.name_en == "Battery"  # trimmed; inner spaces kept
    assert category.keywords == ["swollen battery", "12", "1.5"]
    assert [m.code for m in category.failure_modes] == ["water_leak", "电池_鼓包"]
    assert normalise_code("Battery Swelling") == "battery_swelling"


def test_the_default_taxonomy_survives_a_dump() -> None:
    spec = default_taxonomy()
    text = dump_taxonomy(spec)
    assert parse_taxonomy(text, source="dumped") == spec
    assert text.startswith("format: qloop-taxonomy\nversion: 1\n")
    assert "电气故障" in text  # written as text, not \u escapes
    assert yaml.safe_load(text)["categories"][0]["code"] == "electrical"


def test_files_are_read_as_utf8_with_or_without_bom(tmp_path: Path) -> None:
    text = dump_taxonomy(default_taxonomy())
    with_bom = tmp_path / "bom.yaml"
    with_bom.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert load_taxonomy_file(with_bom) == default_taxonomy()
    gbk = tmp_path / "gbk.yaml"
    gbk.write_bytes(text.encode("gbk"))
    with pytest.raises(InputError) as caught:
        load_taxonomy_file(gbk)
    assert caught.value.file == str(gbk) and "cannot be read" in str(caught.value)
    with pytest.raises(InputError) as caught:
        load_taxonomy_file(tmp_path / "absent.yaml")
    assert "cannot be read" in str(caught.value)


# --- round trip over generated taxonomies -------------------------------------------------------

UNICODE = st.characters(blacklist_categories=("Cs", "Cc"))
names = st.one_of(st.none(), st.text(alphabet=UNICODE, max_size=30).map(str.strip))
term = st.text(alphabet=UNICODE, min_size=1, max_size=20).map(lambda t: " ".join(t.split()))
terms = st.lists(term.filter(bool), max_size=4, unique=True)
code = (
    st.text(alphabet=UNICODE, min_size=1, max_size=20)
    .map(normalise_code)
    .filter(lambda c: c.strip() == c and 0 < len(c) <= 100 and normalise_code(c) == c)
)


@st.composite
def taxonomies(draw: st.DrawFn) -> TaxonomySpec:
    codes = draw(st.lists(code, min_size=1, max_size=8, unique=True))
    category_count = draw(st.integers(min_value=1, max_value=min(3, len(codes))))
    category_codes, mode_codes = codes[:category_count], codes[category_count:]
    split = sorted(draw(st.lists(st.integers(0, len(mode_codes)), min_size=category_count - 1)))
    bounds = [0, *split, len(mode_codes)]
    categories = []
    for index, category_code in enumerate(category_codes):
        modes = [
            FailureModeSpec(
                code=mode_code,
                name_en=draw(names),
                name_zh=draw(names),
                keywords=draw(terms),
                functions=draw(terms),
            )
            for mode_code in mode_codes[bounds[index] : bounds[index + 1]]
        ]
        categories.append(
            CategorySpec(
                code=category_code,
                name_en=draw(names),
                name_zh=draw(names),
                keywords=draw(terms),
                parts=draw(terms),
                causes=draw(terms),
                functions=draw(terms),
                failure_modes=modes,
            )
        )
    return TaxonomySpec(categories=categories, ignore=draw(terms))


@settings(max_examples=200, deadline=None)
@given(taxonomies())
def test_dump_then_parse_is_the_identity(spec: TaxonomySpec) -> None:
    assert parse_taxonomy(dump_taxonomy(spec), source="generated") == spec
