"""Fixtures for the browser tests: Debian's Chromium driven by Playwright, and a test site on 127.0.0.1."""

from __future__ import annotations

import pytest
from playwright.sync_api import sync_playwright

from tests.browser.site import Site

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def context(browser):
    context = browser.new_context()
    yield context
    context.close()


@pytest.fixture
def page_errors():
    """Uncaught exceptions of every page opened with ``open_page``; a test asserts it stays empty."""
    return []


@pytest.fixture
def open_page(context, page_errors):
    def open_page(url: str):
        page = context.new_page()
        page.on("pageerror", lambda error: page_errors.append(str(error)))
        page.goto(url)
        return page

    return open_page


@pytest.fixture
def site():
    site = Site()
    yield site
    site.close()
