"""`citybrain` starts light: listing the commands loads none of the heavy libraries (numba, scikit-learn, …).

Each check runs in a fresh interpreter, since this test process has long imported them all. A command imports
what it needs when it runs (see cli/main.py); bench/cli_startup.py measures what that saves.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("numba", "sklearn", "scipy", "pyarrow", "duckdb", "pandas", "jieba", "datasketch", "shapely")

IMPORT_ONLY = "import citybrain.cli.main"
HELP = """
from typer.testing import CliRunner
from citybrain.cli.main import app
result = CliRunner().invoke(app, {argv!r})
assert result.exit_code == 0, result.output
assert "Usage" in result.output
"""


def _loaded_after(code: str) -> list[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))\n"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    loaded: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return loaded


def test_the_probe_sees_a_heavy_import() -> None:
    assert _loaded_after("import duckdb") == ["duckdb"]  # the check below can fail


def test_importing_the_command_loads_no_heavy_library() -> None:
    assert _loaded_after(IMPORT_ONLY) == []


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["analyze", "--help"],
        ["apikey", "create", "--help"],
        ["alerts", "--help"],
        ["geo", "--help"],
        ["sensing", "mqtt", "--help"],
    ],
)
def test_help_loads_no_heavy_library(argv: list[str]) -> None:
    assert _loaded_after(HELP.format(argv=argv)) == []
