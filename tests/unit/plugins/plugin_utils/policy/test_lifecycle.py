# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The irreversible verbs of infrastructure tools, device nodes, destructive states of any collection, interpreter
switches: each class tested over its whole table, behind global options and wrappers, with the negative controls
(ordinary changes stay T2, harmless device nodes stay ordinary).

talosctl is left out on purpose: its verb table is issue 17's (policy/_talos.py), which plugs into the lifecycle
table as a reader (``{"@": "talos"}``); its vectors belong with it.
"""

from __future__ import annotations

import itertools
import json
import shlex
from collections.abc import Iterator
from typing import Any

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.models import TaskRequest, Tier
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy import (
    _collections,
    _commands,
    _lifecycle,
    _paths,
    _pwsh,
    _shell,
    _sql,
)
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy import ruleset as ruleset_mod
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy.evaluate import evaluate

BUILTIN = ruleset_mod.load_ruleset(None)

# Wrappers and spellings a playbook author may put in front of a command: the verdict must not move.
WRAPPERS = (
    "{cmd}",
    "sudo {cmd}",
    "sudo -u ops env TF_IN_AUTOMATION=1 {cmd}",
    "timeout 60 {cmd}",
    "env -i PATH=/usr/bin {cmd}",
    "bash -c {quoted}",
    "sh -c {quoted}",
    "nohup nice -n 5 {cmd}",
    "X=1 {cmd}",
    "/usr/local/bin/{cmd}",
)


def _wrap(command: str) -> Iterator[str]:
    for template in WRAPPERS:
        yield template.format(cmd=command, quoted=shlex.quote(command))


def content(text: str) -> Tier:
    return _commands.content_tier(text)[0]


def _leaves(node: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], int]]:
    """Every verb path of a tool's tree with the tier the table gives it (delegations and kind lists excluded)."""
    if isinstance(node, int):
        yield path, node
        return
    if "@" in node or "%" in node:
        return
    if path:
        yield path, node.get("=", 0)
    for key, child in node.items():
        if key in _lifecycle._SPECIAL_KEYS:
            continue
        yield from _leaves(child, (*path, key))


# Global options to put in front of the verb, per tool: the verb must be found behind them.
GLOBAL_OPTIONS = {
    "terraform": "-chdir=/srv/infra",
    "tofu": "-chdir=infra",
    "terragrunt": "--terragrunt-working-dir /srv/x",
    "pulumi": "--cwd /srv/x -s prod",
    "kubectl": "--context prod -n kube-system --kubeconfig /etc/k.conf",
    "oc": "--context prod -n app",
    "helm": "--kube-context prod -n web",
    "aws": "--profile prod --region eu-west-1",
    "gcloud": "--project p --verbosity error",
    "az": "--subscription s -o json",
    "openstack": "--os-cloud prod -f json",
    "docker": "-H tcp://h:2375 --context c",
    "podman": "--remote --url ssh://h",
    "nerdctl": "-H unix:///run/x.sock",
    "virsh": "-c qemu:///system",
    "zfs": "",
    "zpool": "",
    "ceph": "--cluster ceph -c /etc/ceph/ceph.conf",
    "rbd": "-p rbd",
    "etcdctl": "--endpoints https://h:2379 --cacert /etc/ca.pem",
    "ipmitool": "-I lanplus -H bmc1 -U admin -P secret",
    "racadm": "-r idrac1 -u root -p calvin",
    "redfishtool": "-r bmc1 -u admin -p secret",
    "ilorest": "--url ilo1 -u admin -p secret",
}
TABLE_ROWS = [
    (tool, path, tier)
    for tool, spec in sorted(_lifecycle.TOOLS.items())
    if not (isinstance(spec["tree"], dict) and "@" in spec["tree"])
    for path, tier in _leaves(spec["tree"])
]


def test_the_table_covers_the_tools_the_issue_names() -> None:
    required = [
        "terraform",
        "tofu",
        "pulumi",
        "kubectl",
        "helm",
        "aws",
        "gcloud",
        "az",
        "openstack",
        "docker",
        "podman",
        "virsh",
        "zfs",
        "zpool",
        "lvm",
        "lvremove",
        "ceph",
        "etcdctl",
        "ipmitool",
        "racadm",
        "redfishtool",
        "psql",
        "mysql",
        "sqlite3",
        "mongosh",
        "redis-cli",
        "pwsh",
        "powershell",
    ]
    assert not [name for name in required if _lifecycle.tool_for(name) is None]
    assert "talosctl" not in _lifecycle.TOOLS, "talosctl rows belong to issue 17's verb table"
    assert len(TABLE_ROWS) > 600


