# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a command line stores for later is deny-scanned as data (ruleset 2026.12.18; SEC-1).

``copy content='rm -rf /usr' dest=/etc/cron.daily/job`` is denied: a data string is read as a command line and for
the commands its configuration values hold. ``shell: echo 'rm -rf /usr' > /etc/cron.daily/job`` stores the same
bytes in the same file and was only T2, so any task could swap the module for a shell line. The analyser now
reports the statically known text a command line stores (``ShellAnalysis.written``) and the deny list reads it.

Held here, generated over every way a shell stores text (a producer's redirection, a heredoc or here-string given
to a program that stores its input, a static chain into tee, sponge, dd, crontab or a file, a group's or
``exec``'s redirected output, through a variable, a decoder, octal escapes, a nested ``sh -c``) crossed with every
deny class in the formats a stored file holds (a script line, a cron line, a unit's ``ExecStart=``), each through
``evaluate`` as a shell task and inside a copied script:

* all denied, with the payload's own rule;
* positive controls: the same writers storing ordinary text are not denied, and the payloads written nowhere (the
  terminal, standard error, /dev/null, a counting filter) or only searched for are not denied.
"""

from __future__ import annotations

import base64
import gzip

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.models import TaskRequest, Tier
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy import _commands, _shell
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy.evaluate import evaluate
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy.ruleset import load_ruleset

_RULESET = load_ruleset(None)

# (payload, its rule): single-quotable (no "'"), no "$" or "%" (a heredoc or a printf format would change them).
PAYLOADS = [
    ("rm -rf /usr", "deny.root-wipe"),
    ("* * * * * root rm -rf /usr", "deny.root-wipe"),
    ("ExecStart=/bin/rm -rf /usr", "deny.root-wipe"),
    ("find / -delete", "deny.root-wipe"),
    ("mkfs.ext4 /dev/sda", "deny.raw-disk-write"),
    ("dd if=/dev/zero of=/dev/sda", "deny.raw-disk-write"),
    ("chmod -R 777 /", "deny.recursive-perms-root"),
    ("git push --force origin main", "deny.force-push-main"),
]
BENIGN = ["echo hello", "* * * * * root /usr/local/bin/backup", "ExecStart=/usr/bin/true", "rm -rf /tmp/build"]
SINKS = ["/etc/cron.daily/job", "/etc/systemd/system/x.service", "notes.txt", "/tmp/out"]


def _octal(text: str) -> str:
    return "".join(f"\\{ord(char):03o}" for char in text)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


# Each writer stores {p} (or its encoding) in {f}, or in the user's cron table.
WRITERS = {
    "echo >": "echo '{p}' > {f}",
    "echo >>": "echo '{p}' >> {f}",
    "echo >|": "echo '{p}' >| {f}",
    "echo &>": "echo '{p}' &> {f}",
    "echo 1>": "echo '{p}' 1> {f} 2>/dev/null",
    "echo -e": "echo -e '#!/bin/sh\\n{p}' > {f}",
    "/bin/echo": "/bin/echo '{p}' > {f}",
    "printf %s": "printf '%s\\n' '{p}' > {f}",
    "printf format": "printf '{p}\\n' > {f}",
    "printf octal": "printf '{octal}' > {f}",
    "cat heredoc": "cat > {f} <<'EOF'\n#!/bin/sh\n{p}\nEOF",
    "cat heredoc after": "cat <<EOF > {f}\n{p}\nEOF",
    "cat heredoc tabs": "cat > {f} <<-'EOF'\n\t{p}\n\tEOF",
    "tee heredoc": "tee {f} <<'EOF'\n{p}\nEOF",
    "tee here-string": "tee -a {f} <<< '{p}'",
    "| tee": "echo '{p}' | tee {f}",
    "| sudo tee -a": "echo '{p}' | sudo tee -a {f} > /dev/null",
    "| sponge": "printf '%s\\n' '{p}' | sponge {f}",
    "| dd": "echo '{p}' | dd of={f} status=none",
    "| crontab -": "echo '{p}' | crontab -",
    "crontab heredoc": "crontab - <<'EOF'\n{p}\nEOF",
    "crontab here-string": "crontab <<< '{p}'",
    "| cat >": "echo '{p}' | cat > {f}",
    "| base64 -d >": "echo {b64} | base64 -d > {f}",
    "| base64 -d | tee": "echo {b64} | base64 -d | tee {f}",
    "group": "{{ echo '#!/bin/sh'; echo '{p}'; }} > {f}",
    "subshell": "(echo '#!/bin/sh'; echo '{p}') >> {f}",
    "exec": "exec > {f}; echo '{p}'",
    "variable": "line='{p}'; echo \"$line\" > {f}",
    "sh -c": "sh -c \"echo '{p}' > {f}\"",
    "sudo sh -c tee": "sudo sh -c \"echo '{p}' | tee {f}\"",
    "after cd": "cd /etc && echo '{p}' > {f}",
    "in a function": "w() {{ echo '{p}' > {f}; }}; w",
    # The descriptor table, followed through every redirection and exec (the red team's second pass):
    ">& file": "echo '{p}' >& {f}",
    "1>& file": "echo '{p}' 1>& {f}",
    "3> then >&3": "echo '{p}' 3>{f} >&3",
    "exec 3> then >&3": "exec 3>{f}; echo '{p}' >&3",
    "exec 3> then /dev/fd/3": "exec 3>{f}; echo '{p}' > /dev/fd/3",
    "exec 2> then >&2": "exec 2>{f}; echo '{p}' >&2",
    "2> then >&2": "echo '{p}' 2>{f} >&2",
    "1<>": "echo '{p}' 1<>{f}",
    "exec > then other redirects": "exec > {f}; echo '{p}' 2>/dev/null",
    "group with /dev/stdout inside": "{{ echo '{p}' > /dev/stdout; }} > {f}",
    # printf and echo as bash reads them:
    "printf --": "printf -- '%s\\n' '{p}' > {f}",
    "printf precision": "printf '%.200s\\n' '{p}' > {f}",
    "printf width": "printf '%5s\\n' '{p}' > {f}",
    "printf position": "printf '%1$s\\n' '{p}' > {f}",
    "echo -e \\c": "echo -e '#!/bin/sh\\n{p}\\c' > {f}",
    # Programs that keep their input, and filters into a file:
    "cat -": "cat - > {f} <<'EOF'\n{p}\nEOF",
    "| cat - >": "echo '{p}' | cat - > {f}",
    "install /dev/stdin": "echo '{p}' | install -m 755 /dev/stdin {f}",
    "cp /dev/stdin": "cp /dev/stdin {f} <<< '{p}'",
    "decoder on a here-string": "base64 -d <<< {b64} > {f}",
    "decoder on a heredoc": "base64 -d > {f} <<'EOF'\n{b64}\nEOF",
    "encode then decode": "echo '{p}' | base64 | base64 -d > {f}",
    "| sort >": "echo '{p}' | sort > {f}",
    "| grep . >": "echo '{p}' | grep . > {f}",
    "group | tee": "{{ echo '#!/bin/sh'; echo '{p}'; }} | sudo tee {f}",
    "crontab -l idiom": "(crontab -l; echo '{p}') | crontab -",
    "function > file": "w() {{ echo '{p}'; }}; w > {f}",
    "| sh -c cat >": "echo '{p}' | sudo sh -c 'cat > {f}'",
    "| (cat >)": "echo '{p}' | (cat > {f})",
    "| while read": "echo '{p}' | while read -r l; do echo \"$l\"; done > {f}",
    "unset default": 'echo "${{V:-{p}}}" > {f}',
    "| runuser tee": "echo '{p}' | runuser -u root -- tee {f}",
    "read from a here-string": "read -r line <<< '{p}'; echo \"$line\" > {f}",
    # sed's own text, in place or into a file:
    "sed -i a": "sed -i '$ a {p}' {f}",
    "sed -i s": "sed -i 's|^exit 0$|{p}|' {f}",
    "sed i >": "sed '1i {p}' /etc/hostname > {f}",
    # The red team's third pass (ruleset 2026.12.24):
    "exec in a subshell does not undo": "exec 3>{f}; (exec 3>/dev/null); echo '{p}' >&3",
    "exec in a condition does not undo": "exec 3>{f}; if false; then exec 3>/dev/null; fi; echo '{p}' >&3",
    "group through fd 2": "{{ echo '{p}' >&2; }} 2> {f}",
    "function through fd 2": "w() {{ echo '{p}' >&2; }}; w 2> {f}",
    "process substitution to tee": "tee {f} < <(echo '{p}')",
    "process substitution to cat": "cat <(echo '{p}') > {f}",
    "process substitution to cp": "cp <(echo '{p}') {f}",
    "exec heredoc then cat": "exec <<'EOF'\n{p}\nEOF\ncat > {f}",
    "exec here-string then cat": "exec 0<<< '{p}'; cat > {f}",
    "sh -c output": "sh -c \"echo '{p}'\" > {f}",
    "eval output": "eval \"echo '{p}'\" >> {f}",
    "| sh output": "echo \"echo '{p}'\" | sh > {f}",
    "sh -c cat with here-string": "sh -c 'cat > {f}' <<< '{p}'",
    "group cat with here-string": "{{ cat; }} > {f} <<< '{p}'",
    "written in two parts": "printf '%s' '{p}' | head -c 5 > {f}; printf '%s' '{p}' | tail -c +6 >> {f}",
    "sed -e parts joined": "sed -i -e '$a\\' -e '{p}' {f}",
    "sed s with hex escape": "sed -i 's/^exit 0$/\\x{hex0}{rest}/' {f}",
    "sed -f - script": "sed -i -f - {f} <<< '$a {p}'",
    "sed stage before crontab": "crontab -l | sed '$a {p}' | crontab -",
    "decoder then sort": "echo {b64} | base64 -d | sort > {f}",
    "printf negative precision": "printf '%.*s\\n' -1 '{p}' > {f}",
}


def _writer(form: str, payload: str, sink: str) -> str:
    return WRITERS[form].format(
        p=payload, f=sink, octal=_octal(payload + "\n"), b64=_b64(payload + "\n"),
        hex0=f"{ord(payload[0]):02x}", rest=payload[1:].replace("/", "\\/"),
    )  # fmt: skip


def _deny_rules(action: str, args: dict[str, object]) -> set[str]:
    request = TaskRequest(action=action, args=args, host="h1")
    return {f.rule for f in evaluate(request, ruleset=_RULESET).findings if f.rule.startswith("deny.")}


@pytest.mark.parametrize(("payload", "rule"), PAYLOADS, ids=[p for p, _unused in PAYLOADS])
@pytest.mark.parametrize("form", sorted(WRITERS))
def test_a_stored_deny_class_command_is_denied(form: str, payload: str, rule: str) -> None:
    for sink in SINKS:
        line = _writer(form, payload, sink)
        assert rule in _deny_rules("ansible.builtin.shell", {"_raw_params": line}), line
    script = "#!/bin/sh\nset -e\n" + _writer(form, payload, SINKS[0]) + "\nexit 0\n"
    assert rule in _deny_rules("ansible.builtin.copy", {"dest": "/usr/local/bin/setup", "content": script}), script


@pytest.mark.parametrize("form", sorted(WRITERS))
def test_the_same_writers_storing_ordinary_text_are_not_denied(form: str) -> None:
    for benign in BENIGN:
        for sink in SINKS:
            line = _writer(form, benign, sink)
            assert _deny_rules("ansible.builtin.shell", {"_raw_params": line}) == set(), line


NOT_STORED = [
    "echo '{p}'",
    "echo '{p}' >&2",
    "echo '{p}' 1>&2",
    "echo '{p}' > /dev/null",
    "echo '{p}' > /dev/stderr",
    "echo '{p}' | wc -c",
    "grep -rF '{p}' /etc/cron.d",
    "grep -c '{p}' <<< 'nothing to see'",
    "printf 'Never run %s\\n' '{p}'",
    "logger -t audit 'refused: {p}'",
    "echo '{p}' 2>/dev/null",
    "exec 3>/dev/null; echo '{p}' >&3",
    "exec 2>/tmp/errors.log; echo '{p}'",
    "{{ echo '{p}'; }} > /dev/null",
    "w() {{ echo '{p}'; }}; w",
    "echo '{p}' | sort",
    "sed -n '/{p}/p' /etc/crontab",
]


@pytest.mark.parametrize("shape", NOT_STORED)
def test_a_payload_written_nowhere_or_only_searched_for_is_not_denied(shape: str) -> None:
    for payload, _rule in PAYLOADS:
        line = shape.format(p=payload)
        assert _deny_rules("ansible.builtin.shell", {"_raw_params": line}) == set(), line


def test_the_analysis_reports_what_is_stored_and_nothing_else() -> None:
    """The analyser's own report, read by the deny rule: the stored texts, in order, and none for output that is
    not kept."""
    analysis = _shell.analyze("echo a > /tmp/x; echo b >&2; printf 'c\\n' | tee -a /tmp/y; echo d | wc -l")
    assert analysis.written == ("a\n", "c\n")
    assert _shell.analyze("uname -a").written == ()
    # An expansion the analyser cannot resolve stays as written (read as text, never guessed); a producer whose
    # output is not statically known stores nothing the rule could read.
    assert _shell.analyze("cat > /tmp/z <<EOF\n$(date)\nEOF").written == ("$(date)\n",)
    assert _shell.analyze("echo $X > /tmp/z").written == ()


def _nested(levels: int) -> str:
    """``echo 'rm -rf /usr' > job`` stored by a heredoc, ``levels`` times over (a script that writes a script)."""
    line = "echo 'rm -rf /usr' > /etc/cron.daily/job"
    for level in range(levels):
        line = f"cat > /tmp/next{level}.sh <<'EOF{level}'\n{line}\nEOF{level}"
    return line


def test_stored_text_is_read_to_a_bounded_depth() -> None:
    """A stored text that stores text is read again, one level per nesting, up to the bound; deeper, the writing
    command keeps its tier (here the free-form shell's T2), and a crafted nesting thousands deep costs only the
    bounded levels."""
    for levels in range(_commands._MAX_STORED_DEPTH):
        rules = _deny_rules("ansible.builtin.shell", {"_raw_params": _nested(levels)})
        assert "deny.root-wipe" in rules, levels
    for levels in (_commands._MAX_STORED_DEPTH, 2000):
        request = TaskRequest(action="ansible.builtin.shell", args={"_raw_params": _nested(levels)}, host="h1")
        evaluation = evaluate(request, ruleset=_RULESET)
        assert not [f for f in evaluation.findings if f.rule.startswith("deny.")], levels
        assert evaluation.tier >= Tier.T2, levels


def test_a_decoder_that_stores_more_than_the_text_holds_is_rounded_up() -> None:
    """A decoder can store far more than the line that holds it (a compressed payload). The analyser keeps about
    twice the text's size of stored text, from the start, so a small line cannot make the deny list read megabytes;
    past that the command text is uncertain and rounded up to T3. A payload that decodes to less, or sits at the
    start of more, is read and denied; a literal store after the decoder's is still read (nothing is skipped for
    what came before)."""

    def line(data: bytes) -> str:
        return f"echo {base64.b64encode(gzip.compress(data)).decode()} | base64 -d | gunzip > /etc/cron.daily/job"

    filler = b"echo x\n" * 60000
    assert "deny.root-wipe" in _deny_rules("ansible.builtin.shell", {"_raw_params": line(b"rm -rf /usr\n")})
    assert "deny.root-wipe" in _deny_rules("ansible.builtin.shell", {"_raw_params": line(b"rm -rf /usr\n" + filler)})
    beyond = line(filler + b"rm -rf /usr\n")
    assert len(beyond) < 2000
    evaluation = evaluate(TaskRequest(action="ansible.builtin.shell", args={"_raw_params": beyond}, host="h1"),
                          ruleset=_RULESET)  # fmt: skip
    assert not [f for f in evaluation.findings if f.rule.startswith("deny.")]
    assert evaluation.tier == Tier.T3 and any("confidence" in reason for reason in evaluation.reasons), evaluation
    after = line(filler) + "; echo 'rm -rf /usr' > /etc/cron.daily/other"
    assert "deny.root-wipe" in _deny_rules("ansible.builtin.shell", {"_raw_params": after})


def test_every_store_of_a_long_script_is_read_wherever_it_is() -> None:
    """No count of stores hides one: the payload as the last of 1,500 stores of a script is denied."""
    stores = "".join(f"echo 'setting_{i} = {i}' >> /etc/app/app.conf\n" for i in range(1500))
    script = stores + "echo 'rm -rf /usr' > /etc/cron.daily/job\n"
    assert "deny.root-wipe" in _deny_rules("ansible.builtin.shell", {"_raw_params": script})
    assert "deny.root-wipe" in _deny_rules("ansible.builtin.copy", {"dest": "/usr/local/bin/s", "content": script})
    assert _deny_rules("ansible.builtin.shell", {"_raw_params": stores}) == set()


def test_nested_redirected_groups_cost_a_bounded_amount_of_work() -> None:
    """Each level of a redirected group reads the commands inside it, so a group nested thousands deep would be
    read quadratically (a red-team line of 64 KB took 44 s). The reads count against the analysis's work limit:
    past it the command text is uncertain (T3), and the same nesting that stores nothing is not rounded up."""
    stored = "(" * 16000 + "echo A" + ")>/tmp/f" * 16000
    evaluation = evaluate(TaskRequest(action="ansible.builtin.shell", args={"_raw_params": stored}, host="h1"),
                          ruleset=_RULESET)  # fmt: skip
    assert evaluation.tier == Tier.T3 and any("confidence" in reason for reason in evaluation.reasons)
    shallow = "(" * 8 + "echo '#!/bin/sh'; echo 'rm -rf /usr'" + ")>/etc/cron.daily/job" * 8
    assert "deny.root-wipe" in _deny_rules("ansible.builtin.shell", {"_raw_params": shallow})


@pytest.mark.parametrize("width", ["10000000000000000000", "400000000", "-400000000"])
def test_a_printf_width_from_the_arguments_is_never_padded_out(width: str) -> None:
    """printf's width can come from an argument: padding to it would take gigabytes (or raise, for a number past
    the platform's size). Past 4,096 the output is not computed; the task keeps its tier, nothing raises."""
    line = f"printf '%*s' {width} 'rm -rf /usr' > /etc/cron.daily/job"
    evaluation = evaluate(TaskRequest(action="ansible.builtin.shell", args={"_raw_params": line}, host="h1"),
                          ruleset=_RULESET)  # fmt: skip
    assert evaluation.tier >= Tier.T2
    assert "deny.root-wipe" in _deny_rules("ansible.builtin.shell", {"_raw_params": line.replace(width, "20")})
