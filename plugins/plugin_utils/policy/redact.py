# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Redaction of parameters before they reach any record, reason or message.

Every recorder Ansible users run today (ARA, AWX job events, log_plays) has leaked secrets through task arguments.
So arguments are copied through this module first, always: known token shapes are replaced by a placeholder naming
the kind of secret, values under secret-looking keys are withheld, and depth and size are bounded so a hostile
structure cannot make redaction slow or huge. A failure here is an error the caller must treat as "withhold all".

Security constraints: SEC-7, SEC-9 (docs/security-constraints.yml).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = [
    "REDACTED",
    "RedactionError",
    "holds_no_hint",
    "is_secret_key",
    "redact",
    "redact_text",
    "redact_texts",
    "truncate",
]

REDACTED = "<redacted>"
SPLIT_REDACTED = "<redacted:split-argument>"
_TRUNCATED = "...<truncated>"
_TOO_LARGE = "<withheld:too-large>"


class RedactionError(Exception):
    """Redaction could not finish; the caller withholds the arguments and denies (fail closed)."""


# Token shapes. Order matters only for overlapping shapes (more specific first).
_TOKEN_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (label, re.compile(pattern))
    for label, pattern in (
        ("praxis-approval-token", r"\bpxa1\.[A-Za-z0-9_\-]{8,}(?:\.[A-Za-z0-9_\-]*)?"),
        (
            "pem-private-key",
            r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END [A-Z0-9 ]*-----|$)",
        ),
        ("aws-access-key", r"\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|AROA|APKA|ASCA)[0-9A-Z]{16}\b"),
        (
            "aws-secret-key",
            r"(?i)(?<![A-Za-z0-9/+=])aws(.{0,20})?(?:secret|sk)[^\n]{0,20}?[=:]\s*['\"]?[A-Za-z0-9/+=]{40}",
        ),
        ("github-token", r"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b"),
        ("gitlab-token", r"\b(?:glpat|gldt|glrt|glcbt|glptt|glft|glimt|glagent|gloas|glsoat)-[A-Za-z0-9_\-]{20,}"),
        ("slack-webhook", r"https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_\-]+"),
        ("slack-token", r"\b(?:xox[abposre]-(?:[A-Za-z0-9]+-){1,4}[A-Za-z0-9]+|xapp-\d-[A-Za-z0-9\-]{10,})"),
        ("stripe-key", r"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}"),
        ("google-api-key", r"\bAIza[0-9A-Za-z_\-]{35}\b"),
        ("anthropic-key", r"\bsk-ant-(?:api|admin)\d{2}-[A-Za-z0-9_\-]{20,}"),
        ("openai-key", r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}"),
        ("huggingface-token", r"\bhf_[A-Za-z0-9]{30,}\b"),
        ("digitalocean-token", r"\bdo[por]_v1_[a-f0-9]{64}\b"),
        ("npm-token", r"\bnpm_[A-Za-z0-9]{36}\b"),
        ("jwt", r"\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"),
        # userinfo in a URL: the user may be empty (redis://:pw@host) and the password may hold '/' or '@'; it
        # ends at the '@' after which the host runs to a delimiter without another '@'.
        ("url-password", r"(?<=://)[^/\s:@]{0,256}:\S{1,256}?(?=@[^\s@/?#]*(?:[/?#\s'\"\\]|$))"),
        # Header form, also as a quoted JSON / Python key ("Authorization": "Basic ...").
        ("authorization-header", r"(?i)\b(?:authorization|proxy-authorization)[\"']?\s*[:=]\s*[^\r\n]+"),
        ("bearer-token", r"(?i)\bbearer\s+[A-Za-z0-9_\-\.=:/+]{8,}"),
        ("mysql-password-flag", r"(?<![\w-])(?:-p|--password=)(?!\s)\S+"),
        ("sshpass-password", r"(?<![\w-])sshpass\s+(?:-\w+\s+)*-p\s*\S+"),
        # Long options naming a secret, with the value after '=' or a space: --password x, --api-key=x, --token x.
        # (--ask-pass and friends are switches: they are left alone.)
        (
            "password-option",
            r"(?i)(?<![\w-])--(?!ask-)[\w-]*(?:pass(?:word|wd|phrase)?|secret|token|api-?key)(?:=|\s+)(?!-)\S+",
        ),
    )
)


