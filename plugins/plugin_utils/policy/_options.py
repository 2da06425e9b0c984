# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Internal, no stability promise. What every option of every module the gate knows does.

The red team's lesson: a rule that lists the dangerous arguments rounds everything else down. So the gate does not
list dangerous options; it knows every option (and every alias) of every ``ansible.builtin`` module and says what
its value *is*: inert data, a path on the target, a path on the controller, a command line or a program run on the
target, an interpreter, an environment, a URL, a job id, a plain name a module joins onto a directory, or the name of
another module that runs in its place. Anything else is unknown, and unknown rounds up (evaluate.py).

``tests/unit/plugins/plugin_utils/policy/test_options.py`` holds this table to the argument specs the installed
ansible-core documents (``ansible-doc --json``): an option a new ansible-core adds fails that test, not the gate.
The table is data (``OPTIONS_DATA``) so the ruleset fingerprint changes whenever it does.

Security constraints: SEC-1 (docs/security-constraints.yml).
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = [
    "COMMAND",
    "CONTROLLER_PATH",
    "CONTROLLER_WRITING_LOOKUPS",
    "DATA",
    "ENVIRONMENT",
    "INTERNAL_KEYS",
    "INTERPRETER",
    "JOB_ID",
    "KINDS",
    "KNOWN_BACKENDS",
    "MODULE",
    "NAME",
    "OPTIONS",
    "OPTIONS_DATA",
    "OTHER_RELEASES",
    "PROGRAM",
    "REMOTE_PATH",
    "RUNS_PROGRAM",
    "URL",
    "may_name_url",
    "option_kind",
    "option_table",
]

DATA = "data"  # inert: a value the module stores, compares or sends, never runs or opens as a path
REMOTE_PATH = "remote-path"  # a path on the target: judged by the path rules (relative paths by every reading)
CONTROLLER_PATH = "controller-path"  # a path on the controller the action reads or writes: judged against the gate
COMMAND = "command"  # a command line (or arguments of one) run on the target: judged by the command analysis
PROGRAM = "program"  # a program, or a directory of programs, run on the target: the free-form T2 floor
INTERPRETER = "interpreter"  # an interpreter the module starts: must be a known interpreter
ENVIRONMENT = "environment"  # environment variables for a program the module runs: the environment allowlist
URL = "url"  # where the module connects; file:// reads a target path, ext:: and fd:: transports run commands
JOB_ID = "job-id"  # an async job id (j<digits>.<pid>): anything else names a file the module deletes
NAME = "name"  # a plain name the module joins onto a directory of its own: a slash or '..' makes it a path
MODULE = "module"  # another module that runs in this one's place, with this task's arguments

KINDS = (DATA, REMOTE_PATH, CONTROLLER_PATH, COMMAND, PROGRAM, INTERPRETER, ENVIRONMENT, URL, JOB_ID, NAME, MODULE)
# Option kinds whose value makes the module run something of the author's choosing.
RUNS_PROGRAM = frozenset({COMMAND, PROGRAM, INTERPRETER, ENVIRONMENT, MODULE})


def _module(**kinds: str) -> dict[str, str]:
    """One module's options: ``kind=" option alias ..."`` (each word is an option or alias name; ``*`` stands for
    any key, for modules whose keys are variable names)."""
    table: dict[str, str] = {}
    for kind, names in kinds.items():
        value = _KIND_ARGS[kind]
        for name in names.split():
            if name in table:
                raise ValueError(f"option {name} is classified twice")
            table[name] = value
    return table


_KIND_ARGS = {
    "data": DATA,
    "path": REMOTE_PATH,
    "controller": CONTROLLER_PATH,
    "command": COMMAND,
    "program": PROGRAM,
    "interpreter": INTERPRETER,
    "environment": ENVIRONMENT,
    "url": URL,
    "job": JOB_ID,
    "name": NAME,
    "module": MODULE,
}

# Options shared by every module that writes a file (add_file_common_args), less the path itself.
_FILE_ATTRS = " attributes attr group mode owner selevel serole setype seuser unsafe_writes "
_SSL = " validate_certs force_basic_auth use_gssapi use_netrc use_proxy http_agent ciphers timeout "

