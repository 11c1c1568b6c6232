"""Instructors: gradebook, exports, dashboard, lab analytics, review and overrides,
deadlines and feedback visibility, regrade jobs — through the services and the pages."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.models import Membership
from apps.courses.models import Lab, Lesson, LessonCompletion, Project
from apps.courses.services import sync_curriculum
from apps.dashboard import analytics, gradebook
from apps.dashboard.models import FeedbackMode, LabPolicy, ProjectPolicy, RegradeJob
from apps.dashboard.services import ReviewInvalid, review_submission, start_regrade
from apps.grading.models import HintReveal, Review, Submission
from tests.apps.factories import CohortFactory, InstructorFactory, UserFactory
from tests.conftest import FIXTURE_LABS

pytestmark = pytest.mark.django_db

SOLUTION = (FIXTURE_LABS / "sql-orders-per-customer" / "solution.sql").read_text()
WRONG = (FIXTURE_LABS / "sql-orders-per-customer" / "wrong" / "inner-join.sql").read_text()



@pytest.fixture
def cohort():
    return CohortFactory(instructor=InstructorFactory(username="teacher"), name="Spring cohort")


def member(cohort, username: str, **fields):
    user = UserFactory(username=username, **fields)
    Membership.objects.create(cohort=cohort, user=user)
    return user


def review(cohort, submission, text: str, **options):
    """``cohort``'s instructor reviews ``submission``."""
    return review_submission(submission, cohort.instructor, text, cohort=cohort, **options)


def graded(user, lab, score, *, when=None, answer="SELECT 1", checks=None, kind="submit"):
    submission = Submission.objects.create(
        user=user,
        lab=lab,
        answer=answer,
        kind=kind,
        status=Submission.Status.DONE,
        score=score,
        counted=kind == "submit",
        result={"score": score, "gradable": True, "status": "graded", "message": "", "checks": checks or []},
    )
    if when is not None:
        Submission.objects.filter(pk=submission.pk).update(created_at=when)
        submission.refresh_from_db()
    return submission


def failed_check(name: str, message: str) -> dict:
    return {"name": name, "passed": False, "message": message, "hint": "", "artifacts": {}}


# --------------------------------------------------------------------------- gradebook


def test_gradebook_shows_best_score_attempts_and_ignores_runs_and_other_cohorts(lab, cohort):
    ada, bob = member(cohort, "ada"), member(cohort, "bob")
    outsider = UserFactory(username="zed")
    graded(ada, lab, 0.5)
    graded(ada, lab, 1.0)
    graded(ada, lab, 0.0)
    graded(bob, lab, 1.0, kind="run")  # a run never counts
    graded(outsider, lab, 1.0)
    book = gradebook.build_gradebook(cohort)
    assert [row.learner.username for row in book.rows] == ["ada", "bob"]
    ada_cell = book.rows[0].labs[book.labs.index(lab)]
    assert (ada_cell.best, ada_cell.attempts, ada_cell.passed) == (1.0, 3, True)
    bob_cell = book.rows[1].labs[book.labs.index(lab)]
    assert (bob_cell.best, bob_cell.attempts) == (None, 0)
    assert book.rows[0].points == lab.points and book.rows[1].last_activity is not None


def test_a_pass_after_the_deadline_is_marked_late_but_an_on_time_pass_is_not(lab, cohort):
    due = timezone.now() - timedelta(days=1)
    LabPolicy.objects.create(cohort=cohort, lab=lab, due_at=due)
    early, late, improved = member(cohort, "early"), member(cohort, "late"), member(cohort, "improved")
    graded(early, lab, 1.0, when=due - timedelta(hours=1))
    graded(early, lab, 0.5, when=due + timedelta(hours=1))  # a worse try later changes nothing
    graded(late, lab, 1.0, when=due + timedelta(hours=1))
    graded(improved, lab, 0.5, when=due - timedelta(hours=1))
    graded(improved, lab, 1.0, when=due + timedelta(minutes=5))
    book = gradebook.build_gradebook(cohort)
    late_marks = {row.learner.username: row.labs[book.labs.index(lab)].late for row in book.rows}
    assert late_marks == {"early": False, "improved": True, "late": True}
    assert [r.learner.username for r in gradebook.filter_and_sort(book, show="late")] == ["improved", "late"]


