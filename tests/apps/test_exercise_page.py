"""Issue 12: an exercise's page. The learner's answers are graded on a real PostgreSQL sandbox
(the fixture exercise tests/fixtures/course/exercises/rel/customers-without-orders); the hint
ladder unlocks one hint per graded attempt that did not pass, and the explained answer is in
the page only once an answer scored 1.0."""

import shutil
from pathlib import Path

import pytest

from apps.courses.models import Lab
from apps.grading.models import HintReveal, Submission
from tests.apps.factories import UserFactory
from tests.conftest import FIXTURE_LABS
from tests.course_builder import write_course

pytestmark = pytest.mark.django_db

FIXTURE_EXERCISES = Path(__file__).resolve().parents[1] / "fixtures" / "course" / "exercises"
EXERCISE = "ex-customers-without-orders"
URL = f"/labs/{EXERCISE}/"
SOLUTION = (FIXTURE_EXERCISES / "rel/customers-without-orders/solution.sql").read_text()
# A learner's plausible first try: NOT IN over a column holding a NULL (the guest order).
NOT_IN = "SELECT name FROM customers WHERE id NOT IN (SELECT customer_id FROM orders) ORDER BY name;"
# Words only explanation.md holds: their presence means the explanation is in the HTML.
EXPLANATION_MARK = "This shape is called an"


@pytest.fixture
def exercise_course(tmp_path, settings):
    """The small test course with the site's fixture labs and the fixture exercise."""
    from apps.courses.services import sync_curriculum

    root = write_course(tmp_path / "curriculum")
    shutil.copytree(FIXTURE_LABS, root / "labs")
    shutil.copytree(FIXTURE_EXERCISES, root / "exercises")
    settings.CURRICULUM_DIR = root
    settings.INDEXED_SUBMISSIONS_PER_MINUTE = 100
    sync_curriculum(root)
    return root


@pytest.fixture
def submit(client, django_capture_on_commit_callbacks):
    """Submit an answer through the page; grading runs inline once the row is committed."""

    def send(answer: str, key: str = EXERCISE, action: str = "submit") -> Submission:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"/labs/{key}/submit/", {"answer": answer, "action": action})
        assert response.status_code == 302, response.content.decode()[:500]
        submission = Submission.objects.order_by("-pk").first()
        assert submission.status == Submission.Status.DONE, submission.result
        return submission

    return send


def test_the_exercise_is_synced_with_its_kind_hints_and_explanation(exercise_course):
    lab = Lab.objects.get(key=EXERCISE)
    assert lab.is_exercise and lab.lesson.key == "rel-joins"
    assert len(lab.hints) == 3 and lab.hints[0].startswith("Start from customers")
    assert EXPLANATION_MARK in lab.explanation
    assert not Lab.objects.get(key="site-orders-per-customer").is_exercise


def test_a_new_learner_sees_the_question_a_locked_hint_and_no_explanation(client, exercise_course):
    client.force_login(UserFactory())
    page = client.get(URL).content.decode()
    assert "Exercise · postgres" in page and '<h2 class="question-heading">Question</h2>' in page
    assert "never placed an order" in page  # the README is the question
    assert 'name="action" value="run"' in page and 'name="action" value="submit"' in page
    assert "Hint 1 of 3 unlocks after 1 more graded attempt that does not pass." in page
    assert "Show a hint" not in page
    lab = Lab.objects.get(key=EXERCISE)
    for hint in lab.hints:
        assert hint not in page
    assert EXPLANATION_MARK not in page and "anti-join" not in page


def test_the_server_refuses_a_hint_not_yet_unlocked(client, exercise_course, submit):
    learner = UserFactory()
    client.force_login(learner)
    response = client.post(f"{URL}hints/", {"step": "1"})
    assert response.status_code == 403
    assert "Hint 1 unlocks after 1 graded attempt that did not pass; you have 0" in response.content.decode()
    # A Run is not a graded attempt: it unlocks nothing.
    submit(NOT_IN, action="run")
    assert client.post(f"{URL}hints/", {"step": "1"}).status_code == 403
    assert not HintReveal.objects.exists()

    failed = submit(NOT_IN)
    assert failed.score == 0.0
    # One failed attempt unlocks hint 1, not hint 2, and hints come in order.
    assert client.post(f"{URL}hints/", {"step": "2"}).status_code == 403
    response = client.post(f"{URL}hints/", {"step": "1"})
    assert response.status_code == 302 and response["Location"] == f"{URL}#hints-heading"
    page = client.get(URL).content.decode()
    lab = Lab.objects.get(key=EXERCISE)
    assert lab.hints[0] in page and lab.hints[1] not in page
    assert "Hint 2 of 3 unlocks after 1 more graded attempt" in page
    refused = client.post(f"{URL}hints/", {"step": "2"})
    assert refused.status_code == 403 and "you have 1" in refused.content.decode()


