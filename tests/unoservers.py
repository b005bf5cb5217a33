"""unoserver listeners on loopback, started for a test and stopped after it."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import xmlrpc.client
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import free_port


def start_listener(profile: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [sys.executable, "-m", "unoserver.server", "--interface", "127.0.0.1", "--port", str(port),
               "--uno-port", str(free_port()), "--user-installation", str(profile)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    return process, f"127.0.0.1:{port}"


def wait_until_ready(address: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert process.poll() is None, "unoserver stopped: is python3-uno installed (scripts/setup)?"
        try:
            xmlrpc.client.ServerProxy(f"http://{address}").info()
            return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"unoserver at {address} did not start")


@contextlib.contextmanager
def running_listeners(folder: Path, count: int) -> Iterator[list[str]]:
    """count listeners, each on its own profile in folder, ready; their addresses."""
    started = [start_listener(folder / f"profile-{n}") for n in range(count)]
    try:
        for process, address in started:
            wait_until_ready(address, process)
        yield [address for _, address in started]
    finally:
        for process, _ in started:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
