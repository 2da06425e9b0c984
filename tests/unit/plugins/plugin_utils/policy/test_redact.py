# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Redaction: every token class is caught in every container it realistically arrives in, and hostile input
can neither hang nor bloat the copy."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy import redact as redact_module
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy.redact import (
    REDACTED,
    RedactionError,
    is_secret_key,
    redact,
    redact_text,
    truncate,
)
from hypothesis import assume, given, settings
from hypothesis import strategies as st

# Realistic fake tokens of the right shape (none of these is a live credential).
TOKENS: dict[str, str] = {
    "pem-private-key": (
        "-----BEGIN OPENSSH PRIVATE KEY-----\n"
        "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
        "QyNTUxOQAAACBhbm90aGVyIGZha2Uga2V5IGZvciB0ZXN0cyBvbmx5AAAAAAAAAAAAAAAA\n"
        "-----END OPENSSH PRIVATE KEY-----"
    ),
    "praxis-approval-token": "pxa1.eyJ2IjoxLCJwbGFuIjoicmVxLTAwIn0.W3siayI6IjAwIiwicyI6IkFBQUEifV0",
    "aws-access-key": "AKIAIOSFODNN7EXAMPLE",
    "aws-secret-key": "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "github-token": "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
    "gitlab-token": "glpat-" + "xZ9yW8vU7tS6rQ5pO4nM",
    "slack-webhook": "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
    "slack-token": "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
    "stripe-key": "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc",
    "google-api-key": "AIza" + "SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY",
    "anthropic-key": "sk-ant-api03-" + "Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Jh1Gf0EdCbA_-" * 2,
    "openai-key": "sk-proj-" + "T3BlbkFJ" + "q1W2e3R4t5Y6u7I8o9P0a1S2d3F4g5H6j7K8l9Z0x1C2v3B4n5M6",
    "huggingface-token": "hf_" + "AbCdEfGhIjKlMnOpQrStUvWxYz01234567",
    "digitalocean-token": "dop_v1_" + "0123456789abcdef" * 4,
    "npm-token": "npm_" + "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
    "jwt": (
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ."
        "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
    ),
}
TOKEN_SECRET_PART = {  # the part that must never survive
    "aws-secret-key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "pem-private-key": "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ",
}

EXTRA_SHAPES: dict[str, str] = {
    "github-fine-grained": "github_pat_11ABCDEFG0" + "abcdefghijklmnopqrstuvwxyz0123456789_ABCDEFGHIJKLMNOPQRSTUVWX",
    "github-oauth": "gho_" + "Z" * 36,
    "github-app": "ghs_" + "Y" * 36,
    "openai-legacy": "sk-" + "AbCdEfGhIjKlMnOpQrStT3BlbkFJAbCdEfGhIjKlMnOpQrSt",
    "openai-service": "sk-svcacct-" + "q" * 40,
    "stripe-restricted": "rk_live_" + "51HxYzAbCdEfGhIjKlMnOp",
    "stripe-test": "sk_test_" + "4eC39HqLyjWDarjtT1zdp7dc",
    "slack-user": "xoxp-1234567890-1234567890-1234567890-abcdef0123456789abcdef0123456789",
    "slack-app": "xapp-1-A0123456789-1234567890123-abcdef0123456789",
    "slack-workflow-hook": "https://hooks.slack.com/workflows/T000/A000/123/AbCdEf",
    "aws-temporary": "ASIAY34FZKBOKMUTVV7A",
    "gitlab-deploy": "gldt-" + "AbCdEfGhIjKlMnOpQrSt12",
    "rsa-pem": "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA0Z3VS5JJcds3xfn\n-----END RSA PRIVATE KEY-----",
    "encrypted-pem": (
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIFHDBOBgkqhkiG9w0BBQ0w\n-----END ENCRYPTED PRIVATE KEY-----"
    ),
    "pgp": "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBF0fakefakefake\n-----END PGP PRIVATE KEY BLOCK-----",
    "pem-unterminated": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7",
    "do-oauth": "doo_v1_" + "fedcba9876543210" * 4,
}


def _secret_part(label: str, token: str) -> str:
    return TOKEN_SECRET_PART.get(label, token)


