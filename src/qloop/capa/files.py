"""Evidence files of plans and actions: a photo, a supplier's 8D, a containment list.

Kept in the database by default, or under ``QLOOP_EVIDENCE_DIR`` named by their SHA-256
(the same file twice is stored once); at most ``QLOOP_EVIDENCE_LIMIT_BYTES`` each. An
owner may attach files to their own actions; engineers to anything."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from qloop.accounts.models import User
from qloop.capa.actions import _is_engineer, require_action
from qloop.capa.audit import audit
from qloop.capa.models import EvidenceFile
from qloop.capa.plans import _open_plan, require_plan
from qloop.core.clock import now
from qloop.core.errors import Forbidden, InputError, NotFound
from qloop.rca.investigations import clean_text


def attach_file(
    session: Session,
    *,
    plan_id: int,
    name: str,
    data: bytes,
    user: User,
    limit: int,
    action_id: int | None = None,
    content_type: str | None = None,
    directory: Path | None = None,
) -> EvidenceFile:
    plan = _open_plan(session, plan_id)
    if action_id is not None:
        action = require_action(session, action_id)
        if action.plan_id != plan.id:
            raise NotFound(f"action {action_id} is not in plan {plan_id}")
        if not _is_engineer(user) and action.owner != user.name:
            raise Forbidden(f"action {action_id} is not yours")
    elif not _is_engineer(user):
        raise Forbidden("attaching files to a plan needs the engineer role")
    shown = clean_text(Path(name or "").name, "file", 255) or "evidence"
    if len(data) > limit:
        raise InputError(f"{len(data):,} bytes; at most {limit:,} are kept", file=shown)
    if not data:
        raise InputError("the file is empty", file=shown)
    digest = hashlib.sha256(data).hexdigest()
    stored = None
    if directory is not None:
        directory.mkdir(parents=True, exist_ok=True)
        target = directory / digest
        if not target.exists():
            target.write_bytes(data)
        stored = str(target)
    found = EvidenceFile(plan_id=plan.id, action_id=action_id, name=shown,
                         content_type=(content_type or "application/octet-stream")[:100],
                         size=len(data), sha256=digest, data=None if stored else data,
                         stored_path=stored, uploaded_at=now(), uploaded_by=user.name)  # fmt: skip
    session.add(found)
    session.flush()
    where = f", action {action_id}" if action_id else ""
    audit(session, plan_id=plan.id, user_name=user.name, entity="file", entity_id=found.id,
          field="attached", old=None, new=f"{shown} ({len(data):,} bytes{where})")  # fmt: skip
    return found


def list_files(session: Session, plan_id: int) -> list[EvidenceFile]:
    require_plan(session, plan_id)
    query = select(EvidenceFile).where(EvidenceFile.plan_id == plan_id)
    return list(session.scalars(query.order_by(EvidenceFile.id)))


def file_content(session: Session, *, file_id: int, user: User) -> tuple[EvidenceFile, bytes]:
    found = session.get(EvidenceFile, file_id)
    if found is None:
        raise NotFound(f"no file {file_id}")
    if found.action_id is not None and not _is_engineer(user):
        if require_action(session, found.action_id).owner != user.name:
            raise Forbidden(f"file {file_id} belongs to someone else's action")
    if found.stored_path is not None:
        path = Path(found.stored_path)
        if not path.exists():
            raise NotFound(f"file {found.name} is missing from {path.parent}")
        return found, path.read_bytes()
    return found, found.data or b""
