"""``qloop serve``: the web application and the API on uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer

from qloop.core.cli_context import console, state
from qloop.core.settings import get_settings


def serve_command(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Serve the API (OpenAPI documentation at /docs) until interrupted."""
    import uvicorn

    from qloop.web.app import create_app

    settings = get_settings(database_url=state(ctx).database_url)
    app = create_app(settings)
    console.print(f"qloop on http://{host}:{port}/  (API documentation: /docs)", highlight=False)
    uvicorn.run(app, host=host, port=port, log_level="info")
