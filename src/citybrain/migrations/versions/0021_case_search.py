"""Case search index: the character pairs of each case's title, text and address (``nlp.bigrams``), so the staff
case list's word search reads candidates from an index instead of scanning every case (``cases.search_index``).

PostgreSQL: two immutable SQL functions and a GIN index over ``citybrain_case_terms(title, text, address)``; the
index build is the backfill. SQLite: an FTS5 table ``case_search`` (rowid = case id), a ``case_search_stale``
table and three plain-SQL triggers on ``cases``; the migration marks every case stale (a migration imports no
domain code), and the application's next commit writes their terms (``cases.search_index``: ``citybrain db
init`` and ``demo`` commit right after migrating). Until then a search treats stale cases as candidates and
re-checks them, so its answers are exact meanwhile. A later SQLite migration that copies ``cases`` (a batch
``ALTER``) drops these triggers with the old table and must create them again.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

# The same runs as nlp.bigrams (lower case, then two or more ASCII letters, digits or CJK characters); frozen here
# as a migration must be (tests/nlp/test_bigrams.py checks they are still nlp.bigrams' ranges).
CJK_RANGES = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002ffff"


def _pairs_of(words: str) -> str:
    """The SQL body giving the character pairs of ``words`` (an SQL expression). Only pg_catalog functions, and
    neither function calls the other: pg_restore builds the index with an empty search_path, where a call to a
    function of the schema would not be found."""
    return f"""
  SELECT coalesce(array_agg(DISTINCT substr(run[1], i, 2)), '{{}}')
  FROM regexp_matches(lower(coalesce({words}, '')), '[a-z0-9{CJK_RANGES}]{{2,}}', 'g') AS run,
       generate_series(1, char_length(run[1]) - 1) AS i"""


_CASE_TEXT = "coalesce(title, '') || ' ' || coalesce(body, '') || ' ' || coalesce(address, '')"
_PG_FUNCTIONS = (
    "CREATE FUNCTION citybrain_search_terms(words text) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE "
    f"AS $${_pairs_of('words')}$$",
    "CREATE FUNCTION citybrain_case_terms(title text, body text, address text) RETURNS text[] "
    f"LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $${_pairs_of(_CASE_TEXT)}$$",
    "CREATE INDEX ix_cases_search_terms ON cases USING gin (citybrain_case_terms(title, text, address))",
)

_MARK = "INSERT OR IGNORE INTO case_search_stale (case_id) VALUES (new.id)"
_SQLITE = (
    "CREATE VIRTUAL TABLE case_search USING fts5(terms, tokenize = 'ascii')",
    "CREATE TABLE case_search_stale (case_id INTEGER PRIMARY KEY)",
    f"CREATE TRIGGER case_search_insert AFTER INSERT ON cases BEGIN {_MARK}; END",
    "CREATE TRIGGER case_search_update AFTER UPDATE OF title, text, address ON cases"
    " WHEN old.title IS NOT new.title OR old.text IS NOT new.text OR old.address IS NOT new.address"
    f" BEGIN {_MARK}; END",
    "CREATE TRIGGER case_search_delete AFTER DELETE ON cases BEGIN"
    " DELETE FROM case_search WHERE rowid = old.id; DELETE FROM case_search_stale WHERE case_id = old.id; END",
    "INSERT INTO case_search_stale (case_id) SELECT id FROM cases",
)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for statement in _PG_FUNCTIONS:
            op.execute(statement)
        return
    for statement in _SQLITE:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_cases_search_terms")
        op.execute("DROP FUNCTION citybrain_case_terms(text, text, text)")
        op.execute("DROP FUNCTION citybrain_search_terms(text)")
        return
    for trigger in ("case_search_insert", "case_search_update", "case_search_delete"):
        op.execute(f"DROP TRIGGER {trigger}")
    op.execute("DROP TABLE case_search_stale")
    op.execute("DROP TABLE case_search")
