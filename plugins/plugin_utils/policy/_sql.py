# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Internal, no stability promise. What database shells are told to run: SQL (read with sqlglot), the MongoDB shell's
JavaScript, and Redis commands.

Why a parser and not the raw-text regex: ``DELETE FROM users`` and ``DELETE FROM users WHERE id = 7`` differ only in
a clause, ``/* DROP TABLE */ SELECT 1`` drops nothing, and ``WITH x AS (...) DELETE FROM t`` hides its verb behind a
query. sqlglot parses each statement of each dialect into a tree, so the rules read statements: ``DROP`` and
``TRUNCATE`` of anything, ``DELETE``/``UPDATE`` without a ``WHERE`` (or with one that names no column, such as
``WHERE 1=1``), ``ALTER ... DROP`` and ``COPY ... PROGRAM`` are T3; other writes are T2; plain queries T0. Text
sqlglot cannot parse, a statement it does not know and SQL the gate cannot see (``-c "$SQL"``, a pipe from an
unknown producer) round up. The client's own commands (psql ``\\!``, mysql ``system``, sqlite3 ``.shell``) run
shell commands and are T3.

sqlglot is imported on first use, so arming the gate does not load it. The MongoDB shell's language is JavaScript:
the destructive calls (``dropDatabase()``, ``drop()``, ``deleteMany({})``, ...) are matched by name, because what a
variable holds (``db[name]``) is not knowable statically either way.

Security constraints: SEC-1 (docs/security-constraints.yml).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import re
import shlex
from collections.abc import Sequence
from typing import Any

from ..core.models import Tier

__all__ = ["SQL_DATA", "classify_client", "classify_mongo", "classify_redis", "classify_sql"]

Verdict = tuple[Tier, str]
UNKNOWN_WORD = "\x00unknown"  # the marker _lifecycle puts in place of a word that is not statically known
_MAX_SQL = 256 * 1024

# client -> (sqlglot dialect, options whose value is code, options whose value is a file of code, options that
# take another value, whether positionals after the first are code (sqlite3))
_CLIENTS: dict[str, tuple[str, frozenset[str], frozenset[str], frozenset[str], bool]] = {
    "psql": (
        "postgres",
        frozenset({"-c", "--command"}),
        frozenset({"-f", "--file"}),
        frozenset(
            [
                "-d",
                "--dbname",
                "-h",
                "--host",
                "-p",
                "--port",
                "-U",
                "--username",
                "-v",
                "--set",
                "--variable",
                "-o",
                "--output",
                "-L",
                "--log-file",
                "-F",
                "--field-separator",
                "-R",
                "--record-separator",
                "-P",
                "--pset",
                "-T",
                "--table-attr",
            ]
        ),
        False,
    ),
    "mysql": (
        "mysql",
        frozenset({"-e", "--execute", "--init-command"}),
        frozenset(),
        frozenset(
            [
                "-D",
                "--database",
                "-h",
                "--host",
                "-u",
                "--user",
                "-P",
                "--port",
                "-S",
                "--socket",
                "--default-character-set",
                "--defaults-file",
                "--defaults-extra-file",
                "--login-path",
                "--protocol",
                "--ssl-ca",
                "--ssl-cert",
                "--ssl-key",
            ]
        ),
        False,
    ),
    "sqlite3": (
        "sqlite",
        frozenset({"-cmd"}),
        frozenset({"-init"}),
        frozenset(
            ["-separator", "-newline", "-nullvalue", "-A", "-vfs", "-mmap", "-pagecache", "-lookaside", "-maxsize"]
        ),
        True,
    ),
    "cqlsh": (
        "",
        frozenset({"-e", "--execute"}),
        frozenset({"-f", "--file"}),
        frozenset(
            [
                "-u",
                "--username",
                "-p",
                "--password",
                "-k",
                "--keyspace",
                "--cqlversion",
                "--encoding",
                "--connect-timeout",
                "--request-timeout",
            ]
        ),
        False,
    ),
    "clickhouse-client": (
        "clickhouse",
        frozenset({"-q", "--query"}),
        frozenset({"--queries-file"}),
        frozenset(
            [
                "-h",
                "--host",
                "--port",
                "-u",
                "--user",
                "--password",
                "-d",
                "--database",
                "-f",
                "--format",
                "--config-file",
            ]
        ),
        False,
    ),
    "sqlcmd": (
        "tsql",
        frozenset({"-Q", "-q"}),
        frozenset({"-i"}),
        frozenset(["-S", "-U", "-P", "-d", "-o", "-v", "-s", "-w", "-H", "-A", "-l", "-t", "-a", "-c"]),
        False,
    ),
}
_CLIENT_ALIASES = {"mariadb": "mysql"}
CLIENT_NAMES = frozenset(_CLIENTS) | frozenset(_CLIENT_ALIASES)  # the database shells read here

