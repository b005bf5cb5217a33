"""The browser harness itself: Chromium starts, axe-core finds a real WCAG failure, Tab reaches things,
and the vendored GOV.UK Frontend, with our font in place of GDS Transport, makes pages that pass."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By

from .browser import assert_accessible, console_errors, tab_to

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "assembler" / "web" / "static"
VENDORED_CSS = STATIC / "vendor" / "govuk-frontend" / "govuk-frontend.min.css"
# The policy the workspace sends: nothing inline, nothing from elsewhere.
CSP = "default-src 'self'"
FONT = "Arial, \"Liberation Sans\", Helvetica, sans-serif"

HEAD = """<!DOCTYPE html>
<html lang="en" class="govuk-template">
<head>
  <meta charset="utf-8">
  <title>{title}</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="htmx-config" content='{{"includeIndicatorStyles": false}}'>
  <link rel="stylesheet" href="/static/vendor/govuk-frontend/govuk-frontend.min.css">
  <link rel="stylesheet" href="/static/assembler.css">
  <script type="module" src="/static/assembler.js"></script>
  <script src="/static/vendor/htmx/htmx.min.js" defer></script>
</head>
<body class="govuk-template__body">
"""

# A picture with no text alternative: WCAG 1.1.1, axe-core's image-alt.
BAD = HEAD.format(title="Bad") + """<main><h1>Bad</h1><img src="photo.png"></main></body></html>"""

GOOD = HEAD.format(title="Meetings - Northshire Council") + """
<a href="#main-content" class="govuk-skip-link" data-module="govuk-skip-link">Skip to main content</a>
<header class="govuk-header" data-module="govuk-header">
  <div class="govuk-header__container govuk-width-container">
    <a href="/" class="govuk-header__link govuk-header__service-name">Northshire Council committee papers</a>
  </div>
</header>
<div class="govuk-width-container">
  <main class="govuk-main-wrapper" id="main-content">
    <h1 class="govuk-heading-l">Social Care Scrutiny Board, 24 September 2026</h1>
    <p class="govuk-body">Five items, one of them exempt.</p>
    <table class="govuk-table">
      <caption class="govuk-table__caption govuk-table__caption--m">Items</caption>
      <thead class="govuk-table__head"><tr class="govuk-table__row">
        <th scope="col" class="govuk-table__header">Item</th><th scope="col" class="govuk-table__header">Status</th>
      </tr></thead>
      <tbody class="govuk-table__body"><tr class="govuk-table__row">
        <td class="govuk-table__cell">Budget monitoring</td>
        <td class="govuk-table__cell"><strong class="govuk-tag govuk-tag--green">Ready</strong></td>
      </tr></tbody>
    </table>
    <form method="post" novalidate>
      <div class="govuk-form-group govuk-character-count" data-module="govuk-character-count" data-maxlength="120">
        <label class="govuk-label govuk-label--m" for="title">Item title</label>
        <div id="title-hint" class="govuk-hint">As it will appear on the agenda</div>
        <textarea class="govuk-textarea govuk-js-character-count" id="title" name="title" rows="2"
                  aria-describedby="title-info title-hint"></textarea>
        <div id="title-info" class="govuk-hint govuk-character-count__message">You can enter up to 120 characters</div>
      </div>
      <div class="govuk-button-group">
        <button type="submit" class="govuk-button" data-module="govuk-button">Save</button>
        <a class="govuk-link" href="/">Cancel</a>
      </div>
    </form>
  </main>
</div>
</body>
</html>
"""


@dataclass
class Site:
    url: str
    requests: list[tuple[str, int]] = field(default_factory=list)  # (path, status) of each request served


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The two pages and the real static folder, served on loopback with the workspace's policy."""
    folder = tmp_path_factory.mktemp("site")
    (folder / "static").symlink_to(STATIC)
    (folder / "bad.html").write_text(BAD, encoding="utf-8")
    (folder / "good.html").write_text(GOOD, encoding="utf-8")
    served = Site("")

    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, directory=str(folder), **kwargs)

        def end_headers(self) -> None:
            self.send_header("Content-Security-Policy", CSP)
            super().end_headers()

        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            served.requests.append((self.path, int(code)))

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    served.url = f"http://127.0.0.1:{server.server_port}"
    yield served
    server.shutdown()
    server.server_close()


def test_a_picture_without_alt_text_fails_naming_the_rule_and_the_image(browser: webdriver.Chrome, site: Site) -> None:
    browser.get(f"{site.url}/bad.html")
    with pytest.raises(AssertionError, match=r'image-alt: Images must have alternative text at "img"'):
        assert_accessible(browser)


def test_a_govuk_frontend_page_passes_in_our_font_with_nothing_refused(browser: webdriver.Chrome, site: Site) -> None:
    console_errors(browser)  # forget any earlier page's
    site.requests.clear()
    browser.get(f"{site.url}/good.html")
    assert_accessible(browser)
    # assembler.js ran as a module under the policy, and GOV.UK Frontend started the character count.
    status = browser.find_element(By.CSS_SELECTOR, ".govuk-character-count__status")
    assert status.text == "You have 120 characters remaining"
    assert browser.execute_script("return htmx.version") == "2.0.11"
    for selector in ("body", "h1", ".govuk-table", ".govuk-tag", ".govuk-label", ".govuk-textarea",
                     ".govuk-button", ".govuk-button-group .govuk-link"):
        font = browser.find_element(By.CSS_SELECTOR, selector).value_of_css_property("font-family")
        assert font == FONT, (selector, font)
    assert console_errors(browser) == []
    # Every file the page asked for was there (304: still as cached), and it asked for no GOV.UK font or image.
    assert site.requests and all(code in (200, 304) for _, code in site.requests), site.requests
    assert not [path for path, _ in site.requests if not path.startswith(("/good.html", "/static/"))], site.requests


def test_tab_reaches_the_skip_link_first_then_the_button(browser: webdriver.Chrome, site: Site) -> None:
    browser.get(f"{site.url}/good.html")
    skip = tab_to(browser, lambda element: "govuk-skip-link" in (element.get_attribute("class") or ""), limit=1)
    assert skip.text == "Skip to main content"
    assert tab_to(browser, lambda element: element.tag_name == "button").text == "Save"
    with pytest.raises(AssertionError, match="3 presses of Tab never reached"):
        tab_to(browser, lambda element: False, limit=3)


def test_the_vendored_css_names_no_gds_transport_font_file() -> None:
    css = VENDORED_CSS.read_text(encoding="utf-8")
    assert "@font-face" not in css
    assert not re.search(r"url\([^)]*(/fonts/|\.woff)", css, re.IGNORECASE)
    assert "sourceMappingURL" not in css
