"""The learner's side of the answer diff: what changed between two of their own attempts."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from apps.courses.models import Lab
from apps.grading.answer_diff import compare_attempt_answers
from apps.grading.models import Submission

ATTEMPTS_LISTED = 50  # the choices offered; older attempts stay on their own pages


@login_required
def answer_compare(request, key: str):
    """Two of the learner's attempts on a lab (``?before=&after=``; default: the latest and
    the one before it), their answers' diff. Only this learner's attempts can be picked."""
    lab = get_object_or_404(Lab, key=key, retired=False)
    attempts = Submission.objects.filter(user=request.user, lab=lab)[:ATTEMPTS_LISTED]
    comparison = compare_attempt_answers(attempts, request.GET.get("before"), request.GET.get("after"))
    context = {"lab": lab, "comparison": comparison, "form_action": request.path, "whose": "Your"}
    return render(request, "grading/answer_compare.html", context)