@pytest.mark.parametrize(("label", "token"), TOKENS.items(), ids=TOKENS.keys())
def test_each_listed_token_class_is_redacted(label: str, token: str) -> None:
    out = redact_text(f"before {token} after")
    assert _secret_part(label, token) not in out
    assert f"<redacted:{label}>" in out
    assert out.startswith("before ")


def test_every_token_class_in_redact_py_has_a_sample() -> None:
    listed = {label for label, _unused in redact_module._TOKEN_PATTERNS}
    covered = set(TOKENS) | {"url-password", "authorization-header", "bearer-token", "mysql-password-flag",
                             "sshpass-password", "password-option"}  # fmt: skip
    assert listed <= covered, f"token classes without a test: {listed - covered}"


@pytest.mark.parametrize("token", EXTRA_SHAPES.values(), ids=EXTRA_SHAPES.keys())
def test_token_variants_are_redacted(token: str) -> None:
    out = redact_text(f"x {token} y")
    secret = [line for line in token.split("\n") if line][1] if "\n" in token else token
    assert secret not in out
    assert "<redacted:" in out


@pytest.mark.parametrize(("label", "token"), TOKENS.items(), ids=TOKENS.keys())
@pytest.mark.parametrize(
    "wrap",
    [
        lambda t: f"export VAR={t}",
        lambda t: json.dumps({"some_field": t}),
        lambda t: f"'{t}'",
        lambda t: f"curl -d {t} https://example.com",
        lambda t: f"{t}\n",
        lambda t: f"({t})",
    ],
    ids=["shell", "json", "quoted", "argv", "newline", "parens"],
)
def test_tokens_in_context(label: str, token: str, wrap: Callable[[str], str]) -> None:
    text = wrap(token)
    secret = _secret_part(label, token)
    if label == "pem-private-key" and wrap(token).startswith("{"):
        secret = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ"
    assert secret not in redact_text(text)


@pytest.mark.parametrize(("label", "token"), TOKENS.items(), ids=TOKENS.keys())
def test_tokens_inside_structures(label: str, token: str) -> None:
    value = {"args": {"cmd": f"run --x {token}", "list": [token, ("nested", token)]}}
    dumped = json.dumps(redact(value))
    assert _secret_part(label, token).replace("\n", "\\n") not in dumped
    assert _secret_part(label, token) not in dumped


# ------------------------------------------------------------------------------------------------ URLs and headers
@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("https://user:hunter2@example.com/repo.git", "hunter2"),
        ("postgresql://app:s3cr3t-P%40ss@db.internal:5432/app", "s3cr3t-P%40ss"),
        ("redis://:only-a-password@cache:6379/0", "only-a-password"),
        ("https://user:ab/cd@example.com/", "ab/cd"),
        ("https://user:p@ss@example.com/path", "p@ss"),
        ("git clone https://oauth2:TOKENVALUE123@gitlab.example.com/group/repo.git", "TOKENVALUE123"),
        ('{"url": "amqp://guest:guestpw@rabbit:5672/"}', "guestpw"),
        ("mongodb+srv://admin:Adm1nPw@cluster0.example.net/?retryWrites=true", "Adm1nPw"),
    ],
)
def test_url_passwords(text: str, secret: str) -> None:
    out = redact_text(text)
    assert secret not in out
    assert "<redacted:url-password>" in out


def test_url_password_keeps_host_and_path() -> None:
    out = redact_text("https://user:pw@example.com/path?email=a@b.com")
    assert "pw@" not in out
    assert "example.com/path?email=a@b.com" in out


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("Authorization: Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA=="),
        ("authorization=Digest username=x, response=6629fae49393a05397450978507c4ef1", "6629fae4"),
        ("Proxy-Authorization: Basic Zm9vOmJhcg==", "Zm9vOmJhcg=="),
        ('{"Authorization": "Basic dXNlcjpwYXNzd29yZA=="}', "dXNlcjpwYXNzd29yZA=="),
        ("{'Authorization': 'Token abcdef0123456789'}", "abcdef0123456789"),
        ("curl -H 'Authorization: Bearer abc.def.ghi-123456' https://api", "abc.def.ghi-123456"),
        ("Bearer abcdefghijklmnop0123", "abcdefghijklmnop0123"),
        ("X-Api-Key: 0123456789abcdef", "0123456789abcdef"),
        ("X-Auth-Token: tok_0123456789", "tok_0123456789"),
    ],
)
def test_authorization_headers(text: str, secret: str) -> None:
    assert secret not in redact_text(text)


