"""Keep Python's full garbage collections from pausing a running server.

A server process holds ~320,000 objects the cyclic collector tracks, almost all of them made at import time
(functions, classes, modules of FastAPI, SQLAlchemy, numpy, scikit-learn ...) and alive until the process ends.
A full (oldest-generation) collection walks all of them: about 200 ms on this 2-core machine, during which no
request is answered — it was the whole p99 of the Open311 load test (bench/open311_load.py). Moving the heap that
exists once the server has started into the collector's permanent generation (``gc.freeze``) leaves full
collections only the objects made while serving. Objects are not leaked by this: cycles among frozen objects are
simply not looked at until :func:`thaw`.
"""

from __future__ import annotations

import gc


def freeze_startup_heap() -> int:
    """Collect once, then exempt every surviving object from later collections; returns how many were frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def thaw() -> None:
    """Give the frozen objects back to the collector (a server stopping, or a test process that starts many)."""
    gc.unfreeze()
