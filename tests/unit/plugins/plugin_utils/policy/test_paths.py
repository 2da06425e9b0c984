# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Path predicates: the shared idea of "system directory", "raw disk", "temporary" and "T3-sensitive".

Both the command rules and the module rules lean on these, so the tests pin down the lexical tricks (``//``,
``/./``, ``..``, globs, brace lists, ``~``) that must not change the answer, and the near misses that must not
be swept in.
"""

from __future__ import annotations

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy import _paths
from hypothesis import given, settings
from hypothesis import strategies as st

# ---------------------------------------------------------------------------------------------------------------
# normalize
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "cwd", "expected"),
    [
        ("/", None, "/"),
        ("//", None, "/"),
        ("/./", None, "/"),
        ("/..", None, "/"),
        ("/../../etc", None, "/etc"),
        ("/etc/", None, "/etc"),
        ("/etc//ssh/./sshd_config", None, "/etc/ssh/sshd_config"),
        ("/tmp/../etc/passwd", None, "/etc/passwd"),
        ("x", "/srv", "/srv/x"),
        ("./x/../y", "/srv", "/srv/y"),
        ("..", "/srv/app", "/srv"),
        ("../../../..", "/srv/app", "/"),
        ("*", "/", "/*"),
        ("x", None, None),
        ("x", "relative", None),
        ("~", None, None),
        ("~/x", "/srv", None),
        ("", "/srv", None),
        ("/a\x00b", None, None),
    ],
)
def test_normalize(path: str, cwd: str | None, expected: str | None) -> None:
    assert _paths.normalize(path, cwd=cwd) == expected


def _lexical(path: str) -> str:
    """Reference: the components of an absolute path with empty and ``.`` ones dropped and ``..`` applied."""
    parts: list[str] = []
    for part in path.split("/"):
        if part == "..":
            parts = parts[:-1]
        elif part not in ("", "."):
            parts.append(part)
    return "/" + "/".join(parts)


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("/.a-*{},~")), min_size=1, max_size=14))
def test_normalize_agrees_with_the_lexical_reading(tail: str) -> None:
    """Already-normal paths return as they are; every other spelling still gets collapsed and resolved."""
    path = "/" + tail
    assert _paths.normalize(path) == _lexical(path)
    joined = tail if tail.startswith("/") else "/srv/app/" + tail
    assert _paths.normalize(tail, cwd="/srv/app") == (None if tail.startswith("~") else _lexical(joined))


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("/.ab},*")), max_size=16))
def test_brace_free_paths_are_their_own_only_expansion(path: str) -> None:
    assert _paths._expand_braces(path) == [path]
    assert _paths._expand_braces(path + "/{x,y}") == [path + "/x", path + "/y"]


# ---------------------------------------------------------------------------------------------------------------
# is_root_like / is_system_dir
# ---------------------------------------------------------------------------------------------------------------

ROOT_LIKE = ["/", "//", "/.", "/..", "/./", "/*", "/.*", "/*/*", "/{*,.*}", "/?", "/[a-z]*", "///*", "/tmp/../*"]
NOT_ROOT_LIKE = ["/etc", "/tmp/*", "*", "/etc/*", "/a*", ""]


@pytest.mark.parametrize("path", ROOT_LIKE)
def test_root_like(path: str) -> None:
    assert _paths.is_root_like(path)
    assert _paths.is_system_dir(path)


@pytest.mark.parametrize("path", NOT_ROOT_LIKE)
def test_not_root_like(path: str) -> None:
    assert not _paths.is_root_like(path)


def test_root_like_with_cwd() -> None:
    assert _paths.is_root_like("*", cwd="/")
    assert _paths.is_root_like("..", cwd="/srv")
    assert not _paths.is_root_like("*", cwd="/srv")


SYSTEM = [
    "/etc",
    "/etc/",
    "/usr",
    "/usr/lib",
    "/usr/local/bin",
    "/var",
    "/var/lib",
    "/var/log",
    "/home",
    "/root",
    "/boot",
    "/boot/efi",
    "/srv",
    "/opt",
    "/bin",
    "/sbin",
    "/lib64",
    "/dev",
    "/proc",
    "/sys",
    "/nix/store",
    "/Users",
    "/System",
    "/private/etc",
    "/etc/*",
    "/usr/*",
    "/home/*",
    "/b*",
    "/e?c",
    "/{bin,tmp}",
    "/{tmp,etc}/",
    "/usr/local/../lib",
    "/tmp/../etc",
    "//etc//",
    "/etc/.",
    "~",
    "~/",
    "~/*",
    "~root",
    "~/.*",
]

NOT_SYSTEM = [
    "/tmp",
    "/tmp/x",
    "/var/tmp",
    "/var/tmp/x",
    "/srv/app",
    "/srv/app/*",
    "/etc/nginx",
    "/etc/hosts",
    "/var/www",
    "/var/cache",
    "/var/log/nginx",
    "/home/bob",
    "/opt/app",
    "/usr/local/share/app",
    "relative",
    "*",
    "~/project",
    "~/.cache",
    "",
    "/{}",
    "/etc/{}",
    "$X/",
]


@pytest.mark.parametrize("path", SYSTEM)
def test_system_dirs(path: str) -> None:
    assert _paths.is_system_dir(path), path


@pytest.mark.parametrize("path", NOT_SYSTEM)
def test_not_system_dirs(path: str) -> None:
    assert not _paths.is_system_dir(path), path


def test_system_dir_with_cwd() -> None:
    assert _paths.is_system_dir("*", cwd="/")
    assert _paths.is_system_dir("etc", cwd="/")
    assert _paths.is_system_dir(".", cwd="/usr")
    assert _paths.is_system_dir("../..", cwd="/srv/app")
    assert not _paths.is_system_dir("build", cwd="/srv/app")
    assert not _paths.is_system_dir("*", cwd="/srv/app")
    assert not _paths.is_system_dir("etc", cwd=None)


def test_every_top_level_dir_is_a_system_dir() -> None:
    for path in _paths.TOP_LEVEL_SYSTEM_DIRS:
        assert _paths.is_system_dir(path)
        assert _paths.is_system_dir(path + "/")
        assert _paths.is_system_dir(path + "/*")
        assert _paths.is_system_dir("/" + path)


# ---------------------------------------------------------------------------------------------------------------
# is_raw_disk
# ---------------------------------------------------------------------------------------------------------------

DISKS = [
    "/dev/sda",
    "/dev/sda1",
    "/dev/sdab",
    "/dev/hdb",
    "/dev/vda",
    "/dev/vdb2",
    "/dev/xvda",
    "/dev/nvme0n1",
    "/dev/nvme0n1p3",
    "/dev/mmcblk0",
    "/dev/mmcblk0p1",
    "/dev/mmcblk0boot0",
    "/dev/dm-0",
    "/dev/md0",
    "/dev/md/raid1",
    "/dev/loop0",
    "/dev/mapper/vg-root",
    "/dev/disk/by-id/ata-X",
    "/dev/disk/by-uuid/1234",
    "/dev/nbd0",
    "/dev/rbd1",
    "/dev/zd0",
    "/dev/zvol/tank/vol",
    "/dev/root",
    "/dev/mem",
    "/dev/kmem",
    "/dev/vg0/root",
    "//dev/sda",
    "/dev/../dev/sda",
    "/dev/./sda",
    "/dev/sd?",
    "/dev/sd*",
    "/dev/nvme*",
    "/dev/{null,sda}",
]

NOT_DISKS = [
    "/dev/null",
    "/dev/zero",
    "/dev/urandom",
    "/dev/random",
    "/dev/stdout",
    "/dev/stderr",
    "/dev/tty",
    "/dev/tty1",
    "/dev/pts/0",
    "/dev/shm/x",
    "/dev/sr0",
    "/dev/fd/1",
    "/dev/mapper/control",
    "/dev/net/tun",
    "/tmp/x.img",
    "sda",
    "dev/sda",
    "/dev",
    "/devices/sda",
    "",
]


@pytest.mark.parametrize("path", DISKS)
def test_raw_disks(path: str) -> None:
    assert _paths.is_raw_disk(path), path


@pytest.mark.parametrize("path", NOT_DISKS)
def test_not_raw_disks(path: str) -> None:
    assert not _paths.is_raw_disk(path), path


# ---------------------------------------------------------------------------------------------------------------
# is_temp_path
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "cwd", "expected"),
    [
        ("/tmp/x", None, True),
        ("/tmp/a/b/c", None, True),
        ("/var/tmp/x", None, True),
        ("/tmp", None, False),
        ("/tmp/", None, False),
        ("/var/tmp", None, False),
        ("/tmp/../etc/x", None, False),
        ("/tmpx/y", None, False),
        ("/tmp/*", None, True),
        ("x", "/tmp/job", True),
        ("../x", "/tmp/job", True),
        ("../../etc", "/tmp/job", False),
        ("x", None, False),
        ("/srv/tmp/x", None, False),
    ],
)
def test_temp_paths(path: str, cwd: str | None, expected: bool) -> None:
    assert _paths.is_temp_path(path, cwd=cwd) is expected


# ---------------------------------------------------------------------------------------------------------------
# t3_sensitive / under_etc
# ---------------------------------------------------------------------------------------------------------------

T3 = [
    ("/etc/sudoers", "sudoers"),
    ("/etc/sudoers.d", "sudoers"),
    ("/etc/sudoers.d/90-cloud", "sudoers"),
    ("/usr/local/etc/sudoers", "sudoers"),
    ("/etc/ssh/sshd_config", "sshd config"),
    ("/etc/ssh/sshd_config.d/x.conf", "sshd config"),
    ("/etc/pam.d/sshd", "PAM"),
    ("/etc/pam.d", "PAM"),
    ("/etc/security/limits.conf", "PAM"),
    ("/etc/passwd", "account database"),
    ("/etc/shadow", "account database"),
    ("/etc/group", "account database"),
    ("/etc/gshadow", "account database"),
    ("/etc/shadow-", "account database"),
    ("/etc/ld.so.preload", "ld.so.preload"),
    ("/boot", "boot"),
    ("/boot/grub/grub.cfg", "boot"),
    ("/root/.ssh/authorized_keys", "ssh authorized_keys"),
    ("/home/bob/.ssh/authorized_keys2", "ssh authorized_keys"),
    ("authorized_keys", "ssh authorized_keys"),
    ("~/.ssh/authorized_keys", "ssh authorized_keys"),
    ("~/.ssh/*", "ssh authorized_keys"),
    ("/etc/*", "sudoers"),
    ("/etc/sh*", "account database"),
    ("/etc/pam.d/*", "PAM"),
    ("//etc//sudoers", "sudoers"),
    ("/tmp/../etc/shadow", "account database"),
    ("/etc/ssh/../sudoers", "sudoers"),
    ("/etc/{hosts,shadow}", "account database"),
]


@pytest.mark.parametrize(("path", "label"), T3)
def test_t3_sensitive(path: str, label: str) -> None:
    assert _paths.t3_sensitive(path) == label


@pytest.mark.parametrize(
    "path",
    [
        "/etc/hosts",
        "/etc/motd",
        "/etc/ssh/ssh_config",
        "/etc/nginx/nginx.conf",
        "/tmp/*",
        "/var/log/auth.log",
        "/home/bob/.ssh/id_rsa.pub",
        "/etc/passwd.bak/x",
        "sudoers",
        "",
        "/srv/boot",
    ],
)
def test_not_t3_sensitive(path: str) -> None:
    assert _paths.t3_sensitive(path) is None


def test_t3_sensitive_with_cwd() -> None:
    assert _paths.t3_sensitive("shadow", cwd="/etc") == "account database"
    assert _paths.t3_sensitive("x", cwd="/boot") == "boot"
    assert _paths.t3_sensitive("shadow", cwd=None) is None
    assert _paths.t3_sensitive("../shadow", cwd="/etc/ssh") == "account database"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/etc", True),
        ("/etc/hosts", True),
        ("/etc/nginx/conf.d/x", True),
        ("/private/etc/hosts", True),
        ("/e*/hosts", True),
        ("/tmp/../etc/x", True),
        ("/etcx", False),
        ("/srv/etc/x", False),
        ("etc/x", False),
        ("/", False),
    ],
)
def test_under_etc(path: str, expected: bool) -> None:
    assert _paths.under_etc(path) is expected


def test_under_etc_with_cwd() -> None:
    assert _paths.under_etc("hosts", cwd="/etc")
    assert not _paths.under_etc("hosts", cwd="/srv")


def test_has_glob() -> None:
    assert _paths.has_glob("/etc/*")
    assert _paths.has_glob("/dev/sd?")
    assert _paths.has_glob("/x[ab]")
    assert not _paths.has_glob("/etc/hosts")


def test_brace_expansion_is_bounded() -> None:
    path = "/" + "{a,b}" * 30
    assert not _paths.is_system_dir(path)
    assert isinstance(_paths.is_system_dir("/{" * 1000 + "}"), bool)
    assert _paths.is_system_dir("/{x,y,etc}")


# ---------------------------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------------------------

_PATH_TEXT = st.lists(
    st.sampled_from(["", ".", "..", "etc", "tmp", "*", "?", "{a,b}", "dev", "sda", "~", "x"]), max_size=8
).map("/".join)


@settings(max_examples=400, deadline=None)
@given(st.one_of(_PATH_TEXT, st.text(max_size=60)), st.sampled_from([None, "/", "/srv", "/tmp/x", "rel"]))
def test_predicates_never_raise(path: str, cwd: str | None) -> None:
    _paths.normalize(path, cwd=cwd)
    _paths.is_root_like(path, cwd=cwd)
    _paths.is_system_dir(path, cwd=cwd)
    _paths.is_raw_disk(path)
    _paths.is_temp_path(path, cwd=cwd)
    _paths.t3_sensitive(path, cwd=cwd)
    _paths.under_etc(path, cwd=cwd)


@settings(max_examples=300, deadline=None)
@given(_PATH_TEXT)
def test_root_like_implies_system_dir(path: str) -> None:
    if _paths.is_root_like(path):
        assert _paths.is_system_dir(path)


@settings(max_examples=300, deadline=None)
@given(_PATH_TEXT)
def test_normalize_is_idempotent(path: str) -> None:
    once = _paths.normalize("/" + path)
    assert once is not None
    assert _paths.normalize(once) == once


@settings(max_examples=300, deadline=None)
@given(_PATH_TEXT)
def test_temp_and_system_are_disjoint(path: str) -> None:
    full = "/" + path
    if _paths.is_temp_path(full) and "*" not in full and "?" not in full and "{" not in full:
        assert not _paths.is_system_dir(full)