def test_revealed_hints_stay_revealed_and_a_double_click_reveals_once(client, exercise_course, submit):
    learner = UserFactory()
    client.force_login(learner)
    submit(NOT_IN)
    submit("SELECT DISTINCT c.name FROM customers c JOIN orders o ON o.customer_id = c.id ORDER BY c.name;")
    page = client.get(URL).content.decode()
    assert "Show a hint (1 of 3)" in page
    for _ in range(2):
        assert client.post(f"{URL}hints/", {"step": "1"}, HTTP_HX_REQUEST="true").status_code == 200
    fragment = client.post(f"{URL}hints/", {"step": "2"}, HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith('<div id="exercise-help"') and "<html" not in fragment
    assert list(HintReveal.objects.filter(user=learner).values_list("step", flat=True)) == [1, 2]
    lab = Lab.objects.get(key=EXERCISE)
    # Another visit (a new session) shows both, and the third needs a third failed attempt.
    client.logout()
    client.force_login(learner)
    page = client.get(URL).content.decode()
    assert lab.hints[0] in page and lab.hints[1] in page and lab.hints[2] not in page
    assert "Hint 3 of 3 unlocks after 1 more graded attempt" in page
    # Another learner's ladder is their own.
    client.force_login(UserFactory())
    assert lab.hints[0] not in client.get(URL).content.decode()


def test_the_explanation_appears_only_after_a_passing_answer(client, exercise_course, submit):
    client.force_login(UserFactory())
    submit(NOT_IN)
    page = client.get(URL).content.decode()
    assert EXPLANATION_MARK not in page
    # Not in the verdict fragment htmx polls either.
    failed = Submission.objects.get()
    poll = client.get(f"/submissions/{failed.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert EXPLANATION_MARK not in poll and 'id="exercise-help" hx-swap-oob="true"' in poll
    assert "Show a hint (1 of 3)" in poll  # the failed verdict unlocked hint 1, without a reload

    passed = submit(SOLUTION)
    assert passed.score == 1.0
    page = client.get(URL).content.decode()
    assert '<h2 id="explanation-heading">Explained answer</h2>' in page and EXPLANATION_MARK in page
    assert '<h2 id="the-trap">The trap</h2>' in page and "## The trap" not in page  # rendered Markdown
    poll = client.get(f"/submissions/{passed.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert EXPLANATION_MARK in poll  # the passing verdict brings the explanation in place


def test_an_instructor_override_to_full_marks_counts_as_passing(client, exercise_course, submit):
    client.force_login(UserFactory())
    failed = submit(NOT_IN)
    Submission.objects.filter(pk=failed.pk).update(override_score=1.0)
    assert EXPLANATION_MARK in client.get(URL).content.decode()


def test_a_lab_page_has_no_hints_or_explanation_section(client, exercise_course):
    client.force_login(UserFactory())
    page = client.get("/labs/site-orders-per-customer/").content.decode()
    assert "Lab · postgres" in page and "exercise-help" not in page and "Explained answer" not in page
    assert client.post("/labs/site-orders-per-customer/hints/", {"step": "1"}).status_code == 404


def test_hints_need_a_login(client, exercise_course):
    response = client.post(f"{URL}hints/", {"step": "1"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_hint_shows_backticked_words_as_code_and_escapes_the_rest(client, exercise_course, submit):
    lab = Lab.objects.get(key=EXERCISE)
    lab.hints = ["Try `LEFT JOIN` where a < b, not <b>bold</b>.", *lab.hints[1:]]
    lab.save(update_fields=["hints"])
    client.force_login(UserFactory())
    submit(NOT_IN)
    client.post(f"{URL}hints/", {"step": "1"})
    page = client.get(URL).content.decode()
    assert "<li>Try <code>LEFT JOIN</code> where a &lt; b, not &lt;b&gt;bold&lt;/b&gt;.</li>" in page
