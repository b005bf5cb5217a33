"""Django readied once per test run for a workspace in a temporary folder (pytest-django is not used).

Django's settings can be made only once in a process, so every web test module shares one
workspace: each asks for it with workspace_root() and makes meetings of its own names in it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def workspace_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test run's workspace (papers/, output/, its database), with Django set up for it."""
    from django.apps import apps

    if apps.ready:  # readied already, by another module's tests
        from django.conf import settings

        return Path(settings.ROOT)
    root = tmp_path_factory.mktemp("workspace")
    (root / "papers").mkdir()
    os.environ["ASSEMBLER_ALLOWED_HOSTS"] = "testserver localhost 127.0.0.1"  # the test client's host
    from assembler.web import setup

    setup(root)
    return root