# Hints: lowercase substrings one of which every match of a token shape contains. Text holding no hint of any
# shape (most paths, names and modes) skips the substitutions, and the result is the same as running them all
# (tests check the hints against the patterns). A substring test costs a fraction of one regex scan.
_TOKEN_HINTS: dict[str, tuple[str, ...]] = {
    "praxis-approval-token": ("pxa1.",),
    "pem-private-key": ("-----begin ",),
    "aws-access-key": ("akia", "asia", "abia", "acca", "agpa", "aida", "aipa", "anpa", "anva", "aroa", "apka", "asca"),
    "aws-secret-key": ("aws",),
    "github-token": ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
    "gitlab-token": (
        "glpat-",
        "gldt-",
        "glrt-",
        "glcbt-",
        "glptt-",
        "glft-",
        "glimt-",
        "glagent-",
        "gloas-",
        "glsoat-",
    ),
    "slack-webhook": ("hooks.slack.com",),
    "slack-token": ("xox", "xapp-"),
    "stripe-key": ("_live_", "_test_"),
    "google-api-key": ("aiza",),
    "anthropic-key": ("sk-ant-",),
    "openai-key": ("sk-",),
    "huggingface-token": ("hf_",),
    "digitalocean-token": ("_v1_",),
    "npm-token": ("npm_",),
    "jwt": ("eyj",),
    "url-password": ("://",),
    "authorization-header": ("authorization",),
    "bearer-token": ("bearer",),
    "mysql-password-flag": ("-p",),
    "sshpass-password": ("sshpass",),
    "password-option": ("--",),
}


