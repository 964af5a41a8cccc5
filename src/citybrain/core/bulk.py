"""Many rows into one table inside the caller's transaction, fast: ids taken first, then COPY or executemany.

Core's ``insert(table)`` with a list of parameters does per-row bookkeeping that costs more than the database's
work at tens of thousands of rows, and on PostgreSQL its "insertmanyvalues" with RETURNING builds statements that
psycopg then spends longer splitting than the server spends running (profiled on the Demo City loader: 19 of 32 s).
So the rows' ids are taken first (:func:`new_ids`) and the rows go in without RETURNING (:func:`insert_many`):
``COPY … FROM STDIN`` on PostgreSQL with psycopg 3, the driver's executemany of one compiled INSERT elsewhere. Each
value is converted by its column type's own bind processor, so the ORM reads the rows back exactly as if it had
written them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, func, insert, literal, select
from sqlalchemy.dialects.postgresql import REGCLASS
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import cast


def new_ids(session: Session, table: Table, n: int) -> list[int]:
    """``n`` fresh ids of ``table``'s integer ``id``, ascending.

    PostgreSQL: from the column's sequence in one query (other writers take theirs from the same sequence).
    SQLite: after the largest id, as SQLite itself numbers rows — safe because every write transaction holds
    SQLite's one write lock from its BEGIN IMMEDIATE (``core/db.py``) to its end."""
    if n <= 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        # The sequence named once: pg_get_serial_sequence inside the per-row nextval made it 4-5x slower.
        name = session.scalar(select(func.pg_get_serial_sequence(table.name, "id")))
        sequence = cast(literal(name), REGCLASS)
        taken = session.scalars(select(func.nextval(sequence)).select_from(func.generate_series(1, n))).all()
        return sorted(int(i) for i in taken)
    largest = int(session.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0)
    return list(range(largest + 1, largest + 1 + n))


def insert_many(session: Session, table: Table, columns: list[str], rows: list[list[Any]]) -> None:
    """Insert ``rows`` (lists of values in ``columns`` order; converted in place) on the session's connection."""
    if not rows:
        return
    dialect = session.get_bind().dialect
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        _postgresql_copy(session, table, columns, rows)
    else:
        _executemany(session, table, columns, rows)


def _postgresql_copy(session: Session, table: Table, columns: list[str], rows: list[list[Any]]) -> None:
    """PostgreSQL (psycopg 3) only: ``COPY … FROM STDIN`` on the transaction's own connection. Profiled: psycopg's
    executemany ran a statement per row, and an ``INSERT … SELECT unnest(…)`` spent longer turning lists into
    arrays in Python than COPY takes for the rows."""
    _convert(session, table, columns, rows)
    preparer = session.get_bind().dialect.identifier_preparer
    names = ", ".join(preparer.quote(c) for c in columns)
    statement = f"COPY {preparer.format_table(table)} ({names}) FROM STDIN"
    driver = session.get_bind().dialect.loaded_dbapi
    cursor: Any = session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
    except driver.Error as error:  # as SQLAlchemy raises it for its own statements (IntegrityError …)
        raise DBAPIError.instance(statement, None, error, driver.Error) from error
    finally:
        cursor.close()


def _executemany(session: Session, table: Table, columns: list[str], rows: list[list[Any]]) -> None:
    """Core's INSERT of these columns, compiled once, run as the driver's executemany (what Core does per row,
    without its per-row bookkeeping)."""
    connection = session.connection()
    compiled = insert(table).compile(dialect=connection.dialect, column_keys=columns)
    _convert(session, table, columns, rows)
    if compiled.positiontup is not None:  # SQLite's "?" parameters, in the statement's order (every column given)
        order = [columns.index(name) for name in compiled.positiontup]
        params: list[Any] = [tuple(row[i] for i in order) for row in rows]
    else:  # psycopg's %(name)s parameters, named by column
        params = [dict(zip(columns, row, strict=True)) for row in rows]
    connection.exec_driver_sql(compiled.string, params)


def _convert(session: Session, table: Table, columns: list[str], rows: list[list[Any]]) -> None:
    """Each value as its column type's own bind processor makes it for the driver (in place)."""
    dialect = session.get_bind().dialect
    convert = [
        (index, table.c[c].type.dialect_impl(dialect).bind_processor(dialect)) for index, c in enumerate(columns)
    ]
    active = [(index, process) for index, process in convert if process is not None]
    for row in rows:
        for index, process in active:
            row[index] = process(row[index])
