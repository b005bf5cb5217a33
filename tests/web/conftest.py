from __future__ import annotations

from collections.abc import Iterator

import pytest
from selenium import webdriver

from .browser import start_chromium
from .workspace import Workspace, add_accounts, start, stop


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    """One headless Chromium for the whole run (starting one costs about a second); each test opens its own page."""
    driver = start_chromium(tmp_path_factory.mktemp("chromium-profile"))
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """`assembler serve` on a fresh folder with an officer (clerk) and two authors (jsmith, apatel)."""
    root = tmp_path_factory.mktemp("workspace")
    add_accounts(root)
    served = start(root)
    yield served
    stop(served)