def test_gradebook_sorts_by_a_lab_column_and_filters_by_name(lab, cohort):
    for name, score in [("ann", 0.2), ("ben", 1.0), ("cat", 0.6)]:
        graded(member(cohort, name), lab, score)
    member(cohort, "dan")
    book = gradebook.build_gradebook(cohort)
    names = lambda rows: [r.learner.username for r in rows]  # noqa: E731
    assert names(gradebook.filter_and_sort(book, sort=f"lab:{lab.key}", desc=True)) == ["ben", "cat", "ann", "dan"]
    assert names(gradebook.filter_and_sort(book, sort="points")) == ["dan", "ann", "cat", "ben"]
    assert names(gradebook.filter_and_sort(book, q="BE")) == ["ben"]
    assert names(gradebook.filter_and_sort(book, show="incomplete")) == ["ann", "cat", "dan"]


def make_big_cohort(cohort, learners: int, labs: int) -> None:
    lesson = Lesson.objects.first()
    Lab.objects.bulk_create(  # every other one an exercise, with a hint revealed by each learner
        Lab(
            key=f"bulk-{cohort.pk}-{i:02}",
            title=f"Lab {i}",
            engine="postgres",
            topology="database",
            lesson=lesson,
            kind="exercise" if i % 2 else "lab",
        )
        for i in range(labs)
    )
    users = [member(cohort, f"bulk{cohort.pk}-{n:03}") for n in range(learners)]
    all_labs = list(Lab.objects.all())
    Submission.objects.bulk_create(
        Submission(user=u, lab=lab, answer="x", status="done", score=(n % 3) / 2, counted=True)
        for n, u in enumerate(users)
        for lab in all_labs
        for _ in range(2)
    )
    HintReveal.objects.bulk_create(
        HintReveal(user=u, lab=lab, step=1) for u in users for lab in all_labs if lab.is_exercise
    )
    LessonCompletion.objects.bulk_create(LessonCompletion(user=u, lesson=lesson) for u in users)


def count_queries(function) -> int:
    with CaptureQueriesContext(connection) as queries:
        function()
    return len(queries)


def test_gradebook_for_200_learners_and_30_labs_runs_a_constant_number_of_queries(synced_course):
    small, big = CohortFactory(), CohortFactory()
    make_big_cohort(small, learners=2, labs=1)
    make_big_cohort(big, learners=200, labs=29)
    assert Lab.objects.count() == 30
    build = lambda c: lambda: gradebook.export_gradebook_csv(gradebook.build_gradebook(c))  # noqa: E731
    small_count, big_count = count_queries(build(small)), count_queries(build(big))
    assert big_count == small_count <= 14
    text = gradebook.export_gradebook_csv(gradebook.build_gradebook(big))
    assert len(list(csv.reader(io.StringIO(text)))) == 1 + 200
    assert count_queries(lambda: analytics.summarize_cohort(big)) == count_queries(
        lambda: analytics.summarize_cohort(small)
    )


def test_the_gradebook_page_for_200_learners_runs_as_many_queries_as_for_two(synced_course, client):
    small, big = CohortFactory(), CohortFactory(instructor=InstructorFactory())
    make_big_cohort(small, learners=2, labs=1)
    make_big_cohort(big, learners=200, labs=29)
    counts = []
    for cohort in (small, big):
        client.force_login(cohort.instructor)
        url = f"/teach/cohorts/{cohort.pk}/gradebook/?sort=points&dir=desc"
        counts.append(count_queries(lambda url=url: client.get(url)))
    assert counts[0] == counts[1], counts