def _any_of(words: Iterable[str]) -> re.Pattern[str]:
    """A pattern that finds any of ``words``, built as a trie (``a(?:ws|kia|...)``): the engine tries one branch
    per first character instead of every word at every position, which makes the scan about three times faster.
    A word that another word starts with stands for both, since a search only asks whether one occurs."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def branch(node: dict[str, Any]) -> str:
        if "" in node:
            return ""
        alternatives = [re.escape(char) + branch(node[char]) for char in sorted(node)]
        return alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"

    return re.compile(branch(trie))


_TOKEN_HINT_WORDS = frozenset(h for hints in _TOKEN_HINTS.values() for h in hints)
_ANY_TOKEN_HINT = _any_of(_TOKEN_HINT_WORDS)

# key=value / key: value / "key": "value" where the key looks secret. A quoted value runs to its closing quote
# (spaces and escaped quotes included); an unquoted one ends at whitespace, a quote or ;,&.
# names of secrets, not a secret:
_SECRET_WORDS = (
    r"pass(?:word|wd|phrase|code)?|pwd?|secret|token|api[_\-]?key|apikey|access[_\-]?key|private[_\-]?key|"  # noqa: S105
    r"client[_\-]?secret|auth[_\-]?key|credentials?|session[_\-]?key|signing[_\-]?key|encryption[_\-]?key|"
    r"vault[_\-]?pass|become[_\-]?pass|ssh[_\-]?pass|db[_\-]?pass|secret[_\-]?key|bearer|cookie|salt|"
    r"authori[sz]ation"
)
# A secret word counts in a key when it stands alone between separators (_ - .), at a camelCase boundary
# (adminPassword, apiToken), or starts the key. "bypass" and "compass" are not passwords.
_WORD_START = r"(?:^|[_\-.]|(?-i:(?<=[a-z0-9])(?=[A-Z])))"
_WORD_END = r"(?:$|[_\-.0-9]|(?-i:(?<=[a-z])(?=[A-Z])))"
_SECRET_KEY_RE = re.compile(rf"(?i){_WORD_START}(?:{_SECRET_WORDS}){_WORD_END}|^(?:{_SECRET_WORDS})")
# Pairs are found in two linear steps: a whole key token (starting where a token starts, so the engine tries one
# start per token) and its separator, then the value after it. A single pattern with the secret word in the middle
# of "[\w.-]*" on both sides backtracks cubically: 16 KiB of "passwordpassword..." took hours.
_KEY_SEP_RE = re.compile(r"(?<![\w.\-])(?P<key>[\w.\-]+)(?P<sep>[\"']?\s*[=:]\s*)")
_SECRET_IN_KEY_RE = re.compile(rf"(?i){_SECRET_WORDS}")
_VALUE_RE = re.compile(r"\"(?:[^\"\\\r\n]|\\.)*\"?|'[^'\r\n]*'?|[^\s\"',;&]+")
# Config-file syntax with the value after blanks (redis ``requirepass S3cr3t``, pgpool ``master_password x``,
# slapd ``rootpw {SSHA}...``, sshd-style ``Key value``): a line (or a diff line: ``+``, ``-`` or a space first)
# whose first word names a secret has the rest of its line withheld.
# The key must END in the secret's name (requirepass, rootpw, masterauth, db_password, private_key), so settings
# named after one (PasswordAuthentication no, private_key_file /path) stay readable in a hardening role's diff.
# The secret's name starts the key, follows a separator or a camelCase boundary, or follows a word config files
# glue to it (requirepass, masterauth, rootpw, bindpw, adminpass): "compass" and "bypass" are not passwords.
_SECRET_LINE_KEY_RE = re.compile(
    rf"(?i)(?:^|[_\-.]|(?-i:(?<=[a-z0-9])(?=[A-Z]))|(?<=require)|(?<=master)|(?<=root)|(?<=bind)|(?<=admin)"
    rf"|(?<=user)|(?<=db))(?:{_SECRET_WORDS}|auth)$"
)
_LINE_KEY_RE = re.compile(r"(?m)^(?P<lead>[ \t]*[+\- ]?[ \t]*)(?P<key>[\w.\-]{1,128})(?P<sep>[ \t]+)(?=[^\s=:])")
# Every secret word above contains one of these (lowercase): text without any holds no secret-looking key.
_SECRET_HINT_WORDS = frozenset(
    ("pass", "pw", "secret", "token", "key", "credential", "bearer", "cookie", "salt", "auth")
)
_SECRET_WORD_HINTS = _any_of(_SECRET_HINT_WORDS)
_ANY_HINT = _any_of(_TOKEN_HINT_WORDS | _SECRET_HINT_WORDS)  # either kind: one scan
# holds_no_hint scans a dump longer than this as its distinct pieces; shorter ones (every ordinary task's) directly.
_PIECEWISE_FROM = 4096
_HINT_DIGITS = frozenset(char for word in _TOKEN_HINT_WORDS | _SECRET_HINT_WORDS for char in word if char.isdigit())
_FOLD_DIGITS = str.maketrans({digit: "0" for digit in "0123456789" if digit not in _HINT_DIGITS | {"0"}})


# An argument vector item that names a secret whose value is the next item: --password x, --api-key x, sshpass -p x,
# "Authorization:" "Basic x", DB_PASSWORD= x. Over-redacting the next item (mysql -p <database>) only costs a record
# some detail; letting the value through would leak it.
_SPLIT_SECRET = re.compile(
    r"(?i)-{1,2}(?!-)(?!ask-)[\w-]*(?:pass(?:word|wd|phrase)?|secret|token|api-?key|auth-?key|credentials?)"
    r"|-p|(?:proxy-)?authori[sz]ation\s*:?"
    rf"|[\w.\-]*(?:{_SECRET_WORDS})[\"']?\s*[:=]"
)


def is_secret_key(key: object) -> bool:
    """Whether a mapping key names a secret (``password``, ``db_pass``, ``api-key``, ``AWS_SECRET_ACCESS_KEY``...)."""
    return isinstance(key, str) and bool(_SECRET_KEY_RE.search(key))


def truncate(text: str, limit: int) -> str:
    """Bound a string for records and messages."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - len(_TRUNCATED))] + _TRUNCATED


def _redact_pairs(text: str) -> str:
    """``key=value`` / ``key: value`` / ``"key": "value"`` with a secret-looking key: the value is withheld.

    Only key+separator is matched by the scan, never the value, so a harmless pair cannot swallow a secret one that
    follows it (``opts=password=hunter2``).
    """
    out: list[str] = []
    pos = 0
    for match in _KEY_SEP_RE.finditer(text):
        key = match.group("key")
        if match.start() < pos or not (_SECRET_IN_KEY_RE.search(key) or _SECRET_LINE_KEY_RE.search(key)):
            continue
        value = _VALUE_RE.match(text, match.end())
        if value is None:
            continue
        quote = value.group(0)[0] if value.group(0)[:1] in ('"', "'") else ""
        out.append(text[pos : match.end()])
        out.append(f"{quote}{REDACTED}{quote}")
        pos = value.end()
    out.append(text[pos:])
    return _redact_config_lines("".join(out))


