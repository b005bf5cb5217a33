"""The command line: parses options and calls the library. A user's mistake prints one line per problem.

Each command imports what only it needs when it runs, so that `build` with nothing to do, or
`--help`, starts without loading every library.
"""

from __future__ import annotations

import logging
import math
import os
import sys
import traceback
from pathlib import Path
from typing import Any, NoReturn

import click

from assembler import __version__
from assembler.build.options import BuildOptions
from assembler.build.progress import BuildResult, Progress
from assembler.build.run import build as build_pack
from assembler.build.run import check as check_meeting
from assembler.build.run import engine_for
from assembler.errors import AssemblerError, Interrupted, Problem, shown
from assembler.layout.convert import DEFAULT_TIMEOUT
from assembler.runtime.interrupts import stopping_cleanly
from assembler.sources.load import DEFAULT_TEMPLATES, load_meeting

LAST_DATE = 253402300799  # 31 December 9999, 23:59:59: the last moment a PDF date can hold


class Seconds(click.ParamType):
    """A time limit: a number of seconds above 0. (Python's float() takes "nan" and "inf" too.)"""

    name = "seconds"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            seconds = math.nan
        if not math.isfinite(seconds) or seconds <= 0:
            self.fail(f"give a number of seconds above 0, such as 600, not '{value}'", param, ctx)
        return seconds


TIMEOUT = click.option("--timeout", type=Seconds(), default=DEFAULT_TIMEOUT, show_default=True,
                       help="Seconds to let LibreOffice run, from its start, before stopping it.")

UNOSERVER = click.option("--unoserver", "unoservers", multiple=True, metavar="HOST:PORT", envvar="ASSEMBLER_UNOSERVERS",
                         help="Lay documents out on these unoserver listeners instead of a local LibreOffice "
                              "(repeat, or set ASSEMBLER_UNOSERVERS to a space-separated list).")