# Statements sqlglot leaves as an unparsed command, by first keyword: these change state in an ordinary way.
_ORDINARY_COMMANDS = frozenset(
    [
        "VACUUM",
        "ANALYZE",
        "ANALYSE",
        "REINDEX",
        "CLUSTER",
        "CHECKPOINT",
        "LISTEN",
        "NOTIFY",
        "UNLISTEN",
        "DISCARD",
        "RESET",
        "SHOW",
        "EXPLAIN",
        "DESCRIBE",
        "DESC",
        "SET",
        "USE",
        "BEGIN",
        "COMMIT",
        "ROLLBACK",
        "START",
        "END",
        "SAVEPOINT",
        "RELEASE",
        "LOCK",
        "UNLOCK",
        "FLUSH",
        "OPTIMIZE",
        "CHECK",
        "KILL",
        "REPLACE",
        "LOAD",
        "HANDLER",
        "PREPARE",
        "DEALLOCATE",
        "GRANT",
        "REVOKE",
        "COMMENT",
        "SECURITY",
        "REFRESH",
        "IMPORT",
        "CREATE",
        "INSERT",
        "COPY",
        "PRAGMA",
        "ATTACH",
        "DETACH",
        "CALL",
        "DO",
        "EXEC",
        "EXECUTE",
        "ALTER",
        "ABORT",
        "PREPARE",
        "VALUES",
        "TABLE",
    ]
)
_DESTROYING_COMMANDS = frozenset(["DROP", "TRUNCATE", "SHUTDOWN", "PURGE"])
# Inside procedural bodies (DO $$ ... $$, CALL, EXECUTE '...'): the statement words that destroy.
_BODY_DESTROYS = re.compile(r"\b(?:drop|truncate)\b|\bdelete\s+from\b(?![^;]*\bwhere\b)", re.IGNORECASE)

# psql backslash commands, mysql client commands, sqlite3 dot-commands that run a shell command or read code the
# gate cannot see.
_CLIENT_SHELL = re.compile(
    r"^\s*(?:\\!|\\o\s*\||\\g\s*\||\\gexec|\\copy\b.*\bprogram\b|system\b|\.shell\b|\.system\b|\.restore\b)",
    re.IGNORECASE | re.MULTILINE,
)
_CLIENT_FILE = re.compile(r"^\s*(?:\\i|\\ir|\\include|source\b|\\\.|\.read\b)", re.IGNORECASE | re.MULTILINE)
_CLIENT_LINE = re.compile(r"^\s*(?:\\|\.[a-z])", re.IGNORECASE)


@functools.lru_cache(maxsize=1)
def _sqlglot() -> Any:
    """sqlglot, loaded on first use; its parse-fallback warnings are for developers, not for a gate's log."""
    import sqlglot  # noqa: PLC0415 - loaded on first use: arming the gate stays cheap

    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    return sqlglot


def _strip_client_lines(sql: str) -> str:
    """The SQL without the client's own commands (backslash and dot lines), which the server never sees."""
    return "\n".join(line for line in sql.splitlines() if not _CLIENT_LINE.match(line))