@pytest.mark.parametrize(("tool", "path", "tier"), TABLE_ROWS, ids=[f"{t}-{'-'.join(p)}" for t, p, _tier in TABLE_ROWS])
def test_every_row_of_the_table_decides_behind_global_options_and_wrappers(
    tool: str, path: tuple[str, ...], tier: int
) -> None:
    """Each verb path gets the tier its row says (at least), as written, behind the tool's global options and
    behind every wrapper; a T3 row is T3 through every spelling."""
    options = GLOBAL_OPTIONS.get(tool, "")
    words = " ".join(shlex.quote(p) for p in path)
    for command in dict.fromkeys((f"{tool} {words}", f"{tool} {options} {words}".replace("  ", " "))):
        verdict = _lifecycle.classify_words(tool, shlex.split(command)[1:])
        assert verdict is not None
        assert verdict[0] >= tier, (command, verdict)
        if tier == 3:
            assert verdict[0] is Tier.T3, (command, verdict)
            for wrapped in _wrap(command):
                assert content(wrapped) is Tier.T3, wrapped


UPSTREAM_AND_ISSUE_VECTORS = [
    "sudo tofu destroy",
    "terraform destroy",
    "terraform destroy -auto-approve",
    "terraform -chdir=/srv/infra apply -destroy -auto-approve",
    "ipmitool chassis power off",
    "ipmitool -I lanplus -H 10.0.0.5 -U admin -P x power reset",
    "psql -c 'DELETE FROM users'",
    "psql -c 'UPDATE accounts SET balance = 0'",
    "psql -c 'DELETE FROM t WHERE 1 = 1'",
    "psql -c 'DROP TABLE users'",
    "psql -c 'TRUNCATE users'",
    "mysql -uroot -e 'DROP DATABASE shop'",
    "sqlite3 app.db 'DELETE FROM t'",
    "echo 'DELETE FROM users;' | psql app",
    "psql app <<'SQL'\nDELETE FROM users;\nSQL",
    "mongosh --eval 'db.dropDatabase()'",
    "mongosh --eval 'db.users.deleteMany({})'",
    "redis-cli -h cache FLUSHALL",
    "pwsh -c 'Remove-Item -Path C:\\data -Recurse -Force'",
    "powershell -NoProfile -Command 'Format-Volume -DriveLetter D'",
    "pwsh -Command 'Clear-Disk -Number 1 -RemoveData'",
    "pwsh -c Stop-Computer",
    "pwsh -c 'Restart-Computer -Force'",
    "pwsh -c 'Get-ChildItem C:\\x | Remove-Item -Recurse'",
    "kubectl delete namespace prod",
    "kubectl --context prod delete ns,pvc data",
    "kubectl delete pv pv-0001",
    "kubectl delete crd certificates.cert-manager.io",
    "kubectl delete -f manifests/",
    "helm uninstall web",
    "helm -n web delete web",
    "aws ec2 terminate-instances --instance-ids i-0abc",
    "aws s3 rb s3://bucket --force",
    "aws s3 sync ./site s3://bucket --delete",
    "gcloud compute instances delete vm1 --zone europe-west1-b",
    "az vm delete -g rg -n vm1 --yes",
    "az group delete -n rg",
    "openstack server delete vm1",
    "docker system prune -af --volumes",
    "docker volume rm data",
    "podman volume prune -f",
    "virsh undefine vm1 --remove-all-storage",
    "virsh destroy vm1",
    "zfs destroy -r tank/data",
    "zpool labelclear -f /dev/sdb",
    "lvm lvremove -f vg0/data",
    "ceph osd pool delete rbd rbd --yes-i-really-really-mean-it",
    "etcdctl del --prefix /registry",
    "racadm serveraction powerdown",
    "redfishtool -r bmc Systems reset ForceOff",
    "pulumi destroy --yes",
]


@pytest.mark.parametrize("command", UPSTREAM_AND_ISSUE_VECTORS)
def test_upstream_and_issue_vectors_are_irreversible_in_every_spelling(command: str) -> None:
    for wrapped in _wrap(command):
        tier, reasons = _commands.content_tier(wrapped)
        assert tier is Tier.T3, (wrapped, reasons)


