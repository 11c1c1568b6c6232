"""The instructor's "LMS ids" page: how the school's LMS knows each learner of a cohort,
typed in per learner or uploaded as a CSV file. Thin: the rules live in lms_ids.py."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from apps.accounts.access import access_cohort_as_instructor
from apps.dashboard.lms_ids import MAX_ID_LENGTH, LmsIdsInvalid, import_lms_ids_csv, update_lms_ids


@login_required
@require_http_methods(["GET", "POST"])
def lms_ids(request, cohort_id: int):
    cohort = access_cohort_as_instructor(request.user, cohort_id)
    learners = list(cohort.learners.order_by("username"))
    problems: list[str] = []
    typed: dict[int, tuple[str, str]] = {}
    if request.method == "POST" and "file" in request.FILES:
        try:
            changed = import_lms_ids_csv(cohort, request.FILES["file"].read())
        except LmsIdsInvalid as exc:
            problems = exc.problems
        else:
            messages.success(request, f"File read: {changed} learner{'s' if changed != 1 else ''} updated.")
            return redirect("dashboard:lms_ids", cohort_id=cohort.pk)
    elif request.method == "POST" and request.POST.get("action") == "upload":
        problems = ["Choose a CSV file to upload."]
    elif request.method == "POST":
        typed = {
            learner.pk: (request.POST.get(f"lms-{learner.pk}", ""), request.POST.get(f"sis-{learner.pk}", ""))
            for learner in learners
            if f"lms-{learner.pk}" in request.POST or f"sis-{learner.pk}" in request.POST
        }
        try:
            changed = update_lms_ids(cohort, typed)
        except LmsIdsInvalid as exc:
            problems = exc.problems
        else:
            messages.success(request, f"Saved: {changed} learner{'s' if changed != 1 else ''} changed.")
            return redirect("dashboard:lms_ids", cohort_id=cohort.pk)
    rows = []
    for learner in learners:
        # After a refused save the page shows what was typed, so nothing is lost.
        lms, sis = typed.get(learner.pk, (learner.lms_user_id, learner.sis_user_id))
        rows.append({"learner": learner, "lms": lms, "sis": sis})
    return render(
        request,
        "dashboard/lms_ids.html",
        {"cohort": cohort, "rows": rows, "problems": problems, "max_length": MAX_ID_LENGTH, "section": "lms"},
        status=422 if problems else 200,
    )
