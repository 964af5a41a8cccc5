"""Attachments (申请材料文件) stored once per content under ``<data_dir>/attachments/<2 hex>/<sha256>``.

The type is what the bytes say (their magic numbers), never the file name's extension; the size is limited by
``CITYBRAIN_SERVICES_ATTACHMENT_MAX_BYTES``. A file is written (to a temporary name, then renamed) before its
row; if the transaction then rolls back, the file stays without a row and is simply reused by the next upload of
the same content — it is never served without its row.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from citybrain.core import clock
from citybrain.core.errors import InvalidInput
from citybrain.models import ServiceAttachment
from citybrain.services import repository as repo
from citybrain.services.catalogue import CONTENT_TYPES

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)


def sniff(data: bytes) -> str | None:
    """The content type the bytes begin with, among the accepted ones (None: not one of them)."""
    return next((kind for magic, kind in _MAGIC if data.startswith(magic)), None)


def too_large(size: int, max_bytes: int) -> InvalidInput:
    """413: ``size`` bytes (at least; an upload is cut off once past the limit) is over the limit."""
    return InvalidInput(
        f"the file is over the limit of {max_bytes:,} bytes ({size:,} bytes read; CITYBRAIN_SERVICES_ATTACHMENT_"
        "MAX_BYTES); nothing was stored",
        status_code=413,
        code="too_large",
    )


def check(data: bytes, max_bytes: int) -> str:
    """The sniffed type of an acceptable file, or the 4xx that says why it is not (nothing stored)."""
    if len(data) > max_bytes:
        raise too_large(len(data), max_bytes)
    if not data:
        raise InvalidInput("the file is empty")
    kind = sniff(data)
    if kind is None:
        raise InvalidInput(
            f"the file is not one of the accepted types ({', '.join(CONTENT_TYPES)}) by its content",
            status_code=415,
            code="unsupported_type",
        )
    return kind


def path_of(data_dir: Path, sha256: str) -> Path:
    return data_dir / "attachments" / sha256[:2] / sha256


def store(session: Session, *, data_dir: Path, data: bytes, max_bytes: int) -> ServiceAttachment:
    """Keep the file once by its sha256 (a second upload of the same bytes is the same attachment)."""
    kind = check(data, max_bytes)
    digest = hashlib.sha256(data).hexdigest()
    found = repo.attachment(session, digest)
    target = path_of(data_dir, digest)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{digest}.{uuid.uuid4().hex}.part")  # per upload: two at once never share one
        with tmp.open("wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(target)
    if found is not None:
        return found
    row = ServiceAttachment(sha256=digest, size=len(data), content_type=kind, created_at=clock.utcnow())
    try:
        with session.begin_nested():  # the same bytes uploaded at the same moment: the other upload's row wins
            session.add(row)
    except IntegrityError:
        stored = repo.attachment(session, digest)
        assert stored is not None
        return stored
    return row


def read(data_dir: Path, sha256: str) -> bytes:
    return path_of(data_dir, sha256).read_bytes()
