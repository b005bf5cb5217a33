from __future__ import annotations

from collections.abc import Iterator

import pytest
from selenium import webdriver

from .browser import start_chromium


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    """One headless Chromium for the whole run (starting one costs about a second); each test opens its own page."""
    driver = start_chromium(tmp_path_factory.mktemp("chromium-profile"))
    yield driver
    driver.quit()