def classify_sql(sql: str, dialect: str = "") -> Verdict:
    """The verdict on a text of SQL statements (client commands included) in ``dialect``."""
    if UNKNOWN_WORD in sql:
        return Tier.T3, "SQL that is not statically known"
    if len(sql) > _MAX_SQL:
        return Tier.T3, "SQL text too large to inspect"
    if _CLIENT_SHELL.search(sql):
        return Tier.T3, "the database client runs a shell command or code the gate cannot see"
    worst: Verdict = (Tier.T0, "SQL that only reads")
    if _CLIENT_FILE.search(sql):
        worst = (Tier.T2, "the database client runs SQL from a file the gate cannot read")
    body = _strip_client_lines(sql)
    if not body.strip():
        return worst
    sqlglot = _sqlglot()
    try:
        statements = sqlglot.parse(body, read=dialect or None)
    except Exception:  # sqlglot raises ParseError, TokenError and, on odd input, others: all mean "cannot read"
        return Tier.T3, "SQL the gate cannot parse"
    for statement in statements:
        if statement is None:
            continue
        verdict = _statement(statement)
        if verdict[0] > worst[0]:
            worst = verdict
        if worst[0] is Tier.T3:
            break
    return worst


def _statement(node: Any) -> Verdict:
    exp = _sqlglot().exp
    text = node.sql()[:60]
    if isinstance(node, exp.Drop):
        return Tier.T3, f"SQL drops ({text})"
    if isinstance(node, exp.TruncateTable):
        return Tier.T3, f"SQL truncates ({text})"
    if isinstance(node, exp.Delete | exp.Update):
        where = node.args.get("where")
        verb = "DELETE" if isinstance(node, exp.Delete) else "UPDATE"
        if where is None:
            return Tier.T3, f"SQL {verb} without WHERE changes every row ({text})"
        if not any(True for _column in where.find_all(exp.Column)):
            return Tier.T3, f"SQL {verb} whose WHERE names no column matches every row ({text})"
        return Tier.T2, f"SQL {verb} of chosen rows"
    if isinstance(node, exp.Alter):
        if any(True for _drop in node.find_all(exp.Drop)) or re.search(r"\bdrop\b", node.sql(), re.IGNORECASE):
            return Tier.T3, f"SQL ALTER drops part of a table ({text})"
        return Tier.T2, "SQL ALTER changes a schema"
    if isinstance(node, exp.Copy):
        if re.search(r"\bprogram\b", node.sql(), re.IGNORECASE):
            return Tier.T3, "SQL COPY runs a program on the database server"
        return Tier.T2, "SQL COPY loads or writes data"
    if isinstance(node, exp.Command):
        keyword = str(node.this).split(None, 1)[0].upper() if node.this else ""
        rest = node.sql()
        if keyword in _DESTROYING_COMMANDS:
            return Tier.T3, f"SQL {keyword} ({text})"
        if keyword in ("DO", "CALL", "EXEC", "EXECUTE") and _BODY_DESTROYS.search(rest):
            return Tier.T3, f"SQL procedural code drops or deletes ({text})"
        if keyword in _ORDINARY_COMMANDS:
            if keyword == "ALTER" and re.search(r"\bdrop\b", rest, re.IGNORECASE):
                return Tier.T3, f"SQL ALTER drops part of a table ({text})"
            return Tier.T2, f"SQL {keyword} changes state"
        return Tier.T3, f"an SQL statement the gate does not know ({text})"
    if isinstance(node, exp.Query):
        if any(True for _call in node.find_all(exp.Anonymous)):
            return Tier.T2, "SQL query calls functions that may change state"
        if any(True for _write in node.find_all(exp.Delete, exp.Update, exp.Insert, exp.Drop)):
            return Tier.T3, f"SQL query with a data-changing part ({text})"
        return Tier.T0, "SQL that only reads"
    known_writes = (exp.Insert, exp.Create, exp.Grant, exp.Merge, exp.Set, exp.Use, exp.Transaction, exp.Commit)
    if isinstance(node, known_writes) or type(node).__name__ in ("Revoke", "Rollback", "Pragma", "Show", "Describe"):
        return Tier.T2 if type(node).__name__ not in ("Show", "Describe") else Tier.T0, f"SQL {type(node).__name__}"
    return Tier.T3, f"an SQL statement the gate does not know ({text})"


