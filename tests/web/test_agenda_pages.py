"""Officers change meetings and agendas in a real browser; what they save is meeting.yaml, read back.

Every page the tests pass through is checked with axe-core for WCAG 2.1 AA."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from pathlib import Path

import partners
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement

from .browser import assert_accessible, console_errors, start_chromium, tab_to
from .meetings import write_meeting
from .workspace import PASSWORDS, Workspace, navigate, settled, sign_in, wait_until_built


def field(driver: WebDriver, label: str):
    """The control a label names, found as a screen reader user finds it."""
    found = driver.find_element(By.XPATH, f"//label[normalize-space()={label!r}]")
    return driver.find_element(By.ID, found.get_attribute("for"))


def press(driver: WebDriver, text: str) -> None:
    """Click the button or link, and wait for the page it leads to."""
    settled(driver)
    navigate(driver, driver.find_element(By.XPATH, f"//button[normalize-space()={text!r}] | "
                                                   f"//a[normalize-space()={text!r}]").click)


def error_summary(driver: WebDriver) -> str:
    return driver.find_element(By.CLASS_NAME, "govuk-error-summary").text


def test_nothing_is_seen_without_signing_in(browser, workspace: Workspace):
    write_meeting(workspace.root, "closed-2026-12-03")
    browser.delete_all_cookies()
    for path in ("/", "/audit/", "/meetings/new/", "/meetings/closed-2026-12-03/",
                 "/meetings/closed-2026-12-03/items/2/", "/meetings/closed-2026-12-03/items/2/upload/"):
        browser.get(workspace.address(path))
        assert browser.current_url.startswith(workspace.address("/login/")), path
        assert "Riverside" not in browser.page_source and "Public Health" not in browser.page_source
    assert field(browser, "Username").get_attribute("type") == "text"
    assert field(browser, "Password").get_attribute("type") == "password"
    assert_accessible(browser)
    assert console_errors(browser) == []  # nothing the Content Security Policy refused


def test_signing_in_by_keyboard_renews_the_session(browser, workspace: Workspace):
    browser.delete_all_cookies()
    browser.get(workspace.address("/login/"))
    before = browser.get_cookie("sessionid")
    tab_to(browser, lambda element: element.get_attribute("name") == "username").send_keys("clerk")
    navigate(browser, lambda: tab_to(browser, lambda element: element.get_attribute("name") == "password").send_keys(
        PASSWORDS["clerk"] + Keys.ENTER))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Meetings"
    session = browser.get_cookie("sessionid")
    assert session and session["httpOnly"] and session["sameSite"] == "Lax"
    assert before is None or before["value"] != session["value"]
    assert_accessible(browser)


def reads(text: str) -> Callable[[WebElement], bool]:
    """An element whose text, hidden parts included, is text: as a screen reader reads it."""
    return lambda element: element.get_attribute("textContent") == text


def shows(text: str) -> Callable[[WebElement], bool]:
    """An element whose visible text is text."""
    return lambda element: element.text == text


def follow(driver: WebDriver, predicate: Callable[[WebElement], bool]) -> None:
    """Tab to the link or button, press Enter, and wait for the page it leads to."""
    navigate(driver, lambda: tab_to(driver, predicate).send_keys(Keys.ENTER))


def test_an_officer_goes_from_a_new_meeting_to_its_pack_by_keyboard(browser, workspace: Workspace, tmp_path: Path):
    sign_in(browser, workspace, "clerk")
    browser.get(workspace.address("/"))
    follow(browser, shows("Start a new meeting"))
    assert_accessible(browser)
    tab_to(browser, lambda element: element.get_attribute("name") == "body").send_keys("Keyboard Scrutiny Panel")
    navigate(browser, lambda: tab_to(browser, lambda element: element.get_attribute("name") == "date").send_keys(
        "2027-01-14" + Keys.ENTER))
    folder = workspace.root / "papers" / "keyboard-scrutiny-panel-2027-01-14"
    assert browser.current_url == workspace.address(f"/meetings/{folder.name}/")
    assert re.search(r"^body: Keyboard Scrutiny Panel\s", (folder / "meeting.yaml").read_text(), re.M)
    assert_accessible(browser)

    follow(browser, shows("Add an item"))
    tab_to(browser, lambda element: element.get_attribute("name") == "title").send_keys("Budget Monitoring.")
    tab_to(browser, lambda element: element.get_attribute("name") == "presenter").send_keys("Director of Finance")
    follow(browser, shows("Add the item"))
    titles = [cell.text.splitlines()[0] for cell in browser.find_elements(By.CSS_SELECTOR, "tbody tr td:nth-child(2)")]
    assert titles[4] == "Budget Monitoring." and titles[-1] == "Date of the next meeting."

    # Move it up past "Declarations of interest." with the keyboard alone
    follow(browser, reads("Move up item 5"))
    yaml = (folder / "meeting.yaml").read_text()
    assert yaml.index("Budget Monitoring.") < yaml.index("Declarations of interest.")
    assert "# assembler new paper adds items above this line" in yaml  # the skeleton's comments are kept
    assert "presenter: Director of Finance" in yaml
    assert_accessible(browser)

    # Take off the skeleton's minutes, which have no paper yet, then give the budget item its paper
    follow(browser, reads("Remove item 2"))
    follow(browser, shows("Remove the item"))
    assert "Minutes of the previous meeting" not in (folder / "meeting.yaml").read_text()
    paper = tmp_path / "budget.pdf"
    paper.write_bytes(partners.pdf([partners.SHAPES["A4 portrait"]] * 3))
    follow(browser, reads("Upload a paper for item 3"))
    tab_to(browser, lambda element: element.get_attribute("name") == "document").send_keys(str(paper))
    follow(browser, shows("Upload"))
    assert "03-budget-monitoring.pdf" in browser.find_element(By.ID, "item-3").text

    # Build, and open the pack's first page, still by keyboard
    follow(browser, shows("Build the pack"))
    assert "Built" in wait_until_built(browser), browser.find_element(By.ID, "build-status").text
    follow(browser, shows("Open the outputs"))
    follow(browser, reads("Preview agenda-pack.pdf"))
    image = browser.find_element(By.CSS_SELECTOR, "main img")
    assert browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth", image) > 300
    assert_accessible(browser)


def test_a_title_holding_markup_is_shown_as_text(browser, workspace: Workspace):
    folder = write_meeting(workspace.root, "markup-2026-12-03")
    sign_in(browser, workspace, "clerk")
    browser.get(workspace.address(f"/meetings/{folder.name}/items/new/"))
    field(browser, "Title").send_keys('<script>document.title="owned"</script><img src=x onerror=alert(1)>')
    press(browser, "Add the item")
    cell = browser.find_element(By.CSS_SELECTOR, "tr#item-6 td:nth-child(2) strong")
    assert cell.text == '<script>document.title="owned"</script><img src=x onerror=alert(1)>'
    assert cell.find_elements(By.XPATH, ".//*") == []  # text, not elements
    assert browser.title != "owned" and "owned" not in str(console_errors(browser))
    assert "<script>" in (folder / "meeting.yaml").read_text()  # saved as the officer typed it


def test_the_librarys_refusal_is_shown_against_the_item(browser, workspace: Workspace):
    folder = write_meeting(workspace.root, "refusal-2026-12-03")
    before = (folder / "meeting.yaml").read_bytes()
    sign_in(browser, workspace, "clerk")
    browser.get(workspace.address(f"/meetings/{folder.name}/items/2/"))
    field(browser, "Verbal report (no paper)").click()
    press(browser, "Save the item")
    assert "has both a paper and 'verbal'; choose one" in error_summary(browser)
    assert_accessible(browser)
    field(browser, "Supplement").send_keys("0")
    press(browser, "Save the item")
    assert "Enter the supplement's number, from 1 to 99" in error_summary(browser)
    link = browser.find_element(By.CSS_SELECTOR, ".govuk-error-summary a")
    assert link.get_attribute("href").endswith("#id_supplement")  # the summary leads to the field
    assert (folder / "meeting.yaml").read_bytes() == before


def test_two_officers_saving_the_same_item(browser, workspace: Workspace, tmp_path: Path):
    folder = write_meeting(workspace.root, "two-2026-12-03")
    other = start_chromium(tmp_path / "second-browser")
    try:
        for driver in (browser, other):
            sign_in(driver, workspace, "clerk")
            driver.get(workspace.address(f"/meetings/{folder.name}/items/2/"))
        field(browser, "Presenter").send_keys("Director of Public Health")
        press(browser, "Save the item")
        field(other, "Presenter").send_keys("Cabinet Member for Health")
        press(other, "Save the item")
        assert "Someone else saved this meeting since you opened it" in error_summary(other)
        assert field(other, "Presenter").get_attribute("value") == "Cabinet Member for Health"  # not lost
        assert_accessible(other)
    finally:
        other.quit()
    yaml = (folder / "meeting.yaml").read_text()
    assert "presenter: Director of Public Health" in yaml and "Cabinet Member" not in yaml
    assert "# jsmith writes it" in yaml


FETCH = """
const [url, body, token, done] = arguments;
const headers = token ? {"X-CSRFToken": token} : {};
fetch(url, {method: "POST", body: body, headers: headers, credentials: "same-origin", redirect: "manual"})
    .then(response => done(response.status), error => done(String(error)));
