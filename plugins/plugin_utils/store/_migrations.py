# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The store's schema, one numbered migration at a time, written out for each backend.

Why the project migrates its own schema: the guarantees of the store (append-only, one current version per key,
single-use approvals) live in the schema itself, as triggers, constraints and unique indexes, so that they hold for
every client, including someone typing SQL. The code therefore has to know exactly which schema it runs on:
``schema_version`` records each applied migration (it is append-only too), migrations run at start in one
transaction, and a database newer than the code is refused rather than written with assumptions that may no longer
hold.

Why supersession needs no UPDATE. A new version of a fact is a new row whose ``supersedes`` column names the version
it replaces; the old row is never touched. One current version per (subject, predicate, fact_type) follows from
three unique indexes and one trigger, all enforced by the database:

* ``facts_one_root``: unique (subject, predicate, fact_type) WHERE supersedes IS NULL, so each key has one first
  version;
* ``facts_one_successor``: unique (supersedes), so no version is superseded twice (no forks);
* ``facts_chain`` (trigger): a row that supersedes another must name a row of the same key, have its version + 1
  and a recorded time no earlier than it.

A key's versions are then a single chain 1..n, and its current version is the only one nobody supersedes (the
highest version). Two writers superseding the same version collide on ``facts_one_successor``; two writers creating
the same key collide on ``facts_one_root``: compare-and-set is decided by the database, not by a lock held in Python.
No UPDATE is ever needed, so every UPDATE is refused, with one exception outside the append-only tables: an
approval body may be purged to its sha256 (``approval_bodies``, version 2 below), and that is all it may undergo.

The checks in `praxis-gate store check` are derived from the statements below (trigger and index text on SQLite;
trigger kind, function and body on PostgreSQL), so a trigger that was dropped, disabled or replaced by a harmless
one under the same name is reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["LATEST", "MIGRATIONS", "PURGE_REASONS", "Expected", "Migration", "expected"]

BACKENDS = ("sqlite", "postgres")


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    description: str
    sqlite: tuple[str, ...]
    postgres: tuple[str, ...]

    def statements(self, backend: str) -> tuple[str, ...]:
        if backend == "sqlite":
            return self.sqlite
        if backend == "postgres":
            return self.postgres
        raise ValueError(f"unknown store backend {backend!r}")


# ------------------------------------------------------------------------------------------------------ SQLite
_TS_GLOB = (
    "'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'"
)


def _ts(column: str, *, nullable: bool = False) -> str:
    """SQLite keeps times as fixed-width UTC text, so that text order is time order; the CHECK keeps it so."""
    check = f"{column} GLOB {_TS_GLOB}"
    return (
        f"{column} TEXT CHECK ({column} IS NULL OR {check})" if nullable else f"{column} TEXT NOT NULL CHECK ({check})"
    )


def _ident(column: str, limit: int = 200) -> str:
    return f"{column} TEXT NOT NULL CHECK (length({column}) BETWEEN 1 AND {limit})"


def _sqlite_guards(table: str, *duplicate_conditions: str) -> tuple[str, ...]:
    """Refuse UPDATE and DELETE, and refuse an INSERT that would collide with an existing row.

    The last one matters because SQLite's ``INSERT OR REPLACE`` resolves a unique conflict by deleting the old row,
    and that delete fires no DELETE trigger unless the connection enabled recursive triggers: without this guard,
    anyone with the file could rewrite a row through REPLACE. (SQLite has no TRUNCATE; its truncate optimisation of
    ``DELETE FROM t`` is disabled when the table has a DELETE trigger.)
    """
    message = f"praxis store: {table} is append-only"
    exists = " OR ".join(
        f"EXISTS (SELECT 1 FROM {table} AS o WHERE {cond})"  # noqa: S608 - schema text from constants
        for cond in duplicate_conditions
    )
    return (
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{message}: UPDATE refused'); END",
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{message}: DELETE refused'); END",
        f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} WHEN {exists} "
        f"BEGIN SELECT RAISE(ABORT, '{message}: a row with this key already exists'); END",
    )