class Command(click.Command):
    """Turns the library's errors and Ctrl-C into messages; --debug shows the traceback as well."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            with stopping_cleanly():
                return super().invoke(ctx)
        except KeyboardInterrupt:  # outside a build, which says what became of its output
            stop(ctx, Interrupted("interrupted"))
        except AssemblerError as exc:
            stop(ctx, exc)


def stop(ctx: click.Context, exc: AssemblerError) -> NoReturn:
    if ctx.find_root().params.get("debug"):
        traceback.print_exc()
    report_error(exc)
    sys.exit(exc.exit_code)


def report(problems: list[Problem]) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)


def report_error(exc: AssemblerError) -> None:
    report(exc.problems)


def run() -> NoReturn:
    """The command line, as the `assembler` program runs it.

    It ends without freeing its objects one by one, as Python would at exit: after a build, with
    every page of the pack in memory, that takes a tenth of a second and does nothing useful.
    """
    try:
        main()
        code = 0
    except SystemExit as exc:
        if isinstance(exc.code, str):
            click.echo(exc.code, err=True)
        code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


@click.group()
@click.version_option(__version__)
@click.option("--debug", is_flag=True, help="Show a traceback with every error.")
def main(debug: bool) -> None:
    """Build council committee agenda packs from report sources."""
    # pypdf says on stderr what it repairs in a damaged PDF; assembler gives its own warning instead.
    logging.getLogger("pypdf").setLevel(logging.ERROR)


@main.command(cls=Command)
@click.argument("meeting", type=click.Path(path_type=Path, file_okay=False))
@click.option("--output", "-o", type=click.Path(path_type=Path), default=Path("output"),
              show_default=True, help="Folder to write output/<meeting-id>/ into.")
@click.option("--simplex", is_flag=True, help="No filler pages: papers may start on a left-hand page.")
@TIMEOUT
@UNOSERVER
@click.option("--quiet", "-q", is_flag=True, help="Print only warnings and errors.")
@click.option("--verbose", "-v", is_flag=True, help="Say what is being done, even when not on a terminal.")
@click.option("--source-date-epoch", type=click.IntRange(0, LAST_DATE), envvar="SOURCE_DATE_EPOCH",
              metavar="SECONDS", help="Date the PDF this many seconds after 1970 "
                                      "[default: $SOURCE_DATE_EPOCH, else undated].")
@click.option("--print-ready", is_flag=True,
              help="Check each pack is fit for a print room: A4 throughout, every font embedded.")
@click.option("--watch", "-w", is_flag=True,
              help="Build again after every change to the meeting's files, until Ctrl-C; LibreOffice is "
                   "kept running meanwhile, so a rebuild takes about a second.")
def build(meeting: Path, output: Path, simplex: bool, timeout: float, unoservers: tuple[str, ...],
          quiet: bool, verbose: bool, source_date_epoch: int | None, print_ready: bool, watch: bool) -> None:
    """Build the agenda pack of the meeting in folder MEETING."""
    screen = showing(quiet, verbose)
    options = BuildOptions(output, not simplex, timeout, unoservers, source_date_epoch)
    progress = Screen(verbose) if screen else Notices()
    if watch:
        from assembler.commands.watch import watch as watch_meeting

        # Each build's last line is printed even off a terminal: it is how a watcher hears of a build.
        watch_meeting(meeting, options, lambda result: shown_result(result, not quiet, print_ready),
                      report_error, progress)
    elif not shown_result(build_pack(meeting, options, progress), screen, print_ready):
        sys.exit(1)


def shown_result(result: BuildResult, screen: bool, print_ready: bool) -> bool:
    """Print a build's warnings, its last line and, if asked, the print room's checks; False if they fail."""
    report(result.warnings)
    if screen:
        click.echo(summary(result))
    if not print_ready:
        return True
    from assembler.pdf.printready import inspect

    reports = [inspect(pack) for pack in result.packs]
    for found in reports:
        click.echo(str(found))
    return all(found.ready for found in reports)


def showing(quiet: bool, verbose: bool) -> bool:
    """Progress on a terminal unless --quiet; elsewhere (a script, a log) only with --verbose."""
    return verbose or (sys.stderr.isatty() and not quiet)


class Notices(Progress):
    """No progress, but what the user must know: that the build is waiting for another."""

    def notice(self, text: str) -> None:
        click.echo(text, err=True)


class Screen(Notices):
    """Progress on the terminal: a bar while LibreOffice lays documents out, a line for each stage."""

    def __init__(self, verbose: bool):
        self.verbose = verbose
        self.bar: Any = None

    def stage(self, text: str) -> None:
        self._finish_bar()
        click.echo(text, err=True)

    def detail(self, text: str) -> None:
        if self.verbose:
            click.echo(f"  {text}", err=True)

    def converting(self, total: int) -> None:
        self._finish_bar()
        if sys.stderr.isatty():
            self.bar = click.progressbar(length=total, label="Laying out with LibreOffice", file=sys.stderr,
                                         item_show_func=lambda name: name)
            self.bar.__enter__()
        else:
            click.echo(f"Laying out {total} document{'s' if total > 1 else ''} with LibreOffice", err=True)

    def converted(self, name: str) -> None:
        if self.bar:
            self.bar.update(1, name)
        self.detail(f"laid out {name}")

    def _finish_bar(self) -> None:
        if self.bar:
            self.bar.__exit__(None, None, None)
            self.bar = None


def summary(result: BuildResult) -> str:
    """The last line: where the pack is, how big, how long it took and what was reused."""
    line = f"{shown(result.pack)}: {result.pages} pages, {result.size / 1e6:.1f} MB, {result.seconds:.1f} s"
    if result.unchanged:
        return line + "; nothing had changed since the last build"
    reused = result.documents - len(result.laid_out)
    if not result.laid_out:
        return line + f"; all {reused} documents from the cache"
    if reused:
        return line + f"; {reused} of {result.documents} documents from the cache, laid out afresh: " \
            + ", ".join(dict.fromkeys(result.laid_out))
    return line + "; no document from the cache"


@main.command(cls=Command)
@click.argument("meeting", type=click.Path(path_type=Path, file_okay=False))
def check(meeting: Path) -> None:
    """Check the meeting in folder MEETING without building it: exit 0 if fine, 1 if not."""
    problems = check_meeting(meeting)
    report(problems)
    errors = [p for p in problems if not p.warning]
    if errors:
        sys.exit(1)
    warned = f", {len(problems)} warning{'s' if len(problems) > 1 else ''}" if problems else ""
    click.echo(f"{shown(meeting)}: ready to build{warned}")


@main.group()
def new() -> None:
    """Start a meeting or a paper from a skeleton."""


@new.command("meeting", cls=Command)
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
def new_meeting(folder: Path) -> None:
    """Write FOLDER/meeting.yaml with the standard procedural items."""
    from assembler.commands import scaffold
    path = scaffold.new_meeting(folder)
    click.echo(f"{shown(path)}: written; fill in the body and date, then add papers with "
               f"'assembler new paper {shown(folder)}/NAME.md'")


@new.command("paper", cls=Command)
@click.argument("paper", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--template", "-t", default="report", show_default=True, help="The template to write for.")
@click.option("--title", default="", help="The paper's title (default: from the file's name).")
@click.option("--appendix-to", type=click.Path(path_type=Path, dir_okay=False),
              help="With --template appendix: the report it belongs to.")
def new_paper(paper: Path, template: str, title: str, appendix_to: Path | None) -> None:
    """Write PAPER, a skeleton with every section of its template, and put it on the agenda."""
    from assembler.commands import scaffold
    made = scaffold.new_paper(paper, template, title, appendix_to and paper.parent / appendix_to.name)
    listed = f"; added to {shown(made.listed_in)}" if made.listed_in else "; already on the agenda"
    click.echo(f"{shown(made.path)}: written{listed}")


@main.command(cls=Command)
@click.argument("paper", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--pdf", is_flag=True, help="Lay it out as PDF too, with LibreOffice.")
@click.option("--output", "-o", type=click.Path(path_type=Path), default=Path("output"),
              show_default=True, help="Folder to write <meeting-id>/preview/ into.")
@TIMEOUT
def render(paper: Path, pdf: bool, output: Path, timeout: float) -> None:
    """Render PAPER and its appendices on their own, to check how they look."""
    from assembler.commands.preview import preview
    result = preview(paper, output, pdf, timeout)
    report(result.warnings)
    for path in result.files:
        click.echo(shown(path))


@main.command(cls=Command)
@click.argument("meeting", required=False, type=click.Path(path_type=Path, file_okay=False))
def templates(meeting: Path | None) -> None:
    """List the templates, and the front matter each reads (those of MEETING, if given)."""
    from assembler.commands.catalogue import describe
    folder = load_meeting(meeting)[0].templates if meeting else DEFAULT_TEMPLATES
    click.echo(describe(folder))


@main.command(cls=Command)
@click.argument("meeting", type=click.Path(path_type=Path, file_okay=False))
@click.option("--output", "-o", type=click.Path(path_type=Path), default=Path("output"),
              show_default=True, help="Folder holding the built <meeting-id>/ to verify.")
@TIMEOUT
@click.option("--quiet", "-q", is_flag=True, help="Print only the verdict and the differences.")
@click.option("--verbose", "-v", is_flag=True, help="Say what is being done, even when not on a terminal.")
def verify(meeting: Path, output: Path, timeout: float, quiet: bool, verbose: bool) -> None:
    """Rebuild the meeting in folder MEETING and compare it with its built pack: exit 0 if the same."""
    from assembler.commands.verify import verify as verify_pack
    progress = Screen(verbose) if showing(quiet, verbose) else Notices()
    verdict = verify_pack(meeting, BuildOptions(output, timeout=timeout), progress)
    for finding in verdict.findings:
        click.echo(str(finding))
    if not verdict.matches:
        sys.exit(1)


@main.command(cls=Command)
@click.argument("meeting", type=click.Path(path_type=Path, file_okay=False))
@click.option("--output", "-o", type=click.Path(path_type=Path), default=Path("output"),
              show_default=True, help="Folder holding the built <meeting-id>/ to publish.")
@UNOSERVER
def publish(meeting: Path, output: Path, unoservers: tuple[str, ...]) -> None:
    """Keep the meeting's current build as its next published version, in <meeting-id>/published/,
    with a note of what changed since the last."""
    from assembler.commands.publish import publish as publish_build
    done = publish_build(meeting, output, unoservers, lambda text: click.echo(text, err=True))
    if not done.note:
        click.echo(f"{shown(done.folder)}: already published as version {done.version}, and nothing has "
                   "changed since; nothing was written")
        return
    click.echo(f"{shown(done.folder)}: version {done.version} published")
    for line in done.note.lines():
        click.echo(f"  {line}")


ROOT = click.argument("root", required=False, default=".", type=click.Path(path_type=Path, file_okay=False))


def workspace(root: Path) -> None:
    """Ready Django for the workspace in root; a root that is not a folder is one line."""
    if not root.is_dir():
        raise AssemblerError("not a folder; give the folder holding papers/ and output/", root)
    from assembler.web import setup

    setup(root)


REDIS = click.option("--redis", "redis_url", default="", envvar="ASSEMBLER_REDIS_URL", metavar="URL",
                     help="Queue builds on this Redis (redis://host:6379/0), shared by workers on several "
                          "machines, instead of the embedded queue [env: ASSEMBLER_REDIS_URL].")


def with_redis(redis_url: str) -> None:
    """The settings read the queue's Redis from the environment; a worker started from here inherits it."""
    if redis_url:
        os.environ["ASSEMBLER_REDIS_URL"] = redis_url


