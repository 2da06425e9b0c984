# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Commands held in configuration values are deny-scanned (``policy/_value_commands``; SEC-1).

A data string (``content``, ``line``, ``block``...) was read as a bash command line only, and a configuration
line hides its command from that reading: ``ExecStart=/bin/rm -rf /usr`` is an assignment before ``-rf``. Held here:

* the class, generated: every deny-listed command (plain and in the obfuscated forms a value can carry) in every
  way a key-and-value format holds a command (after ``=`` with systemd's and git's prefixes, after a key word or
  a YAML key, in an element, an exec array, a YAML block sequence, quoted or not, continued), alone and hidden in
  64 KiB documents of six shapes, through ``evaluate``: all denied;
* positive controls: the same shapes with ordinary commands (one naming ``rm`` on a temporary path), commented-out
  lines, prose that prints a command, and real configuration files: none denied;
* the proofs never drop a finding: generated texts give the same findings with the whole-text and per-line
  proofs as with every value of every line read (a seeded control has both outcomes), and the generated
  documents are cleared without reading a single value.
"""

from __future__ import annotations

import json
import random

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.models import TaskRequest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy import _commands, _value_commands
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy.evaluate import evaluate
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy.ruleset import load_ruleset
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.plugins.plugin_utils.policy.test_fast_paths import _DENIED_COMMANDS

_RULESET = load_ruleset(None)


def _denied(content: str, key: str = "content", action: str = "ansible.builtin.copy") -> list[str]:
    request = TaskRequest(action=action, args={"dest": "/srv/app/conf", key: content}, host="h1")
    return [f.rule for f in evaluate(request, ruleset=_RULESET).findings if f.rule.startswith("deny.")]


# How a key-and-value format holds a command line ({cmd}) or its words ({argv}: JSON strings, {words}: bare).
_HOLDERS = [
    "[Service]\nExecStart={cmd}\n",
    "[Service]\nExecStartPre=-{cmd}\n",
    "[Service]\nExecStop=@{cmd}\n",
    "[Service]\nExecReload=+{cmd}\n",
    "[Service]\nExecStartPost=!!{cmd}\n",
    "[Service]\nExecCondition=:{cmd}\n",
    "[Desktop Entry]\nName=x\nExec={cmd}\n",
    'ACTION=="add", KERNEL=="sd*", RUN+="{cmd}"\n',
    "[program:x]\ncommand={cmd}\nautostart=true\n",
    "PRE_HOOK={cmd}\n",
    "export HOOK='{cmd}'\n",
    "[alias]\n    cleanup = !{cmd}\n",
    "Host *\n    ProxyCommand {cmd}\n",
    "Match User deploy\n    ForceCommand {cmd}\n",
    'DPkg::Pre-Invoke {{"{cmd}";}};\n',
    "services:\n  app:\n    image: x\n    command: {cmd}\n",
    'jobs:\n  build:\n    steps:\n      - run: "{cmd}"\n',
    "- name: x\n  shell: {cmd}\n",
    "FROM debian\nRUN {cmd}\n",
    "FROM debian\nCMD [{argv}]\n",
    "spec:\n  containers:\n    - name: x\n      command: [{argv}]\n",
    "args: [{words}]\n",
    "spec:\n  command:\n{sequence}",
    '{{"hooks": {{"post": "{cmd}"}}}}\n',
    "<job><command>{cmd}</command></job>\n",
    "[hooks]\npost = '{cmd}'\n",
    "[Service]\nExecStart={cmd_continued}\n",
    "0 5 * * * root {cmd}\n",
    "*/15 2 1-5 jan mon-fri {cmd}\n",
    "@reboot deploy {cmd}\n",
    "1 5 cron.daily {cmd}\n",
]


def _fill(holder: str, argv: list[str]) -> str:
    cmd = " ".join(argv)
    continued = " ".join(argv[:1]) + " \\\n    " + " ".join(argv[1:])
    return holder.format(
        cmd=cmd,
        argv=", ".join(json.dumps(word) for word in argv),
        words=", ".join(argv),
        sequence="".join(f"    - {word}\n" for word in argv),
        cmd_continued=continued,
    )


# The forms a command's name can take inside a value (quote forms are left to the bash reading: a value in quotes
# holding quotes is a different string).
def _name_forms(name: str) -> list[str]:
    cut = max(1, len(name) // 2)
    return [name, name[:cut] + "?" + name[cut + 1 :], "{" + name[:cut] + ",}" + name[cut:], name[:cut] + "*"]


_WRAPPERS = [[], ["sudo"], ["/usr/bin/env"], ["sh", "-c"]]


def _every_payload() -> list[list[str]]:
    found = []
    for command in _DENIED_COMMANDS:
        for form in _name_forms(command[0]):
            found.append([form, *command[1:]])
        for wrapper in _WRAPPERS[1:]:
            found.append([*wrapper, json.dumps(" ".join(command))] if wrapper[-1] == "-c" else [*wrapper, *command])
    return found


def _payloads() -> list[list[str]]:
    """The payloads the deny list refuses as a command line of their own: a value holding one must be refused as
    well (a form that makes another command, ``{g,}it`` is ``git it``, or one the bash reading rounds up instead,
    ``fi?d / -delete``, is the command line's business, not the value reading's)."""
    return [argv for argv in _every_payload() if _commands.deny_findings(" ".join(argv))]


_ARRAY_HOLDERS = ("{argv}", "{words}", "{sequence}")


def _cases() -> list[tuple[str, list[str]]]:
    cases = []
    for holder in _HOLDERS:
        array = any(marker in holder for marker in _ARRAY_HOLDERS)
        for argv in _payloads():
            dynamic = any(char in word for word in argv for char in "?*{") or '"' in "".join(argv)
            if array and dynamic:
                continue  # an exec array runs no shell: its words are literal
            if '"' in "".join(argv) and ('"{cmd}"' in holder or "'{cmd}'" in holder):
                continue  # a quoted command line inside a value quoted the same way is another string
            cases.append((holder, argv))
    return cases


_CASES = _cases()


def _document(shape: str, size: int = 65536) -> str:
    lines: list[str] = []
    total = 0
    number = 0
    while total < size:
        line = {
            "ini": f"setting_{number} = value {number} # comment for line {number}",
            "yaml": f"  key_{number}: 'value {number}'  # note",
            "json": f'  "key_{number}": {{"name": "value {number}", "list": [{number}, {number + 1}]}},',
            "unit": f"Environment=VAR_{number}=value{number}",
            "xml": f'<item id="{number}">value {number}</item>',
            "nginx": f"location /app/{number} {{ proxy_pass http://backend_{number}:8080; }}",
        }[shape]
        lines.append(line)
        total += len(line) + 1
        number += 1
    return "\n".join(lines) + "\n"


_SHAPES = ("ini", "yaml", "json", "unit", "xml", "nginx")


def test_the_class_is_generated_wide() -> None:
    assert len(_CASES) > 1000
    assert len(_payloads()) > 0.8 * len(_every_payload())
    assert len({holder for holder, _argv in _CASES}) == len(_HOLDERS)


@pytest.mark.parametrize("holder", _HOLDERS)
def test_every_denied_command_in_every_holder_is_denied(holder: str) -> None:
    missed = [_fill(holder, argv) for h, argv in _CASES if h == holder and not _denied(_fill(holder, argv))]
    assert not missed, f"{len(missed)} not denied, e.g. {missed[:3]}"


@pytest.mark.parametrize("shape", _SHAPES)
def test_a_value_hidden_in_a_64_kib_document_is_denied(shape: str) -> None:
    document = _document(shape)
    rng = random.Random(f"values-{shape}")
    lines = document.split("\n")
    sample = rng.sample(_CASES, 60)
    missed = []
    for holder, argv in sample:
        at = rng.randrange(len(lines))
        text = "\n".join([*lines[:at], _fill(holder, argv).rstrip("\n"), *lines[at:]])
        if not _denied(text):
            missed.append((holder, argv))
    assert not missed, missed[:5]


_HARMLESS = [["/usr/bin/true"], ["ls", "-l", "/usr"], ["rm", "-rf", "/tmp/cache"], ["systemctl", "status", "x"],
             ["/bin/sh", "-c", json.dumps("echo ready")], ["python3", "-m", "http.server"]]  # fmt: skip


@pytest.mark.parametrize("holder", _HOLDERS)
def test_ordinary_commands_in_the_same_holders_are_not_denied(holder: str) -> None:
    """The positive control: the holders alone deny nothing; a value naming rm on a temporary path is not a
    deny-class command."""
    for argv in _HARMLESS:
        if any(marker in holder for marker in _ARRAY_HOLDERS) and '"' in "".join(argv):
            continue
        text = _fill(holder, argv)
        assert _denied(text) == [], text


@pytest.mark.parametrize("shape", _SHAPES)
def test_the_documents_alone_are_not_denied(shape: str) -> None:
    assert _denied(_document(shape)) == []


@pytest.mark.parametrize(
    "text",
    [
        "# ExecStart=/bin/rm -rf /usr\nExecStart=/usr/bin/true\n",
        "; command = rm -rf /usr\n",
        "// run: rm -rf /usr\n",
        "echo rm -rf /usr\n",
        "logger 'rm -rf /usr was refused'\n",
        "To clean up, never run rm -rf on a system directory.\n",
        "[Unit]\nDescription=Remove stale files (rm -rf /tmp/app)\n[Service]\nExecStart=/usr/local/bin/app\n",
    ],
)
def test_comments_and_prose_that_print_a_command_are_not_denied(text: str) -> None:
    assert _denied(text) == []


_REAL_FILES = [
    # a systemd unit
    "[Unit]\nDescription=App\nAfter=network-online.target\n\n[Service]\nType=simple\nUser=app\n"
    "EnvironmentFile=-/etc/default/app\nExecStartPre=/usr/bin/install -d -o app /run/app\n"
    "ExecStart=/usr/local/bin/app --config /etc/app/app.yml\nExecReload=/bin/kill -HUP $MAINPID\n"
    "Restart=on-failure\n\n[Install]\nWantedBy=multi-user.target\n",
    # sshd_config
    "Port 22\nPermitRootLogin no\nPasswordAuthentication no\nAuthorizedKeysCommand /usr/bin/sss_ssh_authorizedkeys\n"
    "AuthorizedKeysCommandUser nobody\nSubsystem sftp /usr/lib/openssh/sftp-server\nMatch Group sftp\n"
    "    ForceCommand internal-sftp\n    ChrootDirectory /srv/sftp/%u\n",
    # docker-compose
    'services:\n  web:\n    image: nginx:1.25\n    command: ["nginx", "-g", "daemon off;"]\n    ports:\n'
    '      - "80:80"\n    volumes:\n      - ./site:/usr/share/nginx/html:ro\n',
    # a GitHub workflow
    "on: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
    "      - run: pip install -e .\n      - run: pytest -q\n      - run: rm -rf build dist\n",
    # logrotate
    "/var/log/app/*.log {\n    daily\n    rotate 14\n    compress\n    postrotate\n"
    "        systemctl reload app >/dev/null 2>&1 || true\n    endscript\n}\n",
    # a crontab
    "SHELL=/bin/sh\nPATH=/usr/sbin:/usr/bin:/sbin:/bin\n17 * * * * root cd / && run-parts --report /etc/cron.hourly\n",
]


@pytest.mark.parametrize("text", _REAL_FILES)
def test_real_configuration_files_are_not_denied(text: str) -> None:
    assert _denied(text) == []


@pytest.mark.parametrize("bomb", ["bomb(){ bomb|bomb& };bomb", "f() ( f | f & ); f", "function f { f|f& }; f"])
@pytest.mark.parametrize("holder", ["[Service]\nExecStart=/bin/bash -c '{cmd}'\n", "x = {cmd}\n", "<c>{cmd}</c>\n"])
def test_a_fork_bomb_with_any_name_in_a_value_is_denied(holder: str, bomb: str) -> None:
    """The line proof's one name-free rule of the three that is not a path: a function running itself."""
    text = holder.format(cmd=bomb)
    assert "deny.fork-bomb" in _denied(text), text
    assert {f.rule for f in _value_commands.value_findings(text)} == {f.rule for f in _every_value(text)}