_SQLITE_V1: tuple[str, ...] = (
    f"""CREATE TABLE schema_version (
    version INTEGER PRIMARY KEY NOT NULL CHECK (version >= 1),
    description TEXT NOT NULL,
    {_ts("applied_at")},
    applied_by TEXT NOT NULL
)""",
    *_sqlite_guards("schema_version", "o.version = NEW.version"),
    f"""CREATE TABLE facts (
    fact_id TEXT PRIMARY KEY NOT NULL CHECK (length(fact_id) BETWEEN 1 AND 64),
    {_ident("subject", 1000)},
    {_ident("predicate")},
    {_ident("fact_type")},
    version INTEGER NOT NULL CHECK (version >= 1),
    supersedes TEXT REFERENCES facts (fact_id) CHECK (supersedes IS NULL OR supersedes <> fact_id),
    content TEXT NOT NULL CHECK (json_valid(content)),
    content_hash TEXT NOT NULL CHECK (length(content_hash) = 64),
    retracted INTEGER NOT NULL DEFAULT 0 CHECK (retracted IN (0, 1)),
    {_ts("valid_from")},
    {_ts("valid_to", nullable=True)},
    {_ts("recorded_at")},
    actor TEXT NOT NULL CHECK (length(trim(actor)) BETWEEN 1 AND 200),
    reason TEXT CHECK (reason IS NULL OR length(reason) <= 2000),
    CONSTRAINT facts_valid_interval CHECK (valid_to IS NULL OR valid_to > valid_from),
    CONSTRAINT facts_supersede_needs_reason CHECK (supersedes IS NULL OR length(trim(coalesce(reason, ''))) > 0)
)""",
    "CREATE UNIQUE INDEX facts_one_root ON facts (subject, predicate, fact_type) WHERE supersedes IS NULL",
    "CREATE UNIQUE INDEX facts_one_successor ON facts (supersedes) WHERE supersedes IS NOT NULL",
    "CREATE UNIQUE INDEX facts_key_version ON facts (subject, predicate, fact_type, version)",
    "CREATE INDEX facts_recorded ON facts (recorded_at)",
    *_sqlite_guards(
        "facts",
        "o.fact_id = NEW.fact_id",
        "o.supersedes = NEW.supersedes",
        "o.subject = NEW.subject AND o.predicate = NEW.predicate AND o.fact_type = NEW.fact_type "
        "AND o.version = NEW.version",
        "NEW.supersedes IS NULL AND o.supersedes IS NULL AND o.subject = NEW.subject "
        "AND o.predicate = NEW.predicate AND o.fact_type = NEW.fact_type",
    ),
    """CREATE TRIGGER facts_chain BEFORE INSERT ON facts WHEN (NEW.supersedes IS NULL AND NEW.version <> 1)
 OR (NEW.supersedes IS NOT NULL AND NOT EXISTS (SELECT 1 FROM facts AS p WHERE p.fact_id = NEW.supersedes
 AND p.subject = NEW.subject AND p.predicate = NEW.predicate AND p.fact_type = NEW.fact_type
 AND p.version + 1 = NEW.version AND p.recorded_at <= NEW.recorded_at))
BEGIN SELECT RAISE(ABORT, 'praxis store: a new fact version must extend the chain of its own key'); END""",
    f"""CREATE TABLE approval_requests (
    request_id TEXT PRIMARY KEY NOT NULL CHECK (length(request_id) BETWEEN 1 AND 200),
    {_ts("created_at")},
    requester TEXT NOT NULL CHECK (length(trim(requester)) BETWEEN 1 AND 200),
    session TEXT NOT NULL,
    run_id TEXT NOT NULL,
    ruleset_digest TEXT NOT NULL,
    {_ts("expires_at")},
    payload TEXT NOT NULL CHECK (json_valid(payload)),
    CHECK (expires_at > created_at)
)""",
    *_sqlite_guards("approval_requests", "o.request_id = NEW.request_id"),
    f"""CREATE TABLE approval_items (
    item_id TEXT PRIMARY KEY NOT NULL CHECK (length(item_id) BETWEEN 1 AND 200),
    request_id TEXT NOT NULL REFERENCES approval_requests (request_id),
    {_ident("action", 500)},
    target TEXT NOT NULL,
    tier TEXT NOT NULL CHECK (tier IN ('T0', 'T1', 'T2', 'T3')),
    args_digest TEXT NOT NULL,
    payload TEXT NOT NULL CHECK (json_valid(payload))
)""",
    "CREATE INDEX approval_items_request ON approval_items (request_id)",
    *_sqlite_guards("approval_items", "o.item_id = NEW.item_id"),
    f"""CREATE TABLE consumptions (
    item_id TEXT PRIMARY KEY NOT NULL REFERENCES approval_items (item_id),
    consumer TEXT NOT NULL CHECK (length(trim(consumer)) BETWEEN 1 AND 200),
    {_ts("consumed_at")},
    context TEXT NOT NULL CHECK (json_valid(context))
)""",
    *_sqlite_guards("consumptions", "o.item_id = NEW.item_id"),
    f"""CREATE TABLE sessions (
    session_id TEXT PRIMARY KEY NOT NULL CHECK (length(session_id) BETWEEN 1 AND 200),
    principal TEXT NOT NULL CHECK (length(trim(principal)) BETWEEN 1 AND 200),
    {_ts("created_at")},
    attributes TEXT NOT NULL CHECK (json_valid(attributes))
)""",
    *_sqlite_guards("sessions", "o.session_id = NEW.session_id"),
    f"""CREATE TABLE killswitch_events (
    event_id INTEGER PRIMARY KEY,
    event TEXT NOT NULL CHECK (event IN ('stop', 'clear')),
    reason TEXT NOT NULL CHECK (length(trim(reason)) BETWEEN 1 AND 2000),
    actor TEXT NOT NULL CHECK (length(trim(actor)) BETWEEN 1 AND 200),
    {_ts("at")}
)""",
    *_sqlite_guards("killswitch_events", "o.event_id = NEW.event_id"),
)

