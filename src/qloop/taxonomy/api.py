"""``/api/v1/taxonomy``: the taxonomy in use as JSON (the YAML file's structure)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from qloop.taxonomy import service
from qloop.taxonomy.schemas import TaxonomySpec
from qloop.web.deps import Admin, Reader, SessionDep

router = APIRouter(prefix="/api/v1", tags=["taxonomy"])


class TaxonomyImportRead(BaseModel):
    categories: int
    failure_modes: int
    removed_categories: list[str]
    kept_categories: list[str]


@router.get("/taxonomy", response_model=TaxonomySpec)
def get_taxonomy(session: SessionDep, _user: Reader) -> TaxonomySpec:
    """Categories in order, their failure modes and words, and the ignored phrases."""
    return service.load_taxonomy(session)


@router.put("/taxonomy", response_model=TaxonomyImportRead)
def put_taxonomy(body: TaxonomySpec, session: SessionDep, _user: Admin) -> TaxonomyImportRead:
    """Replace the taxonomy (as ``qloop taxonomy import``); categories in use are kept."""
    outcome = service.import_taxonomy(session, body)
    return TaxonomyImportRead.model_validate(vars(outcome))