def test_the_gradebook_csv_has_one_row_per_learner_with_percent_attempts_and_late(lab, cohort):
    LabPolicy.objects.create(cohort=cohort, lab=lab, due_at=timezone.now() - timedelta(days=2))
    graded(member(cohort, "ada", email="ada@example.com"), lab, 0.5)
    member(cohort, "bob")
    rows = list(csv.DictReader(io.StringIO(gradebook.export_gradebook_csv(gradebook.build_gradebook(cohort)))))
    assert [r["Learner"] for r in rows] == ["ada", "bob"]
    assert rows[0][f"{lab.title} (best %)"] == "50"
    assert rows[0][f"{lab.title} (attempts)"] == "1"
    assert rows[0][f"{lab.title} (late)"] == "late"
    assert rows[1][f"{lab.title} (best %)"] == "" and rows[1]["Email"] == "bob@example.com"


def test_canvas_csv_has_canvas_import_columns_points_row_and_scores_in_points(lab, cohort):
    project = Project.objects.get(key="proj-one")
    graded(member(cohort, "ada", first_name="Ada", last_name="Lovelace"), lab, 0.5)
    member(cohort, "bob")
    from apps.dashboard.services import grade_project

    grade_project(
        cohort,
        cohort.learners.get(username="bob"),
        project,
        score_percent="80",
        handed_in_at=None,
        comment="",
        graded_by=cohort.instructor,
    )
    rows = list(csv.reader(io.StringIO(gradebook.export_canvas_csv(gradebook.build_gradebook(cohort)))))
    header, points, *learners = rows
    # Canvas reads these five identity columns, in this order, before any assignment column.
    assert header[:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert lab.title in header and project.title in header
    assert points[0].strip() == "Points Possible" and points[1:5] == ["", "", "", ""]
    assert points[header.index(lab.title)] == str(lab.points)
    by_login = {row[3]: row for row in learners}
    assert by_login["ada"][0] == "Lovelace, Ada" and by_login["ada"][4] == "Spring cohort"
    assert by_login["ada"][header.index(lab.title)] == f"{0.5 * lab.points:.2f}"
    assert by_login["bob"][header.index(lab.title)] == ""  # no attempt: blank, not zero
    assert by_login["bob"][header.index(project.title)] == "80.00"


def test_gradebook_page_and_downloads_for_the_instructor(client, lab, cohort):
    graded(member(cohort, "ada"), lab, 1.0)
    client.force_login(cohort.instructor)
    page = client.get(f"/teach/cohorts/{cohort.pk}/gradebook/?sort=points&dir=desc").content.decode()
    assert 'id="gradebook"' in page and "ada" in page and "100%" in page
    assert 'aria-sort="descending"' in page
    response = client.get(f"/teach/cohorts/{cohort.pk}/gradebook.csv")
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="spring-cohort-gradebook.csv"' in response["Content-Disposition"]
    canvas = client.get(f"/teach/cohorts/{cohort.pk}/gradebook-canvas.csv").content.decode()
    assert canvas.startswith("Student,ID,SIS User ID,SIS Login ID,Section,")


# --------------------------------------------------------------------------- dashboard and analytics


def test_dashboard_names_learners_stuck_on_a_lab_or_inactive(lab, cohort, client):
    stuck, idle, fine = member(cohort, "stuck"), member(cohort, "idle"), member(cohort, "fine")
    for _ in range(5):
        graded(stuck, lab, 0.0)
    graded(idle, lab, 1.0, when=timezone.now() - timedelta(days=20))
    graded(fine, lab, 1.0)
    overview = analytics.summarize_cohort(cohort)
    reasons = {s.learner.username: s.reasons for s in overview.stuck}
    assert set(reasons) == {"stuck", "idle"}
    assert "5 attempts on “Orders per customer” without a pass" in reasons["stuck"]
    assert reasons["idle"] == ["inactive for 20 days"]
    client.force_login(cohort.instructor)
    page = client.get(f"/teach/cohorts/{cohort.pk}/?attempts=6&inactive_days=30").content.decode()
    assert "Nobody looks stuck." in page and "<svg" in page


def test_dashboard_completion_per_module_and_week_counts_lessons_and_passed_labs(lab, cohort):
    ada, bob = member(cohort, "ada"), member(cohort, "bob")
    lesson = Lesson.objects.first()
    Lab.objects.filter(pk=lab.pk).update(lesson=lesson)
    LessonCompletion.objects.create(user=ada, lesson=lesson)
    graded(ada, lab, 1.0)
    graded(bob, lab, 0.5)
    overview = analytics.summarize_cohort(cohort)
    module = next(bar for bar in overview.modules if bar.label == lesson.module.title)
    assert (module.done, module.possible) == (1, 2 * lesson.module.lessons.count())
    week = next(bar for bar in overview.weeks if bar.label == f"Week {lesson.week.number}")
    items = lesson.week.lessons.count() + Lab.objects.filter(lesson__week=lesson.week).count()
    assert (week.done, week.possible) == (2, 2 * items)


def test_lab_analytics_pass_rate_attempts_failing_checks_and_grouped_wrong_answers(lab, cohort, client):
    start = timezone.now() - timedelta(hours=3)
    ada, bob, cyd = member(cohort, "ada"), member(cohort, "bob"), member(cohort, "cyd")
    missing = failed_check("rows match", "Expected 4 rows, got 3: a customer without orders is missing.")
    graded(ada, lab, 0.0, when=start, answer="SELECT name FROM customers JOIN orders USING (id);", checks=[missing])
    graded(ada, lab, 1.0, when=start + timedelta(minutes=30), answer=SOLUTION)
    same_but_spaced = "select name  from customers join orders using (id) -- try"
    graded(bob, lab, 0.0, when=start, answer=same_but_spaced, checks=[missing])
    graded(bob, lab, 0.0, when=start + timedelta(minutes=1), answer="SELECT 42", checks=[missing])
    graded(cyd, lab, 1.0, when=start, answer=SOLUTION)
    member(cohort, "dan")
    report = analytics.analyze_lab(cohort, lab)
    assert (report.attempted, report.passed, report.pass_rate, report.learner_count) == (3, 2, 67, 4)
    assert report.median_attempts_to_pass == 1.5
    assert report.median_minutes_to_pass == 15.0
    assert [(c.name, c.failures, c.learners) for c in report.failing_checks] == [("rows match", 3, 2)]
    assert report.failing_checks[0].message.startswith("Expected 4 rows")
    top = report.wrong_answers[0]
    assert (top.learners, top.submissions) == (2, 2)  # same query up to case, spacing and a comment
    client.force_login(cohort.instructor)
    page = client.get(f"/teach/cohorts/{cohort.pk}/labs/{lab.key}/").content.decode()
    assert "67%" in page and "a customer without orders is missing" in page


# --------------------------------------------------------------------------- review and overrides


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("SELECT count(*) FROM t WHERE a=1;", "select COUNT( * )\nfrom t where a = 1 -- my try"),
        ("SELECT a /* first */ FROM t", "select a from t;"),
        ('[{"$match": {"status": "paid"}}]', '[ { "$match" : { "status" : "paid" } } ]'),
    ],
)
def test_answers_that_differ_only_in_layout_are_grouped_as_the_same_answer(one, other):
    assert analytics.normalize_answer(one) == analytics.normalize_answer(other)