# -------------------------------------------------------------------------------------------------- PostgreSQL
# The function raises for any operation it is attached to; TG_OP names it. TRUNCATE needs a statement trigger.
_PG_APPEND_ONLY_FN = """CREATE FUNCTION praxis_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    RAISE EXCEPTION 'praxis store: % is append-only: % refused', TG_TABLE_NAME, TG_OP;
END
$fn$"""

# Dynamic SQL on TG_TABLE_SCHEMA: a plain "FROM facts" would resolve through the caller's search_path, where a
# temporary table named facts would shadow the real one.
_PG_CHAIN_FN = """CREATE FUNCTION praxis_fact_chain() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
    ok boolean;
BEGIN
    IF NEW.supersedes IS NULL THEN
        IF NEW.version <> 1 THEN
            RAISE EXCEPTION 'praxis store: the first version of a fact must be version 1';
        END IF;
        RETURN NEW;
    END IF;
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I.%I AS p WHERE p.fact_id = $1 AND p.subject = $2'
                   ' AND p.predicate = $3 AND p.fact_type = $4 AND p.version + 1 = $5 AND p.recorded_at <= $6)',
                   TG_TABLE_SCHEMA, TG_TABLE_NAME)
        INTO ok USING NEW.supersedes, NEW.subject, NEW.predicate, NEW.fact_type, NEW.version, NEW.recorded_at;
    IF NOT ok THEN
        RAISE EXCEPTION 'praxis store: a new fact version must extend the chain of its own key';
    END IF;
    RETURN NEW;
END
$fn$"""


def _pg_guards(table: str) -> tuple[str, ...]:
    return (
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} FOR EACH ROW EXECUTE FUNCTION praxis_append_only()",
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION praxis_append_only()",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} FOR EACH STATEMENT "
        "EXECUTE FUNCTION praxis_append_only()",
    )


def _pg_ident(column: str, limit: int = 200) -> str:
    return f"{column} TEXT NOT NULL CHECK (length({column}) BETWEEN 1 AND {limit})"