def _option_values(
    args: Sequence[str], wanted: frozenset[str], takes_value: frozenset[str]
) -> tuple[list[str], list[str]]:
    """(values of the ``wanted`` options, positional words), reading ``-cX``, ``--command=X`` and ``-c X``."""
    values: list[str] = []
    positionals: list[str] = []
    k = 0
    while k < len(args):
        word = args[k]
        key, eq, attached = word.partition("=")
        if word.startswith("--") and eq and key in wanted:
            values.append(attached)
        elif word in wanted:
            if k + 1 < len(args):
                values.append(args[k + 1])
            k += 1
        elif not word.startswith("--") and len(word) > 2 and word[:2] in wanted:
            values.append(word[2:])
        elif word in takes_value:
            k += 1
        elif word == "--":
            positionals.extend(args[k + 1 :])
            break
        elif not word.startswith("-") or word == "-":
            positionals.append(word)
        k += 1
    return values, positionals


def _stdin_verdict(stdin: str | None, unread_stdin: str, what: str) -> Verdict | None:
    if unread_stdin == "pipe":
        return Tier.T3, f"{what} read from a pipe the gate cannot see"
    if unread_stdin == "file":
        return Tier.T2, f"{what} read from a file the gate cannot read"
    return None


def _client_texts(client: str, args: Sequence[str]) -> tuple[list[str], list[str]]:
    """(the code texts a database shell is given in its options and operands, the files it reads code from)."""
    _dialect, code_options, file_options, value_options, positional_code = _CLIENTS[client]
    codes, positionals = _option_values(args, code_options | file_options, value_options)
    files, _positionals = _option_values(args, file_options, value_options | code_options)
    texts = [c for c in codes if c not in files]
    if positional_code and len(positionals) > 1:
        texts.extend(positionals[1:])
    return texts, files


# The client commands that hand a command line to a shell. sqlite3: .shell and .system under any prefix of two
# letters or more (``.sh``, ``.sys``), whose arguments it unquotes and joins with blanks, and any dot-command whose
# argument starts with a pipe (``.once |CMD``, ``.output "|CMD"``, ``.read |CMD``, ``.import "|CMD" t``). psql: \! and
# a pipe after \o, \g, \gx, \w (anywhere in a line), a command in backquotes in a backslash command, \copy's program.
# mysql/mariadb: system, \!, pager and \P (a pager runs the output through a command), after a semicolon too.
_SQLITE_RUNS = re.compile(
    r"^\s*\.(?:sh(?:e(?:l(?:l)?)?)?|sy(?:s(?:t(?:e(?:m)?)?)?)?)(?![\w.])(?P<command>[^\n]*)", re.MULTILINE
)
_SQLITE_PIPE = re.compile(r"^\s*\.[a-z]\w*[ \t]+(?P<args>[\"']?\|[^\n]*)", re.IGNORECASE | re.MULTILINE)
_PSQL_RUNS = re.compile(
    r"\\!(?P<bang>[^\n]*)|\\(?:o|out|g|gx|w|write)\s*\|(?P<pipe>[^\n]*)|`(?P<tick>[^`\n]*)`"
    r"|\\copy\b[^\n]*?\bprogram\s+'(?P<program>(?:[^']|'')*)'",
    re.IGNORECASE,
)
_MYSQL_RUNS = re.compile(r"(?:^|;)\s*(?:system|\\!|pager|\\P)[ \t]+(?P<command>[^\n;]*)", re.IGNORECASE | re.MULTILINE)


def _shell_escapes(client: str, text: str) -> list[str]:
    """The command lines ``client`` hands to a shell from ``text`` (its own commands among the SQL)."""
    found: list[str] = []
    text = text[:_MAX_SQL]
    if client == "sqlite3":
        for match in _SQLITE_RUNS.finditer(text):
            command = match.group("command").strip()
            with contextlib.suppress(ValueError):  # an unbalanced quote: the line is read as written
                command = " ".join(shlex.split(command))
            found.append(command)
        for match in _SQLITE_PIPE.finditer(text):
            args = match.group("args")
            found.append(args.strip().strip("\"'").lstrip("|"))  # the rest of the line, as written
            with contextlib.suppress(ValueError, IndexError):  # and its first argument, unquoted
                found.append(shlex.split(args)[0].lstrip("|"))
    elif client == "psql":
        for match in _PSQL_RUNS.finditer(text):
            command = next(group for group in match.groups() if group is not None)
            found.append(command.replace("''", "'").strip() if match.group("program") is not None else command.strip())
    elif client == "mysql":
        found.extend(match.group("command").strip() for match in _MYSQL_RUNS.finditer(text))
    return [command for command in found if command][:16]


