import uuid

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import Resolver404, resolve, reverse
from django.views import defaults
from django.views.decorators.http import require_POST

from apps.courses.models import Lab
from apps.courses.rendering import render_markdown
from apps.dashboard.policies import find_lab_rule
from apps.dashboard.solutions import build_worked_solution
from apps.grading.extensions import count_used_attempts
from apps.grading.models import Submission
from apps.grading.plan_pages import compare_submissions, plan_checks
from apps.grading.practice import (
    HintLocked,
    build_hint_ladder,
    group_items_by_week,
    list_graded_items,
    reveal_hint,
    summarize_practice,
)
from apps.grading.services import AnswerInvalid, SubmissionThrottled, load_lab_spec, submit_answer

HISTORY_LENGTH = 20


def _lab_context(request, lab: Lab, answer: str | None = None, problems=None) -> dict:
    spec = load_lab_spec(lab)
    rule = find_lab_rule(request.user, lab)
    history = list(Submission.objects.filter(user=request.user, lab=lab)[:HISTORY_LENGTH])
    for item in history:
        item.late = item.kind == Submission.Kind.SUBMIT and rule.is_late(item.created_at)
    latest = history[0] if history else None
    return {
        "rule": rule,
        "hidden_feedback": _hidden_feedback(rule),
        "lab": lab,
        "spec": spec,
        "instructions": render_markdown(spec.instructions).html,
        "answer": answer if answer is not None else (latest.answer if latest else spec.starter),
        "token": uuid.uuid4(),
        "history": history,
        "latest": latest,
        "problems": problems or [],
        "plan_attempts": [item for item in history if plan_checks(item)],  # for "Compare plans"
        "attempts_used": count_used_attempts(request.user, lab) if rule.max_attempts is not None else None,
        **_exercise_context(request.user, lab, rule),
    }


def _exercise_context(user, lab: Lab, rule) -> dict:
    """An exercise's hint ladder and the worked solution when the instructor's rule releases
    it (apps/dashboard/solutions.py); until then it is nowhere in the page."""
    solution = build_worked_solution(user, lab)
    if not lab.is_exercise:
        return {"solution": solution}
    return {"ladder": build_hint_ladder(user, lab, feedback_visible=rule.feedback_visible()), "solution": solution}


def _verdict_update(request, context: dict, rule) -> HttpResponse:
    """The verdict fragment htmx swaps in; on an exercise, a finished verdict also refreshes
    the hints and the explanation out of band (a fail may unlock a hint, a pass shows the
    explained answer) without a reload."""
    submission = context["submission"]
    if submission.is_finished and submission.user_id == request.user.pk:
        extras = _exercise_context(request.user, submission.lab, rule)
        context = {"lab": submission.lab, **context, **extras, "oob": True}
    return render(request, "grading/_verdict_update.html", context)


def _hidden_feedback(rule) -> str:
    """Why the verdict is withheld, or "" when the learner may see it."""
    return "" if rule.feedback_visible() else rule.explain_hidden()


@login_required
def lab_detail(request, key: str):
    lab = get_object_or_404(Lab, key=key, retired=False)
    return render(request, "grading/lab.html", _lab_context(request, lab))


@login_required
@require_POST
def lab_submit(request, key: str):
    lab = get_object_or_404(Lab, key=key, retired=False)
    answer = request.POST.get("answer", "")
    kind = Submission.Kind.RUN if request.POST.get("action") == "run" else Submission.Kind.SUBMIT
    try:
        token = uuid.UUID(request.POST.get("token", ""))
    except ValueError:
        token = None
    try:
        submission = submit_answer(request.user, lab, answer, kind=kind, client_token=token)
    except AnswerInvalid as exc:
        return _refuse(request, lab, answer, exc.problems, status=422)
    except SubmissionThrottled as exc:
        response = _refuse(request, lab, answer, [exc.message], status=429)
        response["Retry-After"] = str(exc.retry_after)
        return response
    if request.htmx:
        rule = find_lab_rule(request.user, lab)
        context = {"submission": submission, "hidden_feedback": _hidden_feedback(rule), "rule": rule}
        return _verdict_update(request, context, rule)
    return redirect("grading:submission", submission_id=submission.pk)


@login_required
@require_POST
def hint_reveal(request, key: str):
    """Reveal the next step of an exercise's hint ladder; the server decides whether it is
    unlocked (k graded attempts that did not pass for hint k), never the page."""
    lab = get_object_or_404(Lab, key=key, retired=False, kind=Lab.Kind.EXERCISE)
    try:
        step = int(request.POST.get("step", ""))
    except ValueError:
        return HttpResponse("Say which hint: step=1, 2, …", status=400, content_type="text/plain")
    rule = find_lab_rule(request.user, lab)
    try:
        reveal_hint(request.user, lab, step, feedback_visible=rule.feedback_visible())
    except HintLocked as exc:
        return HttpResponse(exc.message, status=403, content_type="text/plain")
    if request.htmx:
        context = {"lab": lab, **_exercise_context(request.user, lab, rule)}
        return render(request, "grading/_exercise_help.html", context)
    return redirect(reverse("grading:lab", args=[lab.key]) + "#hints-heading")


