"""Instructor pages. Every view that names a cohort goes through
``access_cohort_as_instructor`` first; everything a view shows is read through it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.access import access_cohort_as_instructor, cohorts_taught_by
from apps.accounts.forms import CohortForm
from apps.accounts.services import create_cohort
from apps.courses.models import Lab, Project
from apps.dashboard import analytics, gradebook
from apps.dashboard.models import (
    FeedbackDetail,
    FeedbackMode,
    LabPolicy,
    ProjectGrade,
    ProjectPolicy,
    RegradeJob,
    SolutionRelease,
)
from apps.dashboard.policies import PolicyInvalid, PolicyRow, parse_local_datetime, save_cohort_policies
from apps.dashboard.services import (
    SCORE_NOT_YOURS,
    RegradeStale,
    ReviewInvalid,
    apply_regrade_preview,
    grade_project,
    may_change_score,
    review_submission,
    start_regrade,
    summarize_cohort_progress,
)
from apps.grading.models import Submission
from apps.projects.services import summarize_learner_projects
from apps.projects.specs import has_grading


def _require_instructor(user) -> None:
    if not user.is_instructor:
        raise Http404("Instructor pages are for instructors")


@login_required
@require_http_methods(["GET", "POST"])
def cohort_list(request):
    _require_instructor(request.user)
    form = CohortForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        cohort = create_cohort(request.user, form.cleaned_data["name"])
        messages.success(request, f"Cohort “{cohort.name}” created. Share its invite link with your learners.")
        return redirect("dashboard:cohort", cohort_id=cohort.pk)
    cohorts = cohorts_taught_by(request.user).prefetch_related("learners")
    return render(request, "dashboard/cohorts.html", {"cohorts": cohorts, "form": form})


def _whole_number(value, default: int, low: int, high: int) -> int:
    try:
        return min(max(int(value), low), high)
    except (TypeError, ValueError):
        return default


@login_required
def cohort_detail(request, cohort_id: int):
    cohort = access_cohort_as_instructor(request.user, cohort_id)
    invite_url = request.build_absolute_uri(f"/accounts/join/{cohort.invite_code}/")
    overview = analytics.summarize_cohort(
        cohort,
        inactive_days=_whole_number(request.GET.get("inactive_days"), analytics.INACTIVE_DAYS, 1, 365),
        stuck_attempts=_whole_number(request.GET.get("attempts"), analytics.STUCK_ATTEMPTS, 1, 100),
    )
    return render(
        request,
        "dashboard/cohort_detail.html",
        {
            "cohort": cohort,
            "invite_url": invite_url,
            "table": summarize_cohort_progress(cohort),
            "overview": overview,
            "labs": gradebook.list_gradebook_labs(),
            "section": "overview",
        },
    )


@login_required
def gradebook_page(request, cohort_id: int):
    cohort = access_cohort_as_instructor(request.user, cohort_id)
    book = gradebook.build_gradebook(cohort)
    sort = request.GET.get("sort", "learner")
    desc = request.GET.get("dir") == "desc"
    q = request.GET.get("q", "").strip()
    show = request.GET.get("show", "all")
    rows = gradebook.filter_and_sort(book, q=q, show=show, sort=sort, desc=desc)
    return render(
        request,
        "dashboard/gradebook.html",
        {
            "cohort": cohort,
            "book": book,
            "rows": rows,
            "sort": sort,
            "desc": desc,
            "q": q,
            "show": show,
            "shows": gradebook.SHOWS,
            "default_exercise_points": gradebook.default_exercise_points(book.labs),
            "section": "gradebook",
        },
    )


@login_required
@require_POST
def gradebook_weights(request, cohort_id: int):
    """Save what all exercises together are worth in the cohort's gradebook total."""
    cohort = access_cohort_as_instructor(request.user, cohort_id)
    try:
        points = gradebook.set_exercise_points(cohort, request.POST.get("exercise_points", ""))
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        worth = "as much as an average lab" if points is None else f"{points} point{'s' if points != 1 else ''}"
        messages.success(request, f"Saved: all exercises together are worth {worth}.")
    return redirect("dashboard:gradebook", cohort_id=cohort.pk)


