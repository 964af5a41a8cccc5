"""The pages' ES modules as the browser loads them: from the entry module, following every relative import."""

from __future__ import annotations

import posixpath
import re

from fastapi.testclient import TestClient

IMPORT = re.compile(r"""\bfrom "(\.{1,2}/[\w/]+\.js)";""")


def served_modules(client: TestClient, entry: str) -> dict[str, str]:
    """Each module under /static the page loads (path → text); every one is served as JavaScript."""
    found: dict[str, str] = {}
    todo = [entry]
    while todo:
        path = todo.pop()
        if path in found:
            continue
        served = client.get(f"/static/{path}")
        assert served.status_code == 200, path
        assert served.headers["content-type"].startswith("text/javascript"), path
        found[path] = served.text
        folder = posixpath.dirname(path)
        todo += [posixpath.normpath(posixpath.join(folder, target)) for target in IMPORT.findall(served.text)]
    return found