def practice_index(request):
    """/labs/: every lab and exercise by week and lesson, with the learner's state."""
    items = list_graded_items()
    summary = summarize_practice(request.user, items)
    weeks, unattached = group_items_by_week(items, summary.states)
    context = {"weeks": weeks, "unattached": unattached, "summary": summary}
    return render(request, "grading/index.html", context)


def _refuse(request, lab: Lab, answer: str | None, problems: list[str], *, status: int):
    """Nothing is lost: the page comes back with the learner's text and the reasons; htmx
    gets just the reasons, put under the editor (its text is untouched) and not over the verdict.
    The earlier verdict stays, labelled as the earlier attempt's so it is not read as this one's."""
    if request.htmx:
        latest = Submission.objects.filter(user=request.user, lab=lab).first()
        context = {"problems": problems, "latest": latest, "stale_oob": True}
        response = render(request, "grading/_problems.html", context, status=status)
        response["HX-Retarget"] = "#problems"
        response["HX-Reswap"] = "innerHTML"
        return response
    return render(request, "grading/lab.html", _lab_context(request, lab, answer, problems), status=status)


def bad_request(request, exception=None) -> HttpResponse:
    """handler400. A form over DATA_UPLOAD_MAX_MEMORY_SIZE is refused before any view runs (the
    CSRF check reads the body first); on the lab's submit URL, say so where the learner looks."""
    lab = _lab_of_submit_url(request) if isinstance(exception, RequestDataTooBig) else None
    if lab is None or not request.user.is_authenticated:
        return defaults.bad_request(request, exception)
    from labs.answer import MAX_ANSWER_CHARS

    limit_mb = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1024 / 1024
    problem = (
        f"Your answer is too large to send (over {limit_mb:.1f} MB); the limit is {MAX_ANSWER_CHARS:,} characters. "
        "Answers are statements or commands, not data: generate rows with SQL instead of pasting them."
    )
    return _refuse(request, lab, None, [problem], status=413)


def _lab_of_submit_url(request) -> Lab | None:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    if match.view_name != "grading:submit":
        return None
    return Lab.objects.filter(key=match.kwargs["key"], retired=False).first()


@login_required
def submission_detail(request, submission_id: int):
    submission = get_object_or_404(Submission.objects.select_related("lab"), pk=submission_id)
    if submission.user_id != request.user.pk:
        raise Http404("No such submission")  # never reveal another learner's work
    if request.htmx and not submission.is_finished:
        # The page's poll while the answer waits: "queued" or "running" needs none of the
        # rule's, reviews' or requests' queries, and behind a backlog the page asks 20-40
        # times per submission (the load test's web CPU per submission tripled with the queue).
        return render(request, "grading/_submission.html", {"submission": submission, "lab": submission.lab})
    rule = find_lab_rule(request.user, submission.lab)
    context = {
        "submission": submission,
        "lab": submission.lab,
        "hidden_feedback": _hidden_feedback(rule),
        "rule": rule,
        "late": submission.kind == Submission.Kind.SUBMIT and rule.is_late(submission.created_at),
        "reviews": submission.reviews.select_related("author"),
        "regrade_requests": list(submission.regrade_requests.all()),
    }
    context["live_request"] = next((r for r in context["regrade_requests"] if not r.is_closed), None)
    if request.htmx:
        return _verdict_update(request, context, rule)
    return render(request, "grading/submission.html", context)


@login_required
def plan_compare(request, key: str):
    """Two of the learner's own attempts on a lab, their plans side by side with what changed."""
    lab = get_object_or_404(Lab, key=key, retired=False)
    rule = find_lab_rule(request.user, lab)
    comparison = compare_submissions(
        request.user, lab, request.GET.get("before"), request.GET.get("after"), request.GET.get("check", "")
    )
    hidden = _hidden_feedback(rule) or (
        "" if rule.shows_checks else "Your instructor shows the score only for this lab."
    )
    history = Submission.objects.filter(user=request.user, lab=lab)[:HISTORY_LENGTH]
    context = {"lab": lab, "rule": rule, "comparison": comparison, "hidden_feedback": hidden}
    context["plan_attempts"] = [item for item in history if plan_checks(item)]
    return render(request, "grading/plan_compare.html", context)
