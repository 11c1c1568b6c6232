"""The instructor's side of the answer diff: what changed between two of a learner's graded
attempts on one lab. Reached through ``access_cohort_as_instructor`` like every cohort page."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from apps.accounts.access import access_cohort_as_instructor
from apps.courses.models import Lab
from apps.grading.answer_diff import compare_attempt_answers
from apps.grading.models import Submission

ATTEMPTS_LISTED = 100


@login_required
def learner_answer_compare(request, cohort_id: int, user_id: int, key: str):
    cohort = access_cohort_as_instructor(request.user, cohort_id)
    learner = cohort.learners.filter(pk=user_id).first()
    if learner is None:
        raise Http404("No such learner in this cohort")
    lab = get_object_or_404(Lab, key=key)
    # The graded attempts, as the learner's page in the dashboard lists them (Runs are drafts).
    attempts = Submission.objects.filter(user=learner, lab=lab, kind=Submission.Kind.SUBMIT)[:ATTEMPTS_LISTED]
    comparison = compare_attempt_answers(attempts, request.GET.get("before"), request.GET.get("after"))
    context = {
        "cohort": cohort,
        "learner": learner,
        "lab": lab,
        "comparison": comparison,
        "form_action": request.path,
        "whose": f"{learner.get_full_name() or learner.username}'s",
        "section": "gradebook",
    }
    return render(request, "grading/answer_compare.html", context)
