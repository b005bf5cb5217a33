"""The journeys the workspace exists for, in a real browser on a real `assembler serve`, with real
builds by LibreOffice: an officer from signing in to a downloaded pack, an author uploading their
paper, and an author trying every address of what is not theirs."""

from __future__ import annotations

import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import partners
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from .browser import assert_accessible
from .meetings import EXEMPT_SECRETS, write_meeting
from .test_agenda_pages import csrf_token, field, press
from .workspace import Workspace, sign_in, wait_until_built

MEETING = "riverside-hwb-2026-12-03"


def fetch(driver: WebDriver, url: str, data: bytes | None = None) -> tuple[int, dict[str, str], bytes]:
    """What the signed-in browser would get at url: the status, headers and body, read outside the
    browser (a PDF download) with the browser's own session."""
    cookies = "; ".join(f"{c['name']}={c['value']}" for c in driver.get_cookies())
    request = urllib.request.Request(url, data=data, headers={"Cookie": cookies})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as refused:
        return refused.code, dict(refused.headers), refused.read()


def pdftotext(data: bytes, tmp_path: Path) -> str:
    pdf = tmp_path / "download.pdf"
    pdf.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


@pytest.fixture(scope="module")
def meeting(workspace: Workspace) -> Path:
    return write_meeting(workspace.root, MEETING)


def test_an_officer_goes_from_signing_in_to_a_downloaded_pack(browser, workspace: Workspace, meeting: Path,
                                                              tmp_path: Path):
    sign_in(browser, workspace, "clerk")
    press(browser, "Riverside Health and Wellbeing Board")
    press(browser, "Add an item")
    field(browser, "Title").send_keys("Community Safety Dashboard.")
    field(browser, "Presenter").send_keys("Office of the Police and Crime Commissioner")
    press(browser, "Add the item")
    dashboard = tmp_path / "Dashboard Q1 (final).pdf"
    dashboard.write_bytes(partners.pdf([partners.SHAPES["A4 landscape"]] * 2))
    browser.get(workspace.address(f"/meetings/{MEETING}/items/6/upload/"))
    field(browser, "Upload a Word (.docx) or PDF file").send_keys(str(dashboard))
    press(browser, "Upload")
    assert "06-community-safety-dashboard.pdf" in browser.find_element(By.ID, "item-6").text
    assert_accessible(browser)

    press(browser, "Build the pack")
    assert "Built" in wait_until_built(browser)
    assert_accessible(browser)  # the panel as htmx left it
    press(browser, "Open the outputs")
    assert_accessible(browser)
    rows = {row.find_element(By.TAG_NAME, "th").text.split("\n")[0].split(" Not for")[0]: row.text
            for row in browser.find_elements(By.CSS_SELECTOR, "tbody tr")}
    assert {"agenda-pack.pdf", "confidential/confidential-pack.pdf"} <= set(rows)
    link = browser.find_element(By.XPATH, "//a[normalize-space()='Download agenda-pack.pdf']")
    status, headers, pack = fetch(browser, link.get_attribute("href"))
    assert status == 200 and headers["Content-Type"] == "application/pdf" and "no-store" in headers["Cache-Control"]
    text = pdftotext(pack, tmp_path)
    assert "Agenda Item 2" in text and "Public Health Annual Report" in text
    assert "Landscape line 1 of ordinary text" in text  # the partner's landscape PDF, laid into the pack
    assert "Leisure Centre Contract" in text  # an exempt item's public title
    for secret in EXEMPT_SECRETS + ("Acme Leisure",):
        assert secret not in text
    pages = rows["agenda-pack.pdf"].split()
    assert str(len(text.split("\f")) - 1) in pages  # the page count shown is the pack's own

    press(browser, "Preview agenda-pack.pdf")
    image = browser.find_element(By.CSS_SELECTOR, "main img")
    assert image.get_attribute("alt") and browser.execute_script("return arguments[0].naturalWidth", image) > 300
    assert_accessible(browser)

    browser.get(workspace.address("/audit/"))
    log = browser.find_element(By.TAG_NAME, "tbody").text
    assert "build queued" in log and "uploaded" in log and "item added" in log
    assert_accessible(browser)


def test_an_author_sees_and_uploads_only_their_own_item(browser, workspace: Workspace, meeting: Path, tmp_path: Path):
    sign_in(browser, workspace, "jsmith")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Your items"
    listed = browser.find_element(By.TAG_NAME, "tbody").text
    assert "Public Health Annual Report" in listed
    assert "Leisure" not in listed and "Settlement" not in listed and "Apologies" not in listed
    assert_accessible(browser)
    press(browser, "2. Public Health Annual Report.")
    assert_accessible(browser)
    new_version = tmp_path / "Public health report v2.docx"
    new_version.write_bytes(partners.word("Public Health Annual Report", ["The second version, from the author."]))
    field(browser, "Upload a Word (.docx) or PDF file").send_keys(str(new_version))
    press(browser, "Upload")
    assert "paper: 02-public-health-annual-report.docx" in (meeting / "meeting.yaml").read_text()
    assert (meeting / "02-public-health-annual-report.docx").read_bytes() == new_version.read_bytes()
    assert "02-public-health-annual-report.docx" in browser.find_element(By.TAG_NAME, "main").text