"""


def csrf_token(driver: WebDriver) -> str:
    return driver.find_element(By.NAME, "csrfmiddlewaretoken").get_attribute("value")


def test_a_change_without_its_csrf_token_is_refused(browser, workspace: Workspace):
    folder = write_meeting(workspace.root, "csrf-2026-12-03")
    before = (folder / "meeting.yaml").read_bytes()
    sign_in(browser, workspace, "clerk")
    browser.get(workspace.address(f"/meetings/{folder.name}/"))
    version = browser.find_element(By.NAME, "version").get_attribute("value")
    body = f"version={version}&direction=down"
    move = workspace.address(f"/meetings/{folder.name}/items/2/move/")
    assert browser.execute_async_script(FETCH, move, body, "", ) == 403
    assert browser.execute_async_script(FETCH, move, body, "not-the-token") == 403
    assert (folder / "meeting.yaml").read_bytes() == before
    browser.execute_async_script(  # a form body needs its type for Django to read it
        FETCH.replace("const headers = token ? {\"X-CSRFToken\": token} : {};",
                      "const headers = {\"X-CSRFToken\": token, \"Content-Type\": "
                      "\"application/x-www-form-urlencoded\"};"), move, body, csrf_token(browser))
    assert (folder / "meeting.yaml").read_bytes() != before  # the same request with the token is taken


UPLOAD = """
const [name, paper, token, version, done] = arguments;
const form = new FormData();
form.append("version", version);
form.append("role", "paper");
form.append("document", new File([Uint8Array.from(atob(paper), c => c.charCodeAt(0))], name));
fetch(location.href, {method: "POST", body: form, headers: {"X-CSRFToken": token}, redirect: "manual"})
    .then(response => done(response.status), error => done(String(error)));
