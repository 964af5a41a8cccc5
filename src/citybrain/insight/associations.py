"""Associations (关联分析) as a job: open the cases, count the baskets and judge the rules
(``analytics.associations``), and keep the rules as a run of kind ``associations``."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from citybrain.analytics import io
from citybrain.analytics.associations.analysis import (
    AssociationParams,
    AssociationResult,
    Progress,
    run_associations,
)
from citybrain.core.db import Database
from citybrain.insight.service import ResultItem, RunRecord
from citybrain.insight.source import open_database

KIND = "associations"


def from_file(
    path: Path, params: AssociationParams, *, progress: Progress | None = None
) -> tuple[AssociationResult, str]:
    """The rules of a canonical CSV/Parquet file's cases (times read in ``params.timezone``) and its name."""
    con = io.connect()
    try:
        if progress is not None:
            progress(f"opening {path}")
        source = io.open_file(con, path, timezone=params.timezone).source
        return run_associations(con, params, progress=progress), source
    finally:
        con.close()


def from_database(
    database: Database, params: AssociationParams, *, since: datetime | None = None, progress: Progress | None = None
) -> tuple[AssociationResult, str]:
    """The rules of the live database's cases (from ``since`` on) and the name of the source they came from."""
    con = io.connect()
    try:
        if progress is not None:
            progress("reading cases from the database")
        source = open_database(con, database, since=since).source
        return run_associations(con, params, progress=progress), source
    finally:
        con.close()


def rules_record(result: AssociationResult, source: str) -> RunRecord:
    """The rules as a run (kind "associations") for the dashboard and the API: one item per rule, strongest first."""
    items = []
    for rule in result.to_json()["rules"]:
        name = " + ".join(rule["antecedent"]) + " → " + " + ".join(rule["consequent"])
        ids = {c for example in rule["examples"] for c in example["case_ids"]}
        case_ids = sorted(int(c) for c in ids) if all(c.isdigit() for c in ids) else sorted(ids)
        for example in rule["examples"]:
            example.pop("case_ids")
        items.append(ResultItem(key=name, score=rule["lift"], payload=rule, case_ids=case_ids))
    return RunRecord(kind=KIND, source=source, params=result.params, summary=result.summary, items=items)
