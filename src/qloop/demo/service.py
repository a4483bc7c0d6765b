"""Build the demo database: write the demo files, then import them through the normal import."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from qloop.core.db import session_scope
from qloop.demo.generate import write_demo_files
from qloop.intake import service as intake_service
from qloop.intake.importers import ImportResult, ProgressCallback
from qloop.kb.markdown_files import ImportResult as ArticleImport
from qloop.kb.markdown_files import import_directory

#: Import order: units first so that later features find the units cases name.
DEMO_TABLES = ("units", "cases", "repairs", "surveys")
#: The demo's knowledge-base articles (Markdown with front matter), shipped in the package.
DEMO_ARTICLES = Path(__file__).with_name("kb")
DEMO_USER = "demo"


class DemoResults(list[ImportResult]):
    """The tables' import results in ``DEMO_TABLES`` order (a plain list to iterate), and
    the knowledge-base articles' import in ``articles``."""

    def __init__(self, tables: list[ImportResult], articles: ArticleImport) -> None:
        super().__init__(tables)
        self.articles = articles


def build_demo(
    engine: Engine,
    *,
    out_dir: Path,
    seed: int = 20261129,
    on_progress: ProgressCallback | None = None,
) -> DemoResults:
    """Write the demo CSV files into ``out_dir`` and import each one, then the articles.

    Going through :func:`qloop.intake.service.import_file` and ``qloop kb import``'s
    :func:`~qloop.kb.markdown_files.import_directory` means the demo exercises exactly
    the code paths a user's files take. A rebuild updates the articles by their ids.
    """
    files = write_demo_files(out_dir, seed=seed)
    tables = [
        intake_service.import_file(engine, table=table, path=files[table], on_progress=on_progress)
        for table in DEMO_TABLES
    ]
    return DemoResults(tables, import_demo_articles(engine))


def import_demo_articles(engine: Engine) -> ArticleImport:
    """The demo articles (``demo/kb/*.md``), as ``qloop kb import`` would read them."""
    with session_scope(engine) as session:
        return import_directory(session, DEMO_ARTICLES, user_name=DEMO_USER)
