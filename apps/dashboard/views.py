from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from apps.accounts.access import access_cohort_as_instructor, cohorts_taught_by
from apps.accounts.forms import CohortForm
from apps.accounts.services import create_cohort
from apps.dashboard.services import summarize_cohort_progress


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


@login_required
def cohort_detail(request, cohort_id: int):
    cohort = access_cohort_as_instructor(request.user, cohort_id)
    invite_url = request.build_absolute_uri(f"/accounts/join/{cohort.invite_code}/")
    return render(
        request,
        "dashboard/cohort_detail.html",
        {"cohort": cohort, "invite_url": invite_url, "table": summarize_cohort_progress(cohort)},
    )
