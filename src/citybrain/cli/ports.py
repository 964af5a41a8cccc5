"""Is the server's address free? Asked before a command does any work, so a taken port is one clear error at once
(not ``[Errno 98] address already in use`` after a minute of loading)."""

from __future__ import annotations

import errno
import socket

from citybrain.core.errors import InvalidInput

HOW = "choose another with --port (make demo PORT=…), or stop the program that holds it"


def reserve(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` as the server binds it (SO_REUSEADDR), not yet listening: hand it to uvicorn
    (``Server.run(sockets=…)``) or close it. A taken or unusable address raises InvalidInput naming it."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise InvalidInput(f"cannot listen on {host!r}: {exc.strerror} (use an address of this machine)") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise InvalidInput(_why(host, port, exc)) from None
    sock.set_inheritable(True)
    return sock


def check_free(host: str, port: int) -> None:
    """Raise InvalidInput when ``host:port`` cannot be listened on; leave nothing bound."""
    reserve(host, port).close()


def _why(host: str, port: int, exc: OSError) -> str:
    where = f"{host}:{port}"
    if exc.errno == errno.EADDRINUSE:
        return f"port {port} is already in use on {host} (another CityBrain, or another server?): {HOW}"
    if exc.errno == errno.EACCES:
        return f"not allowed to listen on {where} (ports below 1024 need root): {HOW}"
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"{host} is not an address of this machine: use 127.0.0.1, 0.0.0.0 or one of its own addresses"
    return f"cannot listen on {where}: {exc.strerror or exc}"