OPTIONS: Mapping[str, Mapping[str, str]] = {
    "ansible.builtin.add_host": _module(data="* name host hostname groups group groupname"),
    "ansible.builtin.apt": _module(
        data="allow_change_held_packages allow_downgrade allow-downgrade allow_downgrades allow-downgrades "
        "allow_unauthenticated allow-unauthenticated auto_install_module_deps autoclean autoremove cache_valid_time "
        "clean default_release default-release fail_on_autoremove force force_apt_get install_recommends "
        "install-recommends lock_timeout name package pkg only_upgrade policy_rc_d purge state update_cache "
        "update-cache update_cache_retries update_cache_retry_max_delay upgrade",
        path="deb",
        command="dpkg_options",
    ),
    "ansible.builtin.apt_key": _module(data="data id state validate_certs", path="file keyring", url="keyserver url"),
    "ansible.builtin.apt_repository": _module(
        data="codename install_python_apt mode repo state update_cache update-cache update_cache_retries "
        "update_cache_retry_max_delay validate_certs",
        name="filename",
    ),
    "ansible.builtin.assemble": _module(
        data=_FILE_ATTRS + "backup decrypt delimiter ignore_hidden regexp remote_src",
        path="dest",
        controller="src",
        command="validate",
    ),
    "ansible.builtin.assert": _module(data="fail_msg msg quiet success_msg that"),
    "ansible.builtin.async_status": _module(data="mode", job="jid"),
    "ansible.builtin.blockinfile": _module(
        data=_FILE_ATTRS + "append_newline backup block content create encoding insertafter insertbefore marker "
        "marker_begin marker_end prepend_newline state",
        path="path dest destfile name",
        command="validate",
    ),
    "ansible.builtin.command": _module(
        data="expand_argument_vars free_form stdin stdin_add_newline strip_empty_ends _uses_shell",
        path="chdir creates removes",
        command="_raw_params cmd argv",
    ),
    "ansible.builtin.copy": _module(
        data=_FILE_ATTRS + "backup checksum content decrypt directory_mode follow force local_follow remote_src",
        path="dest",
        controller="src",
        command="validate",
    ),
    "ansible.builtin.cron": _module(
        data="backup day dom disabled env hour insertafter insertbefore minute month name special_time state user "
        "weekday dow",
        path="cron_file",
        command="job value",
    ),
    "ansible.builtin.deb822_repository": _module(
        data="allow_downgrade_to_insecure allow_insecure allow_weak architectures by_hash check_date "
        "check_valid_until components date_max_future enabled exclude include inrelease_path install_python_debian "
        "languages mode pdiffs signed_by state suites targets trusted types",
        name="name",
        url="uris",
    ),
    "ansible.builtin.debconf": _module(
        data="name pkg question selection setting unseen value answer vtype",
    ),
    "ansible.builtin.debug": _module(data="msg var verbosity"),
    "ansible.builtin.dnf": _module(
        data="allow_downgrade allowerasing autoremove best bugfix cacheonly disable_excludes disable_gpg_check "
        "disable_plugin disablerepo download_only enable_plugin enablerepo exclude install_repoquery "
        "install_weak_deps list lock_timeout name pkg nobest releasever security skip_broken sslverify state "
        "update_cache expire-cache update_only use_backend validate_certs",
        path="conf_file download_dir installroot",
    ),
    "ansible.builtin.dnf5": _module(
        data="allow_downgrade allowerasing auto_install_module_deps autoremove best bugfix cacheonly "
        "disable_excludes disable_gpg_check disable_plugin disablerepo download_only enable_plugin enablerepo "
        "exclude install_repoquery install_weak_deps list lock_timeout name pkg nobest releasever security "
        "skip_broken sslverify state update_cache expire-cache update_only validate_certs",
        path="conf_file download_dir installroot",
    ),
    "ansible.builtin.dpkg_selections": _module(data="name selection"),
    "ansible.builtin.expect": _module(
        data="echo responses timeout",
        path="chdir creates removes",
        command="command _raw_params",
    ),
    "ansible.builtin.fail": _module(data="msg"),
    "ansible.builtin.fetch": _module(
        data="fail_on_missing flat validate_checksum",
        path="src",
        controller="dest",
    ),
    "ansible.builtin.file": _module(
        data=_FILE_ATTRS + "access_time access_time_format follow force modification_time "
        "modification_time_format recurse state",
        path="path dest name src",
    ),
    "ansible.builtin.find": _module(
        data="age age_stamp checksum_algorithm checksum checksum_algo contains depth encoding exact_mode excludes "
        "exclude file_type follow get_checksum hidden limit mode patterns pattern read_whole_file recurse size "
        "use_regex",
        path="paths name path",
    ),
    # gather_facts hands its own arguments to the fact modules it runs (setup's options, merged with their
    # module_defaults by the action; the adapter reports each fact module as a sub-action).
    "ansible.builtin.gather_facts": _module(
        data="parallel filter gather_subset gather_timeout network_os",
        program="fact_path",
    ),
    "ansible.builtin.get_url": _module(
        data=_FILE_ATTRS + _SSL + "backup checksum decompress force headers unredirected_headers url_password "
        "password url_username username",
        path="dest tmp_dest client_cert client_key",
        url="url",
    ),
    "ansible.builtin.getent": _module(data="database fail_key key service split"),
    "ansible.builtin.git": _module(
        data="accept_hostkey accept_newhostkey archive_prefix bare clone depth force gpg_allowlist gpg_whitelist "
        "recursive refspec "
        "remote single_branch track_submodules umask update verify_commit version",
        path="archive dest key_file reference separate_git_dir",
        program="executable",
        command="ssh_opts",
        url="repo name",
    ),
    "ansible.builtin.group": _module(data="force gid gid_max gid_min local name non_unique state system"),
    "ansible.builtin.group_by": _module(data="key parents"),
    "ansible.builtin.hostname": _module(data="name use"),
    "ansible.builtin.import_playbook": _module(data="free-form", controller="_raw_params"),
    "ansible.builtin.import_role": _module(
        data="allow_duplicates defaults_from handlers_from name public rolespec_validate tasks_from vars_from"
    ),
    "ansible.builtin.import_tasks": _module(data="free-form", controller="file _raw_params"),
    "ansible.builtin.include_role": _module(
        data="allow_duplicates apply defaults_from handlers_from name public rescuable rolespec_validate tasks_from "
        "vars_from"
    ),
    "ansible.builtin.include_tasks": _module(data="apply free-form", controller="file _raw_params"),
    "ansible.builtin.include_vars": _module(
        data="depth extensions files_matching free-form hash_behaviour ignore_files ignore_unknown_extensions name",
        controller="dir file _raw_params",
    ),
    "ansible.builtin.iptables": _module(
        data="action chain chain_management comment ctstate destination destination_port destination_ports "
        "dst_range flush fragment gateway gid_owner goto icmp_type in_interface ip_version jump limit limit_burst "
        "log_level log_prefix match match_set match_set_flags numeric out_interface policy protocol reject_with "
        "rule_num set_counters set_dscp_mark set_dscp_mark_class source source_port src_range state syn table "
        "tcp_flags to_destination to_ports to_source uid_owner wait"
    ),
    "ansible.builtin.known_hosts": _module(data="hash_host key name host state", path="path"),
    "ansible.builtin.lineinfile": _module(
        data=_FILE_ATTRS + "backrefs backup create encoding firstmatch insertafter insertbefore line value regexp "
        "regex search_string state",
        path="path dest destfile name",
        command="validate",
    ),
    "ansible.builtin.meta": _module(data="free_form _raw_params"),
    "ansible.builtin.mount_facts": _module(
        data="devices fstypes include_aggregate_mounts on_timeout sources timeout",
        program="mount_binary",
    ),
    "ansible.builtin.package": _module(data="name state", module="use"),
    "ansible.builtin.package_facts": _module(data="manager strategy"),
    "ansible.builtin.pause": _module(data="echo minutes prompt seconds"),
    "ansible.builtin.ping": _module(data="data"),
    "ansible.builtin.pip": _module(
        data="break_system_packages editable name state umask version virtualenv_site_packages",
        path="chdir requirements virtualenv",
        program="executable virtualenv_command",
        interpreter="virtualenv_python",
        command="extra_args",
    ),
    "ansible.builtin.raw": _module(data="free_form", program="executable", command="_raw_params"),
    "ansible.builtin.reboot": _module(
        data="connect_timeout msg post_reboot_delay pre_reboot_delay reboot_timeout",
        program="search_paths",
        command="boot_time_command reboot_command test_command",
    ),
    "ansible.builtin.replace": _module(
        data=_FILE_ATTRS + "after backup before encoding regexp replace",
        path="path dest destfile name",
        command="validate",
    ),
    "ansible.builtin.rpm_key": _module(data="fingerprint state validate_certs", url="key"),
    # The script's path and arguments (a controller file shipped and run: its content is classified as commands).
    "ansible.builtin.script": _module(
        data="decrypt free_form",
        path="chdir creates removes",
        program="executable",
        controller="cmd _raw_params",
    ),
    "ansible.builtin.service": _module(
        data="enabled pattern runlevel sleep state",
        name="name",
        command="arguments args",
        module="use",
    ),
    "ansible.builtin.service_facts": _module(),
    "ansible.builtin.set_fact": _module(data="* cacheable key_value"),
    "ansible.builtin.set_stats": _module(data="aggregate data per_host"),
    "ansible.builtin.setup": _module(data="filter gather_subset gather_timeout", program="fact_path"),
    "ansible.builtin.shell": _module(
        data="free_form stdin stdin_add_newline _uses_shell",
        path="chdir creates removes",
        program="executable",
        command="_raw_params cmd",
    ),
    "ansible.builtin.slurp": _module(data="armor", path="src path"),
    "ansible.builtin.stat": _module(
        data="checksum_algorithm checksum checksum_algo follow get_attributes attr attributes get_checksum get_mime "
        "mime mime_type mime-type get_selinux_context",
        path="path dest name",
    ),
    "ansible.builtin.subversion": _module(
        data="checkout export force in_place password revision rev version switch update username validate_certs",
        path="dest",
        program="executable",
        url="repo name repository",
    ),
    "ansible.builtin.systemd": _module(
        data="daemon_reexec daemon-reexec daemon_reload daemon-reload enabled force masked no_block scope state",
        name="name service unit",
    ),
    "ansible.builtin.systemd_service": _module(
        data="daemon_reexec daemon-reexec daemon_reload daemon-reload enabled force masked no_block scope state",
        name="name service unit",
    ),
    "ansible.builtin.sysvinit": _module(
        data="daemonize enabled pattern runlevels sleep state",
        name="name service",
        command="arguments args",
    ),
    "ansible.builtin.tempfile": _module(data="state", path="path", name="prefix suffix"),
    "ansible.builtin.template": _module(
        data=_FILE_ATTRS + "backup block_end_string block_start_string comment_end_string comment_start_string "
        "follow force lstrip_blocks newline_sequence output_encoding trim_blocks variable_end_string "
        "variable_start_string",
        path="dest",
        controller="src",
        command="validate",
    ),
    "ansible.builtin.unarchive": _module(
        data=_FILE_ATTRS + "copy decrypt exclude include io_buffer_size keep_newer list_files remote_src "
        "validate_certs",
        path="creates dest",
        controller="src",
        command="extra_opts",
    ),
    "ansible.builtin.uri": _module(
        data=_FILE_ATTRS + _SSL + "body body_format decompress follow_redirects force headers method remote_src "
        "return_content status_code unredirected_headers url_password password url_username user",
        path="ca_path client_cert client_key creates dest removes unix_socket",
        controller="src",
        url="url",
    ),
    "ansible.builtin.user": _module(
        data="append authorization comment create_home createhome expires force generate_ssh_key group groups "
        "hidden local login_class move_home name user non_unique password password_expire_account_disable "
        "password_expire_max password_expire_min password_expire_warn password_lock profile remove role seuser "
        "shell ssh_key_bits ssh_key_comment ssh_key_passphrase ssh_key_type state system uid uid_max uid_min umask "
        "update_password",
        path="home skeleton ssh_key_file",
    ),
    # validate_args_context: the role's name and path ansible-core adds to a role's argument validation; read by
    # nothing (evaluate.py _role_context), so data
    "ansible.builtin.validate_argument_spec": _module(data="argument_spec provided_arguments validate_args_context"),
    "ansible.builtin.wait_for": _module(
        data="active_connection_states connect_timeout delay exclude_hosts host msg port search_regex sleep state "
        "timeout",
        path="path",
    ),
    "ansible.builtin.wait_for_connection": _module(data="connect_timeout delay sleep timeout"),
    "ansible.builtin.yum_repository": _module(
        data=_FILE_ATTRS + "async bandwidth cost countme deltarpm_metadata_percentage deltarpm_percentage "
        "description enabled enablegroups exclude excludepkgs failovermethod gpgcheck http_caching includepkgs "
        "ip_resolve keepalive keepcache metadata_expire metadata_expire_filter mirrorlist_expire module_hotfixes "
        "name password priority protect proxy proxy_password proxy_username repo_gpgcheck retries s3_enabled "
        "skip_if_unavailable ssl_check_cert_permissions sslverify validate_certs state throttle timeout "
        "ui_repoid_vars username",
        path="reposdir sslcacert ca_cert sslclientcert client_cert sslclientkey client_key",
        name="file",
        url="baseurl gpgcakey gpgkey include metalink mirrorlist",
    ),
    # The collection's own modules, held to their DOCUMENTATION (test_options.py). drift_scan starts a separate gated
    # ansible-playbook in check mode under the readonly ceiling: its playbook, inventories and @files are read on the
    # controller (judged against the gate's files); the rest is inert.
    "praxis.gatekeeper.drift_scan": _module(
        data="limit baseline_name scm_revision ttl timeout fail_on_drift",
        controller="playbook inventory extra_vars",
    ),
    # emergency_stop only ever trips the stop (a control action, T0); its one option is the reason people are shown.
    "praxis.gatekeeper.emergency_stop": _module(data="reason"),
}

