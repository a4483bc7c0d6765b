"""Classification services: the classifier in use, and grading the cases that arrive.

Every case that arrives without a category or a grade gets one here, marked
``auto`` with its confidence and reasons; labels from a file or a person are
never touched. Building the rules scanner takes a few hundred milliseconds, so
a built classifier is kept per taxonomy, rules file and model version.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qloop.classify import grading
from qloop.classify.classifier import CaseClassifier, Classification
from qloop.classify.models import ClassifierModel
from qloop.classify.rules import RuleClassifier
from qloop.classify.severity_rules import SeverityRulesSpec, load_severity_rules
from qloop.core.settings import Settings, get_settings
from qloop.intake.models import Case, Category, SetBy
from qloop.taxonomy.service import load_taxonomy, taxonomy_token

CHUNK = 1000
Progress = Callable[[int], None]


def severity_rules(settings: Settings | None = None) -> tuple[SeverityRulesSpec, str, str]:
    """The severity rules in use, their YAML text and where they came from."""
    return load_severity_rules((settings or get_settings()).severity_rules)


def rule_classifier(session: Session, settings: Settings | None = None) -> RuleClassifier:
    """The rules compiled from the stored taxonomy and the severity rules in use (cached:
    the taxonomy's token, its number of categories and the rules file's text say when
    to compile again)."""
    rules, text, _ = severity_rules(settings)
    url = session.get_bind().engine.url.render_as_string(hide_password=True)
    token = taxonomy_token(session)
    # imports register new category codes without touching the token: count them too
    categories = session.scalar(select(func.count()).select_from(Category))
    key: tuple[object, ...] = (url, token or None, categories, text)
    taxonomy = None
    if not token:  # no token (a database edited by hand): compare the content itself
        taxonomy = load_taxonomy(session)
        key = (url, taxonomy.model_dump_json(), text)

    def build() -> RuleClassifier:
        return RuleClassifier(taxonomy or load_taxonomy(session), rules)

    built = _RULES.get(key, build)
    assert isinstance(built, RuleClassifier)
    return built


def latest_model(session: Session) -> ClassifierModel | None:
    return session.scalar(select(ClassifierModel).order_by(ClassifierModel.version.desc()).limit(1))


def case_classifier(session: Session, settings: Settings | None = None) -> CaseClassifier:
    """Rules plus the newest trained model, if any."""
    settings = settings or get_settings()
    rules = rule_classifier(session, settings)
    urgency = None
    if settings.urgency_signal:
        from qloop.classify.urgency import shipped_urgency_model

        urgency = shipped_urgency_model()
    stored = latest_model(session)
    if stored is None:
        return CaseClassifier(rules, urgency=urgency)
    from qloop.classify.model import TextModel  # scikit-learn only when a model exists

    document = stored.document
    url = session.get_bind().engine.url.render_as_string(hide_password=True)
    model = _MODELS.get(
        (url, stored.version, stored.trained_at, stored.samples),
        lambda: TextModel.from_document(document),
    )
    assert isinstance(model, TextModel)
    return CaseClassifier(
        rules,
        model,
        model_version=stored.version,
        model_weight=stored.blend_weight,
        urgency=urgency,
    )


def classify_texts(
    session: Session, texts: Sequence[str], settings: Settings | None = None
) -> list[Classification]:
    return case_classifier(session, settings).classify_many(texts)


@dataclass
class GradingOutcome:
    """What grading new cases did."""

    classified: int = 0
    to_review: int = 0
    escalated: int = 0
    duplicates: int = 0


def grade_new_cases(
    session: Session,
    *,
    after_id: int,
    settings: Settings | None = None,
    on_progress: Progress | None = None,
) -> GradingOutcome:
    """Classify, grade and check for duplicates the cases stored after ``after_id``.

    Only empty labels are filled: a category or grade from a file or a person
    stays, and so does one a person cleared on purpose.
    """
    settings = settings or get_settings()
    classifier = case_classifier(session, settings)
    rules = classifier.rules.rules
    outcome = GradingOutcome()
    last = after_id
    graded: list[Case] = []
    while True:
        batch = list(
            session.scalars(select(Case).where(Case.id > last).order_by(Case.id).limit(CHUNK))
        )
        if not batch:
            break
        last = batch[-1].id
        todo = [case for case in batch if case.category is None or case.severity is None]
        answers = classifier.classify_many([grading.case_words(case) for case in todo])
        repairs = grading.repairs_of(session, {c.serial for c in todo if c.serial})
        for case, answer in zip(todo, answers, strict=True):
            grading.apply(case, answer, repairs.get(case.serial or "", []), rules)
            outcome.classified += 1
            if (
                case.category_set_by == SetBy.AUTO
                and (case.category_confidence or 0.0) < settings.review_threshold
            ):
                outcome.to_review += 1
        graded.extend(batch)
        if on_progress:
            on_progress(len(batch))
    session.flush()
    outcome.escalated = grading.escalate(session, graded, rules.escalation)
    outcome.duplicates = grading.flag_duplicates(session, graded, settings)
    session.flush()
    return outcome


def max_case_id(session: Session) -> int:
    return session.scalar(select(func.max(Case.id))) or 0


class _Built:
    """Classifiers already built, by what they were built from (a few at most).

    The web server answers from a pool of threads: one lock keeps the dictionary
    whole, and a request that finds a build under way waits for it instead of
    building the same thing again.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: dict[tuple[object, ...], object] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[object, ...], build: Callable[[], object]) -> object:
        with self._lock:
            if key not in self.items:
                if len(self.items) >= self.size:
                    self.items.pop(next(iter(self.items)))
                self.items[key] = build()
            return self.items[key]


_RULES = _Built(size=4)
_MODELS = _Built(size=2)
