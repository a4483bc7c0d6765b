"""Fishbone (Ishikawa): the causes an investigation considers, under the six categories
man, machine, material, method, measurement, environment (人、机、料、法、测、环), each
suspected, confirmed or ruled out with a note. A suspect row from the statistics becomes a
cause with one click; its category is guessed from the attribute's name and can be changed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from qloop.core.clock import now
from qloop.core.errors import InputError, NotFound
from qloop.rca.investigations import clean_text, record_change, require_investigation
from qloop.rca.models import CauseCategory, CauseState, FishboneCause

MAX_CAUSES = 200

#: words in an attribute's name that point to a category, in the order they are tried;
#: a Latin hint is a whole word (``line`` in ``assembly_line``, not ``online``; ``process``
#: not in ``processor``), or a word's start when it ends in ``*``; Chinese ones match
#: anywhere. Suppliers, lots and batches come first: a ``test_fixture_supplier`` is a
#: purchased part. Nothing matched: material, what statistics over units most often find.
_CATEGORY_HINTS: tuple[tuple[CauseCategory, str], ...] = (
    (CauseCategory.MATERIAL,
     "supplier* vendor* lot lots batch* material* resin alloy 供应商 批次 物料 材料"),
    (CauseCategory.MEASUREMENT, "test* inspect* gauge* calibrat* measur* 检验 检测 测试 量具"),
    (CauseCategory.MAN,
     "operator* shift* worker* technician* installer* assembler* 人员 班组 操作"),
    (CauseCategory.MACHINE,
     "machine* line lines station* tool tools tooling fixture* mould* mold* equipment 设备 "
     "产线 工装 模具"),
    (CauseCategory.METHOD,
     "firmware fw software sw version process recipe program sop 固件 软件 工艺"),
    (CauseCategory.ENVIRONMENT,
     "region climate temperature humidity usage altitude season 地区 环境 温度 湿度"),
)  # fmt: skip
_CATEGORY_ORDER = {category: n for n, category in enumerate(CauseCategory)}


def category_for_attribute(attribute: str) -> CauseCategory:
    """The 6M category a unit attribute most likely belongs to (the user may change it)."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", attribute)  # camelCase -> camel Case
    words = re.split(r"[^0-9a-z\u4e00-\u9fff]+", spaced.lower())
    for category, hints in _CATEGORY_HINTS:
        for hint in hints.split():
            if hint.endswith("*"):
                if any(word.startswith(hint[:-1]) for word in words):
                    return category
            elif hint.isascii():
                if hint in words:
                    return category
            elif hint in attribute:
                return category
    return CauseCategory.MATERIAL


def list_causes(session: Session, investigation_id: int) -> list[FishboneCause]:
    require_investigation(session, investigation_id)
    query = select(FishboneCause).where(FishboneCause.investigation_id == investigation_id)
    found = session.scalars(query.order_by(FishboneCause.id))
    return sorted(found, key=lambda cause: _CATEGORY_ORDER[cause.category])  # 6M order


def require_cause(session: Session, investigation_id: int, cause_id: int) -> FishboneCause:
    found = session.get(FishboneCause, cause_id)
    if found is None or found.investigation_id != investigation_id:
        raise NotFound(f"no fishbone cause {cause_id} in investigation {investigation_id}")
    return found


def add_cause(
    session: Session,
    *,
    investigation_id: int,
    category: str,
    text: str,
    user_name: str,
    state: str = CauseState.SUSPECTED.value,
    note: str | None = None,
    suspect_attribute: str | None = None,
    suspect_value: str | None = None,
) -> FishboneCause:
    investigation = require_investigation(session, investigation_id)
    if len(list_causes(session, investigation_id)) >= MAX_CAUSES:
        raise InputError(f"a fishbone holds at most {MAX_CAUSES} causes", column="text")
    cause = FishboneCause(
        investigation_id=investigation_id,
        category=parse_category(category),
        text=_cause_text(text),
        state=parse_state(state),
        note=clean_text(note, "note", 2000),
        suspect_attribute=clean_text(suspect_attribute, "suspect_attribute", 100),
        suspect_value=clean_text(suspect_value, "suspect_value", 300),
        created_at=now(),
        created_by=user_name,
    )
    session.add(cause)
    session.flush()
    record_change(session, investigation, user_name, "fishbone", None, _describe(cause))
    return cause


def add_suspect_cause(
    session: Session,
    *,
    investigation_id: int,
    attribute: str,
    value: str,
    user_name: str,
    figures: str | None = None,
) -> FishboneCause:
    """A suspect row as a suspected cause: ``attribute = value`` (+ its figures as the note)."""
    name = clean_text(attribute, "attribute", 100)
    shown = clean_text(value, "value", 300)
    if name is None or shown is None:
        raise InputError("a suspect needs its attribute and value", column="attribute")
    return add_cause(session, investigation_id=investigation_id,
                     category=category_for_attribute(name).value, text=f"{name} = {shown}",
                     user_name=user_name, note=figures, suspect_attribute=name,
                     suspect_value=shown)  # fmt: skip


def update_cause(
    session: Session,
    *,
    investigation_id: int,
    cause_id: int,
    changes: Mapping[str, str | None],
    user_name: str,
) -> FishboneCause:
    """Change category, text, state or note."""
    investigation = require_investigation(session, investigation_id)
    cause = require_cause(session, investigation_id, cause_id)
    before = _describe(cause)
    for field, raw in changes.items():
        if field == "category":
            cause.category = parse_category(raw)
        elif field == "state":
            cause.state = parse_state(raw)
        elif field == "text":
            cause.text = _cause_text(raw)
        elif field == "note":
            cause.note = clean_text(raw, "note", 2000)
        else:
            raise InputError(f"{field} cannot be changed", column=field)
    after = _describe(cause)
    if after != before:
        record_change(session, investigation, user_name, "fishbone", before, after)
    session.flush()
    return cause


def remove_cause(session: Session, *, investigation_id: int, cause_id: int, user_name: str) -> None:
    investigation = require_investigation(session, investigation_id)
    cause = require_cause(session, investigation_id, cause_id)
    record_change(session, investigation, user_name, "fishbone", _describe(cause), None)
    session.delete(cause)
    session.flush()


def parse_category(raw: str | None) -> CauseCategory:
    try:
        return CauseCategory((raw or "").strip().lower())
    except ValueError:
        allowed = ", ".join(c.value for c in CauseCategory)
        raise InputError(f"category {raw!r} is not one of {allowed}", column="category") from None


def parse_state(raw: str | None) -> CauseState:
    try:
        return CauseState((raw or "").strip().lower())
    except ValueError:
        allowed = ", ".join(s.value for s in CauseState)
        raise InputError(f"state {raw!r} is not one of {allowed}", column="state") from None


def _cause_text(raw: str | None) -> str:
    text = clean_text(raw, "text", 300)
    if text is None:
        raise InputError("a cause needs its text", column="text")
    return text


def _describe(cause: FishboneCause) -> str:
    note = f" ({cause.note})" if cause.note else ""
    return f"[{cause.category.value}] {cause.text}: {cause.state.value}{note}"
