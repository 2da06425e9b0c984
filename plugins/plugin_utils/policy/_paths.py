# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Path predicates shared by the command rules and the module rules.

Internal: no stability promise. Both a ``rm -rf /etc`` typed into a shell task and a ``file: path=/etc
state=absent`` task must be judged by the same idea of "system directory", so the idea lives here once.

Everything is lexical on purpose. The gate decides on the controller before the task runs, often for a different
host, so the local filesystem says nothing about the target: symlinks, mounts and what a glob would expand to are
unknowable. Where the lexical answer is ambiguous (a glob, a ``..``, a relative path) the predicates round up: a
glob counts as every name it could match, and a relative path with an unknown working directory is not claimed
to be safe by any caller (they treat ``None`` from :func:`normalize` as "unknown").

Security constraints: SEC-1 (docs/security-constraints.yml).
"""

from __future__ import annotations

import fnmatch
import re

__all__ = [
    "HARMLESS_DEVICE_NODES",
    "PERSISTENCE_PATHS",
    "TEMP_DIRS",
    "TOP_LEVEL_SYSTEM_DIRS",
    "has_glob",
    "is_device_write",
    "is_raw_disk",
    "is_root_like",
    "is_system_dir",
    "is_temp_path",
    "normalize",
    "persistence",
    "readings",
    "t3_sensitive",
    "under_etc",
]

# Directories whose removal, or the removal of everything in them, leaves a machine unbootable, unreachable or
# without its users' data. Two levels deep where the second level is itself a system tree (/usr/lib, /var/lib).
# /tmp and /var/tmp are left out on purpose: emptying them is routine and recoverable. /var/cache and /var/www are
# left out because cleaning them is a normal deployment step (they still rank T3 in content tiering).
# macOS roots are listed because the controller itself may be a Mac (local connection).
TOP_LEVEL_SYSTEM_DIRS: frozenset[str] = frozenset(
    {
        "/",
        "/bin",
        "/boot",
        "/boot/efi",
        "/dev",
        "/efi",
        "/etc",
        "/home",
        "/lib",
        "/lib32",
        "/lib64",
        "/libx32",
        "/media",
        "/mnt",
        "/opt",
        "/proc",
        "/root",
        "/run",
        "/sbin",
        "/snap",
        "/srv",
        "/sys",
        "/usr",
        "/usr/bin",
        "/usr/include",
        "/usr/lib",
        "/usr/lib32",
        "/usr/lib64",
        "/usr/libexec",
        "/usr/libx32",
        "/usr/local",
        "/usr/local/bin",
        "/usr/local/lib",
        "/usr/local/sbin",
        "/usr/sbin",
        "/usr/share",
        "/var",
        "/var/backups",
        "/var/lib",
        "/var/log",
        "/var/mail",
        "/var/opt",
        "/var/spool",
        "/nix",
        "/nix/store",
        "/Applications",
        "/Library",
        "/System",
        "/Users",
        "/private",
        "/private/etc",
        "/private/var",
    }
)

# Where deleting files is routine. Only paths strictly *below* these count: removing /tmp itself is not routine.
TEMP_DIRS: tuple[str, ...] = ("/tmp", "/var/tmp")  # noqa: S108 - names, not files we create

_GLOB_CHARS = frozenset("*?[")
_BRACKET = re.compile(r"\[[^\]/]*\]")
# Compiled at import: a pattern compiled at its call site is compiled again in every forked worker.
_HOME_PREFIX = re.compile(r"~[A-Za-z0-9_.-]*")
_BRACE_LIMIT = 64

# Block devices and memory devices: a write to any of these destroys data below the filesystem layer. Matched
# with fullmatch on a normalised path; every pattern is a plain sequence of classes (no nested quantifiers).
_RAW_DISK_PATTERNS: tuple[str, ...] = (
    r"/dev/(?:sd|hd|vd|xvd)[a-z]+[0-9]*",
    r"/dev/nvme[0-9]+n[0-9]+(?:p[0-9]+)?",
    r"/dev/mmcblk[0-9]+(?:p[0-9]+|boot[0-9]+)?",
    r"/dev/dm-[0-9]+",
    r"/dev/md[0-9]+(?:p[0-9]+)?",
    r"/dev/md/[^/]+",
    r"/dev/loop[0-9]+(?:p[0-9]+)?",
    r"/dev/mapper/[^/]+",
    r"/dev/disk/by-[a-z0-9-]+/[^/]+",
    r"/dev/block/[^/]+",
    r"/dev/(?:nbd|rbd|zd|bcache|drbd|ram|ubd|sg)[0-9]+(?:p[0-9]+)?",
    r"/dev/zvol/.+",
    r"/dev/cciss/c[0-9]+d[0-9]+(?:p[0-9]+)?",
    r"/dev/root",
    r"/dev/(?:mem|kmem|port)",
)
_RAW_DISK_RE = re.compile("|".join(f"(?:{p})" for p in _RAW_DISK_PATTERNS))

# /dev/<a>/<b> is an LVM logical volume (/dev/<vg>/<lv>) unless <a> is one of the kernel's non-disk directories.
_DEV_NON_DISK_DIRS: frozenset[str] = frozenset(
    {
        "bsg",
        "bus",
        "char",
        "cpu",
        "dri",
        "fd",
        "hugepages",
        "input",
        "mqueue",
        "net",
        "pts",
        "serial",
        "shm",
        "snd",
        "usb",
        "v4l",
        "vfio",
        "hidraw",
        "tty",
        "dma_heap",
        "gpiochip",
        "cpu_dma_latency",
        "mapper",
        "disk",
        "md",
        "block",
        "zvol",
        "cciss",
    }
)
_DEV_NOT_DISK: frozenset[str] = frozenset({"/dev/mapper/control"})

# Concrete names a glob is tested against, so that "/dev/sd*" counts as a disk.
_DISK_SAMPLES: tuple[str, ...] = (
    "/dev/sda",
    "/dev/sda1",
    "/dev/vda",
    "/dev/xvda",
    "/dev/hda",
    "/dev/nvme0n1",
    "/dev/nvme0n1p1",
    "/dev/mmcblk0",
    "/dev/mmcblk0p1",
    "/dev/dm-0",
    "/dev/md0",
    "/dev/loop0",
    "/dev/mapper/root",
    "/dev/disk/by-id/x",
)

# Writes to these are irreversible-class (T3): they grant or remove access to the machine, or decide what boots.
# (label, exact paths, directory prefixes whose whole subtree counts)
_T3_PATHS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        "sudoers",
        ("/etc/sudoers", "/etc/sudoers.d", "/usr/local/etc/sudoers", "/private/etc/sudoers"),
        ("/etc/sudoers.d/", "/usr/local/etc/sudoers.d/", "/private/etc/sudoers.d/"),
    ),
    ("sshd config", ("/etc/ssh/sshd_config", "/etc/ssh/sshd_config.d"), ("/etc/ssh/sshd_config.d/",)),
    ("PAM", ("/etc/pam.d", "/etc/pam.conf", "/etc/security"), ("/etc/pam.d/", "/etc/security/")),
    (
        "account database",
        (
            "/etc/passwd",
            "/etc/shadow",
            "/etc/group",
            "/etc/gshadow",
            "/etc/passwd-",
            "/etc/shadow-",
            "/etc/group-",
            "/etc/gshadow-",
            "/etc/master.passwd",
        ),
        (),
    ),
    ("ld.so.preload", ("/etc/ld.so.preload",), ()),
    ("boot", ("/boot",), ("/boot/",)),
)
_T3_BASENAMES: dict[str, str] = {"authorized_keys": "ssh authorized_keys", "authorized_keys2": "ssh authorized_keys"}
# Concrete members of the prefix classes, so that a glob like "/etc/pam.d/*" or "/etc/*" is recognised.
_T3_SAMPLES: tuple[str, ...] = (
    "/etc/sudoers.d/x",
    "/etc/ssh/sshd_config.d/x.conf",
    "/etc/pam.d/common-auth",
    "/etc/security/limits.conf",
    "/boot/vmlinuz",
    "/root/.ssh/authorized_keys",
)


def has_glob(text: str) -> bool:
    """True when ``text`` contains a shell pattern character; such a path stands for every name it could match."""
    return not _GLOB_CHARS.isdisjoint(text)


def _glob_match(name: str, pattern: str) -> bool:
    """Shell-style match of a concrete path against a glob, one component at a time (``*`` never crosses ``/``)."""
    names = name.split("/")
    patterns = pattern.split("/")
    if len(names) != len(patterns):
        return False
    return all(fnmatch.fnmatchcase(n, p) for n, p in zip(names, patterns, strict=True))


def _authorized_keys_glob(path: str) -> bool:
    """A glob that could name an authorized_keys file: its last component could match the name and either says
    ``auth`` literally or sits in an ssh directory (``~/.ssh/*``). A bare ``/tmp/*`` does not count."""
    parent, _separator, base = path.rstrip("/").rpartition("/")
    if not has_glob(base) or not any(fnmatch.fnmatchcase(name, base) for name in _T3_BASENAMES):
        return False
    last_dir = parent.rsplit("/", 1)[-1]
    return "auth" in base or "ssh" in last_dir


def _expand_braces(path: str) -> list[str]:
    """Expand simple ``{a,b}`` lists so that a path written as ``/{*,.*}`` is judged by each alternative.

    Bounded (at most ``_BRACE_LIMIT`` results) because the input is untrusted; callers that need full bash brace
    semantics use the shell analyzer, which has already expanded words before they reach these predicates.
    """
    if "{" not in path:
        return [path]
    results = [path]
    out: list[str] = []
    rounds = 0
    while results and rounds < 8:
        rounds += 1
        pending: list[str] = []
        for item in results:
            start = item.find("{")
            end = item.find("}", start + 1) if start >= 0 else -1
            inner = item[start + 1 : end] if end > start >= 0 else ""
            if start < 0 or end < 0 or "," not in inner or "{" in inner:
                out.append(item)
                continue
            for alt in inner.split(","):
                pending.append(item[:start] + alt + item[end + 1 :])
        results = pending[:_BRACE_LIMIT]
        if len(out) >= _BRACE_LIMIT:
            break
    out.extend(results)
    return out[:_BRACE_LIMIT]


def normalize(path: str, *, cwd: str | None = None) -> str | None:
    """Lexically normalise ``path``: collapse ``//`` and ``/./``, resolve ``..``, join onto ``cwd``.

    Returns ``None`` when the answer is unknowable lexically: a relative path with an unknown (or relative) working
    directory, a ``~`` home reference, or an empty string. Never touches the filesystem; ``..`` is resolved
    lexically, which is what a path *means* as written (symlinks on the target host are unknowable here).
    """
    if not path or "\x00" in path or path.startswith("~"):
        return None
    if path[0] == "/" and "//" not in path and "/." not in path and path[-1] != "/":
        return path  # already normal: nothing to collapse, resolve or strip (the common case)
    if not path.startswith("/"):
        if cwd is None:
            return None
        base = normalize(cwd)
        if base is None:
            return None
        path = base + "/" + path
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts:
                parts.pop()
            continue
        parts.append(part)
    return "/" + "/".join(parts)


def _everything_glob(component: str) -> bool:
    """A final path component that matches (nearly) every name: ``*``, ``.*``, ``?``, ``[a-z]*``, ``**``.

    Bracket expressions count as "any character" and ``?`` as "any name of that length": ambiguity rounds up.
    """
    if not has_glob(component):
        return False
    reduced = _BRACKET.sub("?", component)
    return bool(reduced) and all(ch in "*?." for ch in reduced) and reduced.strip(".") != ""


def _home_reference(path: str) -> bool:
    """``~``, ``~user``, ``~/`` and ``~/*``: a whole home directory (or everything in it)."""
    if not path.startswith("~"):
        return False
    head, _separator, rest = path.partition("/")
    if "/" in head or not _HOME_PREFIX.fullmatch(head):
        return False
    rest = rest.strip("/")
    return rest in ("", ".") or _everything_glob(rest)


def is_root_like(path: str, *, cwd: str | None = None) -> bool:
    """True when ``path`` designates ``/`` or everything directly (or at every level) inside it.

    ``/``, ``//``, ``/.``, ``/..``, ``/*``, ``/.*``, ``/*/*``, ``/{*,.*}`` all count: for a destructive command each
    of them is a whole-system wipe.
    """
    for candidate in _expand_braces(path):
        norm = normalize(candidate, cwd=cwd)
        if norm is None:
            continue
        if norm == "/":
            return True
        components = norm[1:].split("/")
        if all(_everything_glob(c) for c in components):
            return True
    return False


def _is_system_norm(norm: str) -> bool:
    if norm in TOP_LEVEL_SYSTEM_DIRS:
        return True
    if not has_glob(norm):
        return False
    parent, _separator, last = norm.rpartition("/")
    parent = parent or "/"
    if _everything_glob(last) and (parent in TOP_LEVEL_SYSTEM_DIRS or is_root_like(parent)):
        return True
    # A glob that could match a system directory by name ("/b*" matches /bin and /boot, "/e?c" matches /etc).
    return any(_glob_match(d, norm) for d in TOP_LEVEL_SYSTEM_DIRS)


def is_system_dir(path: str, *, cwd: str | None = None) -> bool:
    """True for root-like paths, the system directories, a glob that covers everything inside one of them
    (``/etc/*``) or that could name one of them (``/b*``), and a whole home directory (``~``, ``~/*``).

    This is the test for "deleting (or recursively re-owning) this is catastrophic", used by deny rules, so it
    errs toward True on globs and ``..`` tricks and never looks at the real filesystem.
    """
    if _home_reference(path):
        return True
    for candidate in _expand_braces(path):
        norm = normalize(candidate, cwd=cwd)
        if norm is None:
            continue
        if norm == "/" or is_root_like(norm) or _is_system_norm(norm):
            return True
    return False


def is_raw_disk(path: str) -> bool:
    """True for block devices (and /dev/mem-like devices) after lexical normalisation.

    ``/dev/../dev/sda`` and ``//dev/sda`` count; ``/dev/null``, ``/dev/zero``, ``/dev/stdout``, ``/dev/tty*``,
    ``/dev/sr0`` (optical) do not. A glob counts when it could match a disk (``/dev/sd?``). LVM volumes are
    recognised as ``/dev/<vg>/<lv>`` when ``<vg>`` is not one of the kernel's non-disk directories.
    """
    if "dev" not in path and "{" not in path:
        return False  # normalising only drops components: a path that never names dev cannot resolve under /dev
    for candidate in _expand_braces(path):
        norm = normalize(candidate)
        if norm is None or not norm.startswith("/dev/") or norm in _DEV_NOT_DISK:
            continue
        if has_glob(norm):
            if any(_glob_match(sample, norm) for sample in _DISK_SAMPLES):
                return True
            continue
        if _RAW_DISK_RE.fullmatch(norm):
            return True
        parts = norm.split("/")
        if len(parts) == 4 and parts[2] not in _DEV_NON_DISK_DIRS and not parts[2].startswith("tty"):
            return True
    return False


# Device nodes a write to is harmless (discarded, a terminal, a stream of this process) and the trees whose members
# are such nodes or plain files (/dev/shm is a tmpfs). Any other path under /dev is a device this list does not
# know: a write to it is judged as a raw-disk write, so a disk, a flash chip or a watchdog with an unexpected name is
# not an ordinary file write.
HARMLESS_DEVICE_NODES: frozenset[str] = frozenset(
    {"null", "zero", "full", "random", "urandom", "stdout", "stderr", "stdin", "tty"}
)
HARMLESS_DEVICE_TREES: frozenset[str] = frozenset({"pts", "fd", "shm"})


def _harmless_device(norm: str) -> bool:
    parts = norm.split("/")  # "", "dev", name, ...
    if len(parts) == 3:
        return parts[2] in HARMLESS_DEVICE_NODES
    return len(parts) > 3 and parts[2] in HARMLESS_DEVICE_TREES and ".." not in parts


def is_device_write(path: str, *, cwd: str | None = None) -> bool:
    """True when writing ``path`` writes a device node the harmless list does not name, or a raw disk.

    Every path under /dev (and /dev itself) counts after lexical normalisation, except ``/dev/null``, ``/dev/zero``,
    ``/dev/full``, the random devices, the standard streams, ``/dev/tty`` and what lives under ``/dev/pts``,
    ``/dev/fd`` and ``/dev/shm``. A glob in the name right under /dev counts (``/dev/nul?`` could be another node);
    one below a harmless tree (``/dev/shm/*.tmp``) does not, and a glob that could name /dev itself (``/d?v/x``)
    is read as /dev. A relative path counts when ``cwd`` puts it under /dev. Used for writes only: reading a device
    is not this rule's business.
    """
    if is_raw_disk(path):
        return True
    if "dev" not in path and "{" not in path and not has_glob(path) and (cwd is None or "dev" not in cwd):
        return False
    for candidate in _expand_braces(path):
        norm = normalize(candidate, cwd=cwd)
        if norm is None:
            continue
        first, sep, rest = norm[1:].partition("/")
        if has_glob(first) and fnmatch.fnmatchcase("dev", first):
            norm = "/dev" + sep + rest
        if not (norm == "/dev" or norm.startswith("/dev/")):
            continue
        if norm == "/dev":
            return True
        if has_glob(norm) and has_glob("/".join(norm.split("/")[:3])):
            return True  # a glob in the node's own name could match any node: ambiguity rounds up
        if not _harmless_device(norm):
            return True
    return False


def _t3_label_norm(norm: str) -> str | None:
    base = norm.rsplit("/", 1)[-1]
    if base in _T3_BASENAMES:
        return _T3_BASENAMES[base]
    for label, exact, prefixes in _T3_PATHS:
        if norm in exact or norm.startswith(prefixes):
            return label
    if has_glob(norm):
        if _authorized_keys_glob(norm):
            return "ssh authorized_keys"
        for label, exact, prefixes in _T3_PATHS:
            samples = (*exact, *(s for s in _T3_SAMPLES if s.startswith(prefixes))) if prefixes else exact
            if any(_glob_match(sample, norm) for sample in samples):
                return label
    return None


def t3_sensitive(path: str, *, cwd: str | None = None) -> str | None:
    """A short label when writing ``path`` is irreversible-class (T3), else ``None``.

    Covered: sudoers, ``authorized_keys``/``authorized_keys2`` anywhere (even relative, even with an unknown working
    directory: that file name alone is enough), sshd configuration, PAM, the account databases, ld.so.preload and
    /boot. A glob counts when it could match one of them (``/etc/*`` could be /etc/shadow).
    """
    base = path.rstrip("/").rsplit("/", 1)[-1]
    if base in _T3_BASENAMES:
        return _T3_BASENAMES[base]
    for candidate in _expand_braces(path):
        norm = normalize(candidate, cwd=cwd)
        if norm is None:
            if _authorized_keys_glob(candidate):
                return "ssh authorized_keys"
            continue
        label = _t3_label_norm(norm)
        if label:
            return label
    return None


def under_etc(path: str, *, cwd: str | None = None) -> bool:
    """True for /etc and anything below it (a glob whose first component could be ``etc`` counts too)."""
    for candidate in _expand_braces(path):
        norm = normalize(candidate, cwd=cwd)
        if norm is None:
            continue
        first = norm[1:].split("/", 1)[0]
        if first == "etc" or (has_glob(first) and fnmatch.fnmatchcase("etc", first)):
            return True
        if norm == "/private/etc" or norm.startswith("/private/etc/"):
            return True
    return False


def is_temp_path(path: str, *, cwd: str | None = None) -> bool:
    """True only for paths strictly below /tmp or /var/tmp (after normalisation, so ``/tmp/../etc`` is not)."""
    norm = normalize(path, cwd=cwd)
    if norm is None:
        return False
    return any(norm.startswith(d + "/") for d in TEMP_DIRS)


# Places where a file written once runs code again later (at boot, at login, on a schedule, in every Python
# process, as a system command). Writing there is at least T2, T3 beside files the T3 rules already name (an ssh
# client configuration next to authorized_keys, an ld.so configuration next to ld.so.preload).
# (label, tier, exact paths, directory prefixes)
PERSISTENCE_PATHS: tuple[tuple[str, int, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        "a cron table",
        2,
        ("/etc/crontab", "/etc/anacrontab", "/var/spool/cron", "/var/spool/cron/crontabs", "/etc/cron.d"),
        (
            "/etc/cron.d/",
            "/etc/cron.hourly/",
            "/etc/cron.daily/",
            "/etc/cron.weekly/",
            "/etc/cron.monthly/",
            "/var/spool/cron/",
            "/var/spool/anacron/",
            "/var/spool/at/",
            "/var/spool/atjobs/",
        ),
    ),
    (
        "a service unit or init script",
        2,
        ("/etc/rc.local", "/etc/inittab"),
        (
            "/etc/systemd/",
            "/lib/systemd/",
            "/usr/lib/systemd/",
            "/usr/local/lib/systemd/",
            "/run/systemd/",
            "/etc/init.d/",
            "/etc/init/",
            "/etc/rc0.d/",
            "/etc/rc1.d/",
            "/etc/rc2.d/",
            "/etc/rc3.d/",
            "/etc/rc4.d/",
            "/etc/rc5.d/",
            "/etc/rc6.d/",
            "/etc/rcS.d/",
            "/etc/xdg/autostart/",
        ),
    ),
    (
        "a login shell start-up file",
        2,
        ("/etc/profile", "/etc/bash.bashrc", "/etc/bashrc", "/etc/environment", "/etc/zshenv", "/etc/zshrc"),
        ("/etc/profile.d/", "/etc/zsh/", "/etc/bash_completion.d/"),
    ),
    (
        "a program that runs hooks (apt, dpkg, udev, modprobe, logrotate, NetworkManager)",
        2,
        (),
        (
            "/etc/apt/apt.conf.d/",
            "/etc/dpkg/dpkg.cfg.d/",
            "/etc/udev/rules.d/",
            "/lib/udev/rules.d/",
            "/usr/lib/udev/rules.d/",
            "/etc/modprobe.d/",
            "/lib/modprobe.d/",
            "/etc/logrotate.d/",
            "/etc/NetworkManager/dispatcher.d/",
            "/etc/network/if-up.d/",
            "/etc/network/if-pre-up.d/",
        ),
    ),
    ("the dynamic linker configuration", 3, ("/etc/ld.so.conf", "/etc/ld.so.conf.d"), ("/etc/ld.so.conf.d/",)),
    ("the ssh client configuration", 2, ("/etc/ssh/ssh_config", "/etc/ssh/ssh_config.d"), ("/etc/ssh/ssh_config.d/",)),
    (
        "a system program directory",
        2,
        (),
        (
            "/bin/",
            "/sbin/",
            "/usr/bin/",
            "/usr/sbin/",
            "/usr/local/bin/",
            "/usr/local/sbin/",
            "/usr/libexec/",
            "/lib/",
            "/lib64/",
            "/usr/lib/",
            "/usr/lib64/",
            "/usr/local/lib/",
        ),
    ),
)
# File names that run code wherever a user's home (or any Python) finds them.
PERSISTENCE_NAMES: dict[str, tuple[str, int]] = {
    **dict.fromkeys(
        (
            ".bashrc",
            ".bash_profile",
            ".bash_login",
            ".bash_logout",
            ".profile",
            ".zshrc",
            ".zshenv",
            ".zprofile",
            ".zlogin",
            ".kshrc",
            ".cshrc",
            ".tcshrc",
            ".login",
            ".pam_environment",
            ".xprofile",
            ".xinitrc",
            ".xsession",
        ),
        ("a login shell start-up file", 2),
    ),
    "sitecustomize.py": ("a Python start-up hook", 2),
    "usercustomize.py": ("a Python start-up hook", 2),
    ".gitconfig": ("a git configuration (runs hooks, pagers, ssh commands)", 2),
}
# ~/.ssh/<anything> is beside authorized_keys (T3): config (ProxyCommand), rc, environment, keys.
_SSH_DIR_TIER = 3


def persistence(path: str, *, cwd: str | None = None) -> tuple[str, int] | None:
    """(label, tier) when writing ``path`` plants code that runs later, else None.

    Lexical, like every predicate here: ``~/.bashrc``, ``/home/u/.bashrc`` and ``/root/.bashrc`` all count; a
    ``.pth`` file counts in any ``site-packages`` or ``dist-packages`` directory (Python runs its import lines at
    start-up); anything in a ``.ssh`` directory or under ``.config/systemd`` or ``.config/autostart`` counts.
    """
    for candidate in _expand_braces(path):
        if candidate.startswith("~"):
            _head, _separator, rest = candidate.partition("/")
            norm = normalize("/" + rest) if rest else "/"
            home_relative = True
        else:
            norm = normalize(candidate, cwd=cwd)
            home_relative = False
        if norm is None:
            continue
        found = _persistence_norm(norm, home_relative=home_relative)
        if found:
            return found
    return None


def _persistence_norm(norm: str, *, home_relative: bool) -> tuple[str, int] | None:
    parts = norm.strip("/").split("/")
    base = parts[-1]
    if base in PERSISTENCE_NAMES:
        return PERSISTENCE_NAMES[base]
    if base.endswith(".pth") and any(p in ("site-packages", "dist-packages") for p in parts):
        return "a Python .pth start-up file", 2
    if ".ssh" in parts[:-1] or (base == ".ssh" and len(parts) >= 1):
        return "a user's ssh directory (beside authorized_keys)", _SSH_DIR_TIER
    joined = "/" + "/".join(parts)
    if "/.config/systemd/" in joined + "/" or "/.config/autostart/" in joined + "/":
        return "a user's service units or autostart entries", 2
    if home_relative:
        return None
    for label, tier, exact, prefixes in PERSISTENCE_PATHS:
        if norm in exact or norm.startswith(prefixes) or norm + "/" in prefixes:
            return label, tier
    if has_glob(norm):
        for label, tier, exact, prefixes in PERSISTENCE_PATHS:
            samples = (*exact, *(p + "x" for p in prefixes))
            if any(_glob_match(sample, norm) for sample in samples):
                return label, tier
    return None


def readings(path: str, *, anchors: tuple[str, ...] = ()) -> list[str]:
    """Every absolute reading of a path the gate judges: the path itself when absolute or home-relative, else the
    path read from ``/`` (``..`` cannot climb above it, so ``../../dev/sda`` reads as /dev/sda from any depth),
    from the remote user's home (``~/x``, where modules start), and from each ``anchor`` (a directory the module
    itself joins it onto, such as a link's own directory). Where a relative path lands depends on a working
    directory the gate cannot see; judging it by the worst of these readings rounds it up, never down."""
    if not path or "\x00" in path:
        return []
    if path.startswith(("/", "~")):
        return [path]
    found = [normalize(path, cwd="/") or "/"]
    if not path.startswith(".."):
        found.append("~/" + path)
    for anchor in anchors:
        reading = normalize(path, cwd=anchor) if anchor.startswith("/") else None
        if reading:
            found.append(reading)
    return list(dict.fromkeys(found))
