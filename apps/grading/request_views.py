"""Pages for regrade requests (learner and instructor) and for per-learner lab extensions
(instructor). Thin: every decision is in ``regrade_requests`` and ``extensions``; every
instructor view goes through ``access_cohort_as_instructor`` first."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.access import access_cohort_as_instructor
from apps.courses.models import Lab
from apps.dashboard.models import LabPolicy
from apps.dashboard.policies import parse_local_datetime
from apps.dashboard.services import may_change_score
from apps.grading import extensions as ext
from apps.grading import regrade_requests as rr
from apps.grading.models import LabAttemptLimit, LabExtension, RegradeRequest, Submission

# --------------------------------------------------------------------------- learner


@login_required
@require_POST
def ask_about_verdict(request, submission_id: int):
    submission = get_object_or_404(Submission.objects.select_related("lab"), pk=submission_id)
    if submission.user_id != request.user.pk:
        raise Http404("No such submission")  # never reveal another learner's work
    try:
        thread = rr.ask_about_verdict(submission, request.user, request.POST.get("body", ""))
    except rr.RequestInvalid as exc:
        for problem in exc.problems:
            messages.error(request, problem)
        return redirect("grading:submission", submission_id=submission.pk)
    messages.success(request, "Your question was sent to your instructor. Their answer appears here.")
    return redirect("grading:request", request_id=thread.pk)


@login_required
@require_http_methods(["GET", "POST"])
def request_thread(request, request_id: int):
    thread = rr.access_request_as_learner(request.user, request_id)
    problems, body = [], ""
    if request.method == "POST":
        body = request.POST.get("body", "")
        try:
            rr.reply_as_learner(thread, request.user, body)
        except rr.RequestInvalid as exc:
            problems = exc.problems
        else:
            messages.success(request, "Message sent to your instructor.")
            return redirect("grading:request", request_id=thread.pk)
    context = {
        "thread": thread,
        "submission": thread.submission,
        "lab": thread.submission.lab,
        "thread_messages": rr.list_thread(thread),
        "problems": problems,
        "body": body,
    }
    return render(request, "grading/request_thread.html", context, status=422 if problems else 200)


# --------------------------------------------------------------------------- instructor: requests


@login_required
def cohort_requests(request, cohort_id: int):
    cohort = access_cohort_as_instructor(request.user, cohort_id)
    show_closed = request.GET.get("show") == "all"
    rows = RegradeRequest.objects.filter(cohort=cohort).select_related("learner", "submission__lab")
    if not show_closed:
        rows = rows.exclude(status=RegradeRequest.Status.CLOSED)
    context = {"cohort": cohort, "requests": rows[:300], "show_closed": show_closed, "section": "requests"}
    return render(request, "grading/cohort_requests.html", context)


ACTIONS = {"answer", "regrade", "override", "close"}


@login_required
@require_http_methods(["GET", "POST"])
def instructor_thread(request, cohort_id: int, request_id: int):
    cohort = access_cohort_as_instructor(request.user, cohort_id)
    thread = rr.access_request_as_instructor(request.user, cohort, request_id)
    problems, form = [], {"body": "", "score": ""}
    if request.method == "POST":
        form = {"body": request.POST.get("body", ""), "score": request.POST.get("score", "")}
        action = request.POST.get("action", "")
        try:
            if action not in ACTIONS:
                raise rr.RequestInvalid([f"Unknown action {action!r}: answer, regrade, override or close."])
            if action == "answer":
                rr.answer_request(thread, request.user, form["body"])
                messages.success(request, f"Answer sent; {thread.learner.username} sees it with their attempt.")
            elif action == "regrade":
                job = rr.regrade_from_request(thread, request.user, form["body"])
                messages.success(request, "Regrade started and the request closed as regraded.")
                return redirect("dashboard:regrade", cohort_id=cohort.pk, job_id=job.pk)
            elif action == "override":
                rr.override_from_request(thread, request.user, form["body"], form["score"])
                messages.success(request, "Score overridden and the request closed.")
            else:
                rr.close_request(thread, request.user, form["body"])
                messages.success(request, "Request closed.")
        except rr.RequestInvalid as exc:
            problems = exc.problems
        else:
            return redirect("grading:teach_request", cohort_id=cohort.pk, request_id=thread.pk)
    submission = thread.submission
    submission.refresh_from_db()
    context = {
        "cohort": cohort,
        "thread": thread,
        "submission": submission,
        "lab": submission.lab,
        "thread_messages": rr.list_thread(thread),
        "may_change_score": may_change_score(request.user, thread.learner),
        "problems": problems,
        "form": form,
        "section": "requests",
    }
    return render(request, "grading/instructor_thread.html", context, status=422 if problems else 200)


# --------------------------------------------------------------------------- instructor: extensions


def _whole(value: str, what: str) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise ext.ExtensionInvalid([f"{what} must be a whole number."]) from None


def _apply_extension_form(request, cohort, lab) -> str:
    """Carry out one POST of the extensions page; returns the success message."""
    action = request.POST.get("action", "")
    if action == "limit":
        limit = _whole(request.POST.get("max_attempts", ""), "The attempt limit")
        ext.set_attempt_limit(cohort, lab, limit, set_by=request.user)
        return f"Attempt limit {'set to ' + str(limit) if limit else 'removed'} for “{lab.title}”."
    learner = cohort.learners.filter(pk=_whole(request.POST.get("learner", ""), "The learner") or 0).first()
    if learner is None:
        raise ext.ExtensionInvalid(["Choose a learner of this cohort."])
    if action == "revoke":
        removed = ext.revoke_lab_extension(cohort, learner, lab, revoked_by=request.user)
        return f"Extension for {learner.username} removed." if removed else f"{learner.username} had no extension."
    if action != "grant":
        raise ext.ExtensionInvalid([f"Unknown action {action!r}."])
    try:
        due = parse_local_datetime(request.POST.get("due_at", ""))
    except ValueError:
        raise ext.ExtensionInvalid(["The new deadline is not a valid date and time."]) from None
    extra = _whole(request.POST.get("extra_attempts", ""), "Extra attempts") or 0
    ext.grant_lab_extension(
        cohort, learner, lab, granted_by=request.user, due_at=due, extra_attempts=extra,
        reason=request.POST.get("reason", ""),
    )  # fmt: skip
    return f"Extension for {learner.username} on “{lab.title}” saved."


@login_required
@require_http_methods(["GET", "POST"])
def lab_extensions_page(request, cohort_id: int, key: str):
    cohort = access_cohort_as_instructor(request.user, cohort_id)
    lab = get_object_or_404(Lab, key=key)
    problems = []
    if request.method == "POST":
        try:
            message = _apply_extension_form(request, cohort, lab)
        except ext.ExtensionInvalid as exc:
            problems = exc.problems
        else:
            messages.success(request, message)
            return redirect("grading:teach_extensions", cohort_id=cohort.pk, key=lab.key)
    policy = LabPolicy.objects.filter(cohort=cohort, lab=lab).first()
    limit = LabAttemptLimit.objects.filter(cohort=cohort, lab=lab).first()
    extensions = {e.learner_id: e for e in LabExtension.objects.filter(cohort=cohort, lab=lab)}
    learners = list(cohort.learners.order_by("username"))
    rows = [{"learner": learner, "extension": extensions.get(learner.pk)} for learner in learners]
    context = {
        "cohort": cohort,
        "lab": lab,
        "cohort_due_at": policy.due_at if policy else None,
        "limit": limit.max_attempts if limit else None,
        "rows": rows,
        "problems": problems,
        "post": request.POST if problems else {},
        "section": "gradebook",
        "settings_url": reverse("dashboard:settings", args=[cohort.pk]),
    }
    return render(request, "grading/lab_extensions.html", context, status=422 if problems else 200)
