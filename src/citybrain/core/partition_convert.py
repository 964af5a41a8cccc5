"""The statements of ``db partition`` and its undo, one named step each; called inside one transaction.

Reads the catalogue (pg_constraint, pg_indexes) of the current schema rather than the models, so that what is
dropped is exactly what the database had, and what the undo restores is what was written to ``partition_layout``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date

from sqlalchemy import Connection

from citybrain.core.errors import InvalidInput
from citybrain.core.partitions import (
    LAYOUT_TABLE,
    PARTITIONED,
    UNIQUE_KEYS,
    Progress,
    install_functions,
    month_partitions,
    next_month,
    partition_name,
    run,
)

ACTIONS = {"c": "CASCADE", "a": "NO ACTION", "r": "NO ACTION"}


@dataclass(frozen=True)
class ForeignKey:
    """A foreign key from ``child.column`` to ``parent(id)`` that becomes a pair of triggers."""

    name: str
    child: str
    column: str
    parent: str
    action: str  # CASCADE or NO ACTION
    definition: str


def _rows(conn: Connection, sql: str) -> list[tuple[str, ...]]:
    return [tuple(str(v) for v in row) for row in conn.exec_driver_sql(sql.replace("%", "%%")).all()]


def _count(conn: Connection, sql: str) -> int:
    return int(conn.exec_driver_sql(sql.replace("%", "%%")).scalar() or 0)


def _incoming_keys(conn: Connection) -> list[ForeignKey]:
    names = ", ".join(f"'{t}'" for t in PARTITIONED)
    found = _rows(
        conn,
        "SELECT k.conname, c.relname, a.attname, p.relname, k.confdeltype, pg_get_constraintdef(k.oid) "
        "FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid "
        "JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1] "
        f"WHERE k.contype = 'f' AND p.relname IN ({names}) AND p.relnamespace = current_schema()::regnamespace "
        "ORDER BY k.conname",
    )
    keys = []
    for name, child, column, parent, action, definition in found:
        if action not in ACTIONS or "," in definition.split(")")[0]:
            raise InvalidInput(
                f"{name}: only one-column foreign keys with ON DELETE CASCADE or NO ACTION can become triggers"
            )
        keys.append(ForeignKey(name, child, column, parent, ACTIONS[action], definition))
    return keys


def _constraints(conn: Connection, table: str, types: str) -> list[tuple[str, str]]:
    return [
        (name, definition)
        for name, definition in _rows(
            conn,
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            f"WHERE conrelid = '{table}'::regclass AND contype IN ({types}) ORDER BY conname",
        )
    ]


def _plain_indexes(conn: Connection, table: str) -> list[tuple[str, str]]:
    """The indexes that back no constraint, as ``CREATE INDEX`` statements (``ON ONLY`` of a parent removed)."""
    found = _rows(
        conn,
        "SELECT i.indexname, i.indexdef FROM pg_indexes i "
        f"WHERE i.schemaname = current_schema() AND i.tablename = '{table}' AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint k WHERE k.conindid = (quote_ident(i.schemaname) || '.' || "
        "quote_ident(i.indexname))::regclass) ORDER BY i.indexname",
    )
    return [(name, definition.replace(" ON ONLY ", " ON ")) for name, definition in found]


def _save(conn: Connection, kind: str, table: str, name: str, definition: str) -> None:
    quoted = definition.replace("'", "''")
    run(conn, f"INSERT INTO {LAYOUT_TABLE} VALUES ('{kind}', '{table}', '{name}', '{quoted}')")


def _oldest_month(conn: Connection, table: str, key: str) -> date | None:
    return _month_of(conn, f"SELECT min({key}) FROM {table}")


def _newest_month(conn: Connection, table: str, key: str) -> date | None:
    return _month_of(conn, f"SELECT max({key}) FROM {table}")


def _month_of(conn: Connection, sql: str) -> date | None:
    """The first day of the (UTC) month of the moment ``sql`` selects; None for no rows."""
    moment = conn.exec_driver_sql(sql).scalar()
    if moment is None:
        return None
    utc = moment.astimezone(UTC)
    return date(utc.year, utc.month, 1)


def _months(first: date, until: date) -> list[date]:
    months = []
    month = first
    while month <= until:
        months.append(month)
        month = next_month(month)
    return months


def _bound(month: date) -> str:
    return f"'{month.isoformat()} 00:00:00+00'"


def _create_month(conn: Connection, table: str, month: date) -> None:
    run(
        conn,
        f"CREATE TABLE {partition_name(table, month)} PARTITION OF {table} "
        f"FOR VALUES FROM ({_bound(month)}) TO ({_bound(next_month(month))})",
    )


def _rebuild(conn: Connection, table: str, key: str | None, months: list[date]) -> int:
    """Copy ``table`` into a new table of the same columns, partitioned by ``key`` (or plain when None)."""
    sequence = conn.exec_driver_sql(f"SELECT pg_get_serial_sequence('{table}', 'id')").scalar()
    run(conn, f"ALTER SEQUENCE {sequence} OWNED BY NONE")
    run(conn, f"ALTER TABLE {table} RENAME TO {table}_old")
    like = f"LIKE {table}_old INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMMENTS"
    run(conn, f"CREATE TABLE {table} ({like})" + (f" PARTITION BY RANGE ({key})" if key else ""))
    if key:
        run(conn, f"CREATE TABLE {table}_default PARTITION OF {table} DEFAULT")
        for month in months:
            _create_month(conn, table, month)
    run(conn, f"INSERT INTO {table} SELECT * FROM {table}_old")
    rows = _count(conn, f"SELECT count(*) FROM {table}")
    run(conn, f"DROP TABLE {table}_old")
    run(conn, f"ALTER SEQUENCE {sequence} OWNED BY {table}.id")
    return rows


def _recreate(conn: Connection, table: str, constraints: list[tuple[str, str]], indexes: list[tuple[str, str]]) -> None:
    for name, definition in constraints:
        run(conn, f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
    for _name, statement in indexes:
        run(conn, statement)


def convert(conn: Connection, *, until: date, progress: Progress) -> dict[str, int]:
    """Plain → partitioned: save and drop what cannot stay, rebuild both tables, then the triggers."""
    run(conn, "LOCK TABLE cases, case_events IN ACCESS EXCLUSIVE MODE")
    run(conn, f"CREATE TABLE {LAYOUT_TABLE} (kind text, table_name text, name text, definition text, "
              "PRIMARY KEY (kind, table_name, name))")  # fmt: skip
    keys = _incoming_keys(conn)
    progress(f"foreign keys to cases: {len(keys)} become triggers")
    for fk in keys:
        _save(conn, "foreign_key", fk.child, fk.name, fk.definition)
        run(conn, f"ALTER TABLE {fk.child} DROP CONSTRAINT {fk.name}")
    rows = {}
    for table, key in PARTITIONED.items():
        rows[table] = _partition_table(conn, table, key, until=until, progress=progress)
    install_functions(conn)
    _unique_side_tables(conn, progress)
    _key_triggers(conn, keys)
    return rows


def _partition_table(conn: Connection, table: str, key: str, *, until: date, progress: Progress) -> int:
    owned = _constraints(conn, table, "'p', 'u'")
    for name, definition in owned:
        if definition.startswith("UNIQUE") and name not in UNIQUE_KEYS:
            raise InvalidInput(
                f"{table}.{name}: a unique constraint the partitioned layout does not know (UNIQUE_KEYS)"
            )
        _save(conn, "constraint", table, name, definition)
    foreign = _constraints(conn, table, "'f'")
    indexes = _plain_indexes(conn, table)
    first = _oldest_month(conn, table, key) or until
    last = max(_newest_month(conn, table, key) or until, until)
    months = _months(min(first, until), last)
    progress(f"{table}: copying into {len(months)} monthly partitions from {months[0]:%Y-%m} to {last:%Y-%m}")
    rows = _rebuild(conn, table, key, months)
    progress(f"{table}: {rows:,} rows copied; building {len(indexes) + 1} indexes")
    _recreate(conn, table, [(f"pk_{table}", f"PRIMARY KEY (id, {key})"), *foreign], indexes)
    return rows


def _unique_side_tables(conn: Connection, progress: Progress) -> None:
    for constraint, (side, columns) in UNIQUE_KEYS.items():
        progress(f"{constraint}: kept in {side}")
        names = ", ".join(columns)
        found = _rows(conn, "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
                            "WHERE attrelid = 'cases'::regclass AND attnum > 0")  # fmt: skip
        types = {name: kind for name, kind in found}
        cols = ", ".join(f"{c} {types[c]} NOT NULL" for c in columns)
        run(conn, f"CREATE TABLE {side} ({cols}, id bigint NOT NULL, CONSTRAINT {constraint} PRIMARY KEY ({names}))")
        run(conn, f"CREATE INDEX ix_{side}_id ON {side} (id)")
        filled = " AND ".join(f"{c} IS NOT NULL" for c in columns)
        run(conn, f"INSERT INTO {side} SELECT {names}, id FROM cases WHERE {filled}")
        run(conn, f"CREATE INDEX ix_{constraint} ON cases ({names})")
        arguments = ", ".join(f"'{a}'" for a in (side, *columns))
        run(conn, f"CREATE TRIGGER uk_{constraint} AFTER INSERT OR UPDATE OF {names}, id OR DELETE ON cases "
                  f"FOR EACH ROW EXECUTE FUNCTION citybrain_unique_key({arguments})")  # fmt: skip


def _key_triggers(conn: Connection, keys: list[ForeignKey]) -> None:
    for fk in keys:
        run(conn, f"CREATE TRIGGER fkc_{fk.name} AFTER INSERT OR UPDATE OF {fk.column} ON {fk.child} FOR EACH ROW "
                  f"EXECUTE FUNCTION citybrain_fk_child_check('{fk.parent}', '{fk.column}', '{fk.name}')")  # fmt: skip
        arguments = ", ".join(f"'{a}'" for a in (fk.child, fk.column, fk.action, fk.name, fk.parent))
        run(conn, f"CREATE TRIGGER fkp_{fk.name} AFTER DELETE ON {fk.parent} FOR EACH ROW "
                  f"EXECUTE FUNCTION citybrain_fk_parent_delete({arguments})")  # fmt: skip
    for table in PARTITIONED:
        run(conn, f"CREATE TRIGGER keep_id_{table} BEFORE UPDATE OF id ON {table} FOR EACH ROW "
                  "EXECUTE FUNCTION citybrain_keep_id()")  # fmt: skip


def add_months(conn: Connection, table: str, key: str, *, until: date, since: date | None = None) -> tuple[int, int]:
    """Create the missing months up to ``until`` (and from ``since`` on, when given); rows of those months waiting
    in DEFAULT move into them."""
    have = set(month_partitions(conn, table))
    waiting = _oldest_month(conn, f"{table}_default", key)
    first = min([*have, *(m for m in (waiting, since) if m is not None), until])
    added = moved = 0
    for month in _months(first, until):
        if month in have:
            continue
        moved += _move_out_of_default(conn, table, key, month)
        added += 1
    return added, moved


def _move_out_of_default(conn: Connection, table: str, key: str, month: date) -> int:
    span = f"{key} >= {_bound(month)} AND {key} < {_bound(next_month(month))}"
    waiting = _count(conn, f"SELECT count(*) FROM {table}_default WHERE {span}")
    if not waiting:
        _create_month(conn, table, month)
        return 0
    run(conn, "SET LOCAL citybrain.moving_rows = 'on'")  # the rows keep their ids: no trigger has anything to do
    run(conn, f"CREATE TEMPORARY TABLE moving (LIKE {table}) ON COMMIT DROP")
    run(conn, f"WITH moved AS (DELETE FROM {table}_default WHERE {span} RETURNING *) "
              "INSERT INTO moving SELECT * FROM moved")  # fmt: skip
    _create_month(conn, table, month)
    run(conn, f"INSERT INTO {table} SELECT * FROM moving")
    run(conn, "DROP TABLE moving")
    run(conn, "SET LOCAL citybrain.moving_rows = 'off'")
    return waiting


def revert(conn: Connection, *, progress: Progress) -> dict[str, int]:
    """Partitioned → plain, with the constraints and foreign keys saved by :func:`convert`."""
    run(conn, "LOCK TABLE cases, case_events IN ACCESS EXCLUSIVE MODE")
    saved = _rows(conn, f"SELECT kind, table_name, name, definition FROM {LAYOUT_TABLE} ORDER BY kind, name")
    keys = [(table, name, definition) for kind, table, name, definition in saved if kind == "foreign_key"]
    for table, name, _definition in keys:
        run(conn, f"DROP TRIGGER IF EXISTS fkc_{name} ON {table}")
    for side, _columns in UNIQUE_KEYS.values():
        run(conn, f"DROP TABLE {side}")
    rows = {}
    for table in PARTITIONED:
        progress(f"{table}: copying back into one table")
        rows[table] = _unpartition_table(
            conn, table, [(n, d) for k, t, n, d in saved if k == "constraint" and t == table]
        )
    progress(f"restoring {len(keys)} foreign keys")
    for table, name, definition in keys:
        run(conn, f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
    run(conn, f"DROP TABLE {LAYOUT_TABLE}")
    from citybrain.core.partition_sql import DROP_FUNCTIONS

    for statement in DROP_FUNCTIONS:
        run(conn, statement)
    return rows


def _unpartition_table(conn: Connection, table: str, constraints: list[tuple[str, str]]) -> int:
    lookups = {f"ix_{name}" for name in UNIQUE_KEYS}
    indexes = [(n, d) for n, d in _plain_indexes(conn, table) if n not in lookups]
    foreign = _constraints(conn, table, "'f'")
    for trigger in _rows(conn, f"SELECT tgname FROM pg_trigger WHERE tgrelid = '{table}'::regclass "
                               "AND NOT tgisinternal AND tgparentid = 0"):  # fmt: skip
        run(conn, f"DROP TRIGGER {trigger[0]} ON {table}")
    for name in lookups & {n for n, _d in _plain_indexes(conn, table)}:
        run(conn, f"DROP INDEX {name}")
    run(conn, f"ALTER TABLE {table} DROP CONSTRAINT pk_{table}")
    rows = _rebuild(conn, table, None, [])
    _recreate(conn, table, [*constraints, *foreign], indexes)
    return rows
