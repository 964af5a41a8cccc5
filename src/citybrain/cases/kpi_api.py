"""Routes (filled in by the owning domain)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