def _csv_response(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def gradebook_csv(request, cohort_id: int):
    cohort = access_cohort_as_instructor(request.user, cohort_id)
    text = gradebook.export_gradebook_csv(gradebook.build_gradebook(cohort))
    return _csv_response(text, f"{slugify(cohort.name) or 'cohort'}-gradebook.csv")


@login_required
def gradebook_canvas_csv(request, cohort_id: int):
    cohort = access_cohort_as_instructor(request.user, cohort_id)
    text = gradebook.export_canvas_csv(gradebook.build_gradebook(cohort))
    return _csv_response(text, f"{slugify(cohort.name) or 'cohort'}-canvas.csv")


@login_required
def lab_analytics(request, cohort_id: int, key: str):
    cohort = access_cohort_as_instructor(request.user, cohort_id)
    lab = get_object_or_404(Lab, key=key)
    report = analytics.analyze_lab(cohort, lab)
    jobs = RegradeJob.objects.filter(cohort=cohort, lab=lab)[:5]
    return render(
        request,
        "dashboard/lab_analytics.html",
        {"cohort": cohort, "lab": lab, "report": report, "jobs": jobs, "section": "gradebook"},
    )


@login_required
@require_POST
def lab_regrade(request, cohort_id: int, key: str):
    """Preview (``mode=preview``) the score changes a regrade would make; a real regrade goes
    through its confirmation page."""
    cohort = access_cohort_as_instructor(request.user, cohort_id)
    lab = get_object_or_404(Lab, key=key)
    if request.POST.get("mode") != "preview":
        # A regrade writes verdicts: first the page that says what it will touch (version_views).
        return redirect(reverse("dashboard:lab_regrade_confirm", args=[cohort.pk, lab.key]) + "?scope=all")
    job = start_regrade(cohort, lab, request.user, preview=True)
    return redirect("dashboard:regrade", cohort_id=cohort.pk, job_id=job.pk)


@login_required
@require_POST
def regrade_apply(request, cohort_id: int, job_id: int):
    cohort = access_cohort_as_instructor(request.user, cohort_id)
    job = get_object_or_404(RegradeJob.objects.select_related("lab"), pk=job_id, cohort=cohort)
    try:
        applied = apply_regrade_preview(job)
    except RegradeStale as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Applied: {applied} verdict{'s' if applied != 1 else ''} written.")
    return redirect("dashboard:regrade", cohort_id=cohort.pk, job_id=job.pk)


@login_required
def regrade_detail(request, cohort_id: int, job_id: int):
    cohort = access_cohort_as_instructor(request.user, cohort_id)
    job = get_object_or_404(RegradeJob.objects.select_related("lab"), pk=job_id, cohort=cohort)
    changes = list(job.changes.select_related("submission__user").order_by("submission__user__username", "pk"))
    context = {
        "cohort": cohort,
        "job": job,
        "changes": changes,
        "done": len(changes),
        "moved": sum(1 for c in changes if c.before != c.after),
        "applied": sum(1 for c in changes if c.applied),
        "section": "gradebook",
    }
    template = "dashboard/_regrade_progress.html" if request.htmx else "dashboard/regrade.html"
    return render(request, template, context)


def _learner_in(cohort, user_id: int):
    learner = cohort.learners.filter(pk=user_id).first()
    if learner is None:
        raise Http404("No such learner in this cohort")
    return learner


@login_required
def learner_detail(request, cohort_id: int, user_id: int):
    cohort = access_cohort_as_instructor(request.user, cohort_id)
    learner = _learner_in(cohort, user_id)
    submissions = Submission.objects.filter(user=learner, kind=Submission.Kind.SUBMIT).select_related("lab")
    lab_key = request.GET.get("lab")
    if lab_key:
        submissions = submissions.filter(lab__key=lab_key)
    grades = {g.project_id: g for g in ProjectGrade.objects.filter(cohort=cohort, learner=learner)}
    statuses = summarize_learner_projects(cohort, learner)
    projects = [
        (p, grades.get(p.pk), statuses.get(p.pk)) for p in Project.objects.filter(retired=False).order_by("order")
    ]
    return render(
        request,
        "dashboard/learner.html",
        {
            "cohort": cohort,
            "learner": learner,
            "submissions": submissions[:200],
            "lab_key": lab_key,
            "hint_reveals": gradebook.list_hint_reveals(learner),
            "projects": projects,
            # Projects with a grading.toml are graded by rubric, not by the one-score form.
            "rubric_projects": {p.key for p, _, _ in projects if has_grading(p)},
            "section": "gradebook",
        },
    )


@login_required
@require_POST
def project_grade(request, cohort_id: int, user_id: int, key: str):
    cohort = access_cohort_as_instructor(request.user, cohort_id)
    learner = _learner_in(cohort, user_id)
    project = get_object_or_404(Project, key=key)
    try:
        handed_in = parse_local_datetime(request.POST.get("handed_in_at", ""))
        grade_project(
            cohort,
            learner,
            project,
            score_percent=request.POST.get("score"),
            handed_in_at=handed_in,
            comment=request.POST.get("comment", ""),
            graded_by=request.user,
        )
    except ValueError as exc:
        bad_time = ["The hand-in time is not a valid date and time."]
        problems = exc.problems if isinstance(exc, ReviewInvalid) else bad_time
        for problem in problems:
            messages.error(request, f"{project.title}: {problem}")
    else:
        messages.success(request, f"Saved the grade for “{project.title}”.")
    return redirect("dashboard:learner", cohort_id=cohort.pk, user_id=learner.pk)


def _submission_in(cohort, submission_id: int) -> Submission:
    submission = get_object_or_404(Submission.objects.select_related("lab", "user"), pk=submission_id)
    if not cohort.learners.filter(pk=submission.user_id).exists():
        raise Http404("No such submission in this cohort")
    return submission


@login_required
@require_http_methods(["GET", "POST"])
def submission_review(request, cohort_id: int, submission_id: int):
    cohort = access_cohort_as_instructor(request.user, cohort_id)
    submission = _submission_in(cohort, submission_id)
    problems, form = [], {"text": "", "score_action": "keep", "score": ""}
    if request.method == "POST":
        form = {k: request.POST.get(k, form[k]) for k in form}
        try:
            review_submission(
                submission,
                request.user,
                form["text"],
                cohort=cohort,
                score_action=form["score_action"],
                score_percent=form["score"],
            )
        except ReviewInvalid as exc:
            problems = exc.problems
        else:
            messages.success(request, "Review saved; the learner sees it with their attempt.")
            return redirect("dashboard:submission", cohort_id=cohort.pk, submission_id=submission.pk)
    submission.refresh_from_db()
    return render(
        request,
        "dashboard/review.html",
        {
            "cohort": cohort,
            "submission": submission,
            "lab": submission.lab,
            # Another cohort's instructor's comments stay theirs (rows before reviews named a
            # cohort are shown to everyone, as they were).
            "reviews": submission.reviews.filter(Q(cohort=cohort) | Q(cohort__isnull=True)).select_related("author"),
            "may_change_score": may_change_score(request.user, submission.user),
            "score_not_yours": SCORE_NOT_YOURS,
            "problems": problems,
            "form": form,
            "jobs": RegradeJob.objects.filter(cohort=cohort, lab=submission.lab)[:3],
            "section": "gradebook",
        },
        status=422 if problems else 200,
    )


@login_required
@require_POST
def submission_regrade(request, cohort_id: int, submission_id: int):
    cohort = access_cohort_as_instructor(request.user, cohort_id)
    submission = _submission_in(cohort, submission_id)
    job = start_regrade(cohort, submission.lab, request.user, submission=submission)
    return redirect("dashboard:regrade", cohort_id=cohort.pk, job_id=job.pk)


@login_required
@require_http_methods(["GET", "POST"])
def cohort_settings(request, cohort_id: int):
    cohort = access_cohort_as_instructor(request.user, cohort_id)
    labs = gradebook.list_gradebook_labs()
    projects = list(Project.objects.filter(retired=False).order_by("order"))
    problems = []
    if request.method == "POST":
        rows = []
        for item in [*labs, *projects]:
            kind = "lab" if isinstance(item, Lab) else "project"
            try:
                due = parse_local_datetime(request.POST.get(f"{kind}-{item.pk}-due", ""))
            except ValueError:
                problems.append(f"“{item.title}”: the deadline is not a valid date and time.")
                continue
            feedback = request.POST.get(f"lab-{item.pk}-feedback", FeedbackMode.IMMEDIATE)
            detail = request.POST.get(f"lab-{item.pk}-detail", FeedbackDetail.FULL)
            solution = request.POST.get(f"lab-{item.pk}-solution", SolutionRelease.STANDARD)
            if kind == "lab":
                rows.append(PolicyRow(item, None, due, feedback, detail, solution))
            else:
                rows.append(PolicyRow(None, item, due))
        if not problems:
            try:
                save_cohort_policies(cohort, rows)
            except PolicyInvalid as exc:
                problems = exc.problems
            else:
                messages.success(request, "Deadlines and feedback settings saved.")
                return redirect("dashboard:settings", cohort_id=cohort.pk)
    lab_policies = {p.lab_id: p for p in LabPolicy.objects.filter(cohort=cohort)}
    project_policies = {p.project_id: p for p in ProjectPolicy.objects.filter(cohort=cohort)}
    lab_rows = [
        {
            "lab": lab,
            "due": request.POST.get(f"lab-{lab.pk}-due") if problems else _local_input(lab_policies.get(lab.pk)),
            "feedback": request.POST.get(f"lab-{lab.pk}-feedback")
            if problems
            else getattr(lab_policies.get(lab.pk), "feedback", FeedbackMode.IMMEDIATE),
            "detail": request.POST.get(f"lab-{lab.pk}-detail")
            if problems
            else getattr(lab_policies.get(lab.pk), "detail", FeedbackDetail.FULL),
            "solution": request.POST.get(f"lab-{lab.pk}-solution")
            if problems
            else getattr(lab_policies.get(lab.pk), "solution", SolutionRelease.STANDARD),
        }
        for lab in labs
    ]
    project_rows = [
        {
            "project": project,
            "due": request.POST.get(f"project-{project.pk}-due")
            if problems
            else _local_input(project_policies.get(project.pk)),
        }
        for project in projects
    ]
    return render(
        request,
        "dashboard/settings.html",
        {
            "cohort": cohort,
            "lab_rows": lab_rows,
            "project_rows": project_rows,
            "modes": FeedbackMode.choices,
            "details": FeedbackDetail.choices,
            "solution_modes": SolutionRelease.choices,
            "problems": problems,
            "section": "settings",
        },
        status=422 if problems else 200,
    )


def _local_input(policy) -> str:
    if policy is None or policy.due_at is None:
        return ""
    return timezone.localtime(policy.due_at).strftime("%Y-%m-%dT%H:%M")
