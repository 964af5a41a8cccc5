"""HEAD and OPTIONS on every path (RFC 9110 §9.3.2, §9.3.7), as one ASGI middleware.

FastAPI's routes take only the methods they declare, so a HEAD on a page or a list answered 405 where GET
answered 200 (a link checker or a monitor's probe failed). Here a HEAD is carried out as the GET it stands for —
the same status and headers, ``Content-Length`` included — and its body is dropped; an OPTIONS on a path that
exists is 204 with ``Allow`` naming every method the path takes.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from citybrain.web.errors import allowed_methods


class HeadAndOptions:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope["method"] if scope["type"] == "http" else None
        if method == "HEAD":
            await self.app(dict(scope, method="GET"), receive, _without_body(send))  # a copy: the server's says HEAD
            return
        allow = allowed_methods(Request(scope)) if method == "OPTIONS" else ""
        if not allow:  # not OPTIONS, or a path no route takes: the router answers (404)
            await self.app(scope, receive, send)
            return
        await Response(status_code=204, headers={"Allow": allow})(scope, receive, send)


def _without_body(send: Send) -> Send:
    async def send_head(message: Message) -> None:
        if message["type"] == "http.response.body":
            message = {"type": message["type"], "body": b"", "more_body": message.get("more_body", False)}
        await send(message)

    return send_head