_POSTGRES_V1: tuple[str, ...] = (
    _PG_APPEND_ONLY_FN,
    _PG_CHAIN_FN,
    """CREATE TABLE schema_version (
    version INTEGER PRIMARY KEY CHECK (version >= 1),
    description TEXT NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL,
    applied_by TEXT NOT NULL
)""",
    *_pg_guards("schema_version"),
    f"""CREATE TABLE facts (
    fact_id TEXT PRIMARY KEY CHECK (length(fact_id) BETWEEN 1 AND 64),
    {_pg_ident("subject", 1000)},
    {_pg_ident("predicate")},
    {_pg_ident("fact_type")},
    version INTEGER NOT NULL CHECK (version >= 1),
    supersedes TEXT REFERENCES facts (fact_id) CHECK (supersedes IS NULL OR supersedes <> fact_id),
    content TEXT NOT NULL CHECK ((content::json) IS NOT NULL),
    content_hash TEXT NOT NULL
        CONSTRAINT facts_content_hash_matches CHECK (content_hash = encode(sha256(convert_to(content, 'UTF8')), 'hex')),
    retracted BOOLEAN NOT NULL DEFAULT FALSE,
    valid_from TIMESTAMPTZ NOT NULL,
    valid_to TIMESTAMPTZ,
    recorded_at TIMESTAMPTZ NOT NULL,
    actor TEXT NOT NULL CHECK (length(trim(actor)) BETWEEN 1 AND 200),
    reason TEXT CHECK (reason IS NULL OR length(reason) <= 2000),
    CONSTRAINT facts_valid_interval CHECK (valid_to IS NULL OR valid_to > valid_from),
    CONSTRAINT facts_supersede_needs_reason CHECK (supersedes IS NULL OR length(trim(coalesce(reason, ''))) > 0)
)""",
    "CREATE UNIQUE INDEX facts_one_root ON facts (subject, predicate, fact_type) WHERE supersedes IS NULL",
    "CREATE UNIQUE INDEX facts_one_successor ON facts (supersedes) WHERE supersedes IS NOT NULL",
    "CREATE UNIQUE INDEX facts_key_version ON facts (subject, predicate, fact_type, version)",
    "CREATE INDEX facts_recorded ON facts (recorded_at)",
    *_pg_guards("facts"),
    "CREATE TRIGGER facts_chain BEFORE INSERT ON facts FOR EACH ROW EXECUTE FUNCTION praxis_fact_chain()",
    """CREATE TABLE approval_requests (
    request_id TEXT PRIMARY KEY CHECK (length(request_id) BETWEEN 1 AND 200),
    created_at TIMESTAMPTZ NOT NULL,
    requester TEXT NOT NULL CHECK (length(trim(requester)) BETWEEN 1 AND 200),
    session TEXT NOT NULL,
    run_id TEXT NOT NULL,
    ruleset_digest TEXT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    payload TEXT NOT NULL CHECK ((payload::json) IS NOT NULL),
    CHECK (expires_at > created_at)
)""",
    *_pg_guards("approval_requests"),
    f"""CREATE TABLE approval_items (
    item_id TEXT PRIMARY KEY CHECK (length(item_id) BETWEEN 1 AND 200),
    request_id TEXT NOT NULL REFERENCES approval_requests (request_id),
    {_pg_ident("action", 500)},
    target TEXT NOT NULL,
    tier TEXT NOT NULL CHECK (tier IN ('T0', 'T1', 'T2', 'T3')),
    args_digest TEXT NOT NULL,
    payload TEXT NOT NULL CHECK ((payload::json) IS NOT NULL)
)""",
    "CREATE INDEX approval_items_request ON approval_items (request_id)",
    *_pg_guards("approval_items"),
    """CREATE TABLE consumptions (
    item_id TEXT PRIMARY KEY REFERENCES approval_items (item_id),
    consumer TEXT NOT NULL CHECK (length(trim(consumer)) BETWEEN 1 AND 200),
    consumed_at TIMESTAMPTZ NOT NULL,
    context TEXT NOT NULL CHECK ((context::json) IS NOT NULL)
)""",
    *_pg_guards("consumptions"),
    """CREATE TABLE sessions (
    session_id TEXT PRIMARY KEY CHECK (length(session_id) BETWEEN 1 AND 200),
    principal TEXT NOT NULL CHECK (length(trim(principal)) BETWEEN 1 AND 200),
    created_at TIMESTAMPTZ NOT NULL,
    attributes TEXT NOT NULL CHECK ((attributes::json) IS NOT NULL)
)""",
    *_pg_guards("sessions"),
    """CREATE TABLE killswitch_events (
    event_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event TEXT NOT NULL CHECK (event IN ('stop', 'clear')),
    reason TEXT NOT NULL CHECK (length(trim(reason)) BETWEEN 1 AND 2000),
    actor TEXT NOT NULL CHECK (length(trim(actor)) BETWEEN 1 AND 200),
    at TIMESTAMPTZ NOT NULL
)""",
    *_pg_guards("killswitch_events"),
)

