"""axe-core (static/vendor/axe.min.js, see AXE-VERSIONS.txt) in a real browser on every page a
learner and an instructor use, in the light and the dark theme, at phone and desktop widths:
no serious or critical violation. The pages come from test_csp.py's ``ux_site``: real graded
verdicts (failed checks, rows, a plan tree), an exercise, a Mongo lab, the instructor's pages.

axe is loaded from the site's own static files (a <script src> from 'self'), so the page's
Content-Security-Policy stays as strict as in production while it runs."""

from __future__ import annotations

import pytest

from tests.e2e.test_csp import log_in, ux_site  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

BLOCKING = ("serious", "critical")
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ") + ": " + (n.failureSummary || "").replace(/\\s+/g, " ")),
  }));
}"""


def axe_violations(page, base: str, paths: list[str]) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for path in paths:
        response = page.goto(base + path)
        assert response.status == 200, f"{path}: HTTP {response.status}"
        page.wait_for_load_state("load")
        page.wait_for_timeout(150)  # deferred scripts (editor, theme toggle) have run
        page.add_script_tag(url="/static/vendor/axe.min.js")
        blocking = [v for v in page.evaluate(RUN_AXE) if v["impact"] in BLOCKING]
        if blocking:
            found[path] = blocking
    return found


# Phone and desktop widths in both themes; one site for all four (its verdicts are graded on
# real servers, so it is built once).
VIEWS = [("light", 375), ("dark", 375), ("light", 1280), ("dark", 1280)]


def test_no_serious_accessibility_violation_on_any_page(live_server, ux_site, browser):  # noqa: F811
    base = live_server.url
    found: dict[str, list[dict]] = {}
    for scheme, width in VIEWS:
        context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
        page = context.new_page()
        page.set_default_timeout(20_000)
        seen = axe_violations(page, base, ux_site.anonymous_pages)
        log_in(page, base, "ux-learner")
        assert page.evaluate("getComputedStyle(document.documentElement).colorScheme") == scheme
        seen |= axe_violations(page, base, ux_site.learner_pages)
        log_in(page, base, "ux-teacher")
        seen |= {f"teacher {path}": v for path, v in axe_violations(page, base, ux_site.instructor_pages).items()}
        context.close()
        found |= {f"{scheme} {width}px {path}": v for path, v in seen.items()}
    assert found == {}, f"serious or critical axe violations: {found}"


def test_axe_finds_a_serious_violation_when_there_is_one(live_server, synced_course, browser):
    """The check above can fail: an image without alternative text is a critical violation."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(live_server.url + "/")
    page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=\"/favicon.ico\">')")
    page.add_script_tag(url="/static/vendor/axe.min.js")
    ids = {v["id"] for v in page.evaluate(RUN_AXE) if v["impact"] in BLOCKING}
    context.close()
    assert "image-alt" in ids
