"""The FastAPI application: ``create_app()`` builds a fresh one (no state at import time)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

from qloop import __version__
from qloop.accounts import api as accounts_api
from qloop.accounts import pages as accounts_pages
from qloop.accounts import service as accounts
from qloop.alerts import api as alerts_api
from qloop.alerts import pages as alerts_pages
from qloop.capa import action_pages as capa_action_pages
from qloop.capa import api as capa_api
from qloop.capa import containment_api
from qloop.capa import files_api as capa_files_api
from qloop.capa import pages as capa_pages
from qloop.capa import report_pages as capa_report_pages
from qloop.capa import verification_api as capa_verification_api
from qloop.classify import api as classify_api
from qloop.classify import pages as classify_pages
from qloop.core import migrate
from qloop.core.db import make_engine, session_scope
from qloop.core.settings import Settings, get_settings
from qloop.intake import api as intake_api
from qloop.intake import import_pages
from qloop.intake import pages as intake_pages
from qloop.kb import api as kb_api
from qloop.kb import file_pages as kb_file_pages
from qloop.kb import files_api as kb_files_api
from qloop.kb import pages as kb_pages
from qloop.kb import similar_api as kb_similar_api
from qloop.kpi import api as kpi_api
from qloop.kpi import chart_pages as kpi_chart_pages
from qloop.kpi import pages as kpi_pages
from qloop.rca import api as rca_api
from qloop.rca import export_pages as rca_export_pages
from qloop.rca import investigation_api
from qloop.rca import pages as rca_pages
from qloop.rca import tool_pages as rca_tool_pages
from qloop.rca import tools_api as rca_tools_api
from qloop.taxonomy import api as taxonomy_api
from qloop.taxonomy import pages as taxonomy_pages
from qloop.web import problems
from qloop.web.deps import LoginRequired
from qloop.web.guards import RefuseNulCharacters, UploadGate
from qloop.web.templating import make_templates

PLOTLY_JS = Path(str(files("plotly") / "package_data" / "plotly.min.js"))


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app on the settings' database, its schema brought up to date first."""
    settings = settings or get_settings()
    engine = make_engine(settings.database_url)
    migrate.ensure_schema(engine)
    with session_scope(engine) as session:  # made now, not raced for by the first requests
        accounts.app_secret(session, "form_key")
    app = FastAPI(
        title="qloop",
        version=__version__,
        description="After-sales quality management: cases, units, repairs, surveys.",
        docs_url=None,  # served below from the installed package, not from a CDN
        redoc_url=None,
    )
    app.state.engine = engine
    app.state.settings = settings
    app.state.templates = make_templates()
    app.add_middleware(UploadGate)
    app.add_middleware(RefuseNulCharacters)
    problems.install(app)

    @app.exception_handler(LoginRequired)
    async def to_login(_request: Request, error: LoginRequired) -> RedirectResponse:
        return RedirectResponse(f"/login?next={quote(error.next_path, safe='/%')}", status_code=303)

    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        """Plotly's JavaScript from the installed plotly package: no CDN, works offline."""
        return FileResponse(PLOTLY_JS, media_type="text/javascript")

    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    app.include_router(accounts_api.router)
    app.include_router(accounts_pages.pages)
    app.include_router(kb_similar_api.router)  # before the cases API: /cases/{id}/similar
    app.include_router(kb_similar_api.pages)
    app.include_router(intake_pages.pages)
    app.include_router(import_pages.pages)
    app.include_router(intake_api.router)
    app.include_router(classify_api.router)
    app.include_router(classify_pages.pages)
    app.include_router(taxonomy_api.router)
    app.include_router(taxonomy_pages.pages)
    app.include_router(kpi_api.router)
    app.include_router(alerts_api.router)
    app.include_router(rca_api.router)
    app.include_router(investigation_api.router)
    app.include_router(rca_tools_api.router)
    app.include_router(capa_verification_api.router)
    app.include_router(containment_api.router)
    app.include_router(capa_api.router)
    app.include_router(kb_api.router)
    app.include_router(kb_files_api.router)
    app.include_router(kb_file_pages.pages)
    app.include_router(kb_pages.pages)
    app.include_router(capa_files_api.router)
    app.include_router(capa_pages.pages)
    app.include_router(capa_action_pages.pages)
    app.include_router(capa_report_pages.pages)
    app.include_router(rca_pages.pages)
    app.include_router(rca_export_pages.pages)  # before the tool forms: /fmea/import
    app.include_router(rca_tool_pages.pages)
    app.include_router(kpi_chart_pages.pages)
    app.include_router(kpi_chart_pages.router)
    app.include_router(kpi_pages.pages)
    app.include_router(alerts_pages.pages)
    _serve_api_docs(app)
    return app


def _serve_api_docs(app: FastAPI) -> None:
    """Swagger UI at /docs with its files from the swagger-ui-bundle package: works offline."""
    app.mount("/swagger", StaticFiles(directory=swagger_ui_path), name="swagger")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title="qloop API",
            swagger_js_url="/swagger/swagger-ui-bundle.js",
            swagger_css_url="/swagger/swagger-ui.css",
            swagger_favicon_url="/swagger/favicon-32x32.png",
        )
