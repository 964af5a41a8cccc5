"""OIDC sign-in (统一身份认证) against a real provider (oidc-provider on Node.js, tests/auth/idp.py): the session it
opens is the password sign-in's, and every way the answer can be wrong leaves no session and counts as a failure."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from citybrain.auth import accounts, oidc, sessions
from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.core.errors import Unauthorized
from citybrain.core.settings import Settings
from citybrain.models import OidcFlow, OidcLink, SignInFailure, StaffUser
from citybrain.web.app import create_app
from citybrain.web.signin_oidc import BROWSER_COOKIE
from tests.auth import idp
from tests.conftest import make_user, sign_in


@pytest.fixture(scope="module")
def issuer() -> Iterator[str]:
    with idp.identity_provider(idp.CALLBACK) as found:
        yield found


def _client(db: Database, settings: Settings) -> TestClient:
    return TestClient(create_app(settings, database=db), base_url="https://testserver")


@pytest.fixture
def client(db: Database, settings: Settings, issuer: str) -> Iterator[TestClient]:
    with _client(db, idp.oidc_settings(settings, issuer)) as found:
        yield found


def _account(db: Database, username: str, email: str, role: str = "operator", department: str | None = None) -> None:
    make_user(db, role, department, username=username)
    with db.transaction() as session:
        accounts.set_email(session=session, user=accounts.by_name(session=session, username=username), email=email)


def _count(db: Database, model: type[object]) -> int:
    with db.reading() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _refused(answer: httpx.Response, status: int, words: str, client: TestClient) -> None:
    assert answer.status_code == status, answer.text
    assert words in answer.text
    assert 'id="signin-error"' in answer.text  # the sign-in page, saying why
    assert sessions.COOKIE not in client.cookies
    assert client.get("/api/v1/me").status_code == 401


def test_a_person_signs_in_with_the_rights_of_the_linked_account(db: Database, client: TestClient) -> None:
    _account(db, "wangfang", "Wang.Fang@city.example", role="department", department="urban_mgmt")
    answer = idp.sign_in(client, "wang", next_url="/cockpit?district=furong")
    assert answer.status_code == 200, answer.text
    assert 'http-equiv="refresh" content="0;url=/cockpit?district=furong"' in answer.text.replace("&amp;", "&")
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith(sessions.COOKIE + "="))
    assert {"httponly", "secure", "samesite=strict", "path=/"} <= {p.strip().lower() for p in cookie.split(";")}
    by_oidc = client.get("/api/v1/me").json()
    assert (by_oidc["signed_in"], by_oidc["role"]) == (True, "department")
    assert client.get("/api/v1/admin/users").status_code == 403  # a handler, not an administrator

    with _client(db, db.settings) as other:  # the same account by its password: the same rights
        sign_in(other, "wangfang")
        by_password = other.get("/api/v1/me").json()
    assert {k: v for k, v in by_oidc.items() if k != "csrf_token"} == {
        k: v for k, v in by_password.items() if k != "csrf_token"
    }
    with db.reading() as session:
        link = session.scalars(select(OidcLink)).one()
        assert (link.issuer, link.subject) == (client.app.state.settings.oidc_issuer, "wang")  # type: ignore[attr-defined]
    assert _count(db, OidcFlow) == 0  # the sign-in under way was used up
    token = client.cookies[sessions.COOKIE]
    signed_out = client.post("/signout", data={"csrf_token": by_oidc["csrf_token"]}, follow_redirects=False)
    assert signed_out.status_code == 303
    with pytest.raises(Unauthorized):  # the old cookie, kept, is worth nothing: the session ended on the server
        sessions.principal_for(db, token)


def test_once_linked_the_account_is_found_by_subject_not_by_email(db: Database, client: TestClient) -> None:
    _account(db, "wangfang", "wang.fang@city.example")
    assert idp.sign_in(client, "wang").status_code == 200
    with db.transaction() as session:
        accounts.set_email(session=session, user=accounts.by_name(session=session, username="wangfang"), email=None)
    client.cookies.clear()
    again = idp.sign_in(client, "wang")
    assert again.status_code == 200, again.text
    assert client.get("/api/v1/me").json()["name"].endswith("(wangfang)")


def test_a_used_state_is_refused_the_second_time(db: Database, client: TestClient) -> None:
    _account(db, "wangfang", "wang.fang@city.example")
    back = idp.at_provider(idp.start(client), "wang")
    assert client.get(back, follow_redirects=False).status_code == 200
    client.cookies.delete(sessions.COOKIE)
    client.cookies.set(BROWSER_COOKIE, "x")  # even with a cookie, the state is gone
    _refused(client.get(back, follow_redirects=False), 400, "登录请求无效或已过期", client)


def test_an_unknown_or_tampered_state_is_refused(db: Database, client: TestClient) -> None:
    _account(db, "wangfang", "wang.fang@city.example")
    back = idp.at_provider(idp.start(client), "wang")
    parts = urlsplit(back)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    tampered = f"{idp.CALLBACK}?{urlencode(query | {'state': query['state'][:-2] + 'xx'})}"
    _refused(client.get(tampered, follow_redirects=False), 400, "登录请求无效或已过期", client)
    without = f"{idp.CALLBACK}?{urlencode({k: v for k, v in query.items() if k != 'state'})}"
    _refused(client.get(without, follow_redirects=False), 400, "登录请求无效或已过期", client)


def test_an_expired_sign_in_is_refused(db: Database, client: TestClient) -> None:
    _account(db, "wangfang", "wang.fang@city.example")
    back = idp.at_provider(idp.start(client), "wang")
    with clock.frozen(clock.utcnow() + timedelta(minutes=oidc.FLOW_MINUTES, seconds=1)):
        _refused(client.get(back, follow_redirects=False), 400, "登录请求无效或已过期", client)


def test_a_callback_in_another_browser_is_refused(db: Database, client: TestClient, settings: Settings) -> None:
    """Login CSRF: an attacker's own callback URL, opened in a victim's browser, signs nobody in."""
    _account(db, "wangfang", "wang.fang@city.example")
    back = idp.at_provider(idp.start(client), "wang")
    with _client(db, client.app.state.settings) as victim:  # type: ignore[attr-defined]
        _refused(victim.get(back, follow_redirects=False), 400, "登录请求无效或已过期", victim)


def test_a_nonce_other_than_the_one_sent_is_refused(db: Database, client: TestClient) -> None:
    _account(db, "wangfang", "wang.fang@city.example")
    back = idp.at_provider(idp.start(client), "wang")
    with db.transaction() as session:  # the ID token now carries a nonce this sign-in did not send
        session.execute(update(OidcFlow).values(nonce="another-nonce-than-the-one-sent"))
    _refused(client.get(back, follow_redirects=False), 401, "nonce", client)


def test_a_code_with_another_pkce_verifier_is_refused_by_the_provider(db: Database, client: TestClient) -> None:
    """PKCE holds end to end: a stolen code is useless without the verifier kept on this server."""
    _account(db, "wangfang", "wang.fang@city.example")
    back = idp.at_provider(idp.start(client), "wang")
    with db.transaction() as session:
        session.execute(update(OidcFlow).values(code_verifier="x" * 64))
    _refused(client.get(back, follow_redirects=False), 401, "invalid_grant", client)


def test_a_person_without_a_staff_account_is_refused_and_none_is_created(db: Database, client: TestClient) -> None:
    _account(db, "wangfang", "wang.fang@city.example")
    users = _count(db, StaffUser)
    _refused(idp.sign_in(client, "zhao"), 403, "没有对应的本系统员工账号", client)
    assert _count(db, StaffUser) == users
    assert _count(db, OidcLink) == 0


def test_a_disabled_account_is_refused(db: Database, client: TestClient) -> None:
    _account(db, "lilei", "li.lei@city.example")
    with db.transaction() as session:
        accounts.disable(session=session, user=accounts.by_name(session=session, username="lilei"))
    _refused(idp.sign_in(client, "li"), 403, "该员工账号已停用", client)


def test_the_person_declining_at_the_provider_is_refused(db: Database, client: TestClient) -> None:
    back = idp.at_provider(idp.start(client), "wang", cancel=True)
    assert "error=access_denied" in back
    _refused(client.get(back, follow_redirects=False), 401, "access_denied", client)


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example"])
def test_next_never_leaves_the_server(db: Database, client: TestClient, target: str) -> None:
    _account(db, "wangfang", "wang.fang@city.example")
    answer = idp.sign_in(client, "wang", next_url=target)
    assert answer.status_code == 200
    assert 'content="0;url=/desk"' in answer.text
    assert "evil" not in answer.text


def test_refusals_are_counted_and_throttled_like_wrong_passwords(db: Database, client: TestClient) -> None:
    limit = db.settings.sign_in_max_failures_per_address
    with db.transaction() as session:  # this address has failed just under its limit already
        session.add_all(
            SignInFailure(username="guess", address="testclient", at=clock.utcnow()) for _ in range(limit - 1)
        )
    _refused(idp.sign_in(client, "zhao"), 403, "没有对应的本系统员工账号", client)
    with db.reading() as session:
        assert session.scalars(select(SignInFailure.username).where(SignInFailure.username.like("oidc:%"))).all() == [
            "oidc:zhao.min@elsewhere.example"
        ]
    refused = client.get("/signin/oidc", follow_redirects=False)
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    assert "登录失败次数过多" in refused.text


def test_an_unreachable_provider_gets_502_and_a_readable_page(db: Database, settings: Settings) -> None:
    down = idp.oidc_settings(settings, "http://127.0.0.1:9/nothing-here", oidc_timeout_seconds=2)
    with _client(db, down) as client:
        _refused(client.get("/signin/oidc", follow_redirects=False), 502, "统一身份认证暂时无法访问", client)

    _account(db, "wangfang", "wang.fang@city.example")
    with idp.identity_provider(idp.CALLBACK) as brief:  # a provider that goes down before the code is exchanged
        client = _client(db, idp.oidc_settings(settings, brief, oidc_timeout_seconds=2))
        back = idp.at_provider(idp.start(client), "wang")
    with client:
        _refused(client.get(back, follow_redirects=False), 502, "统一身份认证暂时无法访问", client)
    assert _count(db, SignInFailure) == 0  # the provider's outage is nobody's failed attempt


def test_oidc_off_means_404_and_no_button(db: Database, settings: Settings) -> None:
    assert not settings.oidc_enabled()
    with _client(db, settings) as client:
        assert "sign-in-oidc" not in client.get("/signin").text
        assert client.get("/signin/oidc", follow_redirects=False).status_code == 404
        assert client.get("/signin/oidc/callback?code=x&state=y").status_code == 404


def test_oidc_on_shows_the_button_with_its_name(client: TestClient) -> None:
    page = client.get("/signin?next=/cockpit").text
    assert 'id="sign-in-oidc" href="/signin/oidc?next=/cockpit"' in page
    assert "统一身份认证 Unified sign-in" in page


def test_the_start_sends_pkce_state_and_nonce_and_binds_the_browser(client: TestClient, issuer: str) -> None:
    answer = client.get("/signin/oidc", follow_redirects=False)
    query = parse_qs(urlsplit(answer.headers["location"]).query)
    assert answer.headers["location"].startswith(issuer + "/auth?")
    assert query["code_challenge_method"] == ["S256"]
    assert query["response_type"] == ["code"]
    assert query["redirect_uri"] == [idp.CALLBACK]
    assert len(query["state"][0]) >= 40
    assert len(query["nonce"][0]) >= 40
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith(BROWSER_COOKIE + "="))
    assert {"httponly", "secure", "samesite=lax", "path=/signin/oidc"} <= {p.strip().lower() for p in cookie.split(";")}
    assert query["state"][0] not in cookie  # the state is kept on the server, not in the browser
