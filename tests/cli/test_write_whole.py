"""Commands write their output files whole or not at all, and say clearly when they cannot."""

from __future__ import annotations

from pathlib import Path

import pytest

from citybrain.cli.common import write_whole
from citybrain.core.errors import InvalidInput


def test_text_and_bytes_replace_the_file_whole_and_leave_no_temporary_file(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    out.write_text("old", encoding="utf-8")
    write_whole(out, "新的 new\n")
    assert out.read_text(encoding="utf-8") == "新的 new\n"
    write_whole(out, b"\x00\x01")
    assert out.read_bytes() == b"\x00\x01"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_a_failed_write_keeps_the_old_file_and_is_one_clear_error(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    out.mkdir()  # a folder where the file should go: the rename over it fails
    with pytest.raises(InvalidInput, match="cannot write"):
        write_whole(out, "x")
    assert out.is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]
    with pytest.raises(InvalidInput, match="cannot write"):
        write_whole(tmp_path / "missing" / "report.json", "x")
