"""Staff sign-in sessions and accounts at the service level, on both databases: sign in, idle and absolute
expiry (the injectable clock), sign-out, disabling and password changes ending sessions, throttling."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from citybrain.auth import accounts, sessions
from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.core.errors import Conflict, InvalidInput, NotFound, TooManyRequests, Unauthorized
from citybrain.core.ids import hash_secret
from citybrain.models import SignInFailure, StaffSession, StaffUser
from tests.conftest import PASSWORD, make_user

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _sign_in(db: Database, username: str = "test-operator", password: str = PASSWORD,
             address: str = "10.0.0.1") -> sessions.SignedIn | None:  # fmt: skip
    return sessions.sign_in(db, username=username, password=password, address=address)


def test_signing_in_opens_a_session_stored_only_as_a_hash(db: Database) -> None:
    make_user(db, "department", "urban_mgmt")
    signed = _sign_in(db, "TEST-Department ")  # user names are not case-sensitive
    assert signed is not None
    principal = sessions.principal_for(db, signed.token)
    assert principal.role == "department"
    assert principal.department_id is not None
    assert principal.user_id == signed.user_id
    assert principal.csrf_token == sessions.csrf_token(signed.token) != signed.token
    with db.reading() as s:
        row = s.scalars(select(StaffSession)).one()
        assert row.token_hash == hash_secret(signed.token)
        assert signed.token not in (row.token_hash, row.address)
        assert s.scalars(select(StaffUser)).one().last_sign_in_at is not None


def test_a_wrong_password_or_unknown_name_opens_nothing_and_is_counted(db: Database) -> None:
    make_user(db)
    assert _sign_in(db, password="wrong password!!") is None
    assert _sign_in(db, username="nobody") is None
    with db.reading() as s:
        assert s.scalar(select(StaffSession.id)) is None
        assert sorted(f.username for f in s.scalars(select(SignInFailure))) == ["nobody", "test-operator"]


def test_a_session_ends_after_the_idle_time(db: Database) -> None:
    make_user(db)
    idle = timedelta(minutes=db.settings.session_idle_minutes)
    with clock.frozen(T0):
        signed = _sign_in(db)
        assert signed is not None
        clock.advance(idle - timedelta(minutes=1))
        sessions.principal_for(db, signed.token)  # used: the idle time starts again
        clock.advance(idle - timedelta(minutes=1))
        sessions.principal_for(db, signed.token)
        clock.advance(idle)
        with pytest.raises(Unauthorized, match="sign in again"):
            sessions.principal_for(db, signed.token)


def test_a_busy_session_still_ends_at_the_absolute_limit(db: Database) -> None:
    make_user(db)
    absolute = timedelta(hours=db.settings.session_absolute_hours)
    step = timedelta(minutes=db.settings.session_idle_minutes / 2)
    with clock.frozen(T0):
        signed = _sign_in(db)
        assert signed is not None
        while clock.utcnow() + step < T0 + absolute:
            clock.advance(step)
            sessions.principal_for(db, signed.token)
        clock.advance(step)
        with pytest.raises(Unauthorized):
            sessions.principal_for(db, signed.token)


def test_signing_out_ends_the_session(db: Database) -> None:
    make_user(db)
    first, second = _sign_in(db), _sign_in(db)
    assert first is not None
    assert second is not None
    sessions.sign_out(db, first.token)
    with pytest.raises(Unauthorized):
        sessions.principal_for(db, first.token)
    assert sessions.principal_for(db, second.token).role == "operator"  # another browser stays signed in


def test_disabling_an_account_ends_all_its_sessions_and_refuses_sign_in(db: Database) -> None:
    make_user(db)
    tokens = [s.token for s in (_sign_in(db), _sign_in(db, address="10.0.0.2")) if s is not None]
    with db.transaction() as s:
        ended = accounts.disable(session=s, user=accounts.by_name(session=s, username="test-operator"))
    assert ended == 2
    for token in tokens:
        with pytest.raises(Unauthorized):
            sessions.principal_for(db, token)
    assert _sign_in(db) is None  # the right password, but disabled: refused like a wrong one


def test_a_new_password_ends_all_sessions_and_the_old_password(db: Database) -> None:
    make_user(db)
    signed = _sign_in(db)
    assert signed is not None
    with db.transaction() as s:
        user = accounts.by_name(session=s, username="test-operator")
        accounts.set_password(session=s, user=user, password="a brand new passphrase", min_length=10)
    with pytest.raises(Unauthorized):
        sessions.principal_for(db, signed.token)
    assert _sign_in(db) is None
    assert _sign_in(db, password="a brand new passphrase") is not None


def test_a_role_change_holds_from_the_next_request(db: Database) -> None:
    make_user(db)
    signed = _sign_in(db)
    assert signed is not None
    with db.transaction() as s:
        user = accounts.by_name(session=s, username="test-operator")
        accounts.change(session=s, user=user, change=accounts.Change(role="analyst"))
    assert sessions.principal_for(db, signed.token).role == "analyst"


def test_throttling_per_user_name_and_per_address(db: Database) -> None:
    make_user(db)
    limit, window = db.settings.sign_in_max_failures, timedelta(minutes=db.settings.sign_in_window_minutes)
    with clock.frozen(T0):
        for i in range(limit):
            assert _sign_in(db, password="wrong password!!", address=f"10.1.0.{i}") is None
        with pytest.raises(TooManyRequests) as refused:
            _sign_in(db, address="10.9.9.9")  # even the right password, from anywhere
        assert 0 < refused.value.retry_after <= window.total_seconds()
        clock.advance(window)
        assert _sign_in(db) is not None  # the window has passed; success clears the name's failures
        per_address = db.settings.sign_in_max_failures_per_address
        for i in range(per_address):
            assert _sign_in(db, username=f"guess{i}", address="10.6.6.6") is None
        with pytest.raises(TooManyRequests):
            _sign_in(db, address="10.6.6.6")
        assert _sign_in(db, address="10.0.0.7") is not None  # another address is not held up


def test_accounts_refuse_bad_input(db: Database) -> None:
    make_user(db)
    with db.transaction() as s, pytest.raises(Conflict):
        accounts.create(session=s, username="TEST-operator", display_name="x", role="operator",
                        password=PASSWORD, min_length=10)  # fmt: skip
    cases = [
        ({"username": "a b"}, InvalidInput),
        ({"role": "app"}, InvalidInput),  # machines' roles are for API keys only
        ({"role": "department"}, InvalidInput),  # without a department
        ({"role": "department", "department_code": "nope"}, NotFound),
        ({"department_code": "urban_mgmt"}, InvalidInput),  # an operator has no department
        ({"password": "short"}, InvalidInput),
        ({"display_name": "\x00\n"}, InvalidInput),  # nothing printable left
    ]
    for change, error in cases:
        fields = {"username": "new.user", "display_name": "新人", "role": "operator", "password": PASSWORD} | change
        with db.transaction() as s, pytest.raises(error):
            accounts.create(session=s, min_length=10, **fields)
    with db.reading() as s:
        assert s.scalars(select(StaffUser.username)).all() == ["test-operator"]  # nothing half written


def test_a_user_name_with_a_nul_byte_is_a_plain_refusal(db: Database) -> None:
    """PostgreSQL refuses NUL in text: the name is cleaned before it is looked up or counted, never a 500."""
    make_user(db)
    assert _sign_in(db, username="test-\x00operator", password="wrong password!!") is None
    assert _sign_in(db, username="\x00", password="\x00") is None
    with db.reading() as s:
        assert "test-operator" in s.scalars(select(SignInFailure.username)).all()


def test_control_characters_leave_a_display_name(db: Database) -> None:
    with db.transaction() as s:
        user = accounts.create(session=s, username="lisi", display_name="李\x00四\n", role="operator",
                               password=PASSWORD, min_length=10)  # fmt: skip
        assert user.display_name == "李四"


def test_signing_in_replaces_a_hash_made_with_old_parameters(db: Database) -> None:
    from argon2 import PasswordHasher

    from citybrain.auth import passwords

    make_user(db)
    old = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    with db.transaction() as s:
        accounts.by_name(session=s, username="test-operator").password_hash = old
    assert _sign_in(db) is not None
    with db.reading() as s:
        stored = accounts.by_name(session=s, username="test-operator").password_hash
    assert stored != old
    assert not passwords.HASHER.check_needs_rehash(stored)
    assert passwords.verify(stored, PASSWORD).ok