@pytest.mark.parametrize(
    ("one", "other"),
    [("SELECT a FROM t WHERE a > 1", "SELECT a FROM t WHERE a >= 1"), ("SELECT 'Paid'", "SELECT 'Cancelled'")],
)
def test_answers_that_differ_in_meaning_are_kept_apart(one, other):
    assert analytics.normalize_answer(one) != analytics.normalize_answer(other)


def test_an_override_needs_a_reason_is_audited_and_changes_the_gradebook(lab, cohort):
    ada = member(cohort, "ada")
    submission = graded(ada, lab, 0.5)
    with pytest.raises(ReviewInvalid, match="Write a comment"):
        review(cohort, submission, "  ", score_action="set", score_percent="90")
    with pytest.raises(ReviewInvalid, match="between 0 and 100"):
        review(cohort, submission, "why", score_action="set", score_percent="150")
    assert Review.objects.count() == 0
    review(cohort, submission, "Your join is right; the grader missed it.", score_action="set",
                      score_percent="100")
    book = gradebook.build_gradebook(cohort)
    assert book.rows[0].labs[book.labs.index(lab)].best == 1.0
    review(cohort, submission, "On second thoughts, no.", score_action="clear")
    audit = list(submission.reviews.values_list("changes_score", "score_before", "score_after"))
    assert audit == [(True, 0.5, 1.0), (True, 1.0, 0.5)]
    submission.refresh_from_db()
    assert submission.override_score is None and submission.effective_score == 0.5


