"""Identifiers and secrets."""

from __future__ import annotations

import hashlib
import secrets


def new_token(nbytes: int = 16) -> str:
    """A random URL-safe token (Open311 batch tokens)."""
    return secrets.token_urlsafe(nbytes)


def new_api_key() -> str:
    """A new API key: ``cb_`` and 40 random characters."""
    return "cb_" + secrets.token_urlsafe(30)


def hash_secret(secret: str) -> str:
    """SHA-256 of a high-entropy secret; keys are random, so no slow hash is needed."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
