"""The linked-data HTML pages in headless Chromium: open a control and follow links through the graph."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from servers import ApiServer, aims_serve

CHROMIUM = shutil.which("chromium")
if CHROMIUM is None:
    pytest.skip(
        "Chromium is not installed (no `chromium` on PATH): the browser tests need it; .ci/run installs Debian's",
        allow_module_level=True,
    )
pytest.importorskip("playwright.sync_api", reason="the browser tests need playwright (the dev extra)")

from playwright.sync_api import Browser, Page, sync_playwright  # noqa: E402  (only once both are known present)

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


def test_home_page_to_evidence_and_a_named_query(server: ApiServer, browser: Browser, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(server.base + "/")
    page.screenshot(path=str(tmp_path / "home.png"), full_page=True)
    assert page.locator(".tile").count() == 6
    assert page.locator("table.heatmap td.heat").count() == 25
    assert page.locator("svg[aria-label='Annex A controls by implementation status'] rect").count() > 9
    page.locator("h2:text-is('AI systems') + table a", has_text="Emergency department triage classifier").click()
    page.wait_for_load_state()
    page.screenshot(path=str(tmp_path / "system.png"), full_page=True)
    trace = page.locator("h2:text-is('Traceability') + table")
    risk = trace.locator("tr", has_text="risk").locator("td:nth-child(2) a").first
    risk.click()
    page.wait_for_load_state()
    assert page.locator("h2:text-is('Controls that cover this risk')").count() == 1
    follow(page, "Controls that cover this risk", tmp_path, "control")
    follow(page, "Evidence", tmp_path, "evidence")
    assert "evidence" in page.locator("main > p").nth(1).inner_text().lower()

    page.goto(server.base + "/queries")
    page.locator("a", has_text="risks-for-control").click()
    page.wait_for_load_state()
    page.fill("input[name=control]", "A.6.2.4")
    page.locator("button[type=submit]").click()
    page.wait_for_load_state()
    page.screenshot(path=str(tmp_path / "query.png"), full_page=True)
    assert page.locator("h2").first.inner_text().endswith("rows")
    assert page.locator("main table tr").count() > 2


def test_search_by_notation(server: ApiServer, browser: Browser) -> None:
    page = browser.new_page()
    page.goto(server.base + "/")
    page.fill("input[name=q]", "A.6.2.4")
    page.locator("form[role=search] button").click()
    page.wait_for_load_state()
    page.locator("main table a", has_text="AI system verification and validation").first.click()
    page.wait_for_load_state()
    assert page.url.endswith("/iso42001/A-6-2-4")


def test_home_page_switches_organisation_in_the_browser(browser: Browser, tmp_path: Path) -> None:
    """Two organisations in one store: the home page lists both; clicking one shows its records alone, and a
    report opened from there stays with it."""
    examples = Path(__file__).resolve().parents[1] / "examples"
    data = ["--data", str(examples / "conformant-org.ttl"), "--data", str(examples / "gaps-org.ttl")]
    with aims_serve(tmp_path, args=data) as running:
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(running.base + "/")
        choices = page.locator("nav[aria-label='Organisations'] a")
        assert choices.count() == 3  # the two organisations and "All organisations"
        everyone = page.locator(".tile .num").first.inner_text()
        page.get_by_role("link", name="Northwind Health Analytics").first.click()
        page.wait_for_load_state()
        assert "Northwind Health Analytics" in page.locator("h1").inner_text()
        assert int(page.locator(".tile .num").first.inner_text()) < int(everyone)
        assert (
            page.locator("nav[aria-label='Organisations'] a[aria-current='page']").inner_text().startswith("Northwind")
        )
        page.screenshot(path=str(tmp_path / "northwind.png"), full_page=True)
        page.locator("a.tile[href^='/reports/risks']").click()
        page.wait_for_load_state()
        text = page.locator("main").inner_text() if page.locator("main").count() else page.content()
        assert "Triage" in text or "triage" in text
        assert "Credit scoring" not in text
