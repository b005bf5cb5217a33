"""The browser tests' harness: Debian's headless Chromium driven by selenium, and axe-core to judge pages.

The fixtures that use it are in conftest.py beside this file.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
# The workspace promises WCAG 2.1 AA, which includes every A and AA rule of WCAG 2.0.
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
RUN_AXE = """
const [tags, done] = arguments;
axe.run(document, {runOnly: {type: 'tag', values: tags}})
    .then(results => done(results.violations), error => done(String(error)));
"""


def start_chromium(profile: Path) -> webdriver.Chrome:
    """Headless Chromium with a fresh profile in `profile`: no cookies or cache from any earlier run."""
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    # --no-sandbox: the tests may run as root, where Chromium's sandbox will not start. A fixed window
    # size, so layouts (and what is on screen) are the same on every machine.
    for argument in ("--headless=new", "--no-sandbox", "--window-size=1280,1024", f"--user-data-dir={profile}"):
        options.add_argument(argument)
    # Console errors are how a page shows a Content-Security-Policy refusal or a missing file.
    options.set_capability("goog:loggingPrefs", {"browser": "SEVERE"})
    driver = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
    driver.set_script_timeout(60)
    return driver


def console_errors(driver: webdriver.Chrome) -> list[str]:
    """The browser console's errors since this was last asked (each call empties the log)."""
    return [entry["message"] for entry in driver.get_log("browser")]


def assert_accessible(driver: WebDriver) -> None:
    """Fail, naming each broken rule and where, if axe-core finds any WCAG 2.1 A or AA violation on the page."""
    # Run in the page by WebDriver, not by a <script> tag, so the page's Content-Security-Policy allows it.
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    violations = driver.execute_async_script(RUN_AXE, WCAG_21_AA)
    if isinstance(violations, str):
        raise AssertionError(f"axe-core could not check {driver.current_url}: {violations}")
    if violations:
        raise AssertionError(f"{driver.current_url} fails WCAG 2.1 AA:\n" + "\n".join(map(described, violations)))


def described(violation: dict) -> str:
    """One line for one axe-core violation: the rule, what it asks, and the CSS selector of each failing node."""
    # A target is a list of selectors, nested when the node is inside an iframe or a shadow root.
    targets = ", ".join(" > ".join(map(json.dumps, node["target"])) for node in violation["nodes"])
    return f"  {violation['id']}: {violation['help']} at {targets}"


def tab_to(driver: WebDriver, predicate: Callable[[WebElement], bool], limit: int = 100) -> WebElement:
    """Press Tab until the focused element satisfies `predicate`, and return it: a keyboard user's path there."""
    focused = driver.switch_to.active_element
    for _ in range(limit):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        focused = driver.switch_to.active_element
        if predicate(focused):
            return focused
    raise AssertionError(f"{limit} presses of Tab never reached the element; focus ended on "
                         f"{(focused.get_attribute('outerHTML') or '')[:200]}")
