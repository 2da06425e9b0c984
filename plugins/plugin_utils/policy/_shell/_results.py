# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What an analysis reports: each command bash would run, as frozen public records and as the drafts built on the way.

``SimpleCommand``, ``Redirect`` and ``ShellAnalysis`` are what the rules read. ``_Cmd`` is the draft of one
command: several layers fill it in after it is recorded (the pipeline sets ``pipe_in``, an interpreter handler sets
``code``, a later ``&`` sets ``background``) and it is frozen at the end. ``_Out`` is the sink every layer, the
lexer included, reports into: the drafts in order, the pipelines, the facts that span the whole text (files written,
names renamed), the work budget and ``uncertain``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Redirect:
    """One redirection. ``op`` is the operator as written (``>``, ``>>``, ``2>&1`` has op ``>&``, fd 2, target 1);
    for heredocs ``target`` is the delimiter and for here-strings the expanded word."""

    op: str
    fd: int | None
    target: str


@dataclass(frozen=True, slots=True)
class SimpleCommand:
    """One command bash would run.

    ``argv`` holds the words after quote removal and every expansion the analyzer could resolve; an expansion it
    could not resolve stays as its source text (``$HOME``, ``$(date)``). ``wrappers`` lists stripped prefix
    commands in order; ``"$"`` there means "an unknown word before this one might have expanded to nothing"
    (``$SUDO rm -rf /`` yields both the dynamic command and ``rm -rf /``). ``origin`` names how the text was
    reached: ``top``, ``sh -c``, ``su -c``, ``eval``, ``substitution``, ``process-substitution``, ``heredoc``,
    ``here-string``, ``pipe`` (a static ``echo ... | sh``), ``script`` (``bash <(echo ...)``), ``find -exec``,
    ``find -execdir``, ``xargs``, ``parallel``, ``watch``, ``flock``, ``flock -c``, ``script -c``, ``ssh``,
    ``runuser``, ``function`` (a call re-analysed with its arguments), ``alias``, ``trap``, ``interpreter``
    (a string passed to ``os.system()`` & co.), ``<tool> option`` (``tar --to-command=``, ``ssh -o
    ProxyCommand=``, ``git -c alias.x=!...``). Fields after ``origin`` are extensions the rules use.
    """

    argv: tuple[str, ...]
    name: str = ""
    wrappers: tuple[str, ...] = ()
    redirects: tuple[Redirect, ...] = ()
    cwd: str | None = None
    dynamic_name: bool = False
    pipe_in: bool = False
    pipe_out: bool = False
    origin: str = "top"
    # Per argv word: None when the word is fully static, else the word with every unresolved expansion replaced
    # by what it gives when empty (``"$X"/`` -> ``/``; ``${X:-/tmp}`` -> ``/tmp``).
    empty_forms: tuple[str | None, ...] = ()
    # Every working directory the command may start in (``cwd`` first); ``None`` entries mean "unknown".
    cwds: tuple[str | None, ...] = (None,)
    background: bool = False
    function: str = ""  # innermost shell function whose body contains the command
    stdin: str | None = None  # heredoc / here-string text fed to the command
    stdin_code: bool = False  # the command executes its standard input as code (``sh``, ``python3 -``, ...)
    feeds_code: bool = False  # its output becomes code (inside ``eval "$(...)"``, ``bash <(...)``, ...)
    code: str | None = None  # inline program given to an interpreter (``-c``/``-e``/``-r``/heredoc body)


@dataclass(frozen=True, slots=True)
class ShellAnalysis:
    """``commands``: every simple command found, nested ones included, in the order analysed. ``pipelines``:
    commands joined by ``|`` (groups inside a pipeline are flattened into it). ``uncertain``: some part could
    not be analysed with confidence (unbalanced quoting, a size/depth/work limit, an unknown construct).
    ``text``: the input without NULs and line continuations, for regex safety nets. ``written``: the statically
    known data the text stores for later (``echo ... > f``, ``cat > f <<EOF``, ``... | tee f``, ``... | crontab
    -``), which the deny list reads as it reads a file a task copies."""

    commands: tuple[SimpleCommand, ...]
    pipelines: tuple[tuple[SimpleCommand, ...], ...]
    uncertain: bool
    text: str
    written: tuple[str, ...] = ()


# The plain-line shortcut (``_entry._plain_command``) builds one SimpleCommand and one ShellAnalysis per plain command
# line, the hot path of most command tasks: a frozen dataclass sets each of its fields through object.__setattr__,
# half of the cost of building these two. The builders below fill the same slots through their descriptors (which a
# frozen dataclass's __setattr__ does not guard), every field set; the instances are frozen like any other. Tests
# hold them equal to the constructors, field for field (tests/unit/plugins/plugin_utils/policy/test_decision_plan.py).
_NEW = object.__new__
_SIMPLE_FIELDS = (
    "argv", "name", "wrappers", "redirects", "cwd", "dynamic_name", "pipe_in", "pipe_out", "origin", "empty_forms",
    "cwds", "background", "function", "stdin", "stdin_code", "feeds_code", "code",
)  # fmt: skip
_ANALYSIS_FIELDS = ("commands", "pipelines", "uncertain", "text", "written")
if SimpleCommand.__slots__ != _SIMPLE_FIELDS or ShellAnalysis.__slots__ != _ANALYSIS_FIELDS:  # pragma: no cover
    raise ImportError("SimpleCommand or ShellAnalysis changed its fields: update the plain-line builders")
