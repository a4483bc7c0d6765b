"""A knowledge-base draft from a closed corrective action plan: the 8D's problem, root
cause, actions and verification figures, written as an article for the engineer to edit
and publish. The lesson is kept where the next technician will look for it."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from qloop.accounts.models import User
from qloop.capa.actions import list_actions
from qloop.capa.models import PlanStatus
from qloop.capa.plans import require_plan
from qloop.core.errors import InvalidTransition
from qloop.kb.fields import ArticleInput
from qloop.kb.models import Article, ArticleKind, ArticleStatus
from qloop.kb.service import create_article, demand_writer
from qloop.rca.fishbone import list_causes

HEADINGS = {
    "en": ("Symptoms", "Root cause", "Fix", "Verification", "Source"),
    "zh": ("症状", "根本原因", "解决方法", "效果验证", "来源"),
}


def draft_from_plan(session: Session, *, plan_id: int, user: User, lang: str = "en") -> Article:
    """A draft failure-case article made from a closed plan (any closure)."""
    demand_writer(user)
    plan = require_plan(session, plan_id)
    if plan.status is not PlanStatus.CLOSED:
        raise InvalidTransition(f"plan {plan_id} is open: close it before writing its lesson")
    lang = "zh" if lang.startswith("zh") else "en"
    symptoms, cause, fix, verified, source = HEADINGS[lang]
    steps: dict[str, dict[str, Any]] = plan.steps or {}

    def field(step: str, key: str) -> str:
        return str(steps.get(step, {}).get(key) or "").strip()

    problem = [field("D2", k) for k in ("what", "where", "when", "how", "how_many")]
    problem += [field("D0", "symptom")]
    confirmed = [f"- [{c.category.value}] {c.text}" for c in list_causes(session,
                 plan.investigation_id) if c.state.value == "confirmed"]  # fmt: skip
    actions = [f"{n}. {a.title} ({a.department}, {a.status.value})"
               for n, a in enumerate(list_actions(session, plan_id=plan.id), start=1)]  # fmt: skip
    body = "\n\n".join((
        _section(symptoms, problem),
        _section(cause, [field("D4", "root_cause"), "\n".join(confirmed)]),
        _section(fix, [field("D5", "chosen_actions"), "\n".join(actions)]),
        _section(verified, [_verification(plan.verification)]),
        _section(source, [f"8D #{plan.id}: {plan.title}"]),
    ))  # fmt: skip
    values = ArticleInput.parse({
        "title": plan.title, "kind": ArticleKind.FAILURE_CASE.value, "lang": lang,
        "body": body + "\n", "products": [plan.product] if plan.product else [],
        "failure_modes": [plan.failure_mode] if plan.failure_mode else [],
        "status": ArticleStatus.DRAFT.value, "owner": user.name,
    })  # fmt: skip
    return create_article(session, values=values, user_name=user.name, source_plan_id=plan.id)


def _section(heading: str, parts: list[str]) -> str:
    """A ``##`` section of the parts that say something (a dash when none does)."""
    text = "\n\n".join(part for part in parts if part.strip())
    return f"## {heading}\n\n{text or '-'}"


def _verification(result: dict[str, Any] | None) -> str:
    if not result:
        return "-"
    message = result.get("message")
    if message:
        return str(message)
    return f"{result.get('verdict')}: rate ratio {result.get('rate_ratio')}"
