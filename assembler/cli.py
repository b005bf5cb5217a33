"""The command line: parses options and calls the library. A user's mistake prints one line per problem."""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from typing import Callable, NoReturn

import click

from assembler import __version__
from assembler.build import build as build_pack
from assembler.build import check as check_meeting
from assembler.convert import DEFAULT_TIMEOUT
from assembler.errors import AssemblerError, Interrupted, InvalidSources, Problem, shown
from assembler.interrupts import stopping_cleanly
from assembler.verify import verify as verify_pack

INTERRUPTED = 130  # what a shell expects of a program stopped by Ctrl-C
LAST_DATE = 253402300799  # 31 December 9999, 23:59:59: the last moment a PDF date can hold


class Command(click.Command):
    """Turns the library's errors and Ctrl-C into messages; --debug shows the traceback as well."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
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
    report(exc.problems if isinstance(exc, InvalidSources) else [exc.problem])
    sys.exit(INTERRUPTED if isinstance(exc, Interrupted) else 1)


def progress(quiet: bool) -> Callable[[str], None]:
    return (lambda message: None) if quiet else (lambda message: click.echo(f"  {message}", err=True))


def report(problems: list[Problem]) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)


@click.group()
@click.version_option(__version__)
@click.option("--debug", is_flag=True, help="Show a traceback with every error.")
def main(debug: bool) -> None:
    """Build council committee agenda packs from report sources."""


@main.command(cls=Command)
@click.argument("meeting", type=click.Path(path_type=Path, file_okay=False))
@click.option("--output", "-o", type=click.Path(path_type=Path, file_okay=False), default=Path("output"),
              show_default=True, help="Folder to write output/<meeting-id>/ into.")
@click.option("--simplex", is_flag=True, help="No filler pages: papers may start on a left-hand page.")
@click.option("--timeout", type=float, default=DEFAULT_TIMEOUT, show_default=True,
              help="Seconds to let LibreOffice run before stopping it.")
@click.option("--source-date-epoch", type=click.IntRange(0, LAST_DATE), envvar="SOURCE_DATE_EPOCH",
              metavar="SECONDS", help="Date the PDF this many seconds after 1970 "
                                      "[default: $SOURCE_DATE_EPOCH, else undated].")
@click.option("--quiet", "-q", is_flag=True, help="Print only errors.")
def build(meeting: Path, output: Path, simplex: bool, timeout: float, source_date_epoch: int | None,
          quiet: bool) -> None:
    """Build the agenda pack of the meeting in folder MEETING."""
    result = build_pack(meeting, output, duplex=not simplex, timeout=timeout, progress=progress(quiet),
                        source_date_epoch=source_date_epoch)
    report(result.warnings)
    if not quiet:
        click.echo(f"{result.pack}: {result.pages} pages, {result.size / 1e6:.1f} MB, "
                   f"built in {result.seconds:.1f} s")


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


@main.command(cls=Command)
@click.argument("meeting", type=click.Path(path_type=Path, file_okay=False))
@click.option("--output", "-o", type=click.Path(path_type=Path, file_okay=False), default=Path("output"),
              show_default=True, help="Folder holding the built <meeting-id>/ to verify.")
@click.option("--timeout", type=float, default=DEFAULT_TIMEOUT, show_default=True,
              help="Seconds to let LibreOffice run before stopping it.")
@click.option("--quiet", "-q", is_flag=True, help="Print only the verdict and the differences.")
def verify(meeting: Path, output: Path, timeout: float, quiet: bool) -> None:
    """Rebuild the meeting in folder MEETING and compare it with its built pack: exit 0 if the same."""
    verdict = verify_pack(meeting, output, timeout=timeout, progress=progress(quiet))
    for finding in verdict.findings:
        click.echo(str(finding))
    if not verdict.matches:
        sys.exit(1)
