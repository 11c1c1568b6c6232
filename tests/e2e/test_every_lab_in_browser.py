"""Issue 9 item 7: every lab of the real course, through its page in a real browser, as a new
learner would: the reference answer and two wrong answers get a verdict with a score, the
learner's history lists them, and the instructor's review page of each renders (no 500).

One browser session for the whole course; grading is eager (in the request, on commit), so no
worker start-up per lab. A refused answer (empty) shows its reason and labels the old verdict.

Exercises (kind = "exercise", ~55 of them) share the lab page: here every lab and one exercise
per engine go through the browser, whose reference answer must also bring the explained
answer onto the page; tests/curriculum/test_labs.py grades every exercise's answers without
a browser, which is what proves the rest.
"""

from pathlib import Path

import pytest

from apps.accounts.models import Membership
from apps.courses.models import Lab
from apps.courses.services import sync_curriculum
from apps.grading.models import Submission
from labs.spec import find_labs, load_spec
from tests.apps.factories import PASSWORD, CohortFactory, InstructorFactory, UserFactory
from tests.e2e.test_lab_journey import fill_answer

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CURRICULUM = Path(__file__).resolve().parents[2] / "curriculum"


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state("load")


def submit_and_wait(page, answer: str) -> str:
    """Submit ``answer`` on the open lab page; the verdict's text once it is final."""
    earlier = page.locator("#verdict .submission")
    fresh = f":not(#{earlier.get_attribute('id')})" if earlier.count() else ""  # not the last answer's verdict
    fill_answer(page, answer)
    page.get_by_role("button", name="Submit").click()
    final = page.locator(f"#verdict .submission{fresh} :is(.score, .status.failed)")
    final.first.wait_for(timeout=120_000)
    return page.locator("#verdict").inner_text()


def choose_browser_items(specs: list) -> list:
    """Every lab, and the first exercise (by id) of each engine."""
    labs = [spec for spec in specs if spec.kind != "exercise"]
    exercises: dict[str, object] = {}
    for spec in sorted((spec for spec in specs if spec.kind == "exercise"), key=lambda spec: spec.id):
        exercises.setdefault(spec.engine, spec)
    return labs + list(exercises.values())


def test_every_lab_takes_its_reference_and_two_wrong_answers_through_the_page(live_server, browser, settings):
    settings.CURRICULUM_DIR = CURRICULUM
    settings.INDEXED_SUBMISSIONS_PER_MINUTE = 1000  # three answers a lab, ten labs, in a few minutes
    sync_curriculum(CURRICULUM)
    learner = UserFactory(username="newcomer")
    cohort = CohortFactory(instructor=InstructorFactory(username="teacher"))
    Membership.objects.create(cohort=cohort, user=learner)
    base = live_server.url
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    statuses: list[int] = []
    page.on("response", lambda response: statuses.append(response.status))
    log_in(page, base, "newcomer")

    specs = choose_browser_items([load_spec(folder) for folder in find_labs(CURRICULUM)])
    for spec in specs:
        lab = Lab.objects.get(key=spec.id)
        page.goto(f"{base}/labs/{lab.key}/")
        page.get_by_role("heading", name=lab.title, level=1).first.wait_for()
        answers = [spec.solution_path, *spec.wrong_paths[:2]]
        for index, path in enumerate(answers):
            verdict = submit_and_wait(page, path.read_text(encoding="utf-8"))
            submission = Submission.objects.filter(user=learner, lab=lab).first()
            unavailable = submission.status == Submission.Status.FAILED
            assert "Score:" in verdict or unavailable, f"{spec.id} {path.name}: {verdict}"
            if index == 0 and not unavailable:
                assert "Score: 100%" in verdict, f"{spec.id}: the reference answer scored {verdict}"
                if spec.kind == "exercise":  # passing brings the explained answer onto the page
                    page.locator("section.explanation .prose").wait_for()
            elif not unavailable:
                assert "Score: 100%" not in verdict, f"{spec.id} {path.name} passed"
        # The learner's history lists the three attempts, each with its own page.
        page.goto(f"{base}/labs/{lab.key}/")
        history = page.locator("section[aria-labelledby=history-heading] tbody tr")
        assert history.count() == len(answers), spec.id
        history.first.locator('a[href^="/submissions/"]').click()  # (the row also links to "changes")
        page.locator("#verdict").wait_for()

    # A refused (empty) answer shows its reason and does not pass the old verdict off as its own.
    page.goto(f"{base}/labs/{specs[0].id}/")
    fill_answer(page, "   ")
    page.get_by_role("button", name="Submit").click()
    page.locator("#problems").get_by_text("Your answer is empty").wait_for()
    page.locator("#verdict-note").get_by_text("not of the answer in the editor").wait_for()

    # The instructor's review page of every submission renders, with its score.
    log_in(page, base, "teacher")
    for submission in Submission.objects.filter(user=learner).select_related("lab"):
        response = page.goto(f"{base}/teach/cohorts/{cohort.pk}/submissions/{submission.pk}/")
        assert response.status == 200, (submission.lab.key, response.status)
        if submission.status == Submission.Status.DONE:
            assert "Score:" in page.locator("main").inner_text(), submission.lab.key
    assert 500 not in statuses
    context.close()
