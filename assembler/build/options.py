"""How a build is asked for: the options the command line, a watch, verify and the web share."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from assembler.layout.convert import DEFAULT_TIMEOUT


@dataclass(frozen=True)
class BuildOptions:
    output: Path = Path("output")  # the packs go into output/<meeting-id>/
    duplex: bool = True  # filler pages, so that every paper starts on a right-hand page
    timeout: float = DEFAULT_TIMEOUT  # seconds LibreOffice may take, from its start
    unoservers: tuple[str, ...] = ()  # host:port of unoserver listeners, instead of LibreOffice here
    source_date_epoch: int | None = None  # the PDF's date, if it is to carry one


DEFAULTS = BuildOptions()
