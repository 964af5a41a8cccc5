"""``citybrain sensing mqtt`` is registered, and ``serve --mqtt`` keeps to one ingest worker per deployment."""

from __future__ import annotations

from typer.testing import CliRunner

from citybrain.cli.main import app


def test_the_sensing_group_lists_the_mqtt_worker() -> None:
    result = CliRunner().invoke(app, ["sensing", "--help"])
    assert result.exit_code == 0, result.output
    assert "mqtt" in result.output


def test_serve_mqtt_refuses_several_server_processes() -> None:
    result = CliRunner().invoke(app, ["serve", "--mqtt", "--workers", "2"])
    assert result.exit_code == 2
    assert "citybrain sensing mqtt" in result.output