def test_the_learner_sees_the_instructors_comment_and_override(lab, cohort, client):
    ada = member(cohort, "ada")
    submission = graded(ada, lab, 0.5)
    client.force_login(cohort.instructor)
    response = client.post(
        f"/teach/cohorts/{cohort.pk}/submissions/{submission.pk}/",
        {"text": "Accepted: the tie order was not asked for.", "score_action": "set", "score": "100"},
    )
    assert response.status_code == 302
    refused = client.post(
        f"/teach/cohorts/{cohort.pk}/submissions/{submission.pk}/", {"text": "", "score_action": "set", "score": "1"}
    )
    assert refused.status_code == 422 and "Write a comment" in refused.content.decode()
    client.force_login(ada)
    page = client.get(f"/submissions/{submission.pk}/").content.decode()
    assert "Accepted: the tie order was not asked for." in page
    assert "The instructor changed this score to <strong>100%</strong>" in page


# --------------------------------------------------------------------------- deadlines and feedback


@pytest.mark.parametrize(
    ("mode", "due_in_days", "visible"),
    [
        (FeedbackMode.IMMEDIATE, None, True),
        (FeedbackMode.HIDDEN, None, False),
        (FeedbackMode.AFTER_DEADLINE, 1, False),
        (FeedbackMode.AFTER_DEADLINE, -1, True),
    ],
)
def test_feedback_visibility_decides_what_the_learner_sees(lab, cohort, client, mode, due_in_days, visible):
    due = timezone.now() + timedelta(days=due_in_days) if due_in_days is not None else None
    LabPolicy.objects.create(cohort=cohort, lab=lab, feedback=mode, due_at=due)
    ada = member(cohort, "ada")
    submission = graded(ada, lab, 0.0, checks=[failed_check("rows match", "A customer without orders is missing.")])
    client.force_login(ada)
    for path in (f"/submissions/{submission.pk}/", f"/labs/{lab.key}/"):
        page = client.get(path).content.decode()
        assert ("A customer without orders is missing." in page) == visible, path
        assert ("Score: <strong>0%</strong>" in page) == visible, path
        assert ("received and graded" in page) != visible, path


def test_settings_refuse_feedback_after_a_deadline_that_is_not_set_and_save_nothing(lab, cohort, client):
    project = Project.objects.get(key="proj-one")
    client.force_login(cohort.instructor)
    url = f"/teach/cohorts/{cohort.pk}/settings/"
    form = {f"lab-{lab.pk}-feedback": "after_deadline", f"project-{project.pk}-due": "2030-01-01T10:00"}
    bad = client.post(url, form)
    assert bad.status_code == 422
    assert "needs a deadline" in bad.content.decode() and "2030-01-01T10:00" in bad.content.decode()  # input kept
    assert not LabPolicy.objects.exists() and not ProjectPolicy.objects.exists()
    not_a_date = client.post(url, {f"lab-{lab.pk}-due": "tomorrow-ish"})
    assert not_a_date.status_code == 422 and "not a valid date" in not_a_date.content.decode()
    good = client.post(
        url, {f"lab-{lab.pk}-feedback": "after_deadline", f"lab-{lab.pk}-due": "2030-01-01T10:00"}, follow=True
    )
    assert "Deadlines and feedback settings saved." in good.content.decode()
    policy = LabPolicy.objects.get(cohort=cohort, lab=lab)
    assert policy.feedback == "after_deadline" and timezone.localtime(policy.due_at).hour == 10
    assert 'value="2030-01-01T10:00"' in good.content.decode()


