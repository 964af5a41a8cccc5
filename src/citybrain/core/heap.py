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

import ctypes
import gc
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager


def freeze_startup_heap() -> int:
    """Collect once, then exempt every surviving object from later collections; returns how many were frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def thaw() -> None:
    """Give the frozen objects back to the collector (a server stopping, or a test process that starts many)."""
    gc.unfreeze()


@contextmanager
def frozen_while_serving(enabled: bool) -> Iterator[None]:
    """The startup heap frozen while the block runs (a server's life), thawed after; nothing when not ``enabled``."""
    if not enabled:
        yield
        return
    freeze_startup_heap()  # full GC pauses over the import-time heap were the Open311 p99
    try:
        yield
    finally:
        thaw()


#: glibc's ``mallopt`` parameter for the number of malloc arenas.
_M_ARENA_MAX = -8


def limit_malloc_arenas(arenas: int = 2) -> bool:
    """Let at most ``arenas`` glibc malloc arenas serve the process's threads; whether the limit was set.

    glibc gives each thread that allocates at the same time as another its own arena, up to 8 per core, and memory
    freed in one arena is not reused by the others: with the server's ~25 threads (request threads, the intake
    writer, the cockpit's pool) resident memory crept up during a soak run (bench/soak.py) — 24 MiB in four
    minutes at 80 requests/s with the default, 13 MiB with 2 arenas, and ~25 MiB less to start with; the threads
    take turns on the GIL anyway. Not set when ``MALLOC_ARENA_MAX`` is in the environment (the operator chose), nor
    where there is no glibc (macOS, musl).
    """
    if os.environ.get("MALLOC_ARENA_MAX") or not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    return bool(mallopt(_M_ARENA_MAX, arenas))