def test_headers_mapping_is_withheld() -> None:
    out = redact({"url": "https://api.example.com", "headers": {"Authorization": "Basic dXNlcjpwYXNz", "Accept": "a"}})
    assert out["headers"]["Authorization"] == REDACTED
    assert out["headers"]["Accept"] == "a"
    assert out["url"] == "https://api.example.com"


# ------------------------------------------------------------------------------------------------ key=value
@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("password=hunter2", "hunter2"),
        ("PASSWORD=hunter2 other=1", "hunter2"),
        ("db_pass: hunter2", "hunter2"),
        ("db_password: 'hunter2 with spaces'", "with spaces"),
        ('password="correct horse battery staple"', "horse battery"),
        ('{"api_key": "abc123secretvalue"}', "abc123secretvalue"),
        ('{"api_key":"two words here"}', "words here"),
        ('{"password": "with \\"escaped\\" quote"}', "escaped"),
        ("{'password': 'two words'}", "words"),
        ("client_secret=abc&grant_type=client_credentials", "abc"),
        ("token: abcdef", "abcdef"),
        ("MYSQL_ROOT_PASSWORD=rootpw", "rootpw"),
        ("PGPASSWORD=pgpw psql -h db", "pgpw"),
        ("aws_secret_access_key=shortish", "shortish"),
        ("ansible_become_pass=becomepw", "becomepw"),
        ("vault_password: vaultpw", "vaultpw"),
        ("private_key: |-", "|-"),
        ("passphrase=my-passphrase", "my-passphrase"),
        ("session_key = sk123", "sk123"),
        ("set cookie=sessionid123;", "sessionid123"),
        ("accessToken=camelsecret", "camelsecret"),
        ("opts=password=hunter2", "hunter2"),
        ('note="password=hunter2 in a value"', "hunter2"),
        ("user=bob,password=hunter2,host=db", "hunter2"),
        ("--db-password=hunter2", "hunter2"),
        ("password:\n  hunter2", "hunter2"),
    ],
)
def test_secret_key_value_pairs(text: str, secret: str) -> None:
    out = redact_text(text)
    assert secret not in out, out
    assert REDACTED in out or "<redacted:" in out


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("mysql -u root -pSECRETPW mydb", "SECRETPW"),
        ("mysqldump --password=SECRETPW db", "SECRETPW"),
        ("mysql --password SECRETPW", "SECRETPW"),
        ("docker login --password s3cret registry", "s3cret"),
        ("vault login --token=hvs.ABCDEF", "hvs.ABCDEF"),
        ("tool --api-key XYZ123", "XYZ123"),
        ("sshpass -p 'hunter2' ssh host", "hunter2"),
        ("sshpass -e -p hunter2 ssh host", "hunter2"),
    ],
)
def test_password_flags(text: str, secret: str) -> None:
    assert secret not in redact_text(text)


@pytest.mark.parametrize(
    "text",
    [
        "state=present",
        "path=/etc/hosts",
        "name=nginx state=latest",
        "mkdir -p /srv/app",
        "ansible-playbook --ask-pass site.yml",
        "the quick brown fox",
        "mode=0644 owner=root group=root",
        "url=https://example.com/path",
        "dest=/etc/ssh/sshd_config backup=yes",
        "compass bypass passenger",
    ],
)
def test_non_secrets_survive(text: str) -> None:
    assert redact_text(text) == text


def test_non_secret_mapping_survives() -> None:
    args = {"name": "nginx", "state": "present", "path": "/etc/hosts", "count": 3, "enabled": True, "x": None}
    assert redact(args) == args


# ------------------------------------------------------------------------------------------------ mapping keys
@pytest.mark.parametrize(
    "key",
    [
        "password", "PASSWORD", "login_password", "db_pass", "dbPass", "api-key", "api_key", "apikey", "API_KEY",
        "AWS_SECRET_ACCESS_KEY", "client_secret", "clientSecret", "token", "auth_token", "x-auth-token",
        "accessToken", "apiToken", "adminPassword", "mysqlRootPassword", "private_key", "privateKey",
        "passphrase", "ssh_pass", "become_pass", "vault_password", "secret", "Secret", "credentials",
        "session_key", "cookie", "Authorization", "bearer", "url_password", "password2", "passcode",
    ],
)  # fmt: skip
def test_secret_keys(key: str) -> None:
    assert is_secret_key(key)
    out = redact({key: "value-that-must-not-appear"})
    assert list(out.values()) == [REDACTED]