def test_a_finding_says_it_was_read_from_a_value() -> None:
    request = TaskRequest(
        action="ansible.builtin.copy",
        args={"dest": "/etc/systemd/system/x.service", "content": "[Service]\nExecStart=/bin/rm -rf /usr\n"},
        host="h1",
    )
    findings = evaluate(request, ruleset=_RULESET).findings
    assert findings and findings[0].rule == "deny.root-wipe"
    assert "configuration value" in findings[0].reason


def test_lines_of_a_value_module_are_read_too() -> None:
    assert _denied("ExecStart=/bin/rm -rf /usr", key="line", action="ansible.builtin.lineinfile") == ["deny.root-wipe"]
    assert _denied("ProxyCommand rm -rf /usr", key="block", action="ansible.builtin.blockinfile") == ["deny.root-wipe"]


# ------------------------------------------------------------------------------------------ the proofs are sound
def _every_value(text: str) -> list[_commands.Finding]:
    """``value_findings`` with neither proof: every value of every line (and every block sequence) read."""
    text = text.replace("\\\r\n", " ").replace("\\\n", " ")
    commands = [c for line in dict.fromkeys(text.split("\n")) for c in _value_commands.value_commands(line)]
    commands.extend(_value_commands._sequences(text))
    found = []
    for command in dict.fromkeys(commands):
        if command != text:
            found.extend(_commands.deny_findings(command))
    return found


