from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from apps.accounts.forms import SignupForm
from apps.accounts.models import Cohort
from apps.accounts.services import join_cohort


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("courses:map")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome, {user.username}! Start with week 1 below.")
        next_url = request.GET.get("next", "")
        if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            return redirect(next_url)
        return redirect("courses:map")
    return render(request, "registration/signup.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def join(request, code: str):
    cohort = get_object_or_404(Cohort.objects.select_related("instructor"), invite_code=code)
    if request.method == "POST":
        join_cohort(request.user, cohort)
        messages.success(request, f"You joined {cohort.name}. Your instructor can now see your progress.")
        return redirect("courses:progress")
    already = cohort.learners.filter(pk=request.user.pk).exists()
    return render(request, "accounts/join.html", {"cohort": cohort, "already": already})
