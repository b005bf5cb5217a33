"""The web workspace: Democratic Services' and authors' pages over the same meeting folders.

A Django project. Its views parse requests and call the library (commands/agenda.py, build/run.py,
audience.py); they hold no rule of their own. `setup(root)` readies Django for a workspace folder:
the command line's `serve`, `worker` and `users` call it before touching anything Django owns.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT_VARIABLE = "ASSEMBLER_ROOT"


def setup(root: Path) -> None:
    """Point Django at the workspace in root (papers/, output/, workspace.sqlite3) and start it,
    with the database's tables brought up to date."""
    os.environ[ROOT_VARIABLE] = str(root.resolve())
    os.environ["DJANGO_SETTINGS_MODULE"] = "assembler.web.settings"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
