"""Identifiers, secrets and content hashes."""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path


def new_token(nbytes: int = 16) -> str:
    """A random URL-safe token (Open311 batch tokens)."""
    return secrets.token_urlsafe(nbytes)


def new_api_key() -> str:
    """A new API key: ``cb_`` and 40 random characters."""
    return "cb_" + secrets.token_urlsafe(30)


def hash_secret(secret: str) -> str:
    """SHA-256 of a high-entropy secret; keys are random, so no slow hash is needed."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def file_sha256(path: Path) -> str:
    """The file's SHA-256, read in 1 MiB blocks: what makes re-importing the same file a no-op."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
