"""Record an analysis run and its ranked results, and read them back for the dashboard and the API.

An analysis computes in memory (pure, in ``analytics``), then one call of :func:`save_run` writes the run and all its
items inside the caller's transaction: a run is stored whole or not at all. Items keep the order they are given in
(``rank`` 1, 2, …), with their evidence (``payload``) and member cases (``case_ids``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from citybrain.core import clock
from citybrain.core.errors import Forbidden, InvalidInput, NotFound
from citybrain.insight import repository
from citybrain.insight.scope import RANKING_KINDS, referenced_cases, scope_results
from citybrain.models import AnalysisResult, AnalysisRun

KINDS = ("associations", "hot_issues", "warnings", "replies", "report", "sensor_links", "blind_zones", "topics")
KEEP_RUNS = 100  # per kind; older runs are pruned when a new one is stored


@dataclass(frozen=True)
class Reader:
    """Who reads stored runs: the whole city (``department_id`` None), or one department's own cases only; and
    whether they may read runs that rank every department (``report``, ``replies``)."""

    department_id: int | None = None
    may_rank: bool = True


CITY = Reader()


@dataclass(frozen=True)
class ResultItem:
    """One ranked result: ``key`` names it stably (e.g. "noise.construction.night+roads.works"), ``score`` ranks it."""

    key: str
    score: float | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    case_ids: list[Any] | None = None


@dataclass(frozen=True)
class RunRecord:
    """A finished analysis as it is stored: every analysis turns its result into one of these, and :func:`save`
    writes it (the one way a run is stored)."""

    kind: str
    source: str
    params: dict[str, Any]
    summary: dict[str, Any] | None
    items: Sequence[ResultItem]


def save(session: Session, record: RunRecord) -> int:
    """Store ``record`` as a finished run (flushes; the caller's transaction commits). Returns the run id."""
    return save_run(
        session,
        kind=record.kind,
        source=record.source,
        params=record.params,
        summary=record.summary,
        items=record.items,
    )


def save_run(
    session: Session,
    *,
    kind: str,
    source: str,
    params: dict[str, Any],
    summary: dict[str, Any] | None,
    items: Sequence[ResultItem],
) -> int:
    """Store a finished run with its items (flushes; the caller's transaction commits). Returns the run id."""
    if kind not in KINDS:
        raise InvalidInput(f"unknown analysis kind {kind!r}; one of {', '.join(KINDS)}")
    now = clock.utcnow()
    run = repository.add_run(
        session,
        AnalysisRun(
            kind=kind,
            source=source[:500],
            params=_jsonable(params),
            status="finished",
            started_at=now,
            finished_at=now,
            summary=_jsonable(summary) if summary is not None else None,
        ),
    )
    repository.add_results(
        session,
        [
            AnalysisResult(
                run_id=run.id,
                rank=rank,
                key=item.key[:300],
                score=_finite(item.score),
                payload=_jsonable(item.payload),
                case_ids=_jsonable(item.case_ids) if item.case_ids is not None else None,
            )
            for rank, item in enumerate(items, start=1)
        ],
    )
    repository.delete_older_runs(session, kind=kind, keep=KEEP_RUNS)
    return run.id


def run_view(run: AnalysisRun, *, results: Sequence[dict[str, Any]] | None = None, total: int | None = None
             ) -> dict[str, Any]:  # fmt: skip
    view: dict[str, Any] = {
        "id": run.id,
        "kind": run.kind,
        "source": run.source,
        "status": run.status,
        "started_at": clock.iso(run.started_at),
        "finished_at": clock.iso(run.finished_at) if run.finished_at else None,
        "params": run.params,
        "summary": run.summary,
    }
    if results is not None:
        view["total_results"] = total
        view["results"] = list(results)
    return view


def _result_view(r: AnalysisResult) -> dict[str, Any]:
    return {"rank": r.rank, "key": r.key, "score": r.score, "payload": r.payload, "case_ids": r.case_ids}


def list_runs(session: Session, *, kind: str | None, limit: int = 20, reader: Reader = CITY) -> list[dict[str, Any]]:
    if kind is not None and kind not in KINDS:
        raise InvalidInput(f"unknown analysis kind {kind!r}; one of {', '.join(KINDS)}")
    runs = repository.list_runs(session, kind=kind, limit=limit, exclude=() if reader.may_rank else RANKING_KINDS)
    return [run_view(run) for run in runs]


def get_run(
    session: Session, run_id: int, *, limit: int = 100, offset: int = 0, reader: Reader = CITY
) -> dict[str, Any]:
    run = repository.get_run(session, run_id)
    if run is None:
        raise NotFound(f"no analysis run {run_id}")
    if run.kind in RANKING_KINDS and not reader.may_rank:
        raise Forbidden(f"a {run.kind} run ranks every department; a department's key reads its own at /api/v1/kpis")
    if reader.department_id is None:
        results = [_result_view(r) for r in repository.results_of(session, run_id, limit=limit, offset=offset)]
        return run_view(run, results=results, total=repository.count_results(session, run_id))
    every = [_result_view(r) for r in repository.results_of(session, run_id, limit=None)]
    owned = repository.cases_of_department(session, referenced_cases(every), reader.department_id)
    mine = scope_results(every, owned)
    return run_view(run, results=mine[offset : offset + limit], total=len(mine))


def latest(session: Session, kind: str, *, limit: int = 100, reader: Reader = CITY) -> dict[str, Any]:
    if kind not in KINDS:
        raise InvalidInput(f"unknown analysis kind {kind!r}; one of {', '.join(KINDS)}")
    run = repository.latest_finished(session, kind)
    if run is None:
        raise NotFound(f"no {kind} run stored yet; run `citybrain analyze` to compute one")
    return get_run(session, run.id, limit=limit, reader=reader)


def _finite(value: float | None) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _jsonable(value: Any) -> Any:
    """Plain JSON types only: numpy scalars become numbers, NaN/inf become null, tuples become lists."""
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(item) for item in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if hasattr(value, "item"):  # numpy scalar
        return _jsonable(value.item())
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
