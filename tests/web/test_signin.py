"""Staff sign-in over HTTP, as a browser meets it: the /signin form, the session cookie's attributes, CSRF on
cookie-authenticated writes, throttling, sign-out, and the desk/cockpit/admin pages behind the sign-in."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi.testclient import TestClient

from citybrain.auth import accounts, sessions
from citybrain.core.db import Database
from citybrain.core.errors import Unauthorized
from citybrain.core.settings import Settings
from citybrain.web.app import create_app
from tests.conftest import PASSWORD, make_key, make_user, sign_in


def _form_token(client: TestClient, path: str = "/signin") -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found is not None
    return found.group(1)


def _post_signin(client: TestClient, username: str, password: str, **extra: str) -> httpx.Response:
    form = {"username": username, "password": password, "csrf_token": _form_token(client)} | extra
    answer: httpx.Response = client.post("/signin", data=form, follow_redirects=False)
    return answer


def test_the_sign_in_page_is_bilingual_and_runs_no_inline_code(browser_client: TestClient) -> None:
    page = browser_client.get("/signin")
    assert page.status_code == 200
    assert page.text.index("登录") < page.text.index("Sign in")
    assert 'href="/favicon.ico"' in page.text
    assert "<script" not in page.text
    assert "style=" not in page.text
    assert "<style" not in page.text
    assert "unsafe-inline" not in page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


def test_signing_in_sets_a_strict_http_only_secure_cookie_and_goes_on(db: Database, browser_client: TestClient) -> None:
    make_user(db)
    answer = _post_signin(browser_client, "test-operator", PASSWORD, next="/cockpit?district=furong")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/cockpit?district=furong"
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith(sessions.COOKIE))
    attributes = {part.strip().lower() for part in cookie.split(";")}
    assert {"httponly", "secure", "samesite=strict", "path=/"} <= attributes
    me = browser_client.get("/api/v1/me").json()
    assert me["signed_in"] is True
    assert me["role"] == "operator"
    assert me["csrf_token"]


def test_the_cookie_is_not_secure_only_when_the_setting_says_plain_http(db: Database, settings: Settings) -> None:
    make_user(db)
    plain = settings.model_copy(update={"session_cookie_secure": False})
    with TestClient(create_app(plain, database=db)) as client:
        answer = _post_signin(client, "test-operator", PASSWORD)
        cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith(sessions.COOKIE))
        assert "secure" not in cookie.lower()
        assert client.get("/api/v1/me").status_code == 200


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:x"])
def test_next_never_leaves_the_server(db: Database, browser_client: TestClient, target: str) -> None:
    make_user(db)
    answer = _post_signin(browser_client, "test-operator", PASSWORD, next=target)
    assert answer.headers["location"] == "/desk"


def test_a_wrong_password_and_an_unknown_name_get_the_same_answer(db: Database, browser_client: TestClient) -> None:
    make_user(db)
    answers = [_post_signin(browser_client, name, "wrong password!!") for name in ("test-operator", "nobody-here")]
    bodies = [re.sub(r'value="[^"]*"', "", a.text) for a in answers]
    assert [a.status_code for a in answers] == [401, 401]
    assert "用户名或密码错误" in bodies[0]
    assert bodies[0].replace("test-operator", "X") == bodies[1].replace("nobody-here", "X")
    assert sessions.COOKIE not in browser_client.cookies


def test_a_sign_in_form_without_its_token_is_refused(db: Database, browser_client: TestClient) -> None:
    make_user(db)
    form = {"username": "test-operator", "password": PASSWORD, "csrf_token": "forged"}
    answer = browser_client.post("/signin", data=form, follow_redirects=False)
    assert answer.status_code == 403
    assert sessions.COOKIE not in browser_client.cookies


def test_too_many_failures_get_429_with_retry_after(db: Database, browser_client: TestClient) -> None:
    make_user(db)
    for _ in range(db.settings.sign_in_max_failures):
        assert _post_signin(browser_client, "test-operator", "wrong password!!").status_code == 401
    refused = _post_signin(browser_client, "test-operator", PASSWORD)  # even the right one, for now
    assert refused.status_code == 429
    assert 0 < int(refused.headers["retry-after"]) <= 15 * 60
    assert "登录失败次数过多" in refused.text


def test_a_cookie_write_needs_the_csrf_token_and_a_key_write_does_not(db: Database, browser_client: TestClient) -> None:
    make_user(db)
    csrf = sign_in(browser_client, "test-operator")
    case = {"channel": "web", "text": "路灯不亮"}
    refused = browser_client.post("/api/v1/cases", json=case)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "csrf_failed"
    wrong = browser_client.post("/api/v1/cases", json=case, headers={"X-CSRF-Token": "x" + csrf[1:]})
    assert wrong.status_code == 403
    created = browser_client.post("/api/v1/cases", json=case, headers={"X-CSRF-Token": csrf})
    assert created.status_code == 201, created.text
    key = {"X-API-Key": make_key(db, "operator")}
    assert browser_client.post("/api/v1/cases", json=case, headers=key).status_code == 201


def test_signing_out_revokes_the_session_on_the_server(db: Database, browser_client: TestClient) -> None:
    make_user(db)
    csrf = sign_in(browser_client, "test-operator")
    stolen = browser_client.cookies[sessions.COOKIE]
    assert browser_client.post("/signout", data={"csrf_token": "forged"}).status_code == 403  # forged: no effect
    assert browser_client.get("/api/v1/me").status_code == 200
    answer = browser_client.post("/signout", data={"csrf_token": csrf}, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/signin"
    browser_client.cookies.set(sessions.COOKIE, stolen, domain="testserver.local")
    replay = browser_client.get("/api/v1/me")
    assert replay.status_code == 401  # a copy of the cookie is worth nothing after sign-out
    assert replay.json()["error"]["code"] == "session_ended"


def test_disabling_an_account_ends_its_open_sessions(db: Database, browser_client: TestClient) -> None:
    make_user(db)
    sign_in(browser_client, "test-operator")
    with db.transaction() as s:
        accounts.disable(session=s, user=accounts.by_name(session=s, username="test-operator"))
    assert browser_client.get("/api/v1/me").status_code == 401
    assert browser_client.get("/desk", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("page", ["/desk", "/cockpit", "/admin", "/desk?district=furong&open=false"])
def test_staff_pages_send_a_stranger_to_sign_in_and_back(browser_client: TestClient, page: str) -> None:
    answer = browser_client.get(page, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/signin?next=/")
    back = re.search(r'name="next" value="([^"]+)"', browser_client.get(answer.headers["location"]).text)
    assert back is not None
    assert back.group(1).replace("&amp;", "&") == page


def test_the_desk_and_cockpit_open_for_the_signed_in_with_a_sign_out_form(
    db: Database, browser_client: TestClient
) -> None:
    make_user(db, "supervisor")
    csrf = sign_in(browser_client, "test-supervisor")
    for page in ("/desk", "/cockpit"):
        answer = browser_client.get(page)
        assert answer.status_code == 200
        assert f'name="csrf_token" value="{csrf}"' in answer.text
        assert 'action="/signout"' in answer.text
        assert 'id="api-key"' not in answer.text  # no pasted key any more
        assert "script-src 'self'" in answer.headers["content-security-policy"]


@pytest.fixture
def admin_client(db: Database, browser_client: TestClient) -> tuple[TestClient, dict[str, str]]:
    make_user(db, "admin")
    return browser_client, {"X-CSRF-Token": sign_in(browser_client, "test-admin")}


def test_only_administrators_get_the_admin_page_and_routes(db: Database, settings: Settings) -> None:
    make_user(db, "operator")
    with TestClient(create_app(settings, database=db), base_url="https://testserver") as client:
        csrf = {"X-CSRF-Token": sign_in(client, "test-operator")}
        assert client.get("/admin").status_code == 403
        assert client.get("/api/v1/admin/users").status_code == 403
        body = {"username": "x1", "display_name": "x", "role": "admin", "password": PASSWORD}
        assert client.post("/api/v1/admin/users", json=body, headers=csrf).status_code == 403
    key = {"X-API-Key": make_key(db, "supervisor")}
    with TestClient(create_app(settings, database=db)) as client:
        assert client.get("/api/v1/admin/keys", headers=key).status_code == 403
        assert client.get("/api/v1/admin/keys").status_code == 401


def test_an_administrator_manages_accounts(db: Database, admin_client: tuple[TestClient, dict[str, str]]) -> None:
    client, csrf = admin_client
    page = client.get("/admin")
    assert page.status_code == 200
    assert 'href="/favicon.ico"' in page.text
    assert "style=" not in page.text
    assert "unsafe-inline" not in page.headers["content-security-policy"]
    body = {
        "username": "Li.Si",
        "display_name": "李四",
        "role": "department",
        "department_code": "urban_mgmt",
        "password": "短",
    }
    assert client.post("/api/v1/admin/users", json=body, headers=csrf).status_code == 400  # the policy
    created = client.post("/api/v1/admin/users", json=body | {"password": PASSWORD}, headers=csrf)
    assert created.status_code == 201, created.text
    user = created.json()
    assert (user["username"], user["department_code"], user["disabled"]) == ("li.si", "urban_mgmt", False)
    assert user["email"] is None
    assert "password" not in created.text
    assert "argon2" not in created.text
    assert client.post("/api/v1/admin/users", json=body | {"password": PASSWORD}, headers=csrf).status_code == 409
    with TestClient(client.app, base_url="https://testserver") as other:  # 李四 signs in elsewhere
        sign_in(other, "li.si")
        path = f"/api/v1/admin/users/{user['id']}"
        changed = client.patch(path, json={"role": "analyst", "department_code": None}, headers=csrf)
        assert changed.json()["role"] == "analyst"
        assert changed.json()["department_code"] is None
        with_email = client.patch(path, json={"email": "Li.Si@City.example"}, headers=csrf)
        assert with_email.json()["email"] == "li.si@city.example"  # how an OIDC sign-in first finds the account
        assert client.patch(path, json={"email": "no address"}, headers=csrf).status_code == 400
        assert client.patch(path, json={"email": ""}, headers=csrf).json()["email"] is None
        assert other.get("/api/v1/me").json()["role"] == "analyst"
        reset = client.post(f"{path}/password", json={"password": "another long phrase"}, headers=csrf)
        assert reset.status_code == 200
        assert reset.json()["sessions"] == 0
        assert other.get("/api/v1/me").status_code == 401  # the new password ended 李四's session
        sign_in(other, "li.si", "another long phrase")
        assert client.patch(path, json={"disabled": True}, headers=csrf).json()["disabled"] is True
        assert other.get("/api/v1/me").status_code == 401
    me = client.get("/api/v1/admin/users").json()
    own = next(u for u in me if u["username"] == "test-admin")
    refused = client.patch(f"/api/v1/admin/users/{own['id']}", json={"disabled": True}, headers=csrf)
    assert refused.status_code == 409
    assert client.patch("/api/v1/admin/users/999999", json={"disabled": True}, headers=csrf).status_code == 404
    assert client.patch("/api/v1/admin/users/99999999999999999999", json={}, headers=csrf).status_code == 422


def test_an_administrator_manages_api_keys_shown_once(
    db: Database, admin_client: tuple[TestClient, dict[str, str]]
) -> None:
    client, csrf = admin_client
    created = client.post("/api/v1/admin/keys", json={"name": "FixMyStreet", "role": "app"}, headers=csrf)
    assert created.status_code == 201, created.text
    key = created.json()
    assert key["key"].startswith(key["prefix"])
    listed = client.get("/api/v1/admin/keys")
    assert key["key"] not in listed.text
    assert key["prefix"] in listed.text
    services = client.get("/open311/v2/services.json", headers={"X-API-Key": key["key"]})
    assert services.status_code == 200
    assert client.post(f"/api/v1/admin/keys/{key['id']}/revoke", headers=csrf).json()["revoked_at"]
    assert client.get("/api/v1/departments", headers={"X-API-Key": key["key"]}).status_code == 403
    bad = client.post("/api/v1/admin/keys", json={"name": "x", "role": "emperor"}, headers=csrf)
    assert bad.status_code == 400


def test_an_analyst_reads_kpis_but_no_case_and_no_personal_data(db: Database, browser_client: TestClient) -> None:
    make_user(db, "analyst")
    sign_in(browser_client, "test-analyst")
    me = browser_client.get("/api/v1/me").json()
    assert me["role_zh"] == "数据分析员"
    assert me["sees_personal_data"] is False
    assert me["case_actions"] == []
    assert browser_client.get("/api/v1/kpis").status_code == 200
    assert browser_client.get("/api/v1/cockpit/ranking").status_code == 200
    assert browser_client.get("/api/v1/cases").status_code == 403
    assert browser_client.get("/api/v1/admin/users").status_code == 403


def test_someone_signed_in_goes_straight_on_from_the_sign_in_page(db: Database, browser_client: TestClient) -> None:
    make_user(db)
    sign_in(browser_client, "test-operator")
    answer = browser_client.get("/signin?next=/cockpit", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/cockpit"


def test_signing_in_again_in_a_browser_ends_its_earlier_session(db: Database, browser_client: TestClient) -> None:
    make_user(db)
    sign_in(browser_client, "test-operator")
    earlier = browser_client.cookies[sessions.COOKIE]
    browser_client.cookies.clear()  # (the form is shown to a browser not signed in; the old cookie is sent back)
    token = _form_token(browser_client)
    browser_client.cookies.set(sessions.COOKIE, earlier, domain="testserver.local")
    form = {"username": "test-operator", "password": PASSWORD, "csrf_token": token}
    assert browser_client.post("/signin", data=form, follow_redirects=False).status_code == 303
    assert browser_client.cookies[sessions.COOKIE] != earlier
    assert browser_client.get("/api/v1/me").status_code == 200
    with pytest.raises(Unauthorized, match="sign in again"):
        sessions.principal_for(db, earlier)
