"""``citybrain sensing``: the city's senses — the MQTT ingest worker of the SensorThings API."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import typer

from citybrain.cli import sensing_export
from citybrain.cli.common import console, handle_errors, open_database

app = typer.Typer(
    help=(
        "Sensing (感知): SensorThings over MQTT, and the city's observations exported as Smart Data Models.\n\n"
        "Example: citybrain sensing mqtt      (store what stations publish to v1.1/Datastreams(<id>)/Observations)"
    ),
    no_args_is_help=True,
)
app.command("export")(sensing_export.command)


@app.command("mqtt")
@handle_errors
def mqtt(
    client_id: str | None = typer.Option(
        None, "--client-id", help="Client id of the persistent session (default: CITYBRAIN_MQTT_CLIENT_ID)."
    ),
) -> None:
    """Run the MQTT ingest worker until Ctrl-C or SIGTERM.

    It subscribes (QoS 1, persistent session) to v1.1/Datastreams(<id>)/Observations and v1.1/Observations on
    CITYBRAIN_MQTT_HOST:CITYBRAIN_MQTT_PORT, stores each message as an Observation (validated as over HTTP),
    acknowledges it after commit and publishes the new Observation. Run one per deployment.

    It also takes car-park gate reads on citybrain/parking/<car_park_code>/events (the JSON of a
    POST /api/v1/parking/events body), paired into sessions and billed as over HTTP (docs/parking.md).

    Example: CITYBRAIN_MQTT_HOST=mqtt.city.example citybrain sensing mqtt
    """
    import logging

    from citybrain.scenarios.parking.mqtt import GateReads
    from citybrain.sensing.mqtt_ingest import IngestWorker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    done = threading.Event()

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    with open_database() as db:
        worker = IngestWorker(db, db.settings, client_id=client_id, handlers=[GateReads(db.settings)])
        worker.start()
        console.print(f"MQTT worker on {db.settings.mqtt_host}:{db.settings.mqtt_port}: {', '.join(worker.filters)}")
        done.wait()
        worker.stop()
        console.print(f"stopped: {worker.tally}")