def test_the_learner_sees_the_deadline_and_late_marks_on_the_lab_page(lab, cohort, client):
    due = timezone.now() - timedelta(hours=2)
    LabPolicy.objects.create(cohort=cohort, lab=lab, due_at=due)
    ada = member(cohort, "ada")
    graded(ada, lab, 1.0)
    client.force_login(ada)
    page = client.get(f"/labs/{lab.key}/").content.decode()
    assert "Due <time" in page and '<span class="late">late</span>' in page


def test_project_grades_are_set_per_learner_and_late_against_the_project_deadline(synced_course, cohort, client):
    project = Project.objects.get(key="proj-one")
    ProjectPolicy.objects.create(cohort=cohort, project=project, due_at=timezone.now() - timedelta(days=1))
    ada = member(cohort, "ada")
    client.force_login(cohort.instructor)
    url = f"/teach/cohorts/{cohort.pk}/learners/{ada.pk}/projects/{project.key}/"
    page = client.post(url, {"score": "not a number"}, follow=True).content.decode()
    assert "must be a number of percent" in page
    client.post(url, {"score": "85", "comment": "Solid ERD."})
    book = gradebook.build_gradebook(cohort)
    cell = book.rows[0].projects[0]
    assert cell.score == 0.85 and cell.late  # handed in now, after yesterday's deadline
    client.force_login(ada)
    page = client.get(f"/projects/{project.key}/").content.decode()
    assert "Your grade: 85%" in page and "Solid ERD." in page
    client.force_login(UserFactory())
    assert "Your grade" not in client.get(f"/projects/{project.key}/").content.decode()


# --------------------------------------------------------------------------- regrade (real sandboxes)


@pytest.mark.slow
def test_regrading_a_lab_for_a_cohort_shows_scores_before_and_after(
    lab, cohort, client, django_capture_on_commit_callbacks
):
    """Celery runs eagerly in tests: each submission is really graded again in a sandbox."""
    ada, bob = member(cohort, "ada"), member(cohort, "bob")
    stale = graded(ada, lab, 0.0, answer=SOLUTION)  # as if graded by an older, stricter lab
    wrong = graded(bob, lab, 0.0, answer=WRONG)
    Submission.objects.filter(pk=wrong.pk).update(override_score=0.5)
    outsider = graded(UserFactory(), lab, 0.0, answer=SOLUTION)
    client.force_login(cohort.instructor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/teach/cohorts/{cohort.pk}/labs/{lab.key}/regrade/confirm/", {"scope": "all", "version": lab.content_hash}
        )
    job = RegradeJob.objects.get()
    assert response["Location"] == f"/teach/cohorts/{cohort.pk}/regrades/{job.pk}/"
    assert job.status == RegradeJob.Status.DONE and job.total == 2
    changes = {c.submission_id: (c.before, c.after) for c in job.changes.all()}
    assert changes == {stale.pk: (0.0, 1.0), wrong.pk: (0.0, 0.0)}
    wrong.refresh_from_db()
    assert wrong.override_score == 0.5  # an instructor's decision survives a regrade
    outsider.refresh_from_db()
    assert outsider.score == 0.0  # another cohort's work is not touched
    page = client.get(response["Location"]).content.decode()
    assert "2 of 2 regraded" in page and "1 score changed" in page and "override 50% kept" in page


