"""Passwords: argon2id hashes, rehash on new parameters, the minimum policy."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from citybrain.auth import passwords
from citybrain.core.errors import InvalidInput


def test_a_password_is_stored_as_an_argon2id_hash_and_verified() -> None:
    stored = passwords.hash_password("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert "correct horse battery" not in stored
    assert passwords.verify(stored, "correct horse battery").ok
    assert not passwords.verify(stored, "correct horse batterY").ok
    assert passwords.hash_password("correct horse battery") != stored  # salted


def test_an_unknown_user_is_never_verified() -> None:
    assert not passwords.verify(None, "citybrain: no such user").ok  # not even with the dummy's own text


def test_a_hash_made_with_old_parameters_is_replaced_at_the_next_sign_in() -> None:
    old = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash("correct horse battery")
    verified = passwords.verify(old, "correct horse battery")
    assert verified.ok
    assert verified.new_hash is not None
    assert not passwords.HASHER.check_needs_rehash(verified.new_hash)
    current = passwords.hash_password("correct horse battery")
    assert passwords.verify(current, "correct horse battery").new_hash is None


def test_garbage_in_the_stored_hash_is_a_refusal_not_a_crash() -> None:
    assert not passwords.verify("not a hash", "whatever12345").ok
    assert not passwords.verify(passwords.hash_password("x" * 10), "x" * 5000).ok  # too long: not even tried


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("short1", "at least 10"),
        ("x" * 129, "at most 128"),
        ("zhangsan2026!", "user name"),
        ("aaaaaaaaaaaaaa", "too simple"),
        ("abababababab", "too simple"),
    ],
)
def test_the_minimum_policy_refuses_weak_passwords(password: str, why: str) -> None:
    with pytest.raises(InvalidInput, match=why):
        passwords.check_policy(password, username="zhangsan", min_length=10)


def test_a_long_passphrase_passes_the_policy() -> None:
    passwords.check_policy("路灯 不亮 三天了 please", username="zhangsan", min_length=10)
