"""The command line: parses options and calls the library. A user's mistake prints one line per problem."""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path

import click

from assembler import __version__, scaffold
from assembler.build import build as build_pack
from assembler.build import check as check_meeting
from assembler.convert import DEFAULT_TIMEOUT
from assembler.catalogue import describe
from assembler.errors import AssemblerError, InvalidSources, Problem, shown
from assembler.load import DEFAULT_TEMPLATES, load_meeting
from assembler.preview import preview
from assembler.printready import inspect


class Command(click.Command):
    """Turns the library's errors into messages; --debug shows the traceback as well."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except AssemblerError as exc:
            if ctx.find_root().params.get("debug"):
                traceback.print_exc()
            report(exc.problems if isinstance(exc, InvalidSources) else [exc.problem])
            sys.exit(1)


def report(problems: list[Problem]) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)


@click.group()
@click.version_option(__version__)
@click.option("--debug", is_flag=True, help="Show a traceback with every error.")
def main(debug: bool) -> None:
    """Build council committee agenda packs from report sources."""
    # pypdf says on stderr what it repairs in a damaged PDF; assembler gives its own warning instead.
    logging.getLogger("pypdf").setLevel(logging.ERROR)


@main.command(cls=Command)
@click.argument("meeting", type=click.Path(path_type=Path, file_okay=False))
@click.option("--output", "-o", type=click.Path(path_type=Path, file_okay=False), default=Path("output"),
              show_default=True, help="Folder to write output/<meeting-id>/ into.")
@click.option("--simplex", is_flag=True, help="No filler pages: papers may start on a left-hand page.")
@click.option("--timeout", type=float, default=DEFAULT_TIMEOUT, show_default=True,
              help="Seconds to let LibreOffice run before stopping it.")
@click.option("--quiet", "-q", is_flag=True, help="Print only errors.")
@click.option("--print-ready", is_flag=True,
              help="Check each pack is fit for a print room: A4 throughout, every font embedded.")
def build(meeting: Path, output: Path, simplex: bool, timeout: float, quiet: bool, print_ready: bool) -> None:
    """Build the agenda pack of the meeting in folder MEETING."""
    say = (lambda message: None) if quiet else (lambda message: click.echo(f"  {message}", err=True))
    result = build_pack(meeting, output, duplex=not simplex, timeout=timeout, progress=say)
    report(result.warnings)
    if not quiet:
        click.echo(f"{result.pack}: {result.pages} pages, {result.size / 1e6:.1f} MB, "
                   f"built in {result.seconds:.1f} s")
    if print_ready:
        reports = [inspect(pack) for pack in result.packs]
        for found in reports:
            click.echo(str(found))
        if not all(found.ready for found in reports):
            sys.exit(1)


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
    made = scaffold.new_paper(paper, template, title, appendix_to and paper.parent / appendix_to.name)
    listed = f"; added to {shown(made.listed_in)}" if made.listed_in else "; already on the agenda"
    click.echo(f"{shown(made.path)}: written{listed}")


@main.command(cls=Command)
@click.argument("paper", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--pdf", is_flag=True, help="Lay it out as PDF too, with LibreOffice.")
@click.option("--output", "-o", type=click.Path(path_type=Path, file_okay=False), default=Path("output"),
              show_default=True, help="Folder to write <meeting-id>/preview/ into.")
@click.option("--timeout", type=float, default=DEFAULT_TIMEOUT, show_default=True,
              help="Seconds to let LibreOffice run before stopping it.")
def render(paper: Path, pdf: bool, output: Path, timeout: float) -> None:
    """Render PAPER and its appendices on their own, to check how they look."""
    result = preview(paper, output, pdf, timeout)
    report(result.warnings)
    for path in result.files:
        click.echo(shown(path))


@main.command(cls=Command)
@click.argument("meeting", required=False, type=click.Path(path_type=Path, file_okay=False))
def templates(meeting: Path | None) -> None:
    """List the templates, and the front matter each reads (those of MEETING, if given)."""
    folder = load_meeting(meeting)[0].templates if meeting else DEFAULT_TEMPLATES
    click.echo(describe(folder))