_SIMPLE_SETTERS = [vars(SimpleCommand)[name].__set__ for name in _SIMPLE_FIELDS]
(_ARGV, _NAME, _WRAPPERS, _REDIRECTS, _CWD, _DYNAMIC, _PIPE_IN, _PIPE_OUT, _ORIGIN, _EMPTY_FORMS, _CWDS, _BACKGROUND,
 _FUNCTION, _STDIN, _STDIN_CODE, _FEEDS_CODE, _CODE) = _SIMPLE_SETTERS  # fmt: skip
_COMMANDS, _PIPELINES, _UNCERTAIN, _TEXT, _WRITTEN = (vars(ShellAnalysis)[name].__set__ for name in _ANALYSIS_FIELDS)


def plain_command(
    argv: tuple[str, ...], name: str, cwd: str | None, dynamic_name: bool, cwds: tuple[str | None, ...]
) -> SimpleCommand:
    """``SimpleCommand(argv=argv, name=name, cwd=cwd, dynamic_name=dynamic_name, empty_forms=(None,) * len(argv),
    cwds=cwds)``, every other field at its default."""
    command: SimpleCommand = _NEW(SimpleCommand)
    _ARGV(command, argv)
    _NAME(command, name)
    _WRAPPERS(command, ())
    _REDIRECTS(command, ())
    _CWD(command, cwd)
    _DYNAMIC(command, dynamic_name)
    _PIPE_IN(command, False)
    _PIPE_OUT(command, False)
    _ORIGIN(command, "top")
    _EMPTY_FORMS(command, (None,) * len(argv))
    _CWDS(command, cwds)
    _BACKGROUND(command, False)
    _FUNCTION(command, "")
    _STDIN(command, None)
    _STDIN_CODE(command, False)
    _FEEDS_CODE(command, False)
    _CODE(command, None)
    return command


def one_command_analysis(command: SimpleCommand, text: str) -> ShellAnalysis:
    """``ShellAnalysis(commands=(command,), pipelines=(), uncertain=False, text=text)``."""
    analysis: ShellAnalysis = _NEW(ShellAnalysis)
    _COMMANDS(analysis, (command,))
    _PIPELINES(analysis, ())
    _UNCERTAIN(analysis, False)
    _TEXT(analysis, text)
    _WRITTEN(analysis, ())
    return analysis


class _Cmd:
    __slots__ = (
        "argv",
        "background",
        "code",
        "cwds",
        "dynamic_name",
        "empty_forms",
        "feeds_code",
        "function",
        "name",
        "origin",
        "pipe_in",
        "pipe_out",
        "redirects",
        "stdin",
        "stdin_code",
        "stdin_lang",
        "wrappers",
    )

    def __init__(self) -> None:
        self.argv: tuple[str, ...] = ()
        self.name = ""
        self.wrappers: tuple[str, ...] = ()
        self.redirects: tuple[Redirect, ...] = ()
        self.cwds: tuple[str | None, ...] = (None,)
        self.dynamic_name = False
        self.pipe_in = False
        self.pipe_out = False
        self.origin = "top"
        self.empty_forms: tuple[str | None, ...] = ()
        self.background = False
        self.function = ""
        self.stdin: str | None = None
        self.stdin_code = False
        self.stdin_lang = ""  # the language its standard input is code in, when not bash (``python``, ``ed``, ...)
        self.feeds_code = False
        self.code: str | None = None

    def freeze(self) -> SimpleCommand:
        return SimpleCommand(
            argv=self.argv,
            name=self.name,
            wrappers=self.wrappers,
            redirects=self.redirects,
            cwd=self.cwds[0] if self.cwds else None,
            dynamic_name=self.dynamic_name,
            pipe_in=self.pipe_in,
            pipe_out=self.pipe_out,
            origin=self.origin,
            empty_forms=self.empty_forms,
            cwds=self.cwds or (None,),
            background=self.background,
            function=self.function,
            stdin=self.stdin,
            stdin_code=self.stdin_code,
            feeds_code=self.feeds_code,
            code=self.code,
        )


class _Out:
    __slots__ = (
        "aliased", "appended", "cmds", "decoded_room", "exec_fds", "files", "limit", "max_depth", "pipelines",
        "renamed", "uncertain", "work", "written", "written_room", "written_seen",
    )  # fmt: skip

    def __init__(self, max_depth: int, limit: int) -> None:
        self.cmds: list[_Cmd] = []
        self.files: dict[str, str] = {}  # files the text writes with known content (``cat > x.sh <<EOF``)
        # Every statically known text the text stores for later, whatever the file (see ShellAnalysis.written).
        self.written: list[str] = []
        self.appended: set[str] = set()  # files the text wrote more than once (their whole text is stored too)
        self.written_seen: set[str] = set()
        # Characters of stored text kept, at most (set for the text analysed): twice the text, which holds
        # everything it spells out, and the text's size again for what decoders and filters make; past either,
        # the analysis is uncertain.
        self.written_room = 0
        self.decoded_room = 0
        # The descriptor table ``exec`` redirections left for the commands after them (``exec > f``, ``exec
        # 3>f``); None while no exec redirected anything.
        self.exec_fds: dict[int, str] | None = None
        # Command names the text gives other programs (``ln -s /bin/rm x``, ``hash -p /bin/rm ls``): a name or a
        # file key -> the programs it may run ("" for one that is not statically known). Bounded.
        self.renamed: dict[str, list[str]] = {}
        # The text may write bash's alias table or command hash in a way no alias entry records (a nameref, printf
        # -v, read, ${...:=}, a computed key): from then on any command name may run any program.
        self.aliased = False
        self.pipelines: list[tuple[int, ...]] = []
        self.uncertain = False
        self.work = 0
        self.max_depth = max_depth
        self.limit = limit