# Backends that package/service may hand their arguments to (``use``): the package managers and service managers
# ansible-core ships. Any other module named there runs with the task's arguments, and is judged as unknown.
KNOWN_BACKENDS = frozenset(
    {
        "apt",
        "dnf",
        "dnf5",
        "yum",
        "auto",
        "service",
        "systemd",
        "systemd_service",
        "sysvinit",
        "openrc",
        "ansible.builtin.apt",
        "ansible.builtin.dnf",
        "ansible.builtin.dnf5",
        "ansible.builtin.service",
        "ansible.builtin.systemd",
        "ansible.builtin.systemd_service",
        "ansible.builtin.sysvinit",
    }
)

# Lookups that write controller files (``password`` creates its file, and rewrites it to add a salt): decided as
# controller-side writes (T1), so readonly mode refuses them; /dev/null is the documented way to write nothing.
CONTROLLER_WRITING_LOOKUPS = frozenset({"ansible.builtin.password"})

# Keys that reach a module's arguments without being documented options: the free-form text (``_raw_params``), the
# shell action's marker, and the setup options gather_facts passes through to its fact modules.
INTERNAL_KEYS: Mapping[str, frozenset[str]] = {
    "*": frozenset({"_raw_params", "_uses_shell", "*"}),
    "ansible.builtin.gather_facts": frozenset({"fact_path", "filter", "gather_subset", "gather_timeout", "network_os"}),
    "ansible.builtin.validate_argument_spec": frozenset({"validate_args_context"}),  # added by ansible-core for roles
}
# Options one supported ansible-core documents and another does not (2.19 and 2.21): tabled for both.
OTHER_RELEASES: Mapping[str, frozenset[str]] = {
    "ansible.builtin.blockinfile": frozenset({"encoding"}),
    "ansible.builtin.deb822_repository": frozenset({"exclude", "include", "install_python_debian"}),
    "ansible.builtin.dnf": frozenset({"install_repoquery"}),
    "ansible.builtin.dnf5": frozenset({"install_repoquery"}),
    "ansible.builtin.git": frozenset({"gpg_whitelist"}),
    "ansible.builtin.include_role": frozenset({"rescuable"}),
    "ansible.builtin.lineinfile": frozenset({"encoding"}),
    "ansible.builtin.script": frozenset({"decrypt"}),
    "ansible.builtin.slurp": frozenset({"armor"}),
    "ansible.builtin.stat": frozenset({"get_selinux_context"}),
    "ansible.builtin.yum_repository": frozenset({"keepcache"}),
}

