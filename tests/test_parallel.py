"""Work done in a forked child beside this process: done once, and a failure on either side not lost."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from conftest import alive

from assembler.runtime.parallel import in_parallel


def test_each_piece_is_done_once_in_its_own_process(tmp_path: Path):
    def do(name: str) -> None:
        with (tmp_path / name).open("x") as made:  # "x": work done twice would fail here
            made.write(str(os.getpid()))

    in_parallel(lambda: do("here"), lambda: do("there"))
    assert (tmp_path / "here").read_text() == str(os.getpid())
    assert (tmp_path / "there").read_text() not in ("", str(os.getpid()))


def test_what_fails_in_the_child_is_done_again_here_and_its_error_raised(tmp_path: Path):
    parent = os.getpid()

    def flaky() -> None:
        if os.getpid() != parent:
            raise OSError("a fault in the child alone")
        (tmp_path / "done").write_text("")

    in_parallel(lambda: None, flaky)
    assert (tmp_path / "done").exists()  # done again, here

    def broken() -> None:
        raise ValueError("this cannot be done")

    with pytest.raises(ValueError, match="this cannot be done"):
        in_parallel(lambda: None, broken)


def test_a_failure_here_stops_the_child(tmp_path: Path):
    def here() -> None:
        while not (tmp_path / "child").exists():
            time.sleep(0.01)
        raise KeyboardInterrupt  # as Ctrl-C would, while the child is still at work

    def there() -> None:
        (tmp_path / "child.part").write_text(str(os.getpid()))
        os.replace(tmp_path / "child.part", tmp_path / "child")  # seen whole, or not at all
        time.sleep(600)

    with pytest.raises(KeyboardInterrupt):
        in_parallel(here, there)
    assert not alive(int((tmp_path / "child").read_text()))