def client_shell_commands(tool: str, args: Sequence[str], stdin: str | None) -> list[str]:
    """The shell command lines a database shell run with ``args`` (and ``stdin``) hands to a shell through its own
    commands (``sqlite3 x.db '.shell rm -rf /'``, ``psql -c '\\! rm -rf /'``), for the deny scan: the client runs
    them whatever the SQL around them does. [] for a program that is not a known database shell."""
    client = _CLIENT_ALIASES.get(tool, tool)
    if client not in _CLIENTS:
        return []
    texts, files = _client_texts(client, args)
    if stdin is not None and (not texts or any(f in ("-", "/dev/stdin") for f in files)):
        texts.append(stdin)
    found: list[str] = []
    if client == "mysql":  # --pager=CMD: the output goes through CMD
        found.extend(_option_values(args, frozenset({"--pager"}), frozenset())[0][:4])
    for text in texts[:16]:
        found.extend(_shell_escapes(client, text))
    return found[:16]


def classify_client(tool: str, args: Sequence[str], stdin: str | None, unread_stdin: str) -> Verdict | None:
    """The verdict on a database shell run with ``args``: its ``-c``/``-e``/``-q`` code, positional SQL (sqlite3),
    or standard input (a heredoc the gate reads, or a pipe or file it cannot)."""
    client = _CLIENT_ALIASES.get(tool, tool)
    if client not in _CLIENTS:
        return Tier.T3, f"{tool}: a database shell the gate does not know"
    dialect = _CLIENTS[client][0]
    texts, files = _client_texts(client, args)
    worst: Verdict | None = None
    if files:
        from_stdin = any(f in ("-", "/dev/stdin") for f in files)
        worst = (Tier.T2, f"{tool} runs SQL from a file the gate cannot read")
        if from_stdin and stdin is not None:
            texts.append(stdin)
        elif from_stdin:
            worst = _stdin_verdict(stdin, unread_stdin, f"{tool} SQL") or worst
    elif not texts:
        if stdin is not None:
            texts.append(stdin)
        else:
            worst = _stdin_verdict(stdin, unread_stdin, f"{tool} SQL")
    for text in texts:
        verdict = classify_sql(text, dialect)
        if _shell_escapes(client, text):
            verdict = (Tier.T3, "the database client runs a shell command or code the gate cannot see")
        if worst is None or verdict[0] > worst[0]:
            worst = (verdict[0], f"{tool}: {verdict[1]}")
    return worst


# --- MongoDB shell -------------------------------------------------------------------------------------------------
_MONGO_DESTROYS = re.compile(
    r"\.\s*(?:dropDatabase|drop|dropUser|dropAllUsers|dropRole|dropAllRoles|dropSearchIndex|shutdownServer"
    r"|fsyncLock|removeShard|dropIndexes)\s*\("
    r"|\.\s*(?:deleteMany|remove|updateMany|update)\s*\(\s*\{\s*\}"
    r"|\.\s*(?:deleteMany|remove|updateMany)\s*\(\s*\)"
    r"|\bdb\s*\.\s*runCommand\s*\(\s*\{\s*(?:drop|dropDatabase|delete|shutdown)\b"
    r"|\.renameCollection\s*\([^)]*,\s*true\s*\)"
)
_MONGO_WRITES = re.compile(
    r"\.\s*(?:insert\w*|update\w*|delete\w*|remove|replaceOne|findOneAnd\w+|bulkWrite|createIndex\w*|create\w*"
    r"|renameCollection|runCommand|adminCommand|eval|aggregate|mapReduce|grant\w*|revoke\w*|update\w*|rs\.\w+"
    r"|sh\.\w+|setProfilingLevel|load)\s*\("
)
_MONGO_VALUE_OPTIONS = frozenset(
    [
        "--host",
        "--port",
        "-u",
        "--username",
        "-p",
        "--password",
        "--authenticationDatabase",
        "--authenticationMechanism",
        "--tlsCAFile",
        "--tlsCertificateKeyFile",
    ]
)