def refused(driver: WebDriver, workspace: Workspace, path: str, post: bool = False) -> bool:
    """Whether the signed-in reader is answered "not found" at path, with nothing of the exempt items."""
    if post:
        driver.get(workspace.address("/"))
        status, _, body = fetch(driver, workspace.address(path), f"csrfmiddlewaretoken={csrf_token(driver)}"
                                .encode())
        page = body.decode(errors="replace")
    else:
        driver.get(workspace.address(path))
        status, page = 0, driver.page_source
    not_found = status in (0, 404) and "Page not found" in page
    return not_found and not any(secret in page for secret in EXEMPT_SECRETS + ("Acme",))


def test_an_author_is_refused_every_address_of_what_is_not_theirs(browser, workspace: Workspace, meeting: Path):
    output = workspace.root / "output" / MEETING
    assert (output / "confidential" / "confidential-pack.pdf").is_file(), "the officer's journey built it"
    exempt_files = sorted(str(p.relative_to(output)) for p in (output / "confidential").rglob("*.pdf"))
    others = sorted(str(p.relative_to(output)) for p in output.glob("*.pdf"))
    sign_in(browser, workspace, "jsmith")
    addresses = [f"/meetings/{MEETING}/", f"/meetings/{MEETING}/details/", f"/meetings/{MEETING}/items/new/",
                 "/meetings/new/", "/audit/", f"/meetings/{MEETING}/build/status/"]
    for position in (1, 3, 4, 5, 99):  # an officer's item, the two exempt items, the last, none
        addresses += [f"/meetings/{MEETING}/items/{position}/{page}" for page in ("", "upload/", "remove/")]
    for name in exempt_files + others:
        addresses += [f"/meetings/{MEETING}/outputs/{kind}/{name}" for kind in ("file", "preview")]
        addresses.append(f"/meetings/{MEETING}/outputs/page/{name}?page=1")
    failures = [path for path in addresses if not refused(browser, workspace, path)]
    posts = [f"/meetings/{MEETING}/build/", f"/meetings/{MEETING}/items/3/move/",
             f"/meetings/{MEETING}/items/3/remove/", f"/meetings/{MEETING}/items/4/upload/",
             f"/meetings/{MEETING}/details/", f"/meetings/{MEETING}/items/new/"]
    failures += [f"POST {path}" for path in posts if not refused(browser, workspace, path, post=True)]
    assert failures == []
    assert len(exempt_files) >= 3  # the confidential pack and both exempt items' PDFs were tried


def test_an_author_assigned_an_exempt_item_sees_that_item_alone(browser, workspace: Workspace, meeting: Path):
    sign_in(browser, workspace, "apatel")
    listed = browser.find_element(By.TAG_NAME, "tbody").text
    assert "Award of the Leisure Centre Contract to Acme Leisure Ltd." in listed
    assert "Settlement" not in listed and "Public Health" not in listed
    browser.get(workspace.address(f"/meetings/{MEETING}/items/3/upload/"))
    assert "Acme Leisure" in browser.find_element(By.TAG_NAME, "h1").text
    assert refused(browser, workspace, f"/meetings/{MEETING}/items/4/upload/")
    assert refused(browser, workspace, f"/meetings/{MEETING}/outputs/file/confidential/confidential-pack.pdf")


def test_guessing_a_password_is_stopped_after_five_tries(browser, workspace: Workspace):
    subprocess.run([sys.executable, "-m", "assembler", "users", "add", "guessed", "--role", "officer",
                    "--password-stdin", "--root", str(workspace.root)], input="the real passphrase\n",
                   text=True, check=True, capture_output=True, timeout=120)
    for attempt in range(4):
        sign_in(browser, workspace, "guessed", f"wrong guess {attempt}")
        assert "There is a problem" in browser.page_source
    sign_in(browser, workspace, "guessed", "the fifth wrong guess")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Too many tries to sign in"
    sign_in(browser, workspace, "guessed", "the real passphrase")  # now even the right one is refused
    assert browser.find_element(By.TAG_NAME, "h1").text == "Too many tries to sign in"
    assert_accessible(browser)
    sign_in(browser, workspace, "clerk")  # another account is not locked out
    assert browser.find_element(By.TAG_NAME, "h1").text == "Meetings"


def test_every_page_sends_the_security_headers(browser, workspace: Workspace):
    sign_in(browser, workspace, "clerk")
    for path in ("/login/", "/", f"/meetings/{MEETING}/outputs/file/confidential/confidential-pack.pdf"):
        status, headers, _ = fetch(browser, workspace.address(path))
        assert status == 200, path
        assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert "default-src 'self'" in headers["Content-Security-Policy"]
        assert headers["Cache-Control"] == "no-store, private"