def _redact_config_lines(text: str) -> str:
    """``key value`` lines whose key names a secret: the rest of the line is withheld."""
    out: list[str] = []
    pos = 0
    for match in _LINE_KEY_RE.finditer(text):
        if match.start() < pos or not _SECRET_LINE_KEY_RE.search(match.group("key")):
            continue
        end = text.find("\n", match.end())
        end = len(text) if end < 0 else end
        if text[match.end() : end].strip() in (REDACTED, f'"{REDACTED}"', f"'{REDACTED}'"):
            continue
        out.append(text[pos : match.end()])
        out.append(REDACTED)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def redact_text(text: object, *, limit: int = 4096) -> str:
    """Replace token shapes and secret-looking key=value pairs in free text, then bound its length."""
    source = text if isinstance(text, str) else str(text)
    # Bound the work before scanning: patterns run on at most a few times the output limit.
    work = source[: _window(limit)]
    if holds_no_hint(work):  # the one definition of "nothing to redact" that redact() and redact_texts() rely on
        return _bounded(work, limit)
    # The hints hold for ASCII text only: case-insensitive patterns also match non-ASCII letters that lower() does
    # not map to ASCII (U+017F long s matches "s", U+212A Kelvin sign matches "k"), so other text always takes
    # every substitution.
    plain = work.isascii()
    lowered = work.lower() if plain else ""
    if not plain or _SECRET_WORD_HINTS.search(lowered):
        # config lines first: a token shape must not eat the key that names the secret (-private_key x)
        work = _redact_config_lines(work)
        lowered = work.lower() if plain else ""
    if not plain or _ANY_TOKEN_HINT.search(lowered):
        for label, pattern in _TOKEN_PATTERNS:
            work = pattern.sub(f"<redacted:{label}>", work)
        lowered = work.lower()
    if not plain or _SECRET_WORD_HINTS.search(lowered):  # only keys naming a secret are withheld
        work = _redact_pairs(work)
    return truncate(work, limit)


def holds_no_hint(dump: str) -> bool:
    """Whether ``dump`` (``json.dumps(value, default=str, ensure_ascii=False)`` of a value) shows that no string in
    the value can hold a token shape or a secret-looking key: it is ASCII and contains none of the hints every
    match needs. JSON escaping never splits a hint (none holds a quote, a backslash or a control character)."""
    if not dump.isascii():
        return False
    lowered = dump.lower()
    if len(dump) <= _PIECEWISE_FROM:
        return _ANY_HINT.search(lowered) is None
    # A long dump is mostly generated content whose lines repeat but for their numbers (64 KiB of configuration: the
    # trie scan alone cost ~0.9 ms). Scanned as its distinct pieces it gives the same answer: no hint holds a
    # backslash (so none spans a piece: every JSON escape, line breaks included, starts with one), and no hint holds
    # a digit outside _HINT_DIGITS (so reading the others as 0, which no hint holds either, moves no match).
    pieces = set(lowered.translate(_FOLD_DIGITS).split("\\"))
    return not any(_ANY_HINT.search(piece) for piece in pieces)


def _window(limit: int) -> int:
    return max(limit * 4, 1024)


def _bounded(text: str, limit: int) -> str:
    """What ``redact_text`` returns for text that holds no hint: its scanning window, bounded to the limit."""
    return truncate(text[: _window(limit)], limit)


def redact_texts(texts: Sequence[object], *, limits: Sequence[int]) -> list[str]:
    """``redact_text`` over several texts, each with its limit, with one hint scan for all of them: plain strings
    that hold no hint together (none can span a join, as no hint holds a line break) are only bounded."""
    # Exact str, deliberately: the joined fast path is for plain strings only; a subclass (one overriding the methods
    # the join and the bounding use) takes redact_text one text at a time.
    plain = [text for text in texts if type(text) is str]  # pylint: disable=unidiomatic-typecheck
    if len(plain) == len(texts) and holds_no_hint("\n".join(plain)):
        # (a text within its limit is its own bounded form: most reasons are)
        return [
            text if len(text) <= limit else _bounded(text, limit) for text, limit in zip(plain, limits, strict=True)
        ]
    return [redact_text(text, limit=limit) for text, limit in zip(texts, limits, strict=True)]


def redact(
    value: Any,
    *,
    max_depth: int = 8,
    max_items: int = 200,
    max_str: int = 2048,
    max_nodes: int = 2000,
    hint_free: bool = False,
) -> Any:
    """A JSON-safe, redacted, bounded copy of ``value``. Raises RedactionError on anything it cannot handle.

    ``max_nodes`` bounds the whole walk: depth and width limits alone still allow max_items ** max_depth nodes (a
    list holding itself 200 times would never finish). Past the budget, values are withheld, not walked.

    ``hint_free``: the caller has shown with :func:`holds_no_hint` on the value's JSON dump that no string in it
    holds a hint, so strings and keys are only bounded, not scanned. It is honoured only through plain ``dict``,
    ``list`` and ``tuple`` containers (whose contents the dump is known to show) and ``str`` values; anything else
    is scanned as usual.
    """
    return _Walk(max_depth, max_items, max_str, max_nodes).node(value, 0, hint_free)


