"""Staff passwords: argon2id hashes (argon2-cffi) and the minimum policy a new password must meet.

Why argon2id: it is the OWASP first choice for password storage — slow and memory-hard, so a stolen table costs an
attacker dearly per guess. A hash made with older parameters is verified and then replaced by one made with the
current parameters (:func:`verify` says so), so raising the cost reaches every account at its next sign-in.
"""

from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from citybrain.core.errors import InvalidInput

#: The library's defaults (RFC 9106's second recommendation: t=3, 64 MiB, 4 lanes) — changed here, rehashed on use.
HASHER = PasswordHasher()
MAX_LENGTH = 128  # longer is refused: an argon2 of a megabyte "password" is a cheap way to load the server

#: A hash of nothing anyone knows: an unknown user name is verified against it, so it costs the same time as a
#: known one and the answer's timing does not tell which names exist.
_DUMMY = HASHER.hash("citybrain: no such user")


@dataclass(frozen=True)
class Verified:
    ok: bool
    new_hash: str | None = None  # set when the stored hash used old parameters: store this one instead


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify(stored_hash: str | None, password: str) -> Verified:
    """Check ``password`` against ``stored_hash`` (None: an unknown user, checked against a dummy for timing)."""
    if len(password) > MAX_LENGTH:
        return Verified(ok=False)
    try:
        HASHER.verify(stored_hash or _DUMMY, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return Verified(ok=False)
    if stored_hash is None:
        return Verified(ok=False)
    return Verified(ok=True, new_hash=HASHER.hash(password) if HASHER.check_needs_rehash(stored_hash) else None)


def check_policy(password: str, *, username: str, min_length: int) -> None:
    """The minimum policy: long enough, not too long, not the user name, not one repeated character.

    Length is what makes a password strong (NIST SP 800-63B); no composition rules that push people to ``Passw0rd!``.
    """
    if len(password) < min_length:
        raise InvalidInput(f"密码至少 {min_length} 个字符 / the password needs at least {min_length} characters")
    if len(password) > MAX_LENGTH:
        raise InvalidInput(f"密码最多 {MAX_LENGTH} 个字符 / the password may have at most {MAX_LENGTH} characters")
    if password.strip().lower() == username.strip().lower() or username.lower() in password.lower():
        raise InvalidInput("密码不能包含用户名 / the password may not contain the user name")
    if len(set(password)) < 4:
        raise InvalidInput("密码过于简单 / the password is too simple: use at least 4 different characters")
