"""Signing a person in on the real /signin page, for the browser tests.

Tests that made an API key for a role (to drive the API with httpx as well) sign in as a staff account of the
same role and department: :func:`account_like` makes it once per key on the served app's database.
"""

from __future__ import annotations

from typing import Any

from citybrain.auth import account_repository, accounts
from citybrain.core.db import Database
from citybrain.core.ids import hash_secret
from citybrain.models import ApiKey
from tests.conftest import PASSWORD
from tests.live_server import SERVED


def account_like(db: Database, key: str) -> str:
    """The user name of a staff account with the role, department and name of the API key ``key``."""
    with db.transaction() as session:
        found = session.query(ApiKey).filter(ApiKey.key_hash == hash_secret(key)).one()
        username = f"key-{found.id}"
        if account_repository.user_by_name(session, username) is None:
            codes = account_repository.department_codes(session)
            department = codes.get(found.department_id) if found.department_id is not None else None
            accounts.create(session=session, username=username, display_name=found.name, role=found.role,
                            password=PASSWORD, min_length=10, department_code=department)  # fmt: skip
    return username


def sign_in_on_page(page: Any, url: str, username: str, path: str = "/desk", password: str = PASSWORD) -> None:
    """Open ``path``, get sent to /signin, sign in there and come back to ``path``."""
    page.goto(url + path)
    page.wait_for_selector("#signin-form")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#sign-in")
    page.wait_for_url(lambda u: "/signin" not in u)


def sign_in_with_key(page: Any, url: str, key: str, path: str = "/desk") -> None:
    """Sign in as the staff account like ``key`` (see :func:`account_like`) on the app served at ``url``."""
    sign_in_on_page(page, url, account_like(SERVED[url].state.db, key), path)
