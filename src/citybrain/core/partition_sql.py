"""The PL/pgSQL that stands in for what a partitioned ``cases`` cannot declare (used by :mod:`partitions`).

PostgreSQL refuses a foreign key that references a partitioned table by ``id`` alone and a unique constraint that
leaves out the partition key. Three trigger functions keep the same guarantees:

- ``citybrain_fk_child_check(parent, column, constraint)`` on a child table: a ``case_id`` naming no case raises
  ``foreign_key_violation`` (SQLSTATE 23503), as the foreign key did; the case found is locked ``FOR KEY SHARE``
  as the foreign key's own check locks it, so a concurrent delete waits and then cascades to the new child;
- ``citybrain_fk_parent_delete(child, column, action, constraint, parent)`` on the parent: deleting a case deletes its
  children (``ON DELETE CASCADE``) or is refused while a child still names it (``NO ACTION``);
- ``citybrain_unique_key(side_table, columns…)`` on the parent: every row's key is kept in a side table whose
  primary key carries the old constraint's name, so a second (source, source_key) raises 23505 as before.

A row moved between partitions is a DELETE and an INSERT to row triggers; the parent's delete trigger does nothing
while the id still exists (the moved row), so a partition move never cascades. ``citybrain.moving_rows`` (a
transaction-local setting) switches all three off while the conversion moves rows out of the DEFAULT partition.
"""

from __future__ import annotations

FUNCTIONS = (
    """
CREATE OR REPLACE FUNCTION citybrain_fk_child_check() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
    ref bigint := (to_jsonb(NEW) ->> TG_ARGV[1])::bigint;
    found bigint;
BEGIN
    IF ref IS NULL OR current_setting('citybrain.moving_rows', true) = 'on' THEN
        RETURN NULL;
    END IF;
    -- FOR KEY SHARE, as a foreign key's own check: the case cannot be deleted until this transaction ends
    EXECUTE format('SELECT id FROM %I WHERE id = $1 LIMIT 1 FOR KEY SHARE', TG_ARGV[0]) INTO found USING ref;
    IF found IS NULL THEN
        RAISE EXCEPTION 'insert or update on table "%" violates foreign key constraint "%"', TG_TABLE_NAME,
            TG_ARGV[2]
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = TG_ARGV[2], TABLE = TG_TABLE_NAME,
                  DETAIL = format('Key (%s)=(%s) is not present in table "%s".', TG_ARGV[1], ref, TG_ARGV[0]);
    END IF;
    RETURN NULL;
END
$fn$
""",
    """
CREATE OR REPLACE FUNCTION citybrain_fk_parent_delete() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
    still_there boolean;
    referenced boolean;
BEGIN
    IF current_setting('citybrain.moving_rows', true) = 'on' THEN
        RETURN NULL;
    END IF;
    -- TG_ARGV[4], not TG_TABLE_NAME: on a partition the trigger runs as the partition's clone
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE id = $1)', TG_ARGV[4]) INTO still_there USING OLD.id;
    IF still_there THEN  -- the row moved to another partition: not a delete
        RETURN NULL;
    END IF;
    IF TG_ARGV[2] = 'CASCADE' THEN
        EXECUTE format('DELETE FROM %I WHERE %I = $1', TG_ARGV[0], TG_ARGV[1]) USING OLD.id;
        RETURN NULL;
    END IF;
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE %I = $1)', TG_ARGV[0], TG_ARGV[1])
        INTO referenced USING OLD.id;
    IF referenced THEN
        RAISE EXCEPTION 'update or delete on table "%" violates foreign key constraint "%" on table "%"',
            TG_ARGV[4], TG_ARGV[3], TG_ARGV[0]
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = TG_ARGV[3], TABLE = TG_ARGV[0],
                  DETAIL = format('Key (id)=(%s) is still referenced from table "%s".', OLD.id, TG_ARGV[0]);
    END IF;
    RETURN NULL;
END
$fn$
""",
    """
CREATE OR REPLACE FUNCTION citybrain_keep_id() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF NEW.id <> OLD.id THEN
        RAISE EXCEPTION 'the id of a row of "%" cannot change (it is referenced by triggers)', TG_TABLE_NAME
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NEW;
END
$fn$
""",
    """
CREATE OR REPLACE FUNCTION citybrain_unique_key() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
    cols text[] := TG_ARGV[1:];
    new_key jsonb;
    old_key jsonb;
BEGIN
    IF current_setting('citybrain.moving_rows', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT jsonb_agg(to_jsonb(OLD) -> c ORDER BY o) INTO old_key FROM unnest(cols) WITH ORDINALITY AS u(c, o);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        SELECT jsonb_agg(to_jsonb(NEW) -> c ORDER BY o) INTO new_key FROM unnest(cols) WITH ORDINALITY AS u(c, o);
    END IF;
    IF TG_OP = 'UPDATE' AND old_key = new_key AND NEW.id = OLD.id THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        EXECUTE format('DELETE FROM %I WHERE id = $1', TG_ARGV[0]) USING OLD.id;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND NOT jsonb_path_exists(new_key, '$[*] ? (@ == null)') THEN
        EXECUTE format('INSERT INTO %I SELECT (jsonb_populate_record(NULL::%I, $1)).*', TG_ARGV[0], TG_ARGV[0])
            USING to_jsonb(NEW);
    END IF;
    RETURN NULL;
END
$fn$
""",
)

DROP_FUNCTIONS = (
    "DROP FUNCTION IF EXISTS citybrain_fk_child_check()",
    "DROP FUNCTION IF EXISTS citybrain_fk_parent_delete()",
    "DROP FUNCTION IF EXISTS citybrain_keep_id()",
    "DROP FUNCTION IF EXISTS citybrain_unique_key()",
)