@pytest.mark.parametrize(
    "key",
    ["name", "state", "path", "bypass", "compass", "owner", "keyfile", "authorized_key", "mode", "tokens_used_by"],
)
def test_non_secret_keys(key: str) -> None:
    if key == "tokens_used_by":  # over-withholding is allowed; only check it is consistent
        assert is_secret_key(key) in (True, False)
        return
    assert not is_secret_key(key)
    assert redact({key: "plain"}) == {key: "plain"}


def test_non_string_keys_are_never_secret_keys() -> None:
    assert is_secret_key(1) is False
    assert is_secret_key(None) is False
    assert redact({1: "a"}) == {"1": "a"}


@pytest.mark.parametrize("empty", [None, "", [], {}, ()])
def test_empty_values_under_secret_keys_stay_visible(empty: object) -> None:
    out = redact({"password": empty})
    assert out["password"] in (None, "", [], {})
    json.dumps(out)


class _LyingList(list[Any]):
    def __len__(self) -> int:
        return 0


def test_empty_looking_subclass_is_replaced_by_a_fresh_empty_value() -> None:
    out = redact({"password": _LyingList(["hunter2"])})
    assert out == {"password": []}
    assert type(out["password"]) is list  # pylint: disable=unidiomatic-typecheck  # a plain list, not the subclass
    assert "hunter2" not in json.dumps(out)


class _EqualsEverything:
    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return "hunter2-from-repr"


def test_object_claiming_to_be_empty_is_still_withheld() -> None:
    out = redact({"password": _EqualsEverything()})
    assert out == {"password": REDACTED}
    assert "hunter2" not in json.dumps(out)


@pytest.mark.parametrize("value", [0, False, 0.0, "0", ["x"], {"a": 1}, b"bytes", 12345])
def test_non_empty_values_under_secret_keys_are_withheld(value: object) -> None:
    assert redact({"token": value}) == {"token": REDACTED}


def test_secret_looking_key_text_is_itself_redacted() -> None:
    token = TOKENS["github-token"]
    out = redact({token: "v"})
    assert token not in json.dumps(out)


# ------------------------------------------------------------------------------------------------ bounds
def test_redact_text_limit() -> None:
    out = redact_text("a" * 10_000, limit=100)
    assert len(out) == 100
    assert out.endswith("...<truncated>")
    assert redact_text("short", limit=100) == "short"


def test_truncate() -> None:
    assert truncate("abc", 10) == "abc"
    assert truncate("x" * 50, 20) == "x" * 6 + "...<truncated>"
    assert len(truncate("x" * 50, 20)) == 20


def test_token_across_the_limit_is_not_half_shown() -> None:
    token = TOKENS["github-token"]
    text = "a" * 90 + token
    out = redact_text(text, limit=100)
    assert token[:10] not in out


def test_huge_text_is_bounded_before_scanning() -> None:
    text = ("password=" + "x" * 50 + " ") * 200_000  # ~12 MB
    out = redact_text(text, limit=500)
    assert len(out) <= 500


ADVERSARIAL_TEXT = {
    "secret-words-run": "password" * 3000,  # cubic backtracking in a key=value pattern took hours on this
    "secret-words-equals": ("password" + "=" * 50) * 300,
    "long-token-then-sep": "a" * 16000 + "=",
    "dotted": "a." * 8000,
    "open-quote-escapes": 'password="' + "\\a" * 8000,
    "url-colons": "://" + ":" * 16000,
    "url-ats": "://a:" + "b@" * 8000,
    "url-repeat": ("://u:" + "p" * 300) * 60,
    "pem-headers": "-----BEGIN PRIVATE KEY-----" * 600,
    "flags": "-p" * 8000,
    "long-options": "--" + "password" * 2000,
    "slack-dashes": "xoxb-" + "a-" * 8000,
    "bearer-words": "bearer " * 3000,
    "aws-words": "aws" + " " * 20 + "secret" * 2000,
}


