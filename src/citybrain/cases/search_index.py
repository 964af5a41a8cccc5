"""The case search index (migration 0021): which cases may contain the words, found without reading every case.

A pre-filter for ``repository.words_clause``, whose LIKE re-checks the candidates, so results are exactly the
LIKE's. The terms are the character pairs of ``nlp.bigrams``; each database holds them its own way:

- PostgreSQL: a GIN index over ``citybrain_case_terms(title, text, address)``, an immutable SQL function giving
  the pairs as an array; a search asks for the rows whose array contains the query's pairs (``@>``, the query's
  pairs made by the same function). No column, no trigger: PostgreSQL keeps an expression index in step itself.
- SQLite: an FTS5 table ``case_search`` (rowid = case id, the pairs as space-separated tokens; ``ascii``
  tokenizer). Plain SQL triggers on ``cases`` write the id of a new case, or of one whose title, text or address
  changed, to ``case_search_stale`` and drop a deleted case's row. A session's commit (``core.db``) rewrites the
  stale cases' terms in Python (:func:`refresh_stale`) in the same transaction. The triggers call no
  application function, so a write from the ``sqlite3`` shell still works; its cases wait in the stale table
  until the next commit of the application, and a search reads the stale ids too (they are re-checked by the
  LIKE like any candidate), so results are exact meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Connection, bindparam, event, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.sqltypes import NullType
from sqlalchemy.sql.visitors import InternalTraversal

from citybrain.models import Case
from citybrain.nlp.bigrams import document_terms, query_runs

#: The SQLite tables of the index (the FTS5 table's own shadow tables start with its name too).
SQLITE_TABLES = ("case_search", "case_search_stale")
#: The PostgreSQL index (over an expression: no model declares it).
POSTGRESQL_INDEX = "ix_cases_search_terms"

_BATCH = 1000


def fts_query(words: str) -> str | None:
    """The FTS5 MATCH expression of a query: each run's pairs as one phrase, all runs required; ``None`` when
    the query has no pair (one-character words, punctuation only): the caller scans instead."""
    phrases = [f'"{" ".join(run)}"' for run in query_runs(words)]
    return " AND ".join(phrases) or None


class IndexedWords(ColumnElement[Any]):
    """ "The case may contain ``words``" as the index answers it; compiled per database (below)."""

    __visit_name__ = "citybrain_indexed_words"
    # untyped: a Boolean-typed element in WHERE is written "… = 1" on SQLite, which hides the IN from the planner
    # (it would scan the table instead of looking the candidates up by id)
    type = NullType()
    inherit_cache = True
    _traverse_internals = [
        ("columns", InternalTraversal.dp_clauseelement_list),
        ("terms", InternalTraversal.dp_clauseelement),
        ("words", InternalTraversal.dp_clauseelement),
        ("newest_first", InternalTraversal.dp_boolean),
    ]

    def __init__(self, columns: Sequence[ColumnElement[Any]], words: str, fts: str, newest_first: bool) -> None:
        self.columns = list(columns)  # the case's id, title, text and address
        self.newest_first = newest_first
        self.words: BindParameter[str] = bindparam(None, words)
        self.terms: BindParameter[str] = bindparam(None, fts)


@compiles(IndexedWords, "sqlite")
def _sqlite_candidates(element: IndexedWords, compiler: SQLCompiler, **kw: Any) -> str:
    case_id, terms = compiler.process(element.columns[0], **kw), compiler.process(element.terms, **kw)
    # a page newest first: "+id" keeps SQLite from looking the candidates up by id and sorting them all (thousands
    # for a common word); it walks the created_at index instead, tests each id against the candidates and stops
    # at the page's end. The count looks them up by id.
    walk = "+" if element.newest_first else ""
    return (
        f"{walk}{case_id} IN (SELECT rowid FROM case_search WHERE case_search MATCH {terms}"
        " UNION ALL SELECT case_id FROM case_search_stale)"
    )


@compiles(IndexedWords, "postgresql")
def _postgresql_candidates(element: IndexedWords, compiler: SQLCompiler, **kw: Any) -> str:
    texts = ", ".join(compiler.process(column, **kw) for column in element.columns[1:])
    words = compiler.process(element.words, **kw)
    return f"citybrain_case_terms({texts}) @> citybrain_search_terms({words})"


@compiles(IndexedWords)
def _no_index(element: IndexedWords, compiler: SQLCompiler, **kw: Any) -> str:
    return "1 = 1"  # another database: no pre-filter, the LIKE alone answers


def candidates(words: str, *, newest_first: bool = False) -> ColumnElement[Any] | None:
    """The cases the index says may contain ``words``, or ``None`` when the words have no pair to look up;
    ``newest_first``: for a page read in ``created_at`` order (see ``repository._conditions``)."""
    fts = fts_query(words)
    if fts is None:
        return None
    cases = Case.__table__.c
    return IndexedWords((cases.id, cases.title, cases.text, cases.address), words, fts, newest_first)


def refresh_stale(connection: Connection, progress: Callable[[int], None] | None = None) -> int:
    """Rewrite the terms of the stale cases (SQLite), in batches; how many were rewritten."""
    done = 0
    while ids := [int(i) for i in connection.exec_driver_sql(_STALE, (_BATCH,)).scalars()]:
        _rewrite(connection, ids)
        done += len(ids)
        if progress is not None:
            progress(done)
    return done


_STALE = "SELECT case_id FROM case_search_stale ORDER BY case_id LIMIT ?"
_HAS_INDEX = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'case_search_stale'"


@event.listens_for(Session, "before_commit")
def _refresh_before_commit(session: Session) -> None:
    """SQLite: the cases whose texts this transaction wrote get their search terms before it commits (the
    triggers of migration 0021 only mark them; PostgreSQL's index keeps itself in step). Listening on every
    session of the process covers every write path that commits one — the staff API, intake's batches, imports,
    merges, the privacy purge — as long as this module is loaded, which ``cases.repository`` does; a process that
    never loaded it leaves its cases marked stale, and searches treat stale cases as candidates, so results stay
    exact until the next commit here rewrites them."""
    if session.get_transaction() is None or session.get_bind().dialect.name != "sqlite":
        return
    session.flush()
    refresh_if_indexed(session.connection())


def refresh_if_indexed(connection: Connection) -> None:
    """:func:`refresh_stale` on a database migrated to 0021 or later (nothing on one below it)."""
    if connection.exec_driver_sql(_HAS_INDEX).first() is not None:
        refresh_stale(connection)


def _rewrite(connection: Connection, ids: Sequence[int]) -> None:
    listed: BindParameter[int] = bindparam("ids", expanding=True)
    rows = connection.execute(
        text("SELECT id, title, text, address FROM cases WHERE id IN :ids").bindparams(listed), {"ids": ids}
    ).all()
    # one id at a time: FTS5 looks up "rowid = ?" but reads its whole table for "rowid IN (…)"
    connection.execute(text("DELETE FROM case_search WHERE rowid = :id"), [{"id": i} for i in ids])
    if rows:
        connection.execute(
            text("INSERT INTO case_search (rowid, terms) VALUES (:id, :terms)"),
            [{"id": r.id, "terms": document_terms(r.title, r.text, r.address)} for r in rows],
        )
    connection.execute(text("DELETE FROM case_search_stale WHERE case_id IN :ids").bindparams(listed), {"ids": ids})
