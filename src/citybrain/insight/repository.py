"""All SQL of stored insight runs."""

from __future__ import annotations

from collections.abc import Collection, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from citybrain.models import AnalysisResult, AnalysisRun, Case

#: Case ids asked about in one IN list (well under SQLite's and PostgreSQL's bound-parameter limits).
_CHUNK = 1000


def add_run(session: Session, run: AnalysisRun) -> AnalysisRun:
    session.add(run)
    session.flush()
    return run


def add_results(session: Session, results: Sequence[AnalysisResult]) -> None:
    session.add_all(results)
    session.flush()


def get_run(session: Session, run_id: int) -> AnalysisRun | None:
    return session.get(AnalysisRun, run_id)


def list_runs(session: Session, *, kind: str | None, limit: int, exclude: Collection[str] = ()) -> list[AnalysisRun]:
    query = sa.select(AnalysisRun).order_by(AnalysisRun.started_at.desc(), AnalysisRun.id.desc()).limit(limit)
    if kind is not None:
        query = query.where(AnalysisRun.kind == kind)
    if exclude:
        query = query.where(AnalysisRun.kind.not_in(sorted(exclude)))
    return list(session.scalars(query))


def latest_finished(session: Session, kind: str) -> AnalysisRun | None:
    query = (
        sa.select(AnalysisRun)
        .where(AnalysisRun.kind == kind, AnalysisRun.status == "finished")
        .order_by(AnalysisRun.started_at.desc(), AnalysisRun.id.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def results_of(session: Session, run_id: int, *, limit: int | None, offset: int = 0) -> list[AnalysisResult]:
    """A page of the run's results in rank order (``limit=None``: all of them)."""
    query = sa.select(AnalysisResult).where(AnalysisResult.run_id == run_id).order_by(AnalysisResult.rank)
    if limit is not None:
        query = query.limit(limit).offset(offset)
    return list(session.scalars(query))


def cases_of_department(session: Session, case_ids: Collection[int], department_id: int) -> set[int]:
    """Which of ``case_ids`` are with ``department_id`` now (the department's own cases, 部门数据范围)."""
    ids = sorted(case_ids)
    owned: set[int] = set()
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        query = sa.select(Case.id).where(Case.id.in_(chunk), Case.department_id == department_id)
        owned.update(session.scalars(query))
    return owned


def count_results(session: Session, run_id: int) -> int:
    query = sa.select(sa.func.count()).select_from(AnalysisResult).where(AnalysisResult.run_id == run_id)
    return int(session.scalar(query) or 0)


def delete_older_runs(session: Session, *, kind: str, keep: int) -> int:
    """Delete all but the newest ``keep`` runs of ``kind`` (their results go with them)."""
    keep_ids = sa.select(AnalysisRun.id).where(AnalysisRun.kind == kind).order_by(AnalysisRun.id.desc()).limit(keep)
    old_ids = list(
        session.scalars(sa.select(AnalysisRun.id).where(AnalysisRun.kind == kind, AnalysisRun.id.not_in(keep_ids)))
    )
    if old_ids:
        session.execute(sa.delete(AnalysisResult).where(AnalysisResult.run_id.in_(old_ids)))
        session.execute(sa.delete(AnalysisRun).where(AnalysisRun.id.in_(old_ids)))
    return len(old_ids)