@pytest.mark.parametrize("text", ADVERSARIAL_TEXT.values(), ids=ADVERSARIAL_TEXT.keys())
def test_adversarial_text_does_not_hang(text: str) -> None:
    out = _bounded(lambda: redact_text(text * 4, limit=4096), seconds=30)
    assert len(out) <= 4096


def test_depth_bound() -> None:
    value: Any = "leaf"
    for _repeat in range(50):
        value = [value]
    out = redact(value, max_depth=5)
    for _repeat in range(6):
        out = out[0]
    assert out == "<withheld:too-deep>"


def test_width_bounds() -> None:
    out = redact(list(range(1000)), max_items=10)
    assert out[:10] == list(range(10))
    assert out[10] == "<truncated: 990 more items>"
    mapping = redact({f"k{i}": i for i in range(1000)}, max_items=10)
    assert len(mapping) == 11
    assert mapping["<truncated>"] == "990 more entries"


def test_string_bound() -> None:
    assert len(redact("y" * 100_000, max_str=300)) == 300


def test_huge_range_is_not_materialised() -> None:
    out = _bounded(lambda: redact(range(10**15), max_items=5))
    assert out[:5] == [0, 1, 2, 3, 4]
    assert out[5].startswith("<truncated:")


def test_huge_integer_is_withheld() -> None:
    out = redact({"n": 10**10000, "small": 2**64})
    assert out["n"].startswith("<withheld:int")
    assert out["small"] == 2**64
    json.dumps(out)


def test_bytes_are_withheld() -> None:
    assert redact(b"AKIAIOSFODNN7EXAMPLE") == "<withheld:bytes len=20>"
    assert redact(bytearray(b"xyz")) == "<withheld:bytes len=3>"
    assert redact(memoryview(b"xyz")) == "<withheld:bytes len=3>"


def _bounded(func: Callable[[], Any], seconds: float = 30.0) -> Any:
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = func()
        except BaseException as exc:  # re-raised below
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "redaction did not finish"
    if "error" in box:
        raise box["error"]
    return box["value"]


def _count_nodes(value: Any) -> int:
    if isinstance(value, Mapping):
        return 1 + sum(_count_nodes(v) for v in value.values())
    if isinstance(value, list):
        return 1 + sum(_count_nodes(v) for v in value)
    return 1


def test_self_referencing_wide_list_finishes_and_is_bounded() -> None:
    wide: list[Any] = []
    wide.extend([wide] * 200)  # 200 ** 8 paths without a global budget
    out = _bounded(lambda: redact(wide))
    assert _count_nodes(out) <= 2500
    assert len(json.dumps(out)) < 200_000


def test_self_referencing_dict_finishes() -> None:
    loop: dict[str, Any] = {}
    loop["a"] = loop
    loop["b"] = loop
    out = _bounded(lambda: redact(loop))
    json.dumps(out)


def test_wide_legitimate_structure_is_bounded() -> None:
    wide = [[["x" * 100] * 200] * 200] * 200
    out = _bounded(lambda: redact(wide))
    assert _count_nodes(out) <= 2500
    assert "<withheld:too-large>" in json.dumps(out)


def test_node_budget_is_configurable() -> None:
    out = redact(list(range(50)), max_nodes=10)
    assert out == [*range(9), "<withheld:too-large>"]
    mapping = redact({f"k{i}": i for i in range(50)}, max_nodes=10)
    assert len(mapping) == 10
    assert mapping["<truncated>"] == "<withheld:too-large>"


class _BadStr:
    def __str__(self) -> str:
        raise RuntimeError("boom")

    def __repr__(self) -> str:
        raise RuntimeError("boom")


class _BadMapping(Mapping[str, Any]):
    def __getitem__(self, key: str) -> Any:
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        raise RuntimeError("no iteration for you")

    def __len__(self) -> int:
        return 1


class _BadLen(list[Any]):
    def __len__(self) -> int:
        raise RuntimeError("len")


@pytest.mark.parametrize(
    "value",
    [_BadStr(), {"k": _BadStr()}, {_BadStr(): 1}, _BadMapping(), [_BadStr()], _BadLen([1])],
    ids=["object", "value", "key", "mapping", "in-list", "len"],
)
def test_hostile_objects_raise_redaction_error(value: object) -> None:
    with pytest.raises(RedactionError):
        redact(value)


