"""LibreOffice profile slots: one process to a profile, and a profile used again once it is free."""

from assembler.layout.convert import profile_slots


def test_slots_held_at_once_are_different_and_freed_slots_are_used_again(tmp_path):
    with profile_slots(tmp_path, 2) as first:
        with profile_slots(tmp_path, 1) as second:  # as another build would, while the first runs
            assert first == [tmp_path / "slot-0", tmp_path / "slot-1"]
            assert second == [tmp_path / "slot-2"]
    with profile_slots(tmp_path, 1) as later:
        assert later == [tmp_path / "slot-0"]
