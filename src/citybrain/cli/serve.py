"""``citybrain serve``: run the web server."""

from __future__ import annotations

import typer

from citybrain.cli.common import console, handle_errors


@handle_errors
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (0.0.0.0 for all)."),
    port: int = typer.Option(8311, "--port", help="TCP port."),
    workers: int = typer.Option(
        1,
        "--workers",
        help=(
            "Worker processes. SQLite: keep 1 (one writer). PostgreSQL: 1 per spare core beside the database "
            "server (on 2 cores, 1 is fastest — see docs/benchmarks.md)."
        ),
    ),
) -> None:
    """Serve the Open311 endpoint (/open311/v2), the staff API (/api/v1, docs at /docs) and the pages."""
    import uvicorn

    console.print(f"CityBrain serving on http://{host}:{port}/  (API docs: http://{host}:{port}/docs)")
    uvicorn.run(
        "citybrain.web.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
    )