# ----------------------------------------------------------------------------- version 2: purgeable bodies
# Why a second table, and why it is the one place where a row may change. What an operator reads before approving
# (a dry run's diff, module output kept for review) can quote a host's configuration, so it is kept only until the
# item is decided (approved, denied, used) or its request expires, and then purged to its sha256. The append-only
# tables cannot forget anything, so the body lives in ``approval_bodies``, whose only permitted change is that
# purge: ``body`` becomes NULL, ``purged_at``/``purged_because`` are set once, and ``item_id`` and ``body_sha256``
# stay. Every other UPDATE, any DELETE, TRUNCATE and a row-replacing INSERT are refused by the database; a purge of
# a purged row changes nothing and is allowed (idempotent). The item's append-only payload keeps ``body_sha256``,
# so what was reviewed stays provable after the body is gone.
#
# Moving existing bodies: version 1 kept the diff in ``approval_items.payload``. The migration copies each into
# ``approval_bodies`` (hash over the stored text, as for facts), then rewrites those payloads once, under the
# migration's own lock and transaction: ``diff`` removed, ``body_sha256`` added, every other key and every column
# kept. The item table's UPDATE trigger is dropped for that one statement and recreated exactly as version 1 made
# it (``store check`` compares it with the text above). Bodies of items already decided or expired are purged the
# next time the store is opened for approvals work (approvals/bodies.py).
PURGE_REASONS = ("approved", "denied", "used", "expired")
_PURGE_REASONS_SQL = ", ".join(f"'{r}'" for r in PURGE_REASONS)
_BODY_MESSAGE = "praxis store: approval_bodies only allows a purge (the body to nothing, its sha256 kept)"
_BODY_STATES = (
    "CONSTRAINT approval_bodies_purge_state CHECK ((body IS NULL) = (purged_at IS NOT NULL) "
    "AND (purged_at IS NULL) = (purged_because IS NULL))"
)
# A purge: the same item and hash, the body gone, a purge time and reason set; or a purged row left as it was.
_SQLITE_PURGE_SHAPE = (
    "NEW.item_id IS OLD.item_id AND NEW.body_sha256 IS OLD.body_sha256 AND NEW.body IS NULL AND ("
    "(OLD.body IS NOT NULL AND NEW.purged_at IS NOT NULL AND NEW.purged_because IS NOT NULL) OR "
    "(OLD.body IS NULL AND NEW.purged_at IS OLD.purged_at AND NEW.purged_because IS OLD.purged_because))"
)
_SQLITE_ITEMS_NO_UPDATE = _sqlite_guards("approval_items", "o.item_id = NEW.item_id")[0]