def test_a_regrade_job_done_twice_for_one_submission_records_one_change(lab, cohort, monkeypatch):
    from apps.dashboard import services

    ada = member(cohort, "ada")
    submission = graded(ada, lab, 0.0, answer="SELECT 1")
    monkeypatch.setattr(services, "_enqueue_regrades", lambda job_id, ids: None)
    job = start_regrade(cohort, lab, cohort.instructor, submission=submission)
    grades = []
    monkeypatch.setattr(
        "apps.grading.services.grade_answer",
        lambda lab, answer: grades.append(answer) or {"gradable": False, "status": "platform_error",
                                                       "message": "sandbox did not start", "score": 0.0},
    )
    services.regrade_one_for_job(job.pk, submission.pk)
    services.regrade_one_for_job(job.pk, submission.pk)  # a redelivered message
    job.refresh_from_db()
    assert len(grades) == 1 and job.changes.count() == 1 and job.status == RegradeJob.Status.DONE
    change = job.changes.get()
    assert change.before == change.after == 0.0 and "kept the earlier verdict" in change.note
    submission.refresh_from_db()
    assert submission.status == Submission.Status.DONE and submission.counted


# --------------------------------------------------------------------------- demo data


@pytest.mark.slow
def test_the_demo_seed_gives_the_demo_instructor_graded_classmates_once(
    db, settings, django_capture_on_commit_callbacks
):
    """What `make run` shows the demo instructor: real answers, really graded (eagerly here)."""
    from pathlib import Path

    from django.core.management import call_command

    from apps.accounts.models import Cohort

    curriculum = Path(__file__).resolve().parents[2] / "curriculum"
    settings.CURRICULUM_DIR = curriculum
    sync_curriculum(curriculum)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", "--with-submissions", stdout=io.StringIO())
    cohort = Cohort.objects.get(name="Demo cohort", instructor__username="demo-instructor")
    book = gradebook.build_gradebook(cohort)
    assert len(book.rows) == 9  # the demo learner and eight classmates
    seeded = Submission.objects.filter(user__cohorts=cohort)
    assert seeded.count() > 20
    assert not seeded.exclude(status=Submission.Status.DONE).exists()  # every answer got a real verdict
    scores = set(seeded.values_list("score", flat=True))
    assert 1.0 in scores and min(scores) < 1.0
    assert any(cell.late for row in book.rows for cell in row.labs)
    assert {s.learner.username for s in analytics.summarize_cohort(cohort).stuck} >= {"goran"}
    before = Submission.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", "--with-submissions", stdout=io.StringIO())
    assert Submission.objects.count() == before


def test_the_sweeper_finishes_a_regrade_whose_messages_were_lost(lab, cohort, monkeypatch):
    from apps.dashboard import services

    ada, bob = member(cohort, "ada"), member(cohort, "bob")
    first, second = graded(ada, lab, 0.0, answer=SOLUTION), graded(bob, lab, 0.0, answer=WRONG)
    monkeypatch.setattr(services, "_enqueue_regrades", lambda job_id, ids: None)  # the broker lost them
    job = start_regrade(cohort, lab, cohort.instructor)
    monkeypatch.undo()
    services.regrade_one_for_job(job.pk, first.pk)  # one part did run
    assert services.sweep_stuck_regrades() == []  # too early to call it stuck
    later = timezone.now() + timedelta(hours=1)
    assert services.sweep_stuck_regrades(now=later) == [job.pk]  # tasks run eagerly in tests
    job.refresh_from_db()
    assert job.status == RegradeJob.Status.DONE and job.changes.count() == 2
    assert job.changes.get(submission=second).note == ""  # graded for real, not skipped
    assert services.sweep_stuck_regrades(now=later) == []


def test_a_double_click_starts_one_regrade_and_saves_one_review(lab, cohort):
    ada = member(cohort, "ada")
    submission = graded(ada, lab, 0.0, answer=SOLUTION)
    first = start_regrade(cohort, lab, cohort.instructor)  # its tasks never run: on_commit is not called here
    assert start_regrade(cohort, lab, cohort.instructor) == first
    single = start_regrade(cohort, lab, cohort.instructor, submission=submission)
    assert single != first and start_regrade(cohort, lab, cohort.instructor, submission=submission) == single
    for _ in range(2):
        review(cohort, submission, "Nice.", score_action="set", score_percent="70")
    assert submission.reviews.count() == 1
    review(cohort, submission, "Second thoughts.", score_action="set", score_percent="60")
    assert submission.reviews.count() == 2
