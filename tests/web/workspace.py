"""A real workspace for the browser tests: `assembler serve` on loopback, with accounts made by
`assembler users`, exactly as an administrator starts one."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from conftest import free_port
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.wait import WebDriverWait

PASSWORDS = {"clerk": "clerk's long passphrase", "jsmith": "jsmith's long passphrase",
             "apatel": "apatel's long passphrase"}
ROLES = {"clerk": "officer", "jsmith": "author", "apatel": "author"}


@dataclass(frozen=True)
class Workspace:
    url: str
    root: Path
    process: subprocess.Popen

    def address(self, path: str) -> str:
        return self.url + path



def add_accounts(root: Path) -> None:
    for name, role in ROLES.items():
        subprocess.run([sys.executable, "-m", "assembler", "users", "add", name, "--role", role,
                        "--password-stdin", "--root", str(root)], input=PASSWORDS[name] + "\n",
                       text=True, check=True, capture_output=True, timeout=120)


def start(root: Path, *extra: str) -> Workspace:
    """Serve root on a free loopback port; return once it answers."""
    (root / "papers").mkdir(exist_ok=True)
    port = free_port()
    log = (root / "serve.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "assembler", "serve", str(root), "--port", str(port), *extra],
                               stdout=log, stderr=subprocess.STDOUT, env=os.environ | {"PYTHONUNBUFFERED": "1"},
                               start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError("assembler serve ended: " + (root / "serve.log").read_text())
        try:
            urllib.request.urlopen(url + "/login/", timeout=2)
            return Workspace(url, root, process)
        except OSError:
            time.sleep(0.1)
    raise AssertionError("assembler serve did not answer in 60 s: " + (root / "serve.log").read_text())


def stop(workspace: Workspace) -> None:
    workspace.process.terminate()
    try:
        workspace.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(workspace.process.pid, 9)
        workspace.process.wait()


def sign_in(driver: WebDriver, workspace: Workspace, name: str, password: str | None = None) -> None:
    """Sign in through the login page, as a person does: by its labelled fields."""
    driver.delete_all_cookies()
    driver.get(workspace.address("/login/"))
    field = driver.find_element(By.ID, driver.find_element(By.XPATH, "//label[text()='Username']")
                                .get_attribute("for"))
    field.send_keys(name)
    secret = driver.find_element(By.ID, driver.find_element(By.XPATH, "//label[text()='Password']")
                                 .get_attribute("for"))
    secret.send_keys(password or PASSWORDS[name])
    navigate(driver, driver.find_element(By.XPATH, "//button[normalize-space()='Sign in']").click)


def navigate(driver: WebDriver, act: Callable[[], object]) -> None:
    """Do what leads to another page (a click, Enter), and wait until that page has loaded.

    The old page is marked, and the wait is for a page without the mark: an element of the old page
    cannot be asked whether it has gone, as Chromium may answer with an error rather than "stale"."""
    driver.execute_script("window.assemblerLeaving = true")
    act()
    WebDriverWait(driver, 30, ignored_exceptions=(WebDriverException,)).until(
        lambda d: d.execute_script("return !window.assemblerLeaving && document.readyState === 'complete'"))


def settled(driver: WebDriver) -> None:
    """Wait until the page (and any redirect on the way to it) has finished loading."""
    WebDriverWait(driver, 30).until(lambda d: d.execute_script("return document.readyState") == "complete")


def wait_until_built(driver: WebDriver) -> str:
    """The build panel's state once the build has ended, as htmx updates it live."""
    WebDriverWait(driver, 300, poll_frequency=0.5).until(
        lambda d: d.find_element(By.CSS_SELECTOR, "#build-status .govuk-tag").text in ("Built", "Failed"))
    return driver.find_element(By.ID, "build-status").text
