"""Benchmark: how well and how fast qloop classifies texts it has never seen.

Reads a labelled set (``benchmarks/data/classify_eval.csv`` by default; see the
README there) and prints, for the rules alone (the default taxonomy and
severity rules, exactly what a new installation uses) and for the rules blended
with a model trained on a stratified half of the set and tested on the other
half: category accuracy, macro-F1, accuracy per language, severity accuracy,
urgent recall and how many urgent texts were graded general. Then the speed of
batch classification in texts per second, rules alone and blended.

    .venv/bin/python benchmarks/classify_eval.py [--data benchmarks/data/classify_dev.csv]
"""

from __future__ import annotations

import argparse
import csv
import time
from collections import Counter
from pathlib import Path

from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split

from qloop.classify.blending import choose_blend_weight
from qloop.classify.classifier import CaseClassifier, Classification
from qloop.classify.model import fit_text_model
from qloop.classify.rules import RuleClassifier
from qloop.classify.severity_rules import load_severity_rules
from qloop.classify.urgency import shipped_urgency_model
from qloop.taxonomy.schemas import default_taxonomy

HERE = Path(__file__).parent


def load(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def report(name: str, rows: list[dict[str, str]], answers: list[Classification]) -> None:
    truth = [r["category"] for r in rows]
    guess = [a.category or "" for a in answers]
    grades = [r["severity"] for r in rows]
    graded = [str(a.severity) for a in answers]
    urgent = [i for i, g in enumerate(grades) if g == "urgent"]
    print(f"\n== {name}: {len(rows)} texts")
    print(f"category accuracy   {accuracy_score(truth, guess):.3f}")
    print(f"category macro-F1   {f1_score(truth, guess, average='macro', zero_division=0):.3f}")
    for lang in sorted({r["lang"] for r in rows}):
        idx = [i for i, r in enumerate(rows) if r["lang"] == lang]
        acc = sum(truth[i] == guess[i] for i in idx) / len(idx)
        print(f"  accuracy {lang:6}    {acc:.3f}  ({len(idx)} texts)")
    print(f"severity accuracy   {accuracy_score(grades, graded):.3f}")
    found = sum(graded[i] == "urgent" for i in urgent)
    print(f"urgent recall       {found / len(urgent):.3f}  ({found} of {len(urgent)})")
    print(f"urgent graded general {sum(graded[i] == 'general' for i in urgent)}")
    confusions = Counter((t, g) for t, g in zip(truth, guess, strict=True) if t != g)
    top = ", ".join(f"{t}->{g} {n}" for (t, g), n in confusions.most_common(6))
    print(f"most confused       {top}")


def speed(classifier: CaseClassifier, texts: list[str], minimum_seconds: float = 2.0) -> float:
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < minimum_seconds:
        classifier.classify_many(texts)
        done += len(texts)
    return done / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=HERE / "data" / "classify_eval.csv")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rows = load(args.data)
    started = time.perf_counter()
    rules = RuleClassifier(default_taxonomy(), load_severity_rules(None)[0])
    print(f"rules built in {time.perf_counter() - started:.2f} s from the default taxonomy")
    plain = CaseClassifier(rules)
    texts = [r["text"] for r in rows]
    report("rules alone, whole set", rows, plain.classify_many(texts))
    signal = CaseClassifier(rules, urgency=shipped_urgency_model())
    report(
        "rules + the shipped urgency signal (what qloop grades with; trained on the dev sets)",
        rows,
        signal.classify_many(texts),
    )

    train, test = train_test_split(
        rows, test_size=0.5, random_state=args.seed, stratify=[r["category"] for r in rows]
    )
    train_texts, train_labels = [r["text"] for r in train], [r["category"] for r in train]
    chosen = choose_blend_weight(train_texts, train_labels, rules, folds=5)
    print(
        f"\nmodel trained on half the set: 5-fold cross-validated accuracy "
        f"{chosen.model_accuracy:.3f}, macro-F1 {chosen.model_macro_f1:.3f}; "
        f"blend weight chosen {chosen.blend_weight}"
    )
    model = fit_text_model(train_texts, train_labels)
    blended = CaseClassifier(rules, model, model_version=1, model_weight=chosen.blend_weight)
    test_texts = [r["text"] for r in test]
    report("rules alone, test half", test, plain.classify_many(test_texts))
    report(
        f"rules + model trained on the other half ({len(train)} texts)",
        test,
        blended.classify_many(test_texts),
    )
    only_model = [label for label, _ in model.predict(test_texts)]
    truth = [r["category"] for r in test]
    print(f"\n(model alone on the test half: accuracy {accuracy_score(truth, only_model):.3f})")

    batch = (texts * (5000 // len(texts) + 1))[:5000]
    print(
        f"\nspeed, batches of {len(batch)}: rules {speed(plain, batch):,.0f} texts/s, "
        f"rules + urgency signal {speed(signal, batch):,.0f} texts/s, "
        f"rules + model {speed(blended, batch):,.0f} texts/s"
    )


if __name__ == "__main__":
    main()