_KEYS = ["ExecStart", "Exec", "RUN+", "command", "run:", "ProxyCommand", "- run:", "cmd", "x", "- ", "post ="]
_JOINS = ["=", "= ", " ", ": ", '="', "='", "=[", " [", "=-", "=@", "=!!", "=+", " = !", "><", ">"]
_WORDS = ["rm", "-rf", "/", "/usr", "/bin/rm", "/bin/r?", "r*", "{r,}m", "dd", "of=/dev/sda", "mkfs.ext4",
          "/dev/sda", "chmod", "-R", "777", "git", "push", "--force", "main", "sudo", "sh", "-c", "x", "1", "2",
          "/tmp/x", "true", "ls", "\"", "'", ",", "]", "[", "}", "{", ";", "|", "&", "(", ")", "<", ">", "$x",
          ":", "dev", "/dev", "cd", "find", "-delete", "echo", "#", "\\", "f()", "f|f&", "f", "};"]  # fmt: skip


@st.composite
def _config_text(draw: st.DrawFn) -> str:
    lines = []
    for _line in range(draw(st.integers(1, 6))):
        words = draw(st.lists(st.sampled_from(_WORDS), min_size=1, max_size=7))
        line = draw(st.sampled_from(_KEYS)) + draw(st.sampled_from(_JOINS)) + " ".join(words)
        lines.append(line)
    filler = draw(st.sampled_from(["", "a = 1\nb = 'two'\n", "key: value\n" * 3, '{"x": [1, 2]}\n']))
    return filler + "\n".join(lines) + "\n"


