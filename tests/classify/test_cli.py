"""``qloop classify``, ``qloop classify train|rules`` and ``qloop taxonomy export|import``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from qloop.classify.severity_rules import default_rules_text
from qloop.cli import app
from qloop.core.db import make_engine, session_scope
from qloop.taxonomy.schemas import TaxonomySpec
from qloop.taxonomy.service import load_taxonomy
from tests.classify.expected import DEFAULT_CATEGORIES, KEYS, LEAK_EN, SAFETY_ZH
from tests.files import write_csv, write_xlsx

runner = CliRunner()


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.output


def classify_json(db_url: str, text: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    code, output = run("--db", db_url, "classify", "--text", text, "--format", "json", env=env)
    assert code == 0, output
    answer = json.loads(output)
    assert isinstance(answer, dict)
    return answer


def jsonl(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def stored_taxonomy(db_url: str) -> TaxonomySpec:
    engine = make_engine(db_url)
    try:
        with session_scope(engine) as session:
            return load_taxonomy(session)
    finally:
        engine.dispose()


# --- classify --text -------------------------------------------------------------------------


def test_a_chinese_safety_text_is_electrical_and_urgent(db_url: str) -> None:
    answer = classify_json(db_url, SAFETY_ZH)
    assert set(answer) == KEYS
    assert (answer["category"], answer["severity"], answer["model"]) == (
        "electrical",
        "urgent",
        "rules",
    )
    assert answer["failure_mode"] == "battery_swelling"
    assert 0.6 <= answer["category_confidence"] <= 1.0
    assert answer["severity_reasons"] and answer["severity_reasons"][0].startswith(
        "safety_hazard (urgent): "
    )
    assert any("冒烟" in r or "鼓包" in r for r in answer["severity_reasons"])


def test_an_english_text_and_the_text_format(db_url: str) -> None:
    answer = classify_json(db_url, LEAK_EN)
    assert set(answer) == KEYS
    assert answer["category"] == "mechanical" and answer["model"] == "rules"
    assert answer["severity"] == "general"
    assert answer["severity_reasons"] == ["default (general): no rule matched"]

    code, output = run("--db", db_url, "classify", "--text", SAFETY_ZH)
    assert code == 0, output
    first, *reasons = output.splitlines()
    assert first.startswith("electrical (") and "/ battery_swelling / urgent [rules]" in first
    assert reasons and reasons[0].startswith("  - safety_hazard (urgent): ")
    assert "{" not in output  # not JSON


def test_neither_or_both_of_text_and_file_is_a_usage_error(db_url: str, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "t.csv", ["description"], [["noise"]])
    code, output = run("--db", db_url, "classify")
    assert code == 2 and "give either --text or --file" in output
    code, output = run("--db", db_url, "classify", "--text", "noise", "--file", str(source))
    assert code == 2 and "give either --text or --file" in output


# --- classify --file ------------------------------------------------------------------------

TEXTS = [SAFETY_ZH, LEAK_EN, "App crashes when I open the settings", "外包装破损，快递把箱子压坏了"]


def expected_for(db_url: str, texts: list[str]) -> list[dict[str, Any]]:
    return [classify_json(db_url, text) for text in texts]


def test_file_with_chinese_headers_in_utf8_and_gbk(db_url: str, tmp_path: Path) -> None:
    expected = expected_for(db_url, TEXTS)
    ids = ["GD-001", "GD-002", "GD-003", "GD-004"]
    header = "工单号,问题描述\n"
    body = "".join(f"{i},{t}\n" for i, t in zip(ids, TEXTS, strict=True))
    utf8 = tmp_path / "utf8.csv"
    utf8.write_bytes((header + body).encode("utf-8"))
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes((header + body).encode("gbk"))
    for source in (utf8, gbk):
        code, output = run("--db", db_url, "classify", "--file", str(source), "--format", "jsonl")
        assert code == 0, output
        lines = jsonl(output)
        assert [line["id"] for line in lines] == ids
        assert [{k: v for k, v in line.items() if k != "id"} for line in lines] == expected
        assert all(set(line) == KEYS | {"id"} for line in lines)
    assert jsonl(output)[0]["category"] == "electrical"
    assert jsonl(output)[0]["severity"] == "urgent"


def test_file_with_custom_columns_and_no_id_column(db_url: str, tmp_path: Path) -> None:
    expected = expected_for(db_url, TEXTS[:3])
    custom = write_csv(
        tmp_path / "custom.csv",
        ["note", "text", "id"],
        [["a", TEXTS[0], "X1"], ["b", TEXTS[1], ""], ["c", TEXTS[2], "X3"]],
    )
    code, output = run(
        "--db",
        db_url,
        "classify",
        "--file",
        str(custom),
        "--text-column",
        "text",
        "--id-column",
        "id",
        "--format",
        "jsonl",
    )
    assert code == 0, output
    lines = jsonl(output)
    # a row without an id gets its row number (line 3 of the file: header, X1, then it)
    assert [line["id"] for line in lines] == ["X1", "3", "X3"]
    assert [{k: v for k, v in line.items() if k != "id"} for line in lines] == expected

    no_ids = write_csv(tmp_path / "no-ids.csv", ["description"], [[t] for t in TEXTS[:3]])
    code, output = run("--db", db_url, "classify", "--file", str(no_ids), "--format", "jsonl")
    assert code == 0, output
    lines = jsonl(output)
    assert [line["id"] for line in lines] == ["2", "3", "4"]  # row numbers, header is row 1
    assert [{k: v for k, v in line.items() if k != "id"} for line in lines] == expected

    code, output = run("--db", db_url, "classify", "--file", str(no_ids))
    assert code == 0, output
    heads = [line for line in output.splitlines() if not line.startswith("  - ")]
    assert [h.split(":")[0] for h in heads] == ["2", "3", "4"]
    assert heads[0].startswith("2: electrical (") and heads[1].startswith("3: mechanical (")


def test_xlsx_file_in_file_order(db_url: str, tmp_path: Path) -> None:
    texts = [TEXTS[2], TEXTS[0], TEXTS[1]]
    expected = expected_for(db_url, texts)
    workbook = write_xlsx(
        tmp_path / "cases.xlsx",
        ["工单号", "问题描述"],
        [[1003, texts[0]], ["C-1", texts[1]], [1001, texts[2]]],
        sheet="工单",
        title_rows=[["售后工单导出"]],
    )
    code, output = run(
        "--db", db_url, "classify", "--file", str(workbook), "--sheet", "工单", "--format", "jsonl"
    )
    assert code == 0, output
    lines = jsonl(output)
    assert [line["id"] for line in lines] == ["1003", "C-1", "1001"]
    assert [{k: v for k, v in line.items() if k != "id"} for line in lines] == expected
    assert [line["category"] for line in lines] == ["software", "electrical", "mechanical"]


def test_unknown_sheet_and_empty_files(db_url: str, tmp_path: Path) -> None:
    workbook = write_xlsx(tmp_path / "w.xlsx", ["description"], [["noise"]], sheet="Data")
    code, output = run("--db", db_url, "classify", "--file", str(workbook), "--sheet", "Nope")
    assert code == 2 and str(workbook) in output and 'no sheet "Nope" (sheets: Data)' in output
    header_only = write_csv(tmp_path / "header.csv", ["description"], [])
    code, output = run("--db", db_url, "classify", "--file", str(header_only), "--format", "jsonl")
    assert (code, output) == (0, "")
    nothing = tmp_path / "nothing.csv"
    nothing.write_bytes(b"")
    code, output = run("--db", db_url, "classify", "--file", str(nothing))
    assert code == 2 and str(nothing) in output and "no header row" in output


def test_missing_text_column_names_the_file_and_the_column(db_url: str, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "wrong-columns.csv", ["case_id", "remark"], [["C1", "noise"]])
    code, output = run("--db", db_url, "classify", "--file", str(source), "--format", "jsonl")
    assert code == 2
    assert str(source) in output and 'no column "description"' in output
    assert "remark" in output  # the columns it did find
    code, output = run(
        "--db", db_url, "classify", "--file", str(source), "--text-column", "complaint_text"
    )
    assert code == 2 and str(source) in output and 'no column "complaint_text"' in output
    missing = tmp_path / "nowhere.csv"
    code, output = run("--db", db_url, "classify", "--file", str(missing))
    assert code == 2 and str(missing) in output


# --- classify train ---------------------------------------------------------------------------

TRAINING = {
    "electrical": [
        "手机电池鼓包，后盖被顶起来了",
        "充电器插上去没反应，充不进电",
        "插座冒火花还跳闸",
        "机器突然断电，自动关机",
        "The battery is swollen and the back cover lifts",
        "The phone will not turn on, no power at all",
        "Charger gets very hot and smells burnt",
        "The breaker trips every time I plug it in",
    ],
    "mechanical": [
        "洗衣机门封漏水，地上都是水",
        "脱水的时候异响很大，机器晃动",
        "铰链断了，门关不上",
        "主轴振动很厉害，加工面有振纹",
        "The washing machine leaks water from the door seal",
        "Loud grinding noise from the drum when spinning",
        "The hinge snapped and the lid fell off",
        "Strong vibration from the spindle at high speed",
    ],
    "software": [
        "打开设置就闪退",
        "系统升级后一直死机重启",
        "应用卡死，没有响应",
        "蓝牙连不上，APP一直提示错误",
        "The app crashes when I open the settings page",
        "After the firmware update it keeps freezing",
        "The screen freezes and the software reboots",
        "Bluetooth pairing fails with an error code in the app",
    ],
}


def training_file(tmp_path: Path) -> Path:
    rows = []
    number = 0
    for category, texts in TRAINING.items():
        for text in texts:
            number += 1
            rows.append(
                [f"T{number:03d}", f"2026-04-{number:02d} 10:00", "hotline", text, category]
            )
    return write_csv(
        tmp_path / "labelled.csv",
        ["case_id", "received_at", "channel", "description", "category"],
        rows,
    )


def test_train_with_too_little_data_is_refused(db_url: str, tmp_path: Path) -> None:
    code, output = run("--db", db_url, "classify", "train")
    assert code == 2
    assert "not enough labelled cases to train: 0 cases in 0 categories" in output
    # imported labels count only with --include-imported
    assert run("--db", db_url, "import", "cases", str(training_file(tmp_path)))[0] == 0
    code, output = run("--db", db_url, "classify", "train", "--format", "json")
    assert code == 2 and "not enough labelled cases to train: 0 cases" in output
    one = write_csv(
        tmp_path / "one.csv",
        ["case_id", "received_at", "channel", "description", "category"],
        [["Z1", "2026-04-01 10:00", "app", "noise", "mechanical"]],
    )
    other = tmp_path / "other.db"
    other_url = f"sqlite:///{other}"
    assert run("--db", other_url, "import", "cases", str(one))[0] == 0
    code, output = run("--db", other_url, "classify", "train", "--include-imported")
    assert code == 2 and "1 cases in 1 categories" in output
    assert classify_json(db_url, LEAK_EN)["model"] == "rules"  # nothing was stored


def test_train_reports_figures_and_the_model_is_used(db_url: str, tmp_path: Path) -> None:
    source = training_file(tmp_path)
    texts = [t for group in TRAINING.values() for t in group]
    labels = [c for c, group in TRAINING.items() for _ in group]
    code, output = run("--db", db_url, "classify", "--file", str(source), "--format", "jsonl")
    assert code == 0, output
    rules_guesses = [line["category"] for line in jsonl(output)]
    rules_accuracy = sum(g == t for g, t in zip(rules_guesses, labels, strict=True)) / len(texts)
    assert run("--db", db_url, "import", "cases", str(source))[0] == 0

    code, output = run(
        "--db", db_url, "classify", "train", "--include-imported", "--format", "json"
    )
    assert code == 0, output
    summary = json.loads(output)
    assert {
        "version",
        "samples",
        "folds",
        "cv_accuracy",
        "cv_macro_f1",
        "blend_weight",
        "rules_accuracy",
    } <= set(summary)
    assert (summary["version"], summary["model"], summary["samples"], summary["folds"]) == (
        1,
        "trained:1",
        24,
        5,
    )
    assert sorted(summary["labels"]) == sorted(TRAINING)
    assert 0.0 <= summary["cv_accuracy"] <= 1.0 and 0.0 <= summary["cv_macro_f1"] <= 1.0
    assert summary["cv_accuracy"] > 1 / 3  # better than guessing among three categories
    assert summary["blend_weight"] in [round(w * 0.1, 1) for w in range(11)]
    assert summary["rules_accuracy"] == round(rules_accuracy, 4)
    assert summary["trained_by"] == "cli"

    answer = classify_json(db_url, SAFETY_ZH)
    assert set(answer) == KEYS and answer["model"] == "trained:1"
    assert answer["severity"] == "urgent"  # the grade still comes from the rules

    code, output = run("--db", db_url, "classify", "train", "--include-imported", "--folds", "3")
    assert code == 0, output
    flat = " ".join(output.split())
    assert flat.startswith("model trained:2 on 24 cases (3 categories): 3-fold cross-validated")
    assert "accuracy" in flat and "macro-F1" in flat and "rules alone" in flat
    assert classify_json(db_url, SAFETY_ZH)["model"] == "trained:2"
    code, output = run("--db", db_url, "classify", "--text", LEAK_EN)
    assert code == 0 and "[trained:2]" in output


# --- classify rules ---------------------------------------------------------------------------


def test_rules_are_printed_and_written(tmp_path: Path) -> None:
    code, output = run("classify", "rules")
    assert code == 0
    rules = yaml.safe_load(output)
    assert rules["format"] == "qloop-severity-rules"
    ids = [rule["id"] for rule in rules["rules"]]
    assert ids[0] == "safety_hazard" and {"production_down", "main_function_lost"} <= set(ids)
    assert output == default_rules_text()
    target = tmp_path / "my-rules.yaml"
    code, output = run("classify", "rules", "--output", str(target))
    assert code == 0 and "severity rules written to" in output
    assert target.read_text(encoding="utf-8") == default_rules_text()


def test_an_edited_rules_file_changes_the_grade(db_url: str, tmp_path: Path) -> None:
    target = tmp_path / "my-rules.yaml"
    assert run("classify", "rules", "--output", str(target))[0] == 0
    document = yaml.safe_load(target.read_text(encoding="utf-8"))
    document["rules"].append(
        {
            "id": "wobbly_furniture",
            "grade": "urgent",
            "name_en": "Wobbly",
            "name_zh": "摇晃",
            "keywords": ["wobbly"],
        }
    )
    target.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    text = "the table is wobbly"
    assert classify_json(db_url, text)["severity"] == "general"
    env = {"QLOOP_SEVERITY_RULES": str(target)}
    answer = classify_json(db_url, text, env=env)
    assert answer["severity"] == "urgent"
    assert answer["severity_reasons"] == ["wobbly_furniture (urgent): wobbly"]
    code, output = run("classify", "rules", env=env)
    assert code == 0 and "wobbly_furniture" in output
    assert classify_json(db_url, text)["severity"] == "general"  # without the variable again


def test_a_broken_rules_file_is_an_error_naming_it(db_url: str, tmp_path: Path) -> None:
    not_yaml = tmp_path / "broken.yaml"
    not_yaml.write_text("rules: [unclosed\n  - id: x\n", encoding="utf-8")
    document = yaml.safe_load(default_rules_text())
    document["rules"][0]["grade"] = "critical"
    bad_grade = tmp_path / "bad-grade.yaml"
    bad_grade.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    missing = tmp_path / "absent.yaml"
    for path, reason in (
        (not_yaml, "is not valid YAML"),
        (bad_grade, "rules.0.grade"),
        (missing, "cannot be read"),
    ):
        env = {"QLOOP_SEVERITY_RULES": str(path)}
        code, output = run("classify", "rules", env=env)
        assert code == 2, output
        assert str(path) in output and reason in output
        code, output = run("--db", db_url, "classify", "--text", "wobbly", env=env)
        assert code == 2, output
        assert str(path) in output and reason in output


# --- taxonomy export / import ------------------------------------------------------------------


def test_taxonomy_export_import_round_trip(db_url: str, tmp_path: Path) -> None:
    before = stored_taxonomy(db_url)
    assert [c.code for c in before.categories] == DEFAULT_CATEGORIES
    target = tmp_path / "taxonomy.yaml"
    code, output = run("--db", db_url, "taxonomy", "export", str(target))
    assert code == 0, output
    modes = sum(len(c.failure_modes) for c in before.categories)
    assert modes == 39
    assert f"8 categories and {modes} failure modes written to" in " ".join(output.split())
    document = yaml.safe_load(target.read_text(encoding="utf-8"))
    assert [c["code"] for c in document["categories"]] == DEFAULT_CATEGORIES
    code, output = run("--db", db_url, "taxonomy", "import", str(target))
    assert code == 0, output
    assert f"taxonomy imported: 8 categories, {modes} failure modes" in output
    assert "removed" not in output and "kept" not in output
    assert stored_taxonomy(db_url) == before


def test_an_imported_category_is_used_by_the_classifier(db_url: str, tmp_path: Path) -> None:
    text = "hydraulic hose burst"
    assert classify_json(db_url, text)["category"] != "hydraulics"
    target = tmp_path / "taxonomy.yaml"
    assert run("--db", db_url, "taxonomy", "export", str(target))[0] == 0
    document = yaml.safe_load(target.read_text(encoding="utf-8"))
    document["categories"].append(
        {
            "code": "Hydraulics",
            "name_en": "Hydraulics",
            "name_zh": "液压",
            "keywords": ["hydraulic hose"],
            "failure_modes": [{"code": "Hose Burst", "keywords": ["burst"]}],
        }
    )
    target.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    code, output = run("--db", db_url, "taxonomy", "import", str(target))
    assert code == 0, output
    assert "taxonomy imported: 9 categories, 40 failure modes" in output
    stored = stored_taxonomy(db_url)
    assert [c.code for c in stored.categories] == [*DEFAULT_CATEGORIES, "hydraulics"]
    assert [m.code for m in stored.categories[-1].failure_modes] == ["hose_burst"]
    answer = classify_json(db_url, text)
    assert (answer["category"], answer["failure_mode"]) == ("hydraulics", "hose_burst")


def test_import_keeps_a_category_cases_use_and_removes_an_unused_one(
    db_url: str, tmp_path: Path
) -> None:
    cases = write_csv(
        tmp_path / "cases.csv",
        ["case_id", "received_at", "channel", "description", "category"],
        [["C1", "2026-05-01 10:00", "app", "scratch on the lid", "cosmetic"]],
    )
    assert run("--db", db_url, "import", "cases", str(cases))[0] == 0
    target = tmp_path / "smaller.yaml"
    assert run("--db", db_url, "taxonomy", "export", str(target))[0] == 0
    document = yaml.safe_load(target.read_text(encoding="utf-8"))
    document["categories"] = [
        c for c in document["categories"] if c["code"] not in ("cosmetic", "usability")
    ]
    target.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    code, output = run("--db", db_url, "taxonomy", "import", str(target))
    assert code == 0, output
    flat = " ".join(output.split())
    assert "removed: usability" in flat
    assert "kept without words because cases use them: cosmetic" in flat
    stored = stored_taxonomy(db_url)
    expected = [c for c in DEFAULT_CATEGORIES if c not in ("cosmetic", "usability")]
    assert [c.code for c in stored.categories] == [*expected, "cosmetic"]  # kept, moved last
    kept = stored.categories[-1]
    assert (kept.keywords, kept.parts, kept.causes, kept.functions) == ([], [], [], [])
    assert kept.failure_modes == []
    assert (kept.name_en, kept.name_zh) == ("Cosmetic defect", "外观缺陷")  # names stay
    # the kept category no longer wins anything by its words
    assert classify_json(db_url, "scratch on the lid")["category"] != "cosmetic"


def test_an_invalid_taxonomy_file_is_refused_and_stores_nothing(
    db_url: str, tmp_path: Path
) -> None:
    before = stored_taxonomy(db_url)
    exported = tmp_path / "taxonomy.yaml"
    assert run("--db", db_url, "taxonomy", "export", str(exported))[0] == 0
    document = yaml.safe_load(exported.read_text(encoding="utf-8"))

    twice = tmp_path / "twice.yaml"
    doubled = {**document, "categories": [*document["categories"], document["categories"][0]]}
    twice.write_text(yaml.safe_dump(doubled, allow_unicode=True), encoding="utf-8")
    extra = tmp_path / "extra.yaml"
    changed = {**document, "categories": [dict(document["categories"][0], colour="red")]}
    extra.write_text(yaml.safe_dump(changed, allow_unicode=True), encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text("format: qloop-taxonomy\ncategories: [\n", encoding="utf-8")
    a_list = tmp_path / "list.yaml"
    a_list.write_text("- electrical\n- mechanical\n", encoding="utf-8")
    missing = tmp_path / "absent.yaml"

    for path, reason in (
        (twice, 'category "electrical" is listed twice'),
        (extra, "categories.0.colour"),
        (broken, "is not valid YAML"),
        (a_list, "must be a YAML mapping"),
        (missing, "cannot be read"),
    ):
        code, output = run("--db", db_url, "taxonomy", "import", str(path))
        assert code == 2, output
        assert str(path) in output and reason in output
    assert stored_taxonomy(db_url) == before


def test_writing_into_a_missing_directory_is_no_traceback(db_url: str, tmp_path: Path) -> None:
    """An output path in a directory that does not exist yet: written, or a one-line error."""
    for args, target in (
        (["taxonomy", "export"], tmp_path / "exports" / "taxonomy.yaml"),
        (["classify", "rules", "--output"], tmp_path / "rules" / "my-rules.yaml"),
    ):
        result = runner.invoke(app, ["--db", db_url, *args, str(target)])
        assert result.exit_code in (0, 2), (args, repr(result.exception))
        if result.exit_code == 0:
            assert target.is_file()
        else:
            assert str(target) in result.output and "Traceback" not in result.output
