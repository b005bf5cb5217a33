"""Build a meeting, then build it again each time one of its files is saved, until stopped.

On the day a pack goes out, papers change until the last minute. Watching keeps LibreOffice
running between builds (a build on its own starts it and stops it), so a rebuild after one
paper's change takes about as long as laying out that paper, not LibreOffice's start-up as well.
LibreOffice still lives no longer than the command: Ctrl-C stops both.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import watchfiles

from assembler.build.options import BuildOptions
from assembler.build.progress import BuildResult, Progress
from assembler.build.run import build, engine_for
from assembler.errors import AssemblerError, Interrupted
from assembler.runtime.outputs import interrupt_reported
from assembler.sources.load import DEFAULT_TEMPLATES, load_meeting

# A save often writes a file in several steps: build once they have been quiet for QUIET ms, or
# have gone on for GROUP ms.
QUIET_MS, GROUP_MS = 30, 1000


def watched(folder: Path, output: Path) -> tuple[list[Path], Path]:
    """What to watch (the meeting's folder and its templates' folder), and where its packs go."""
    try:
        meeting = load_meeting(folder)[0]
    except AssemblerError:  # the first build will say what is wrong; watch the defaults meanwhile
        return [folder, DEFAULT_TEMPLATES], output / folder.resolve().name
    return [folder, meeting.templates], output / meeting.id


def watch(folder: Path, options: BuildOptions, built: Callable[[BuildResult], object],
          failed: Callable[[AssemblerError], None], progress: Progress | None = None) -> None:
    """Build now and after every change; each build's result goes to built, its error to failed."""
    engine = engine_for(options.unoservers, options.timeout)
    output = options.output
    skip = output.resolve()

    def attempt() -> None:
        try:
            built(build(folder, options, progress, engine))
        except Interrupted:
            raise
        except AssemblerError as exc:  # a mistake in a source: say so, and wait for the next save
            failed(exc)

    paths, target = watched(folder, output)
    with engine.running(), interrupt_reported(target):
        first = True
        # The first build waits for the watcher's first look (QUIET_MS), so that a save made while
        # it runs is seen; after that, a look that found no change is passed over.
        for changes in watchfiles.watch(*paths, watch_filter=lambda change, path: skip not in
                                        Path(path).resolve().parents, debounce=GROUP_MS, step=QUIET_MS,
                                        yield_on_timeout=True, rust_timeout=QUIET_MS):
            if changes or first:
                attempt()
                first = False
