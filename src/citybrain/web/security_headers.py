"""Security headers on every response (docs/security.md, "Hostile input").

The pages load scripts and styles only from the server itself (static/, vendored ECharts, Swagger UI and ReDoc):
no inline script, no inline event handler, no style attribute — so the policy needs no ``'unsafe-inline'`` and a
script slipped into a citizen's text could not run even if it escaped the templates' escaping.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from citybrain.core.settings import Settings

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",  # ReDoc parses the schema in a worker it builds from a blob
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HSTS = "max-age=31536000; includeSubDomains"

_ALWAYS: list[tuple[bytes, bytes]] = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),  # frame-ancestors for browsers that predate it
]


def trusted_proxies(settings: Settings) -> frozenset[str]:
    return frozenset(part.strip() for part in settings.trusted_proxies.split(",") if part.strip())


def over_tls(scope: Scope, proxies: frozenset[str]) -> bool:
    """True when the request reached us over https: our own scheme, or a trusted proxy's X-Forwarded-Proto."""
    if scope.get("scheme") == "https":
        return True
    client = scope.get("client")
    if not client or client[0] not in proxies:
        return False
    for name, value in scope.get("headers", ()):
        if name == b"x-forwarded-proto":
            return bool(value.split(b",")[0].strip().lower() == b"https")
    return False


class SecurityHeaders:
    """ASGI middleware adding the headers above (and HSTS over TLS) unless the route set its own."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.proxies = trusted_proxies(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = [*_ALWAYS, (b"strict-transport-security", HSTS.encode())] if over_tls(scope, self.proxies) else _ALWAYS

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers.extend(pair for pair in extra if pair[0] not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