_SQLITE_V2: tuple[str, ...] = (
    f"""CREATE TABLE approval_bodies (
    item_id TEXT PRIMARY KEY NOT NULL REFERENCES approval_items (item_id),
    body_sha256 TEXT NOT NULL CHECK (length(body_sha256) = 64),
    body TEXT CHECK (body IS NULL OR json_valid(body)),
    {_ts("purged_at", nullable=True)},
    purged_because TEXT CHECK (purged_because IS NULL OR purged_because IN ({_PURGE_REASONS_SQL})),
    {_BODY_STATES}
)""",
    "CREATE INDEX approval_bodies_unpurged ON approval_bodies (item_id) WHERE body IS NOT NULL",
    *_sqlite_guards("approval_bodies", "o.item_id = NEW.item_id")[1:],  # DELETE and REPLACE refused
    "CREATE TRIGGER approval_bodies_purge_only BEFORE UPDATE ON approval_bodies "
    f"WHEN NOT ({_SQLITE_PURGE_SHAPE}) BEGIN SELECT RAISE(ABORT, '{_BODY_MESSAGE}: UPDATE refused'); END",
    "CREATE TRIGGER approval_bodies_insert_whole BEFORE INSERT ON approval_bodies "
    "WHEN NEW.body IS NULL OR NEW.purged_at IS NOT NULL OR NEW.purged_because IS NOT NULL "
    f"BEGIN SELECT RAISE(ABORT, '{_BODY_MESSAGE}: a body is recorded whole'); END",
    # Moving version 1's bodies (praxis_sha256 is registered on the store's own connections, see _sqlite.py).
    """INSERT INTO approval_bodies (item_id, body_sha256, body)
SELECT item_id, praxis_sha256(body), body FROM (SELECT item_id, json_object('diff', CASE json_type(payload, '$.diff')
 WHEN 'true' THEN json('true') WHEN 'false' THEN json('false') ELSE json_extract(payload, '$.diff') END) AS body
 FROM approval_items WHERE json_type(payload, '$.diff') IS NOT NULL AND json_type(payload, '$.diff') <> 'null')""",
    "DROP TRIGGER approval_items_no_update",
    """UPDATE approval_items SET payload = CASE WHEN EXISTS (SELECT 1 FROM approval_bodies AS b
 WHERE b.item_id = approval_items.item_id) THEN json_set(json_remove(payload, '$.diff'), '$.body_sha256',
 (SELECT b.body_sha256 FROM approval_bodies AS b WHERE b.item_id = approval_items.item_id))
 ELSE json_remove(payload, '$.diff') END WHERE json_type(payload, '$.diff') IS NOT NULL""",
    _SQLITE_ITEMS_NO_UPDATE,
)

_PG_BODY_GUARD_FN = f"""CREATE FUNCTION praxis_body_purge_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.body IS NULL OR NEW.purged_at IS NOT NULL OR NEW.purged_because IS NOT NULL THEN
            RAISE EXCEPTION '{_BODY_MESSAGE}: a body is recorded whole';
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.item_id IS NOT DISTINCT FROM OLD.item_id AND NEW.body_sha256 IS NOT DISTINCT FROM OLD.body_sha256
       AND NEW.body IS NULL AND (
           (OLD.body IS NOT NULL AND NEW.purged_at IS NOT NULL AND NEW.purged_because IS NOT NULL)
           OR (OLD.body IS NULL AND NEW.purged_at IS NOT DISTINCT FROM OLD.purged_at
               AND NEW.purged_because IS NOT DISTINCT FROM OLD.purged_because)) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '{_BODY_MESSAGE}: % refused', TG_OP;
END
$fn$"""

_POSTGRES_V2: tuple[str, ...] = (
    _PG_BODY_GUARD_FN,
    f"""CREATE TABLE approval_bodies (
    item_id TEXT PRIMARY KEY REFERENCES approval_items (item_id),
    body_sha256 TEXT NOT NULL CHECK (length(body_sha256) = 64),
    body TEXT CHECK (body IS NULL OR (body::json) IS NOT NULL),
    purged_at TIMESTAMPTZ,
    purged_because TEXT CHECK (purged_because IS NULL OR purged_because IN ({_PURGE_REASONS_SQL})),
    CONSTRAINT approval_bodies_hash_matches
        CHECK (body IS NULL OR body_sha256 = encode(sha256(convert_to(body, 'UTF8')), 'hex')),
    {_BODY_STATES}
)""",
    "CREATE INDEX approval_bodies_unpurged ON approval_bodies (item_id) WHERE body IS NOT NULL",
    "CREATE TRIGGER approval_bodies_purge_only BEFORE UPDATE ON approval_bodies FOR EACH ROW "
    "EXECUTE FUNCTION praxis_body_purge_only()",
    "CREATE TRIGGER approval_bodies_insert_whole BEFORE INSERT ON approval_bodies FOR EACH ROW "
    "EXECUTE FUNCTION praxis_body_purge_only()",
    *_pg_guards("approval_bodies")[1:],  # DELETE and TRUNCATE refused
    """INSERT INTO approval_bodies (item_id, body_sha256, body)
SELECT item_id, encode(sha256(convert_to(body, 'UTF8')), 'hex'), body FROM (SELECT item_id,
 json_build_object('diff', payload::json -> 'diff')::text AS body FROM approval_items
 WHERE json_typeof(payload::json -> 'diff') <> 'null') AS moved""",
    "DROP TRIGGER approval_items_no_update ON approval_items",
    """UPDATE approval_items SET payload = ((payload::jsonb - 'diff') || COALESCE((SELECT
 jsonb_build_object('body_sha256', b.body_sha256) FROM approval_bodies AS b WHERE b.item_id = approval_items.item_id),
 '{}'::jsonb))::text WHERE (payload::json -> 'diff') IS NOT NULL""",
    _pg_guards("approval_items")[0],
)

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        version=1,
        description="facts, approval requests, items and consumptions, sessions, kill-switch history",
        sqlite=_SQLITE_V1,
        postgres=_POSTGRES_V1,
    ),
    Migration(
        version=2,
        description="approval bodies (diffs kept for review) in their own table, purged to their sha256 once "
        "decided or expired; version 1's bodies moved there",
        sqlite=_SQLITE_V2,
        postgres=_POSTGRES_V2,
    ),
)
LATEST = MIGRATIONS[-1].version

