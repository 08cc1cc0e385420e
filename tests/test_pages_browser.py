"""The linked-data HTML pages in headless Chromium: open a control and follow links through the graph."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from servers import ApiServer, aims_serve

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    with aims_serve(tmp_path_factory.mktemp("pages")) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is needed for the browser tests; .ci/run installs Debian's chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield launched
        launched.close()


def follow(page: Page, section: str, shots: Path, name: str) -> str:
    """Click the first link in the table under a heading; return the new page's title."""
    link = page.locator(f"h2:text-is('{section}') + table a").first
    link.click()
    page.wait_for_load_state()
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    return page.title()


def test_control_page_links_through_the_graph(server: ApiServer, browser: Browser, tmp_path: Path) -> None:
    page = browser.new_page()
    response = page.goto(server.base + "/iso42001/A.6.2.4")
    assert response is not None and response.ok
    assert page.url.endswith("/iso42001/A-6-2-4"), "the notation form resolves to the IRI form"
    assert "AI system verification and validation" in page.title()
    page.screenshot(path=str(tmp_path / "control.png"), full_page=True)
    headings = page.locator("h2").all_inner_texts()
    assert {"Risks this control covers", "Evidence", "Referenced by"} <= set(headings)
    assert page.locator("h2:text-is('Risks this control covers') + table tr").count() > 1

    risk_title = follow(page, "Risks this control covers", tmp_path, "risk")
    assert page.locator("h2:text-is('Controls that cover this risk')").count() == 1, risk_title
    follow(page, "Controls that cover this risk", tmp_path, "control-of-risk")
    assert page.locator("h2:text-is('Evidence') + table tr").count() > 1
    follow(page, "Evidence", tmp_path, "evidence")
    assert "evidence" in page.locator("main > p").nth(1).inner_text().lower()
    assert (tmp_path / "evidence.png").stat().st_size > 1000


def test_home_page_lists_ai_systems(server: ApiServer, browser: Browser) -> None:
    page = browser.new_page()
    page.goto(server.base + "/")
    assert page.locator("h2:text-is('AI systems') + table tr").count() > 3
    page.locator("h2:text-is('AI systems') + table a").first.click()
    page.wait_for_load_state()
    assert page.locator("h2:text-is('Traceability')").count() == 1
