"""The package as a wheel, installed (not editable) into a fresh venv and run from another folder.

Its dependencies come from the venv these tests run in, through a .pth file naming its
site-packages: a plain path there adds the folder to sys.path without running the editable
install's own hooks, so `assembler` itself can only come from the wheel.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLE, ROOT
from readback import check_pack, layout_text

SHIPPED = ("agenda", "appendix", "cabinet-report", "minutes", "report")


class Installed:
    """A venv holding the wheel; each run is from a folder outside the checkout."""

    def __init__(self, venv: Path):
        self.venv = venv

    def run(self, cwd: Path, *args: str) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
        result = subprocess.run([str(self.venv / "bin" / "python"), *args], cwd=cwd, env=env,
                                capture_output=True, text=True, timeout=600, check=False)
        assert result.returncode == 0, result.stdout + result.stderr
        return result

    def assembler(self, cwd: Path, *args: str) -> str:
        return self.run(cwd, "-m", "assembler", *args).stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"  # a copy, so that building leaves nothing in the checkout
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source)
    shutil.copytree(ROOT / "assembler", source / "assembler", ignore=shutil.ignore_patterns("__pycache__"))
    wheels = work / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(source)],
                   check=True)
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-index", "--no-deps",
                    "--find-links", str(wheels), "assembler"], check=True)
    packages = Path(subprocess.run([str(venv / "bin" / "python"), "-c", "import sysconfig; "
                                    "print(sysconfig.get_paths()['purelib'])"],
                                   capture_output=True, text=True, check=True).stdout.strip())
    (packages / "dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    return Installed(venv)


def test_assembler_is_imported_from_the_wheel_not_the_checkout(installed, tmp_path):
    found = Path(installed.run(tmp_path, "-c", "import assembler; print(assembler.__file__)").stdout.strip())
    assert found.is_relative_to(installed.venv) and not found.is_relative_to(ROOT)


def test_the_installed_copy_lists_its_shipped_templates(installed, tmp_path):
    said = installed.assembler(tmp_path, "templates")
    folder = said.splitlines()[0].removeprefix("Templates in ").split(" (")[0]
    assert Path(folder).is_relative_to(installed.venv), said
    assert [name for name in SHIPPED if f"\n  {name}: " in said] == list(SHIPPED)


def test_the_installed_copy_writes_its_skeletons(installed, tmp_path):
    installed.assembler(tmp_path, "new", "meeting", "board-2026-10-01")
    installed.assembler(tmp_path, "new", "paper", "board-2026-10-01/minutes.md", "--template", "minutes")
    assert "Introductions and apologies." in (tmp_path / "board-2026-10-01" / "meeting.yaml").read_text()
    assert "## INTRODUCTIONS AND APOLOGIES." in (tmp_path / "board-2026-10-01" / "minutes.md").read_text()


def test_the_installed_copy_builds_the_example_from_another_folder(installed, tmp_path, example):
    shutil.copytree(EXAMPLE, tmp_path / EXAMPLE.name)
    installed.assembler(tmp_path, "build", EXAMPLE.name, "--output", "out")
    pack = tmp_path / "out" / EXAMPLE.name / "agenda-pack.pdf"
    assert check_pack(pack, duplex=True) == check_pack(example.pack, duplex=True)  # the same page references
    assert "SERIOUS VIOLENCE DUTY: YEAR THREE PROGRESS REPORT" in layout_text(pack).upper()
