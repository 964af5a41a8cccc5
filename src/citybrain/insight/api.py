"""Stored analysis runs for the cockpit and staff: list, one run with its results, the latest of a kind."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from citybrain.auth.deps import KpiReader
from citybrain.auth.roles import Permission, Principal
from citybrain.cases.policy import department_scope
from citybrain.core.http import DbDep
from citybrain.core.inputs import Offset, RowId
from citybrain.insight import service

router = APIRouter(tags=["insight"])


def reader(principal: Principal) -> service.Reader:
    """A department's key reads its own cases of each run, and no run that ranks every department."""
    return service.Reader(
        department_id=department_scope(principal, None), may_rank=principal.can(Permission.RANK_DEPARTMENTS)
    )


@router.get("/insight/runs", summary="Stored analysis runs, newest first (associations, hot issues, warnings …)")
def list_runs(
    db: DbDep,
    principal: KpiReader,
    kind: Annotated[str | None, Query(description=f"one of {', '.join(service.KINDS)}")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 20,
) -> list[dict[str, Any]]:
    with db.reading() as session:
        return service.list_runs(session, kind=kind, limit=limit, reader=reader(principal))


@router.get("/insight/runs/{run_id}", summary="One run with its ranked results, evidence and member cases")
def get_run(
    run_id: RowId,
    db: DbDep,
    principal: KpiReader,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[Offset, Query()] = 0,
) -> dict[str, Any]:
    with db.reading() as session:
        return service.get_run(session, run_id, limit=limit, offset=offset, reader=reader(principal))


@router.get("/insight/latest/{kind}", summary="The newest finished run of a kind, with its results")
def latest(
    kind: str,
    db: DbDep,
    principal: KpiReader,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    with db.reading() as session:
        return service.latest(session, kind, limit=limit, reader=reader(principal))


@router.get(
    "/insight/topics",
    summary="群众所思所想: the latest topics run — each topic's words, monthly shares and whether it rose",
)
def topics(db: DbDep, principal: KpiReader) -> dict[str, Any]:
    from citybrain.insight.topics import panel

    with db.reading() as session:
        return panel(service.latest(session, "topics", limit=100, reader=reader(principal)))