def _mongo_code(code: str) -> Verdict:
    if UNKNOWN_WORD in code:
        return Tier.T3, "MongoDB shell code that is not statically known"
    match = _MONGO_DESTROYS.search(code[:_MAX_SQL])
    if match:
        return Tier.T3, f"MongoDB shell code drops or deletes every document ({match.group(0)[:40]})"
    if len(code) > _MAX_SQL:
        return Tier.T3, "MongoDB shell code too large to inspect"
    if _MONGO_WRITES.search(code):
        return Tier.T2, "MongoDB shell code changes data"
    return Tier.T0, "MongoDB shell code that reads"


def classify_mongo(tool: str, args: Sequence[str], stdin: str | None, unread_stdin: str) -> Verdict | None:
    codes, positionals = _option_values(args, frozenset({"--eval"}), _MONGO_VALUE_OPTIONS)
    files, _positionals = _option_values(args, frozenset({"-f", "--file"}), _MONGO_VALUE_OPTIONS | {"--eval"})
    scripts = files + [p for p in positionals if p.endswith(".js")]
    worst: Verdict | None = (Tier.T2, f"{tool} runs a script the gate cannot read") if scripts else None
    texts = list(codes)
    if not texts and not scripts:
        if stdin is not None:
            texts.append(stdin)
        else:
            worst = _stdin_verdict(stdin, unread_stdin, f"{tool} code")
    for text in texts:
        verdict = _mongo_code(text)
        if worst is None or verdict[0] > worst[0]:
            worst = (verdict[0], f"{tool}: {verdict[1]}")
    return worst


# --- Redis ---------------------------------------------------------------------------------------------------------
_REDIS_DESTROYS = frozenset(
    [
        "FLUSHALL",
        "FLUSHDB",
        "SHUTDOWN",
        "DEBUG",
        "SWAPDB",
        "FAILOVER",
        "REPLICAOF",
        "SLAVEOF",
        "MIGRATE",
        "RESTORE",
        "CLUSTER",
        "MODULE",
    ]
)
_REDIS_READS = frozenset(
    [
        "GET",
        "MGET",
        "GETRANGE",
        "STRLEN",
        "EXISTS",
        "TYPE",
        "TTL",
        "PTTL",
        "KEYS",
        "SCAN",
        "HGET",
        "HGETALL",
        "HMGET",
        "HKEYS",
        "HVALS",
        "HLEN",
        "HEXISTS",
        "HSCAN",
        "LRANGE",
        "LLEN",
        "LINDEX",
        "SMEMBERS",
        "SISMEMBER",
        "SCARD",
        "SSCAN",
        "SRANDMEMBER",
        "ZRANGE",
        "ZRANGEBYSCORE",
        "ZREVRANGE",
        "ZSCORE",
        "ZCARD",
        "ZRANK",
        "ZREVRANK",
        "ZSCAN",
        "ZCOUNT",
        "XRANGE",
        "XREVRANGE",
        "XLEN",
        "XINFO",
        "XREAD",
        "PING",
        "ECHO",
        "INFO",
        "DBSIZE",
        "TIME",
        "LASTSAVE",
        "ROLE",
        "MEMORY",
        "OBJECT",
        "SLOWLOG",
        "LATENCY",
        "COMMAND",
        "CLIENT",
        "CONFIG-GET",
        "PUBSUB",
        "MONITOR",
        "DUMP",
        "RANDOMKEY",
        "BITCOUNT",
        "GETBIT",
        "PFCOUNT",
        "GEOPOS",
        "GEODIST",
        "GEORADIUS",
        "GEOSEARCH",
        "HELLO",
        "AUTH",
        "SELECT",
        "LOLWUT",
    ]
)
_REDIS_FLAGS = frozenset(
    ["-c", "-e", "--no-auth-warning", "--tls", "--raw", "--no-raw", "--csv", "--json", "-x", "--verbose"]
)
_REDIS_VALUE = frozenset(
    [
        "-h",
        "-p",
        "-s",
        "-a",
        "--user",
        "--pass",
        "-u",
        "-n",
        "-r",
        "-i",
        "-d",
        "-D",
        "--cacert",
        "--cert",
        "--key",
        "--sni",
        "--tls-ciphers",
    ]
)
_REDIS_MODES = frozenset(
    [
        "--scan",
        "--bigkeys",
        "--memkeys",
        "--hotkeys",
        "--stat",
        "--latency",
        "--latency-history",
        "--latency-dist",
        "--lru-test",
        "--intrinsic-latency",
        "--pattern",
        "--count",
    ]
)


