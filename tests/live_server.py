"""A real HTTP server for tests whose client cannot be in-process (other HTTP libraries, a browser, races)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI

#: The app behind each base URL being served (a browser test signs a person in on the app's database).
SERVED: dict[str, FastAPI] = {}


def free_port() -> int:
    """A port nobody listens on now (for a server whose address another process must know before it starts)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(app: FastAPI, startup_timeout: float = 20.0, port: int = 0) -> Iterator[str]:
    """Run ``app`` under uvicorn on a free 127.0.0.1 port (or ``port``) in a thread; yield its base URL; stop it
    after."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    try:
        while not server.started:  # wait for uvicorn to say it is up, bounded; not a fixed sleep
            if not thread.is_alive():
                raise RuntimeError("uvicorn exited while starting")
            if time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn did not start within {startup_timeout} s")
            time.sleep(0.01)
        SERVED[f"http://127.0.0.1:{port}"] = app
        yield f"http://127.0.0.1:{port}"
    finally:
        SERVED.pop(f"http://127.0.0.1:{port}", None)
        server.should_exit = True
        thread.join(timeout=20)
        sock.close()