ORDINARY_CHANGES = [
    "terraform plan",
    "terraform -chdir=infra plan -out=tf.plan",
    "tofu apply",
    "tofu apply -auto-approve -var 'region=eu'",
    "terraform apply saved.plan",  # a saved plan is as ordinary as apply itself; -destroy is what destroys
    "virsh reboot web1",  # a reboot comes back (as a Talos reboot does); shutdown and destroy are T3
    "az vm restart -g prod -n web1",
    "qm reboot 101",
    "terraform init -upgrade",
    "kubectl apply -f deploy.yaml",
    "kubectl --context prod -n web rollout restart deployment/web",
    "kubectl delete pod web-5d8f -n web",
    "kubectl delete deployment web",
    "kubectl get pods -A",
    "helm upgrade --install web ./chart -n web",
    "helm list -A",
    "psql -c 'DELETE FROM sessions WHERE expires < now()'",
    "psql -c 'UPDATE users SET active = false WHERE id = 7'",
    "psql -c 'SELECT count(*) FROM users'",
    "mysql -e 'INSERT INTO t VALUES (1)'",
    "redis-cli GET key",
    "aws ec2 describe-instances",
    "aws s3 cp file s3://bucket/",
    "gcloud compute instances list",
    "docker compose up -d",
    "docker run --rm alpine true",
    "podman ps -a",
    "virsh list --all",
    "virsh start vm1",
    "zfs snapshot tank/data@now",
    "zpool status",
    "ceph -s",
    "etcdctl get /registry --prefix --keys-only",
    "ipmitool chassis power status",
    "ipmitool power on",
    "pwsh -c 'Get-Service | Where-Object Status -eq Running'",
    "pwsh -c 'Restart-Service nginx'",
    "pwsh -c 'Remove-Item C:\\x -WhatIf'",
    "pulumi up --yes",
    "lvresize -L +10G -r vg0/data",
]


@pytest.mark.parametrize("command", ORDINARY_CHANGES)
def test_ordinary_changes_stay_below_t3(command: str) -> None:
    tier, reasons = _commands.content_tier(command)
    assert tier <= Tier.T2, (command, reasons)
    request = TaskRequest(action="ansible.builtin.command", args={"_raw_params": command}, host="web1")
    evaluation = evaluate(request, ruleset=BUILTIN)
    assert evaluation.tier is Tier.T2 and not evaluation.findings, (command, evaluation.reasons)


def test_unknown_verbs_of_known_tools_round_up() -> None:
    for tool in ("terraform", "kubectl", "helm", "docker", "virsh", "zfs", "etcdctl", "ipmitool", "aws", "gcloud"):
        assert content(f"{tool} frobnicate-everything now") is Tier.T3, tool
        assert content(f'{tool} "$VERB"') is Tier.T3, tool


def test_an_option_the_table_misreads_hides_no_verb() -> None:
    """An option the table does not know is read both ways; either reading that finds a destroying verb wins."""
    assert content("kubectl --cluster get delete ns prod") is Tier.T3
    assert content("kubectl -nget delete ns prod") is Tier.T3
    assert content("helm --unknown-flag list uninstall web") is Tier.T3


@pytest.mark.parametrize(
    ("kind", "tier"),
    [
        *((k, Tier.T2) for k in sorted(_lifecycle.KUBE_KINDS)),
        *(
            (k, Tier.T3)
            for k in (
                "namespace",
                "ns",
                "pv",
                "persistentvolumeclaims",
                "pvc",
                "crd",
                "customresourcedefinitions",
                "node",
                "all",
                "postgresclusters.acid.zalan.do",
                "pods.evil.example.com",
                "storageclass",
            )
        ),
    ],
)
def test_kubernetes_deletions_are_judged_by_kind(kind: str, tier: Tier) -> None:
    assert content(f"kubectl delete {kind} x") is tier
    assert content(f"kubectl delete {kind}/x") is tier
    verdict = _collections.state_tier("kubernetes.core.k8s", {"state": "absent", "kind": kind}, builtin=False)
    assert verdict is not None and verdict[0] is tier