# ---------------------------------------------------------------------------------------- what `check` expects
_CREATE_TABLE = re.compile(r"^CREATE TABLE (\w+)")
_CREATE_INDEX = re.compile(r"^CREATE (?:UNIQUE )?INDEX (\w+)")
_CREATE_TRIGGER = re.compile(
    r"^CREATE TRIGGER (\w+) (BEFORE|AFTER) (\w+) ON (\w+)(?: FOR EACH (ROW|STATEMENT) EXECUTE FUNCTION (\w+)\(\))?"
)
_CREATE_FUNCTION = re.compile(r"^CREATE FUNCTION (\w+)\(\) RETURNS trigger LANGUAGE plpgsql AS \$fn\$(.*)\$fn\$$", re.S)
# pg_trigger.tgtype bits (PostgreSQL's trigger.h).
_TG_ROW, _TG_BEFORE = 1, 2
_TG_EVENT = {"INSERT": 4, "DELETE": 8, "UPDATE": 16, "TRUNCATE": 32}


@dataclass(frozen=True, slots=True)
class TriggerSpec:
    name: str
    table: str
    sql: str  # the whole statement (SQLite compares it with sqlite_master)
    tgtype: int  # PostgreSQL's bit set
    function: str  # PostgreSQL's trigger function ("" on SQLite)


@dataclass(frozen=True, slots=True)
class Expected:
    version: int
    tables: tuple[str, ...]
    indexes: dict[str, str] = field(default_factory=dict)
    triggers: dict[str, TriggerSpec] = field(default_factory=dict)
    functions: dict[str, str] = field(default_factory=dict)  # name -> plpgsql body


def normalize_sql(text: str) -> str:
    return " ".join(text.split())


def expected(backend: str, version: int = LATEST) -> Expected:
    """The tables, indexes, triggers and functions that migrations 1..version leave behind."""
    tables: list[str] = []
    indexes: dict[str, str] = {}
    triggers: dict[str, TriggerSpec] = {}
    functions: dict[str, str] = {}
    for migration in MIGRATIONS:
        if migration.version > version:
            break
        for statement in migration.statements(backend):
            if match := _CREATE_TABLE.match(statement):
                tables.append(match.group(1))
            elif match := _CREATE_INDEX.match(statement):
                indexes[match.group(1)] = normalize_sql(statement)
            elif match := _CREATE_TRIGGER.match(statement):
                name, when, event, table, level, function = match.groups()
                tgtype = _TG_EVENT[event] | (_TG_BEFORE if when == "BEFORE" else 0) | (_TG_ROW if level == "ROW" else 0)
                triggers[name] = TriggerSpec(name, table, normalize_sql(statement), tgtype, function or "")
            elif match := _CREATE_FUNCTION.match(statement):
                functions[match.group(1)] = match.group(2)
    return Expected(version=version, tables=tuple(tables), indexes=indexes, triggers=triggers, functions=functions)