OPTIONS_DATA: Mapping[str, object] = {
    "options": {module: dict(sorted(table.items())) for module, table in sorted(OPTIONS.items())},
    "backends": sorted(KNOWN_BACKENDS),
    "controller_writing_lookups": sorted(CONTROLLER_WRITING_LOOKUPS),
    "internal_keys": {name: sorted(keys) for name, keys in sorted(INTERNAL_KEYS.items())},
}


def option_table(action: str) -> Mapping[str, str] | None:
    """The module's option kinds, or None when the gate does not know the module's options."""
    return OPTIONS.get(action)


def may_name_url(action: str, table: Mapping[str, str]) -> bool:
    """Whether any option of ``action`` (whose table is ``table``), known or matched by ``*``, is a URL. A module
    without one fetches nothing through its options (``option_kind`` answers only with the table's own kinds), so
    the egress step has nothing to collect for it. Worked out once per table (the answer is kept with the table it
    was read from, so a replaced table is read again)."""
    known = _URL_TABLES.get(action)
    if known is None or known[0] is not table:
        known = _URL_TABLES[action] = (table, URL in table.values())
    return known[1]


_URL_TABLES: dict[str, tuple[Mapping[str, str], bool]] = {}


def option_kind(table: Mapping[str, str], option: str) -> str | None:
    """The kind of one option (``*`` covers variable-name keys), None when the table does not know it."""
    kind = table.get(option)
    return kind if kind is not None else table.get("*")