SQL_CASES = [
    ("DROP TABLE t", Tier.T3),
    ("drop schema s cascade", Tier.T3),
    ("DROP INDEX i", Tier.T3),
    ("TRUNCATE t", Tier.T3),
    ("DELETE FROM t", Tier.T3),
    ("delete from t where true", Tier.T3),
    ("UPDATE t SET a = 1", Tier.T3),
    ("WITH x AS (SELECT 1) DELETE FROM t", Tier.T3),
    ("ALTER TABLE t DROP COLUMN c", Tier.T3),
    ("COPY t TO PROGRAM 'rm -rf /'", Tier.T3),
    ("SELECT 1; DROP DATABASE d", Tier.T3),
    ("DO $$ BEGIN DROP TABLE x; END $$", Tier.T3),
    ("\\! rm -rf /srv", Tier.T3),
    ("this is not sql at all ((", Tier.T3),
    ("DELETE FROM t WHERE id = 1", Tier.T2),
    ("UPDATE t SET a = 1 WHERE b = 2", Tier.T2),
    ("INSERT INTO t VALUES (1)", Tier.T2),
    ("CREATE TABLE t (a int)", Tier.T2),
    ("SELECT * FROM t", Tier.T0),
    ("SELECT name FROM t WHERE kind = 'x'", Tier.T0),
]


@pytest.mark.parametrize(("sql", "tier"), SQL_CASES)
@pytest.mark.parametrize("client", ["psql -h db -U app -c", "mysql -u root -e", "sqlite3 app.db"])
def test_sql_is_read_from_every_client_option(client: str, sql: str, tier: Tier) -> None:
    if client.startswith("mysql") and sql.startswith(("DO ", "\\!", "COPY")):
        pytest.skip("PostgreSQL syntax")
    if client.startswith("sqlite3") and sql.startswith(("\\!", "COPY", "DO ")):
        pytest.skip("PostgreSQL syntax")
    command = f"{client} {shlex.quote(sql)}"
    assert content(command) is tier, (command, _commands.content_tier(command))
    program = client if client.startswith("sqlite3") else client.rsplit(" ", 1)[0]
    heredoc = f"{program} <<'EOF'\n{sql};\nEOF"
    assert content(heredoc) >= tier, heredoc
    piped = f"printf '%s\\n' {shlex.quote(sql + ';')} | {program}"
    assert content(piped) >= tier, piped


def test_sql_the_gate_cannot_see_rounds_up() -> None:
    assert content('psql -c "$QUERY"') is Tier.T3
    assert content("pg_dump a | psql b") is Tier.T3  # a pipe from a producer the gate cannot read
    assert content("psql b < dump.sql") is Tier.T2  # like a script file the gate cannot read
    assert content("psql -f migrate.sql") is Tier.T2


@pytest.mark.parametrize(
    ("script", "tier"),
    [
        ("Remove-Item C:\\x -Recurse", Tier.T3),
        ("ri C:\\x -r", Tier.T3),
        ("Microsoft.PowerShell.Management\\Remove-Item x", Tier.T3),
        ("& { Stop-Computer -Force }", Tier.T3),
        ("Get-VM | Stop-VM -TurnOff", Tier.T3),
        ("[System.IO.Directory]::Delete('C:\\x', $true)", Tier.T3),
        ("(Get-WmiObject Win32_OperatingSystem).Win32Shutdown(1)", Tier.T3),
        ("Invoke-Expression 'Clear-Disk -Number 1'", Tier.T3),
        ("iex $payload", Tier.T3),
        ("& $cmd -Recurse", Tier.T3),
        ("Add-Type -TypeDefinition $src", Tier.T3),
        ("cmd /c 'rd /s /q C:\\data'", Tier.T3),
        ("vssadmin delete shadows /all /quiet", Tier.T3),
        ("terraform destroy -auto-approve", Tier.T3),
        ("Frobnicate-Thing", Tier.T3),
        ("Remove-Item 'unterminated", Tier.T3),
        ("Get-ChildItem C:\\ | Sort-Object Length", Tier.T0),
        ("Restart-Service nginx", Tier.T2),
        ("New-Item -ItemType Directory C:\\app", Tier.T2),
        ("Remove-Item C:\\x -Recurse -WhatIf", Tier.T0),
    ],
)
def test_powershell_is_read_by_its_own_grammar(script: str, tier: Tier) -> None:
    assert _pwsh.classify_script(script)[0] is tier, _pwsh.classify_script(script)
    for command in (f"pwsh -c {shlex.quote(script)}", f"powershell -NoProfile -Command {shlex.quote(script)}"):
        assert content(command) >= tier, command
    encoded = __import__("base64").b64encode(script.encode("utf-16-le")).decode()
    assert content(f"pwsh -NoProfile -EncodedCommand {encoded}") >= tier
    verdict = _collections.state_tier("ansible.windows.win_shell", {"_raw_params": script}, builtin=False)
    assert verdict is not None and verdict[0] >= tier