"""


@pytest.mark.parametrize("name", ["../../x.pdf", "..\\..\\x.pdf", "/etc/passwd.pdf"])
def test_an_uploads_name_never_leaves_the_meeting_folder(browser, workspace: Workspace, name: str):
    folder = write_meeting(workspace.root, f"names-{abs(hash(name)) % 10**6}-2026-12-03")
    sign_in(browser, workspace, "clerk")
    browser.get(workspace.address(f"/meetings/{folder.name}/items/1/upload/"))
    paper = base64.b64encode(partners.pdf([partners.SHAPES["A4 portrait"]])).decode()
    status = browser.execute_async_script(UPLOAD, name, paper, csrf_token(browser),
                                          browser.find_element(By.NAME, "version").get_attribute("value"))
    assert status in (0, 302)  # accepted: redirected back to the meeting ("manual" shows a redirect as 0)
    uploaded = sorted(path.name for path in folder.iterdir() if path.suffix == ".pdf")
    assert uploaded == ["01-apologies-for-absence.pdf"]
    assert not (workspace.root / "x.pdf").exists() and not (workspace.root / "papers" / "x.pdf").exists()
    assert "paper: 01-apologies-for-absence.pdf" in (folder / "meeting.yaml").read_text()


def test_a_word_file_renamed_to_pdf_is_refused_against_the_upload(browser, workspace: Workspace, tmp_path: Path):
    folder = write_meeting(workspace.root, "renamed-2026-12-03")
    before = (folder / "meeting.yaml").read_bytes()
    disguised = tmp_path / "report.pdf"
    disguised.write_bytes(partners.word("A report", ["Its text."]))
    sign_in(browser, workspace, "clerk")
    browser.get(workspace.address(f"/meetings/{folder.name}/items/1/upload/"))
    field(browser, "Upload a Word (.docx) or PDF file").send_keys(str(disguised))
    press(browser, "Upload")
    message = browser.find_element(By.CSS_SELECTOR, ".govuk-form-group--error .govuk-error-message").text
    assert "report.pdf" in message and "Word" in message
    assert_accessible(browser)
    assert (folder / "meeting.yaml").read_bytes() == before
    assert not [path for path in folder.iterdir() if path.suffix in (".pdf", ".docx")]


def test_every_other_page_is_accessible(browser, workspace: Workspace):
    """The pages the journeys do not pass through: each passes axe-core, and says what it must."""
    folder = write_meeting(workspace.root, "pages-2026-12-03")
    broken = workspace.root / "papers" / "broken-2026-12-03"
    broken.mkdir()
    (broken / "meeting.yaml").write_text("body: [unclosed\n")
    sign_in(browser, workspace, "clerk")
    pages = {
        f"/meetings/{folder.name}/details/": "Meeting details",
        f"/meetings/{folder.name}/items/2/remove/": "Remove item 2 from the agenda?",
        "/no/such/page/": "Page not found",
        f"/meetings/{broken.name}/": "broken-2026-12-03",
        f"/meetings/{broken.name}/details/": "This meeting's meeting.yaml cannot be read",
    }
    for path, heading in pages.items():
        browser.get(workspace.address(path))
        assert browser.find_element(By.TAG_NAME, "h1").text == heading, path
        assert_accessible(browser)
    assert "broken-2026-12-03/meeting.yaml:2: YAML" in browser.find_element(By.TAG_NAME, "main").text  # where

    browser.get(workspace.address(f"/meetings/{folder.name}/details/"))
    field(browser, "Date of the meeting").clear()
    field(browser, "Date of the meeting").send_keys("31/02/2026")
    press(browser, "Save the details")
    assert "Enter the date as YYYY-MM-DD" in error_summary(browser)
    assert_accessible(browser)

    browser.get(workspace.address(f"/meetings/{folder.name}/"))
    (folder / "meeting.yaml").write_text((folder / "meeting.yaml").read_text() + "# changed by hand\n")
    press(browser, "Move down item 2")
    assert "Someone else saved this meeting" in browser.find_element(By.CLASS_NAME, "govuk-error-summary").text
    assert_accessible(browser)

    browser.get(workspace.address(f"/meetings/{folder.name}/"))
    browser.delete_cookie("csrftoken")  # as if the form came from elsewhere
    press(browser, "Move down item 2")
    assert browser.find_element(By.TAG_NAME, "h1").text == "This form could not be accepted"
    assert_accessible(browser)
    assert "# changed by hand" in (folder / "meeting.yaml").read_text()