def _redis_command(words: Sequence[str]) -> Verdict:
    if not words:
        return Tier.T0, "no Redis command"
    if any(w == UNKNOWN_WORD for w in words):
        return Tier.T3, "a Redis command that is not statically known"
    verb = words[0].upper()
    if verb in _REDIS_DESTROYS:
        return Tier.T3, f"Redis {verb} (irreversible)"
    if verb == "CONFIG":
        sub = words[1].upper() if len(words) > 1 else ""
        return (Tier.T0, "Redis CONFIG GET") if sub == "GET" else (Tier.T2, f"Redis CONFIG {sub}")
    if verb in ("SCRIPT", "FUNCTION") and len(words) > 1 and words[1].upper() == "FLUSH":
        return Tier.T3, f"Redis {verb} FLUSH"
    if verb in ("EVAL", "EVALSHA", "FCALL", "EVAL_RO", "EVALSHA_RO"):
        return Tier.T2, f"Redis {verb} runs a script"
    if verb in _REDIS_READS:
        return Tier.T0, f"Redis {verb} reads"
    if re.fullmatch(r"[A-Z][A-Z.]{1,30}", verb):
        return Tier.T2, f"Redis {verb} changes data"
    return Tier.T3, f"a Redis command the gate does not know ({verb[:30]})"


def classify_redis(tool: str, args: Sequence[str], stdin: str | None, unread_stdin: str) -> Verdict | None:
    k = 0
    eval_script = False
    while k < len(args):
        word = args[k]
        if word in _REDIS_VALUE:
            k += 2
            continue
        if word == "--eval":
            eval_script = True
            k += 2
            continue
        if word in _REDIS_MODES:
            return Tier.T0, f"{tool} {word} reads"
        if word.startswith("-") and word != "-":
            k += 1
            continue
        break
    if eval_script:
        return Tier.T2, f"{tool} --eval runs a Lua script the gate cannot read"
    words = list(args[k:])
    if words:
        verdict = _redis_command(words)
        return verdict[0], f"{tool}: {verdict[1]}"
    if stdin is not None:
        worst: Verdict = (Tier.T0, f"{tool}: no Redis command")
        for line in stdin.splitlines()[:10000]:
            verdict = _redis_command(line.split())
            if verdict[0] > worst[0]:
                worst = (verdict[0], f"{tool}: {verdict[1]}")
        return worst
    return _stdin_verdict(stdin, unread_stdin, f"{tool} commands")


SQL_DATA: dict[str, object] = {
    "clients": {
        name: [dialect, sorted(code), sorted(files), sorted(values), positional]
        for name, (dialect, code, files, values, positional) in sorted(_CLIENTS.items())
    },
    "client_aliases": dict(sorted(_CLIENT_ALIASES.items())),
    "ordinary_commands": sorted(_ORDINARY_COMMANDS),
    "destroying_commands": sorted(_DESTROYING_COMMANDS),
    "body_destroys": _BODY_DESTROYS.pattern,
    "client_shell": _CLIENT_SHELL.pattern,
    "client_file": _CLIENT_FILE.pattern,
    "mongo_destroys": _MONGO_DESTROYS.pattern,
    "mongo_writes": _MONGO_WRITES.pattern,
    "redis_destroys": sorted(_REDIS_DESTROYS),
    "redis_reads": sorted(_REDIS_READS),
    "redis_modes": sorted(_REDIS_MODES),
    "max_sql": _MAX_SQL,
}