# ----------------------------------------------------------------------------------------------- device nodes
DEVICE_WRITES = [
    "/dev/sdzz1",
    "/dev/nvme9n9",
    "/dev/mtd0",
    "/dev/watchdog",
    "/dev/ttyS0",
    "/dev/foo",
    "/dev/mapper/x",
    "/dev/vg0/data",
    "//dev//sdb",
    "/dev/./port",
    "/dev/nul?",
    "/d?v/sda",
    "/dev",
    "/dev/{null,sda}",
]
HARMLESS = [
    "/dev/null",
    "/dev/zero",
    "/dev/full",
    "/dev/random",
    "/dev/urandom",
    "/dev/stdout",
    "/dev/stderr",
    "/dev/stdin",
    "/dev/tty",
    "/dev/pts/3",
    "/dev/fd/2",
    "/dev/shm/cache.tmp",
]


@pytest.mark.parametrize("path", DEVICE_WRITES)
def test_writes_to_device_nodes_are_raw_disk_writes_through_every_route(path: str) -> None:
    assert _paths.is_device_write(path)
    quoted = shlex.quote(path)
    for text in (
        f"echo x > {quoted}",
        f"echo x >> {quoted}",
        f"dd if=/tmp/img of={quoted}",
        f"echo x | tee {quoted}",
        f"cp /tmp/img {quoted}",
        f"truncate -s 0 {quoted}",
        "sudo sh -c " + shlex.quote(f"cat /tmp/img > {quoted}"),
    ):
        assert any(f.rule == "deny.raw-disk-write" for f in _commands.deny_findings(text)), text
    for action in (
        "ansible.builtin.copy",
        "ansible.builtin.template",
        "ansible.builtin.get_url",
        "ansible.builtin.unarchive",
        "ansible.builtin.file",
        "acme.tools.flash",
    ):
        key = "path" if action == "ansible.builtin.file" else "dest"
        evaluation = evaluate(TaskRequest(action=action, args={key: path, "src": "x"}, host="h"), ruleset=BUILTIN)
        assert any(f.rule == "deny.raw-disk-write" for f in evaluation.findings), (action, path)


def test_relative_writes_under_dev_count_when_the_directory_is_known() -> None:
    assert any(f.rule == "deny.raw-disk-write" for f in _commands.deny_findings("cd /dev && echo x > sdb"))
    assert not _commands.deny_findings("cd /dev && echo x > null")


@pytest.mark.parametrize("path", HARMLESS)
def test_harmless_device_nodes_stay_ordinary(path: str) -> None:
    assert not _paths.is_device_write(path)
    for text in (f"echo x > {path}", f"dd if=/tmp/a of={path}", f"echo x | tee {path}", f"cmd 2>{path}"):
        assert not _commands.deny_findings(text), text
    evaluation = evaluate(
        TaskRequest(action="ansible.builtin.copy", args={"dest": path, "content": "x"}, host="h"), ruleset=BUILTIN
    )
    assert not evaluation.findings and evaluation.tier is Tier.T1


def test_reading_a_device_is_not_a_write() -> None:
    assert not _commands.deny_findings("dd if=/dev/watchdog of=/tmp/x count=0")
    evaluation = evaluate(
        TaskRequest(action="ansible.builtin.stat", args={"path": "/dev/ttyS0"}, host="h"), ruleset=BUILTIN
    )
    assert not evaluation.findings


# ----------------------------------------------------------------------------------------------- collections
GENERIC_DESTRUCTIVE = [
    "absent",
    "terminated",
    "deleted",
    "destroyed",
    "wiped",
    "purged",
    "off",
    "undefine",
    "PowerForceOff",
    "PowerGracefulShutdown",
    "delete_snapshot",
    "ResetToDefaults",
    "poweredoff",
]