_OUTCOMES: dict[str, int] = {"denied": 0, "clear": 0}


@settings(max_examples=1500, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(_config_text())
def test_the_proofs_never_drop_a_finding(text: str) -> None:
    expected = {f.rule for f in _every_value(text)}
    got = {f.rule for f in _value_commands.value_findings(text)}
    assert got == expected, text
    _OUTCOMES["denied" if expected else "clear"] += 1


def test_the_generator_has_both_outcomes() -> None:
    """The seeded control: the differential above saw denied and clear texts (it runs first, in file order)."""
    if not any(_OUTCOMES.values()):
        test_the_proofs_never_drop_a_finding()
    assert _OUTCOMES["denied"] > 50 and _OUTCOMES["clear"] > 50, _OUTCOMES


@pytest.mark.parametrize("shape", _SHAPES)
def test_generated_documents_are_cleared_without_reading_a_value(shape: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """What keeps the 64 KiB ``content`` case cheap: a proof clears the whole document (or, for XML, each distinct
    line), so no value goes to the deny list one by one."""
    read: list[str] = []
    real = _commands.deny_findings

    def recording(text: str, **kwargs: object) -> list[_commands.Finding]:
        read.append(text)
        return real(text, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(_value_commands._commands, "deny_findings", recording)
    assert _value_commands.value_findings(_document(shape)) == []
    assert read == []
    # and the control: a payload on one line of it is read (and denied)
    lines = _document(shape).split("\n")
    lines.insert(len(lines) // 2, "ExecStart=/bin/r? -rf /usr")
    assert _value_commands.value_findings("\n".join(lines))
    assert read


# ------------------------------------------------------------------- what the red team found (2026-12-07, eighth)
@pytest.mark.parametrize(
    "text",
    [
        'Host x\n  ProxyCommand /bin/{r,"x y"}m -rf /usr\n',  # a quoted blank inside a brace word (both proofs)
        "      - run: /bin/{r,'x y'}m -rf /usr\n",
        '{"command":["rm","-rf","/usr"]}',  # compact JSON: no blank, no "="
        '[Service]\nExecStart="/bin/rm" -rf /usr\n',  # a quoted first word: the rest of the value counts
        "[Desktop Entry]\nExec='/usr/bin/rm' -rf /usr\n",
        'A=="1", B=="2", C=="3", D=="4", E=="5", F=="6", G=="7", H=="8", RUN+="/bin/rm -rf /usr"\n',
        "build:\n  script:\n    - rm -rf /usr\n",  # one list item is one command line
        "script:\n  - echo hi\n  - rm -rf /usr\n",
        "- {name: x, shell: rm -rf /usr}\n",  # a YAML flow mapping
        "x = 1\n<job><command>rm -rf /usr</command></job>\n",
    ],
)
def test_the_red_teams_misses_are_denied(text: str) -> None:
    assert _denied(text), text
    assert {f.rule for f in _value_commands.value_findings(text)} <= {f.rule for f in _every_value(text)}


@pytest.mark.parametrize(
    "text",
    [
        # Debian's stock /etc/apt/apt.conf.d/20packagekit (a redirection is not an element's text)
        'DPkg::Post-Invoke {\n"/usr/bin/test -e /x && /usr/bin/gdbus call > /dev/null; /bin/echo > /dev/null";\n};\n',
        "ESC=$(printf '\\033')\n",  # a shell assignment from a command substitution
        'if [[ "$cur" == .* || "$cur" == /* ]]; then\n',  # a comparison, not an assignment
        'my $r = $tmax / $ttot - 1;\nmy $mask = $x // 0;\nreturn $1 if $buf =~ /(.*)/;\nrename $c, "$c~" if -f $c;\n',
        "If `async` / `await` is used, the call returns a promise.\n",
        'ACTION=="add", KERNEL=="sd[a-z]", RUN+="/sbin/hdparm -B 254 /dev/%k"\n',
    ],
)
def test_the_red_teams_false_refusals_are_not_denied(text: str) -> None:
    assert _denied(text) == [], text


@pytest.mark.parametrize(
    "text",
    [
        "x: 'cat /tmp/img >/de\"v\"/sda'\n",  # a quoted dev (the line proof reads the line as bash removes quotes)
        "x: 'cd /d\"e\"v; cat /tmp/img > sda'\n",
        "x = function f while true; do f | f & done; f\n",  # a function body without a brace or parenthesis
        "x = function f if true; then f|f& fi; f\n",
        "x = <(true) -rf /usr\n",  # a process substitution as the command word
        "x = tr x r <<< 'xm -rf /usr' | at now\n",  # at and batch run what they read
        "x = cut -c2- <<< 'xrm -rf /usr' | batch\n",
        "[Service]\r\nExecStart=/bin/rm \\\r\n  -rf /usr\r\n",  # a continuation with CRLF
        "{" + ",".join(f'"k{n}":{n}' for n in range(40)) + ',"command":"rm -rf /usr"}',  # past 16 values
        "command: [" + ", ".join(['"/bin/rm"', '"-rf"', *[f'"/tmp/x{n}"' for n in range(80)], '"/usr"']) + "]\n",
        '[Service]\nExecStart=/bin/sh -c "rm -rf /usr; echo \\""\n',  # an escaped quote is not a fragment
    ],
)
def test_the_second_red_teams_misses_are_denied(text: str) -> None:
    assert _denied(text), text
    expected = {f.rule for f in _every_value(text)}
    assert expected and {f.rule for f in _value_commands.value_findings(text)} == expected


@pytest.mark.parametrize(
    "text",
    [
        "v=`uname -r 2>/dev/null`\n",  # a backtick's inside, cut at its first word
        "os.system('stty -echo 2>/dev/null')\n",
        "subprocess.call('make clean >/dev/null', shell=True)\n",
        "RED=\"$(printf '\\033[31m')\"\n",  # a quoted command substitution
    ],
)
def test_the_second_red_teams_false_refusals_are_not_denied(text: str) -> None:
    assert _denied(text) == [], text


@pytest.mark.parametrize(
    ("text", "denied"),
    [
        ('{"k0":{"a":[1,2],"b":"x"},"hooks":{"post":"rm -rf /usr"}}', True),
        ('{"cmd":"\\u0072m -rf /usr"}', True),  # the reader decodes the escape; so does this reading
        ('[{"name":"x","command":["mkfs.ext4","/dev/sda"]}]', True),
        ('{"unit":"[Service]\\nExecStart=/bin/rm -rf /usr\\n"}', True),  # configuration inside a JSON string
        ('{"k0":{"a":[1,2],"b":"x"},"k1":{"a":[3,4],"b":"y"}}', False),
        ('{"paths":["/usr/share/doc","/etc/app"],"mode":"0644"}', False),
    ],
)
def test_a_json_document_is_read_as_its_reader_reads_it(text: str, denied: bool) -> None:
    """Compact JSON (one line of nested braces) was read value by value as bash brace words, slowly; a JSON object or
    array is read through the JSON parser: every string, and every array of strings as an exec array."""
    assert bool(_denied(text)) is denied, text
