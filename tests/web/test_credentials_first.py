"""A caller without a valid key is refused before the body is read (web/credentials.py): the answer arrives while
the client has sent only the first bytes of a large declared body — without the check the server would wait for
the rest, and the read below would time out."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.web.app import create_app
from tests.conftest import make_key
from tests.live_server import serve

DECLARED = 900_000  # under the 1 MiB limit: the guard lets it through, only the credentials can stop it


@pytest.fixture
def address(db: Database, settings: Settings) -> Iterator[tuple[str, int]]:
    with serve(create_app(settings, database=db)) as base:
        host, port = base.removeprefix("http://").split(":")
        yield host, int(port)


def answer_before_the_body(address: tuple[str, int], target: str, headers: dict[str, str], wait: float) -> str | None:
    """Send the head and 20 bytes of a body declared ``DECLARED`` bytes long; the answer's status line, or None
    when the server is still waiting for the body after ``wait`` seconds."""
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    with socket.create_connection(address, timeout=wait) as sock:
        sock.sendall(f"POST {target} HTTP/1.1\r\nHost: test\r\n{head}Content-Length: {DECLARED}\r\n\r\n".encode())
        sock.sendall(b'{"text": "' + b"x" * 10)
        try:
            answer = sock.recv(4096)
        except TimeoutError:
            return None
    return answer.split(b"\r\n", 1)[0].decode()


JSON = {"Content-Type": "application/json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.mark.parametrize(
    ("target", "headers", "status"),
    [
        ("/api/v1/cases", JSON, "401 Unauthorized"),
        ("/api/v1/cases", JSON | {"X-API-Key": "wrong"}, "403 Forbidden"),
        ("/api/v1/cases/1/note", JSON | {"Authorization": "Bearer wrong"}, "403 Forbidden"),
        ("/api/v1/cases", JSON | {"X-API-Key": "wrong", "Idempotency-Key": "k-1"}, "403 Forbidden"),
        ("/api/v1/admin/users", JSON | {"Cookie": "citybrain_session=ended"}, "401 Unauthorized"),
        ("/open311/v2/requests.json?api_key=wrong", FORM, "403 Forbidden"),
        ("/open311/v2/requests.json", FORM | {"X-API-Key": "wrong", "Idempotency-Key": "k-2"}, "403 Forbidden"),
    ],
)
def test_a_caller_without_a_valid_key_is_refused_before_the_body(
    address: tuple[str, int], target: str, headers: dict[str, str], status: str
) -> None:
    assert answer_before_the_body(address, target, headers, wait=10) == f"HTTP/1.1 {status}"


def test_a_valid_key_is_read_to_the_end(address: tuple[str, int], db: Database) -> None:
    """The other side: an operator's key passes, so the server waits for the body the client declared."""
    headers = JSON | {"X-API-Key": make_key(db, "operator")}
    assert answer_before_the_body(address, "/api/v1/cases", headers, wait=1) is None