def test_redaction_error_message_does_not_leak() -> None:
    class Leaky:
        def __repr__(self) -> str:
            raise ValueError("password=hunter2")

    with pytest.raises(RedactionError) as info:
        redact(Leaky())
    assert "hunter2" not in str(info.value)


def test_other_objects_use_bounded_redacted_repr() -> None:
    class Thing:
        def __repr__(self) -> str:
            return "Thing(password=hunter2) " + "z" * 5000

    out = redact(Thing())
    assert "hunter2" not in out
    assert len(out) <= 200


def test_sets_and_tuples() -> None:
    assert redact((1, "a")) == [1, "a"]
    assert sorted(redact({3, 1, 2})) == [1, 2, 3]
    assert redact(frozenset({"x"})) == ["x"]


def test_output_is_json_safe() -> None:
    value = {"a": (1, 2), "b": {3, 4}, "c": object(), 5: b"x", "d": 1.5, "e": None}
    json.dumps(redact(value))


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
def test_redact_text_never_grows_past_limit_or_raises(text: str) -> None:
    out = redact_text(text, limit=200)
    assert isinstance(out, str)
    assert len(out) <= 200


@settings(max_examples=100, deadline=None)
@given(
    prefix=st.text(alphabet="abc =:,;\n", max_size=20),
    secret=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", min_size=8, max_size=30),
    key=st.sampled_from(["password", "db_pass", "api_key", "client_secret", "token", "PASSWORD"]),
    sep=st.sampled_from(["=", ": ", " = ", '": "', "':'"]),
)
def test_secret_values_never_survive(prefix: str, secret: str, key: str, sep: str) -> None:
    text = f"{prefix} {key}{sep}{secret} trailing"
    # A "secret" that also spells the key or the trailing word would be found in what legitimately remains.
    assume(secret not in key and secret not in "trailing <redacted>")
    assert secret not in redact_text(text)


@settings(max_examples=100, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5),
        max_leaves=30,
    )
)
def test_redact_any_json_value_is_json_safe(value: Any) -> None:
    json.dumps(redact(value))


def _reference_redact_text(text: str, limit: int = 4096) -> str:
    """redact_text without its prefilters: config lines, every substitution, then the pairs, unconditionally."""
    work = redact_module._redact_config_lines(text[: max(limit * 4, 1024)])
    for label, pattern in redact_module._TOKEN_PATTERNS:
        work = pattern.sub(f"<redacted:{label}>", work)
    return truncate(redact_module._redact_pairs(work), limit)


_FRAGMENTS = st.sampled_from(
    [*TOKENS.values(), "password=", "Token: ", "AWS_SECRET", "://user:", "@host/", "-p", "--password ", "bearer ",
     "Authorization", "sk-", "eyJ", " ", "\n", "'", '"', "=", ":", "/etc/app.conf", "mkdir -p /srv/app", "ÿ", "é",
     "aw\u017f_secret=", "AUTHORIZAT\u0130ON", "Bearer ", "pa\u017f\u017fword=", "tOKen=", "KEY", "-P",
     "SSHPASS -p x", "PXA1."]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(_FRAGMENTS, st.text(max_size=12)), max_size=12))
def test_the_prefilters_change_no_result(parts: list[str]) -> None:
    """The one-scan prefilters (any token shape at all? any secret word at all?) only skip work that would change
    nothing: on text assembled from token shapes, secret words, separators and noise, the result is the same."""
    text = "".join(parts)
    assert redact_text(text) == _reference_redact_text(text)


_HINT_WORDS = sorted(redact_module._TOKEN_HINT_WORDS | redact_module._SECRET_HINT_WORDS)


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_HINT_WORDS), st.text(alphabet="-_:/.aeknpsxyz ", max_size=6)), max_size=8))
def test_the_hint_tries_find_exactly_the_hint_words(parts: list[str]) -> None:
    """The trie-shaped hint patterns find a hint exactly where a plain substring test over the words does."""
    text = "".join(parts)
    for pattern, words in (
        (redact_module._ANY_TOKEN_HINT, redact_module._TOKEN_HINT_WORDS),
        (redact_module._SECRET_WORD_HINTS, redact_module._SECRET_HINT_WORDS),
        (redact_module._ANY_HINT, _HINT_WORDS),
    ):
        assert (pattern.search(text) is not None) == any(word in text for word in words), (pattern.pattern, text)


