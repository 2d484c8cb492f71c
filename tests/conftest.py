"""Fixtures shared by the test modules: a headless Chromium page that logs every request and script error."""

import os
import re

import pytest
from browser import launch, missing


class PageLog:
    """What a page did besides drawing: every request it made (URLs, in order) and every script error."""

    def __init__(self):
        self.requests, self.errors = [], []


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium, headless, through Playwright. Skips without it, except under CI, where that fails."""
    reason = missing()
    if reason:
        # CI installs Chromium (bash dev.sh test), so there a missing browser fails the tests instead of skipping
        # them, as a missing Graphviz does in test_viz.py.
        (pytest.fail if os.environ.get("CI") else pytest.skip)(reason)
    from playwright.sync_api import sync_playwright

    # One browser per module, closed before the next module runs: Playwright's sync API keeps an event loop
    # running, which would be in the way of the notebook tests' own.
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def page_log():
    return PageLog()


@pytest.fixture
def page(browser, page_log):
    """A fresh page (its own context, 1200×800) whose requests and script errors go to `page_log`.

    Requests over the network are aborted, so a page that tries one fails fast instead of waiting; they are
    logged all the same. A script error or console error fails the test when it ends.
    """
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    context.on("request", lambda request: page_log.requests.append(request.url))
    context.route(re.compile(r"^(https?|wss?|ftp)://"), lambda route: route.abort())
    page = context.new_page()
    page.on("pageerror", lambda error: page_log.errors.append(f"uncaught: {error}"))
    page.on("console", lambda message: message.type == "error" and page_log.errors.append(message.text))
    yield page
    context.close()
    assert not page_log.errors, f"the page reported errors: {page_log.errors}"
