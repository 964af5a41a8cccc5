"""Every file the pages serve from /static (scripts, styles, the icon, the vendored Swagger UI and ReDoc with their
licences) is in the package data, so an installed CityBrain (a wheel, not a checkout) serves them too."""

from __future__ import annotations

import glob
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "citybrain"


def test_every_static_file_is_package_data() -> None:
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    covered = {
        Path(found)
        for pattern in patterns["package-data"]["citybrain"]
        for found in glob.glob(pattern, root_dir=PACKAGE, recursive=True)
    }
    served = {p.relative_to(PACKAGE) for p in (PACKAGE / "web" / "static").rglob("*") if p.is_file()}
    assert Path("web/static/vendor/redoc/redoc.standalone.js") in served
    assert Path("web/static/vendor/swagger-ui/LICENSE") in served
    assert sorted(served - covered) == []