class _Walk:
    """One redaction walk: its limits and the node budget it shares across the whole value."""

    __slots__ = ("budget", "max_depth", "max_items", "max_str")

    def __init__(self, max_depth: int, max_items: int, max_str: int, max_nodes: int) -> None:
        self.max_depth = max_depth
        self.max_items = max_items
        self.max_str = max_str
        self.budget = max_nodes

    def node(self, value: Any, depth: int, hint_free: bool) -> Any:
        try:
            self.budget -= 1  # every node counts, withheld ones too: a wide tree of too-deep leaves is still wide
            if self.budget < 0:
                return _TOO_LARGE
            if depth > self.max_depth:
                return "<withheld:too-deep>"
            if value is None or isinstance(value, bool | float):
                return value
            if isinstance(value, int):
                # Huge integers cannot even be turned into text (int max str digits), and are never a useful record.
                return value if value.bit_length() <= 128 else f"<withheld:int bits={value.bit_length()}>"
            if isinstance(value, str):
                if hint_free:  # exactly what redact_text returns for text without any hint
                    return _bounded(value, self.max_str)
                return redact_text(value, limit=self.max_str)
            if isinstance(value, bytes | bytearray | memoryview):
                return f"<withheld:bytes len={len(value)}>"
            hint_free = hint_free and type(value) in _DUMPED_AS_IS
            if isinstance(value, Mapping):
                return self._mapping(value, depth, hint_free)
            if isinstance(value, Sequence | set | frozenset):
                return self._sequence(value, depth, hint_free)
            return redact_text(repr(value), limit=min(self.max_str, 200))
        except RedactionError:
            raise
        except Exception as exc:  # anything odd (hostile __str__, recursion) means: withhold
            raise RedactionError(f"{type(exc).__name__} while redacting") from exc

    def _mapping(self, value: Mapping[Any, Any], depth: int, hint_free: bool) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for index, (key, item) in enumerate(value.items()):
            if index >= self.max_items:
                out["<truncated>"] = f"{len(value) - self.max_items} more entries"
                break
            if self.budget <= 0:
                out["<truncated>"] = _TOO_LARGE
                break
            name = key if isinstance(key, str) else str(key)
            plain_key = hint_free and isinstance(key, str)  # a str key's text is in the dump as it is
            skey = truncate(name, 200) if plain_key else redact_text(name, limit=200)
            if not plain_key and is_secret_key(name):
                out[skey] = _empty_copy(item)
            else:
                out[skey] = self.node(item, depth + 1, hint_free)
        return out

    def _sequence(self, value: Any, depth: int, hint_free: bool) -> list[Any]:
        # islice: never materialise a huge sequence (range(10**12)) just to keep its first items.
        redacted: list[Any] = []
        names_secret = False  # the previous item names a secret whose value is this one (argv: --password, x)
        for item in itertools.islice(iter(value), self.max_items):
            if self.budget <= 0:
                redacted.append(_TOO_LARGE)
                return redacted
            if names_secret and isinstance(item, str) and item:
                self.budget -= 1
                redacted.append(SPLIT_REDACTED)
            else:
                redacted.append(self.node(item, depth + 1, hint_free))
            names_secret = isinstance(item, str) and len(item) <= 200 and bool(_SPLIT_SECRET.fullmatch(item.strip()))
        total = len(value)
        if total > self.max_items:
            redacted.append(f"<truncated: {total - self.max_items} more items>")
        return redacted


# Containers whose contents json.dumps shows exactly as redact() walks them (subclasses may iterate differently).
_DUMPED_AS_IS = (dict, list, tuple)


def _empty_copy(item: Any) -> Any:
    """The value kept under a secret-looking key: empty values stay visible (None, "", [], {}); all else is hidden.

    Decided by type and length, never by ``==`` (an object that claims to equal ``[]`` must not be passed through),
    and what is returned is always a fresh empty value, never the caller's object.
    """
    if item is None:
        return None
    if isinstance(item, str | list | tuple | dict) and len(item) == 0:
        return {} if isinstance(item, dict) else ("" if isinstance(item, str) else [])
    return REDACTED
