"""``citybrain serve``: run the web server."""

from __future__ import annotations

import typer

from citybrain.cli import ports
from citybrain.cli.common import console, handle_errors
from citybrain.core.errors import InvalidInput


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
    mqtt: bool = typer.Option(
        False,
        "--mqtt",
        help=(
            "Also run the MQTT ingest worker in the server (one per deployment: only with --workers 1; with more, "
            "run `citybrain sensing mqtt` beside the server instead)."
        ),
    ),
) -> None:
    """Serve the Open311 endpoint (/open311/v2), the staff API (/api/v1, docs at /docs) and the pages."""
    import os

    import uvicorn

    ports.check_free(host, port)  # one clear error naming the port, not uvicorn's [Errno 98]
    if mqtt:
        if workers > 1:
            raise InvalidInput(
                "--mqtt runs one ingest worker per server process; with --workers above 1 run "
                "`citybrain sensing mqtt` as a process of its own instead"
            )
        os.environ["CITYBRAIN_MQTT_WORKER_IN_SERVER"] = "true"  # read by create_app in the server process

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