@pytest.mark.parametrize(("option", "value"), list(itertools.product(_collections.STATE_OPTIONS, GENERIC_DESTRUCTIVE)))
def test_a_module_without_a_table_is_t3_with_a_destructive_state(option: str, value: str) -> None:
    request = TaskRequest(action="acme.cloud.widget", args={option: value, "name": "x"}, host="h")
    assert evaluate(request, ruleset=BUILTIN).tier is Tier.T3


@pytest.mark.parametrize("value", ["present", "started", "running", "latest", "enabled", "preset", "on", "restarted"])
def test_ordinary_states_of_unknown_modules_stay_t2(value: str) -> None:
    request = TaskRequest(action="acme.cloud.widget", args={"state": value}, host="h")
    assert evaluate(request, ruleset=BUILTIN).tier is Tier.T2


COLLECTION_ROWS = [
    (module, value, tier)
    for module, spec in sorted(_collections.MODULES.items())
    for value, tier in sorted(spec.get("states", {}).items())
]


@pytest.mark.parametrize(
    ("module", "value", "tier"), COLLECTION_ROWS, ids=[f"{m}-{v}" for m, v, _tier in COLLECTION_ROWS]
)
def test_every_collection_row_decides(module: str, value: str, tier: int) -> None:
    option = "command" if module == "community.general.redfish_command" else "state"
    if module == "amazon.aws.s3_object":
        option = "mode"
    evaluation = evaluate(TaskRequest(action=module, args={option: value, "name": "x"}, host="h"), ruleset=BUILTIN)
    assert evaluation.tier is Tier(max(tier, 2)), (module, value, evaluation.reasons)


def test_the_issue_module_vectors() -> None:
    ec2 = TaskRequest(action="amazon.aws.ec2_instance", args={"state": "terminated", "instance_ids": ["i-1"]}, host="h")
    assert evaluate(ec2, ruleset=BUILTIN).tier is Tier.T3
    prune = TaskRequest(action="community.docker.docker_prune", args={"images": True}, host="h")
    assert evaluate(prune, ruleset=BUILTIN).tier is Tier.T3
    query = TaskRequest(action="community.postgresql.postgresql_query", args={"query": "DELETE FROM users"}, host="h")
    assert evaluate(query, ruleset=BUILTIN).tier is Tier.T3
    win = TaskRequest(action="ansible.windows.win_command", args={"_raw_params": "diskpart /s wipe.txt"}, host="h")
    assert evaluate(win, ruleset=BUILTIN).tier is Tier.T3


# ----------------------------------------------------------------------------------------------- interpreter switches
@pytest.mark.parametrize("action", ["ansible.builtin.shell", "ansible.builtin.raw"])
@pytest.mark.parametrize(
    ("executable", "text", "tier"),
    [
        ("/usr/bin/python3", "import shutil; shutil.rmtree('/srv/data')", Tier.T3),
        ("/usr/bin/env python3", "import os; os.remove('/srv/x')", Tier.T3),
        ("/usr/bin/perl", "use File::Path; File::Path::remove_tree('/srv/x')", Tier.T3),
        ("/usr/bin/pwsh", "Remove-Item /srv/x -Recurse", Tier.T3),
        ("/opt/custom/bin/lang", "echo hi", Tier.T3),
        ("/usr/bin/fish", "echo hi", Tier.T3),
        ("/usr/bin/python3", "print('hello')", Tier.T2),
        ("/bin/bash", "echo hi", Tier.T2),
    ],
)
def test_an_executable_switch_is_read_by_that_interpreter(action: str, executable: str, text: str, tier: Tier) -> None:
    request = TaskRequest(action=action, args={"_raw_params": text, "executable": executable}, host="h")
    evaluation = evaluate(request, ruleset=BUILTIN)
    assert evaluation.tier is tier, evaluation.reasons


@pytest.mark.parametrize(
    ("script", "tier"),
    [
        (b"#!/usr/bin/env python3\nimport shutil\nshutil.rmtree('/srv/x')\n", Tier.T3),
        (b"#!/usr/bin/pwsh\nStop-Computer\n", Tier.T3),
        (b"#!/opt/x/bin/lang\nanything\n", Tier.T3),
        (b"#!/usr/bin/python3\nprint('hi')\n", Tier.T2),
        (b"#!/bin/sh\necho hi\n", Tier.T2),
    ],
)
def test_a_script_is_read_by_its_shebang(script: bytes, tier: Tier) -> None:
    request = TaskRequest(
        action="ansible.builtin.script", args={"_raw_params": "payload"}, host="h", local_files={"/p/payload": script}
    )
    assert evaluate(request, ruleset=BUILTIN).tier is tier


