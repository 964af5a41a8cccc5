"""A real OpenID Provider for the OIDC tests: panva's oidc-provider (npm, OpenID Certified) run by Node.js from
tests/auth/oidc_provider/provider.mjs, and a person signing in at it by following its pages with httpx.

Without Node.js or the npm package the tests fail (not skip) and say how to get them: `make install`.
"""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urljoin

import httpx
import pytest
from fastapi.testclient import TestClient
from joserfc.jwk import RSAKey
from pydantic import SecretStr

from citybrain.core.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).resolve().parent / "oidc_provider" / "provider.mjs"
CLIENT_ID = "citybrain-test"
CLIENT_SECRET = "a-test-client-secret-of-the-local-provider"
CALLBACK = "https://testserver/signin/oidc/callback"
#: The provider's signing key, known to the tests so that they can forge ID tokens the provider's keys verify.
SIGNING_KEY = RSAKey.generate_key(2048, parameters={"kid": "test-1", "use": "sig", "alg": "RS256"}, private=True)
#: The provider's people (provider.mjs): login → (password, email).
PEOPLE = {
    "wang": ("wang-pass-123", "wang.fang@city.example"),
    "li": ("li-pass-123", "li.lei@city.example"),
    "zhao": ("zhao-pass-123", "zhao.min@elsewhere.example"),
}


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js (node) not found: the OIDC tests run a real provider on it; install Node.js 20+, then "
                    "run `make install`")  # fmt: skip
    if not (ROOT / "node_modules" / "oidc-provider" / "package.json").is_file():
        pytest.fail("the npm package oidc-provider is not installed in node_modules: run `make install` (npm ci)")
    return node


@contextmanager
def identity_provider(*redirect_uris: str, startup_timeout: float = 30.0) -> Iterator[str]:
    """Start the provider on a free port with one client redirecting to ``redirect_uris``; yield its issuer URL
    once its discovery document answers; stop it after."""
    env = {**os.environ, "OIDC_CLIENT_ID": CLIENT_ID, "OIDC_CLIENT_SECRET": CLIENT_SECRET,
           "OIDC_REDIRECT_URIS": ",".join(redirect_uris or (CALLBACK,)),
           "OIDC_SIGNING_JWK": json.dumps(SIGNING_KEY.as_dict(private=True))}  # fmt: skip
    with tempfile.TemporaryFile("w+") as errors:
        process = subprocess.Popen([_node(), str(SCRIPT)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                   stderr=errors, text=True)  # fmt: skip
        try:
            yield _wait_for_discovery(process, errors, startup_timeout)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            assert process.stdout is not None
            process.stdout.close()


def _wait_for_discovery(process: subprocess.Popen[str], errors: object, timeout: float) -> str:
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    line = process.stdout.readline() if ready else ""
    if not line:
        errors.seek(0)  # type: ignore[attr-defined]
        pytest.fail(f"the OIDC test provider did not start: {errors.read()[-2000:]}")  # type: ignore[attr-defined]
    issuer: str = json.loads(line)["issuer"]
    while time.monotonic() < deadline:
        try:
            if httpx.get(issuer + "/.well-known/openid-configuration", timeout=2).status_code == 200:
                return issuer
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    pytest.fail(f"the OIDC test provider at {issuer} did not answer its discovery document within {timeout} s")


def oidc_settings(settings: Settings, issuer: str, **more: object) -> Settings:
    update = {"oidc_issuer": issuer, "oidc_client_id": CLIENT_ID, "oidc_client_secret": SecretStr(CLIENT_SECRET)}
    return settings.model_copy(update=update | more)


def follow(idp: httpx.Client, response: httpx.Response, stop: str) -> httpx.Response | str:
    """Follow the provider's redirects until one leads to ``stop`` (returned as the URL) or a page is shown."""
    while response.is_redirect:
        location = urljoin(str(response.url), response.headers["location"])
        if location.startswith(stop):
            return location
        response = idp.get(location)
    return response


def at_provider(authorization_url: str, login: str, password: str | None = None, *, cancel: bool = False,
                stop: str = CALLBACK) -> str:  # fmt: skip
    """A person at the provider's sign-in page: signs in as ``login`` (or cancels); the URL it sends the browser
    back to (the relying party's callback with code and state, or error)."""
    with httpx.Client(timeout=10) as idp:
        page = follow(idp, idp.get(authorization_url), stop)
        assert isinstance(page, httpx.Response), page
        action = re.search(r'action="(/interaction/[^"]+/(?:login))"', page.text)
        assert action is not None, page.text
        if cancel:
            posted = idp.post(urljoin(str(page.url), action.group(1).replace("/login", "/cancel")))
        else:
            form = {"login": login, "password": password or PEOPLE[login][0]}
            posted = idp.post(urljoin(str(page.url), action.group(1)), data=form)
        back = follow(idp, posted, stop)
        assert isinstance(back, str), back.text
        return back


def start(client: TestClient, next_url: str = "/desk") -> str:
    """GET /signin/oidc as a browser; the provider's authorization URL it is sent to."""
    answer = client.get("/signin/oidc", params={"next": next_url}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return str(answer.headers["location"])


def sign_in(client: TestClient, login: str, next_url: str = "/desk") -> httpx.Response:
    """The whole OIDC sign-in of ``login`` through /signin/oidc; the callback's answer."""
    back = at_provider(start(client, next_url), login)
    answer: httpx.Response = client.get(back, follow_redirects=False)
    return answer