@main.command(cls=Command)
@ROOT
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="The port to listen on.")
@REDIS
@UNOSERVER
def serve(root: Path, host: str, port: int, redis_url: str, unoservers: tuple[str, ...]) -> None:
    """Serve the web workspace for the meetings in ROOT/papers/ (default: this folder), with a
    worker that runs its builds."""
    # the address it listens on is a name it answers to, as well as the loopback names
    os.environ.setdefault("ASSEMBLER_ALLOWED_HOSTS", f"localhost 127.0.0.1 [::1] {host}")
    with_redis(redis_url)
    if unoservers:  # for the worker started below, as `worker --unoserver` takes them
        engine_for(unoservers, DEFAULT_TIMEOUT)  # a listener given wrongly is reported before anything starts
        os.environ["ASSEMBLER_UNOSERVERS"] = " ".join(unoservers)
    workspace(root)
    os.chdir(root)  # problems name files as the command line run in ROOT does: papers/<id>/...
    from assembler.web.server import serve as serve_workspace
    from assembler.web.worker import worker_process

    with worker_process(Path("."), redis_url):
        click.echo(f"The workspace is at http://{host}:{port}/ (Ctrl-C to stop)", err=True)
        serve_workspace(root, host, port)


@main.command(cls=Command)
@ROOT
@REDIS
@UNOSERVER
def worker(root: Path, redis_url: str, unoservers: tuple[str, ...]) -> None:
    """Run the builds queued in the workspace in ROOT, keeping LibreOffice running between them.
    `assembler serve` starts one; start more, on other machines, with --redis."""
    with_redis(redis_url)
    workspace(root)
    os.chdir(root)  # problems name files as `papers/<id>/...`, as the command line run in ROOT does
    from assembler.web.worker import work

    work(unoservers)