def test_every_hint_word_is_found_alone_and_inside_text() -> None:
    for word in _HINT_WORDS:
        assert redact_module._ANY_HINT.search(word)
        assert redact_module._ANY_HINT.search(f"x {word[:-1]}|{word} y")
        assert not redact_module.holds_no_hint(f"/srv/{word}/app")


def test_every_token_shape_has_hints() -> None:
    labels = [label for label, _unused in redact_module._TOKEN_PATTERNS]
    assert sorted(labels) == sorted(redact_module._TOKEN_HINTS)


@pytest.mark.parametrize("label", sorted(TOKENS))
def test_every_sample_token_carries_a_hint_of_its_shape(label: str) -> None:
    lowered = TOKENS[label].lower()
    assert any(hint in lowered for hint in redact_module._TOKEN_HINTS[label])


@pytest.mark.parametrize("label", [label for label, _unused in redact_module._TOKEN_PATTERNS])
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_every_ascii_match_carries_a_hint(label: str, data: st.DataObject) -> None:
    """Texts generated from each shape's own pattern (ASCII): wherever the shape matches, one of its hints is
    in the text, so the prefilter never skips a match."""
    pattern = dict(redact_module._TOKEN_PATTERNS)[label]
    text = data.draw(st.from_regex(pattern, alphabet=st.characters(max_codepoint=127)))
    assert pattern.search(text)
    assert any(hint in text.lower() for hint in redact_module._TOKEN_HINTS[label]), text


_ARG_STRINGS = st.one_of(_FRAGMENTS, st.text(max_size=12), st.sampled_from(["/srv/app", "0644", "present", "x" * 5000]))
_KEY_NAMES = ["path", "mode", "password", "db_pass", "apiKey", "TOKEN", "content", "pa\u017f\u017f"]
_ARG_KEYS = st.one_of(st.sampled_from(_KEY_NAMES), st.text(max_size=8), st.integers(-3, 3))
_ARGS = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _ARG_STRINGS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(_ARG_KEYS, inner, max_size=4)
    ),
    max_leaves=20,
)


def _dump(value: Any) -> str:
    return json.dumps(value, default=str, ensure_ascii=False)


@settings(max_examples=600, deadline=None)
@given(_ARGS)
def test_the_argument_dump_prefilter_changes_no_result(args: Any) -> None:
    """The gate skips scanning arguments whose JSON dump holds no hint: the copy is the one a full scan makes."""
    assert redact(args, hint_free=redact_module.holds_no_hint(_dump(args))) == redact(args)


def test_containers_that_dump_differently_are_scanned_anyway() -> None:
    """A Mapping that is not a dict dumps as its str(), and subclasses may iterate one way for json and another
    for the walk: the dump proves nothing about them, so their contents are scanned whatever it showed."""

    class Hiding(dict):  # type: ignore[type-arg]
        def items(self) -> Any:
            return [("password", "hunter2"), ("note", "Bearer abc.def.ghi")]

    class Opaque(Mapping[str, str]):
        def __getitem__(self, key: str) -> str:
            return {"password": "hunter2"}[key]

        def __iter__(self) -> Iterator[str]:
            return iter(["password"])

        def __len__(self) -> int:
            return 1

        def __str__(self) -> str:
            return "opaque"

    class Shifty(list):  # type: ignore[type-arg]
        def __iter__(self) -> Iterator[Any]:
            return iter(["Bearer abc.def.ghi"])

    assert redact_module.holds_no_hint(_dump({"wrapped": Opaque()}))  # the dump shows nothing of it ...
    for hostile in ({"wrapped": Hiding(note="plain")}, {"wrapped": Opaque()}, {"wrapped": Shifty(["plain"])}):
        assert redact(hostile, hint_free=True) == redact(hostile)  # ... and the copy is still scanned
        assert "hunter2" not in json.dumps(redact(hostile, hint_free=True))
        assert "abc.def.ghi" not in json.dumps(redact(hostile, hint_free=True))


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(_FRAGMENTS, st.text(max_size=40), st.integers(), st.just("x" * 3000)), max_size=6),
       st.integers(10, 500))  # fmt: skip
