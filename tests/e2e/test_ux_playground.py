"""The playground is a learner's page too: under the site's Content-Security-Policy nothing is
refused while a query runs and the schema loads, axe finds no serious or critical violation
in either theme, and the page fits 375 px. A real playground service (labs.playground) and a
real PostgreSQL scratch copy of the lab's data."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.test_accessibility import BLOCKING, RUN_AXE
from tests.e2e.test_csp import SQL_LAB, log_in, ux_site, violations, watch_csp  # noqa: F401 (fixture)
from tests.e2e.test_ux import SCREENS

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def playground_service(tmp_path, settings):
    socket_path = tmp_path / "playground.sock"
    process = subprocess.Popen(
        [sys.executable, "-m", "labs.playground", "serve", "--socket", str(socket_path)],
        cwd=Path(__file__).resolve().parents[2],
    )
    deadline = time.monotonic() + 15
    while not socket_path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    settings.INDEXED_PLAYGROUND_SOCKET = str(socket_path)
    yield socket_path
    process.terminate()
    process.wait(timeout=30)


def test_playground_within_the_policy_accessible_in_both_themes(live_server, ux_site, playground_service, browser):  # noqa: F811
    base = live_server.url
    found: dict[str, list] = {}
    SCREENS.mkdir(parents=True, exist_ok=True)
    for scheme in ("light", "dark"):
        context = browser.new_context(viewport={"width": 375, "height": 800}, color_scheme=scheme)
        page = context.new_page()
        page.set_default_timeout(30_000)
        refused = watch_csp(page)
        log_in(page, base, "ux-learner")
        page.goto(f"{base}/labs/{SQL_LAB}/")
        page.get_by_role("link", name="Explore the data").click()
        page.locator("#playground-schema table, #playground-schema svg").first.wait_for()
        page.locator(".cm-content").click()
        page.keyboard.press("Control+A")
        page.keyboard.insert_text("SELECT name FROM customers ORDER BY name")
        page.get_by_role("button", name="Run", exact=True).click()
        page.locator("#playground-result table.playground-table").wait_for()
        page.wait_for_timeout(200)
        scroll, client = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert scroll <= client, f"{scheme}: the playground is {scroll} px wide at 375"
        page.screenshot(path=str(SCREENS / f"{scheme}-375-playground.png"), full_page=True)
        if problems := violations(page, refused):
            found[f"{scheme} csp"] = problems
        page.add_script_tag(url="/static/vendor/axe.min.js")
        if blocking := [v for v in page.evaluate(RUN_AXE) if v["impact"] in BLOCKING]:
            found[f"{scheme} axe"] = blocking
        context.close()
    assert found == {}, found
