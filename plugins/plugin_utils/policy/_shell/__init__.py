# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A tolerant, static analyzer for POSIX/bash command text. Internal: no stability promise.

Why this exists: the deny rules and the content tiers must judge what a shell *would run*, not what the text
looks like. ``r''m -rf /``, ``a=rm; $a -rf /``, ``{rm,-rf,/}``, ``sh -c 'rm -rf /'`` and ``cd / && rm -rf *``
all run the same command, and a list of regexes over the raw text can never close that class. So this package
does what bash does up to the point of running anything: lexing with bash's quoting rules, brace expansion,
parameter expansion of variables whose values are statically known, field splitting, wrapper stripping, and
re-analysis of every string that becomes code (``sh -c``, ``eval``, ``$(...)``, ``find -exec``, ``xargs``,
``ssh HOST CMD``, heredocs fed to interpreters, ...).

Design rules:

* Never execute, never touch the filesystem, never raise. Anything odd sets ``uncertain`` and analysis goes on
  conservatively; callers treat ``uncertain`` as "round up".
* What cannot be known stays visibly unknown: an unresolved expansion keeps its source text in ``argv`` and
  marks the command or word dynamic, with the word's "all unknowns empty" form alongside (``"$DIR"/`` might be
  ``/``). Where bash's behaviour has alternatives (a variable set in only one branch, a ``cd`` that may fail),
  every alternative is kept, bounded.
* Linear time on untrusted input: no regex with nested quantifiers, explicit stacks instead of recursion for
  matching brackets, and hard bounds (input size, nesting depth, total work, expansion fan-out).

Layout: one module per thing the analyser models, lowest first. ``_results`` (what an analysis reports),
``_vocabulary`` (the names, options and limits it knows; the ruleset fingerprint), ``_state`` (what the shell knows
at a point), ``_lexer`` (quoting and tokens), ``_output`` (what static producers and decoding filters print),
``_scripts`` (the scripts of other languages: sed, ex, ed, gdb, m4, make, Tcl, and calls in interpreter code),
``_base`` (one analysis frame), then the analyser's layers, each a class extending the ones below it:
``_expansion`` (words and expansions), ``_files`` (redirections, working directories, files written, renamed
programs), ``_simple`` (simple commands and wrappers), ``_interpreters``, ``_languages`` and ``_runners`` (commands
that run other code), ``_special`` (the commands known by name) and ``_control`` (lists, pipelines, compound
commands).
``_entry`` composes them into ``_Analyzer`` and holds the entry points. This package re-exports what the rules
and the tests use, including the tables ``_Analyzer._special`` tests membership in (the tests look them up here).
"""

from __future__ import annotations

from ._entry import _Analyzer, _plain_command, _run_analyzer, analyze, analyzer_data, mentions_alias_arrays
from ._lexer import decode_escapes, split_argv
from ._results import Redirect, ShellAnalysis, SimpleCommand
from ._runners import find_parts
from ._scripts import SedScript, code_calls, sed_invocation, sed_script
from ._vocabulary import (
    _AWKS,
    _COMMAND_RUNNERS,
    _COPIERS,
    _DECL_BUILTINS,
    _HANDLED_NAMES,
    _KEYWORDS,
    _LANGUAGES,
    _OPTION_COMMANDS,
    _PRIV_WRAPPERS,
    _READERS,
    ALIAS_ARRAYS,
    COPIERS,
    FOREIGN_READERS,
    HANDLED_NAMES,
    INTERPRETER_NAMES,
    INTERPRETER_RE,
    KEYWORDS,
    SHELLS,
    TCL_FAMILY,
    VERSION_SUFFIX,
    WRAPPERS,
)

__all__ = [
    "ALIAS_ARRAYS",
    "COPIERS",
    "FOREIGN_READERS",
    "HANDLED_NAMES",
    "INTERPRETER_NAMES",
    "INTERPRETER_RE",
    "KEYWORDS",
    "SHELLS",
    "TCL_FAMILY",
    "VERSION_SUFFIX",
    "WRAPPERS",
    "_AWKS",
    "_COMMAND_RUNNERS",
    "_COPIERS",
    "_DECL_BUILTINS",
    "_HANDLED_NAMES",
    "_KEYWORDS",
    "_LANGUAGES",
    "_OPTION_COMMANDS",
    "_PRIV_WRAPPERS",
    "_READERS",
    "Redirect",
    "SedScript",
    "ShellAnalysis",
    "SimpleCommand",
    "_Analyzer",
    "_plain_command",
    "_run_analyzer",
    "analyze",
    "analyzer_data",
    "code_calls",
    "decode_escapes",
    "find_parts",
    "mentions_alias_arrays",
    "sed_invocation",
    "sed_script",
    "split_argv",
]