def test_redacting_texts_together_is_redacting_each(texts: list[Any], limit: int) -> None:
    limits = [limit + i for i in range(len(texts))]
    assert redact_module.redact_texts(texts, limits=limits) == [
        redact_text(text, limit=lim) for text, lim in zip(texts, limits, strict=True)
    ]


# Config-file syntaxes (issue 16): a secret in a plan diff or the audit log, in every form config files use.
_CONFIG_KEYS = [
    "requirepass", "masterauth", "rootpw", "bindpw", "master_password", "db_password", "adminPassword", "secret",
    "auth_token", "api_key", "private_key", "client_secret", "PASSWORD", "vault_pass",
]  # fmt: skip
_CONFIG_FORMS = [
    "{key} {secret}",
    "{key}   {secret}",
    "\t{key}\t{secret}",
    "{key}={secret}",
    "{key} = {secret}",
    "{key}: {secret}",
    '"{key}": "{secret}"',
    "+{key} {secret}",
    "-{key} {secret}",
    " {key} {secret}",
    "[section]\n{key} = {secret}\nother = 1",
    "bind 127.0.0.1\n{key} {secret}\nport 6379",
]


@pytest.mark.parametrize("key", _CONFIG_KEYS)
@pytest.mark.parametrize("form", _CONFIG_FORMS)
def test_secrets_in_config_file_syntaxes_are_redacted(key: str, form: str) -> None:
    secret = "S3cr3t{SSHA}x/y+z=="
    text = form.format(key=key, secret=secret)
    assert secret not in redact_text(text), (form, key)
    assert secret not in json.dumps(redact({"diff": {"before": "", "after": text}})), (form, key)


@pytest.mark.parametrize(
    "line",
    ["PasswordAuthentication no", "PermitEmptyPasswords no", "private_key_file /etc/ssl/x.pem", "bypass mode",
     "compass north", "PubkeyAuthentication yes", "port 6379", "AuthorizedKeysFile .ssh/authorized_keys"],
)  # fmt: skip
def test_config_settings_named_after_a_secret_stay_readable(line: str) -> None:
    assert redact_text(line) == line


def _one_scan(dump: str) -> bool:
    """holds_no_hint's answer as one scan of the whole dump (what the piecewise scan of long dumps must equal)."""
    return dump.isascii() and redact_module._ANY_HINT.search(dump.lower()) is None


_PIECES = st.sampled_from(
    [*sorted(_HINT_WORDS), "\\", "\\n", "\\\\", "\\\\n", "\\\\npm_", "n", "0", "1", "7", "_v", "pxa", "ke", "\n", " "]
)


@settings(max_examples=300, deadline=None)
@given(pieces=st.lists(st.one_of(_PIECES, st.text(alphabet="aekpsxv_019\\n. -", max_size=6)), max_size=12),
       digits=st.lists(st.integers(0, 99999), min_size=1, max_size=4))  # fmt: skip
def test_a_long_dump_scanned_by_its_distinct_pieces_answers_as_one_scan(pieces: list[str], digits: list[int]) -> None:
    """Long dumps are scanned as their distinct backslash-separated pieces with digits read as 0: generated around
    hints, hint fragments split by JSON escapes (`\\\\npm_` holds `npm_` after an escaped backslash), and numbers
    (hints hold the digit 1), the answer is the one scan's, both sides of the length at which it starts."""
    line = "".join(pieces)
    for number in digits:
        body = "".join(f"setting_{number + i} = {line} {i}\\n" for i in range(200))
        for dump in (json.dumps({"content": body}), body[: redact_module._PIECEWISE_FROM]):
            assert redact_module.holds_no_hint(dump) == _one_scan(dump), dump[:200]


@pytest.mark.parametrize("word", sorted(_HINT_WORDS))
def test_a_hint_in_the_last_line_of_a_long_configuration_is_found(word: str) -> None:
    """The positive control: a long repetitive dump without hints is hint-free, and one hint anywhere is found."""
    body = "".join(f"setting_{i} = value {i} # comment for line {i}\n" for i in range(1500))
    assert len(json.dumps({"content": body})) > redact_module._PIECEWISE_FROM
    assert redact_module.holds_no_hint(json.dumps({"content": body}))
    for hidden in (body + f"x={word}\n", body.replace("line 1499", f"line 14{word}99"), "\\" + word + body):
        assert not redact_module.holds_no_hint(json.dumps({"content": hidden})), word