# ----------------------------------------------------------------------------------------------- plumbing
def test_the_analyser_hands_piped_text_to_every_reader_and_no_other() -> None:
    readers = {
        name
        for name, spec in _lifecycle.TOOLS.items()
        if isinstance(spec["tree"], dict) and spec["tree"].get("@") in _lifecycle.READERS
    }
    readers |= {alias for alias, target in _lifecycle._ALIASES.items() if target in readers and "." not in alias}
    assert readers - {"mysqlsh", "aws2", "pwsh-preview", "clickhouse"} <= _shell.FOREIGN_READERS | {"psql", "pwsh"}
    assert set(_shell.FOREIGN_READERS) <= set(_lifecycle.TOOLS)


def test_the_readers_load_their_libraries_lazily() -> None:
    """Arming the gate imports the policy package; sqlglot and tree-sitter come only with the first SQL or
    PowerShell a task runs (checked in a fresh interpreter)."""
    import subprocess
    import sys

    code = (
        "import tests.conftest, sys\n"
        "from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy import evaluate, ruleset\n"
        "ruleset.load_ruleset(None)\n"
        "print(json.dumps(sorted(m for m in ('sqlglot', 'tree_sitter', 'tree_sitter_powershell') if m in sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", "import json\n" + code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_a_reader_that_cannot_load_fails_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> Any:
        raise ImportError("no sqlglot")

    monkeypatch.setattr(_sql, "_sqlglot", broken)
    request = TaskRequest(action="ansible.builtin.command", args={"_raw_params": "psql -c 'SELECT 1'"}, host="h")
    with pytest.raises(ImportError):
        evaluate(request, ruleset=BUILTIN)  # the gate turns any error inside evaluation into a denial


# ---------------------------------------------------------------------------------------------- import-time tables
def test_only_the_listed_tools_spell_verbs_in_mixed_case() -> None:
    """Only MIXED_CASE_TOOLS are folded to lower case at import (issue 22: folding every table cost start-up time):
    a table written in mixed case outside that list would never match, since verb words are matched in lower case.
    Exact both ways: a listed tool that no longer needs folding leaves the list."""
    needs_folding = {
        name for name, spec in _lifecycle._RAW_TOOLS.items() if _lifecycle._lower_tree(spec["tree"]) != spec["tree"]
    }
    assert needs_folding == set(_lifecycle.MIXED_CASE_TOOLS)
    # control: the folded tables are what the matcher reads, in lower case
    assert "systems" in _lifecycle.TOOLS["redfishtool"]["tree"]
    assert "Systems" not in _lifecycle.TOOLS["redfishtool"]["tree"]
    verdict = _lifecycle.classify_words("redfishtool", ["Chassis", "setPowerLimit"])
    assert verdict is not None and verdict[0] is Tier.T2, verdict


def _json_copy(node: Any) -> Any:
    """The sorted JSON copy LIFECYCLE_DATA used to be built from (string keys in order, tuples as lists)."""
    if isinstance(node, dict):
        return {str(k): _json_copy(v) for k, v in sorted(node.items(), key=lambda kv: str(kv[0]))}
    if isinstance(node, list | tuple):
        return [_json_copy(v) for v in node]
    return node


def test_the_tool_tables_serialise_as_plain_json() -> None:
    """LIFECYCLE_DATA holds TOOLS as it is, not a sorted JSON copy: the ruleset fingerprint serialises it with
    sorted keys, which gives the same bytes as the copy did, as long as every key is a string."""

    def keys(node: Any) -> Iterator[object]:
        if isinstance(node, dict):
            for key, value in node.items():
                yield key
                yield from keys(value)
        elif isinstance(node, list | tuple):
            for value in node:
                yield from keys(value)

    assert {type(key) for key in keys(_lifecycle.TOOLS)} == {str}
    as_read = json.dumps(_lifecycle.LIFECYCLE_DATA["tools"], sort_keys=True, separators=(",", ":"))
    copied = json.dumps(_json_copy(dict(_lifecycle.TOOLS)), separators=(",", ":"))
    assert as_read == copied
