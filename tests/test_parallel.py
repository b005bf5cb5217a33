"""Work shared with a forked child: all of it done once, and a failure on either side not lost."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from assembler.parallel import shared
from conftest import alive


def test_every_piece_is_done_once_and_two_processes_share_them(tmp_path: Path):
    def do(n: int) -> None:
        with (tmp_path / f"{n}.done").open("x") as made:  # "x": a piece done twice would fail here
            made.write(str(os.getpid()))

    shared(range(6), do)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{n}.done" for n in range(6)]
    doers = {p.read_text() for p in tmp_path.iterdir()}
    assert len(doers) == 2 and str(os.getpid()) in doers


def test_what_fails_in_the_child_is_done_again_here_and_its_error_raised(tmp_path: Path):
    parent = os.getpid()

    def do(n: int) -> None:
        if n == 3:
            raise ValueError("piece 3 cannot be done")
        if n == 1 and os.getpid() != parent:
            raise OSError("a fault in the child alone")
        (tmp_path / f"{n}.done").write_text("")

    with pytest.raises(ValueError, match="piece 3 cannot be done"):
        shared(range(4), do)
    assert (tmp_path / "1.done").exists()  # done again, here


def test_a_failure_here_stops_the_child(tmp_path: Path):
    def do(n: int) -> None:
        if n == 0:
            while not (tmp_path / "child").exists():
                time.sleep(0.01)
            raise KeyboardInterrupt  # as Ctrl-C would, while the child is still at work
        (tmp_path / "child.part").write_text(str(os.getpid()))
        os.replace(tmp_path / "child.part", tmp_path / "child")  # seen whole, or not at all
        time.sleep(600)

    with pytest.raises(KeyboardInterrupt):
        shared(range(2), do)
    assert not alive(int((tmp_path / "child").read_text()))
