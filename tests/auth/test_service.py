from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from citybrain.auth import service
from citybrain.auth.roles import Permission
from citybrain.core.errors import Forbidden, InvalidInput, NotFound, Unauthorized
from citybrain.models import ApiKey


def test_key_is_shown_once_and_only_its_hash_is_stored(session: Session) -> None:
    key, plaintext = service.create_api_key(session=session, name="hotline desk", role="operator")
    stored = session.scalars(select(ApiKey)).one()
    assert plaintext.startswith("cb_")
    assert plaintext not in (stored.key_hash, stored.prefix)
    assert stored.prefix == plaintext[:8]
    principal = service.authenticate(session=session, plaintext=plaintext)
    assert principal.name == "hotline desk"
    assert principal.can(Permission.DISPATCH)
    assert key.id == stored.id


def test_missing_wrong_and_revoked_keys_are_refused(session: Session) -> None:
    key, plaintext = service.create_api_key(session=session, name="app", role="app")
    with pytest.raises(Unauthorized):
        service.authenticate(session=session, plaintext=None)
    with pytest.raises(Forbidden):
        service.authenticate(session=session, plaintext=plaintext + "x")
    service.revoke(session=session, key_id=key.id)
    with pytest.raises(Forbidden):
        service.authenticate(session=session, plaintext=plaintext)


def test_app_keys_may_submit_but_not_read_cases(session: Session) -> None:
    _key, plaintext = service.create_api_key(session=session, name="app", role="app")
    principal = service.authenticate(session=session, plaintext=plaintext)
    assert principal.can(Permission.SUBMIT)
    assert not principal.can(Permission.READ_CASES)
    assert not principal.can(Permission.SEE_PII)


def test_bad_roles_and_departments_are_refused(session: Session) -> None:
    with pytest.raises(InvalidInput, match="unknown role"):
        service.create_api_key(session=session, name="x", role="mayor")
    with pytest.raises(InvalidInput, match="--department"):
        service.create_api_key(session=session, name="x", role="department")
    with pytest.raises(NotFound):
        service.create_api_key(session=session, name="x", role="department", department_code="nope")