@main.group()
def users() -> None:
    """Manage the workspace's accounts (in ROOT/workspace.sqlite3; --root, default: this folder)."""


ROOT_OPTION = click.option("--root", default=".", show_default=True, type=click.Path(path_type=Path, file_okay=False),
                           help="The workspace folder, holding papers/ and output/.")


def new_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\n")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


@users.command("add", cls=Command)
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(["officer", "author"]), help="What the account may do.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
@ROOT_OPTION
def users_add(name: str, role: str, password_stdin: bool, root: Path) -> None:
    """Add the account NAME."""
    workspace(root)
    from assembler.web import accounts

    accounts.add(name, role, new_password(password_stdin))
    click.echo(f"{name}: added, role {role}")


@users.command("list", cls=Command)
@ROOT_OPTION
def users_list(root: Path) -> None:
    """List the accounts: name, role, last login."""
    workspace(root)
    from assembler.web import accounts

    for account in accounts.listed():
        click.echo(f"{account.name}\t{account.role}\tlast login {account.last_login}")


@users.command("remove", cls=Command)
@click.argument("name")
@ROOT_OPTION
def users_remove(name: str, root: Path) -> None:
    """Remove the account NAME; its sessions end at once."""
    workspace(root)
    from assembler.web import accounts

    accounts.remove(name)
    click.echo(f"{name}: removed")


@users.command("passwd", cls=Command)
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
@ROOT_OPTION
def users_passwd(name: str, password_stdin: bool, root: Path) -> None:
    """Set a new password for the account NAME; its other sessions end."""
    workspace(root)
    from assembler.web import accounts

    accounts.change_password(name, new_password(password_stdin))
    click.echo(f"{name}: password changed")

