"""Instructor pages for content versions: a lab's or project's versions with the diff
between any two and the submissions (or hand-ins) graded against an older one, and the
confirmation every regrade of many goes through. Thin: the logic is in versions.py,
services.py and apps.projects.versions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from apps.accounts.access import access_cohort_as_instructor
from apps.courses.models import Lab, Project
from apps.dashboard.services import start_regrade
from apps.dashboard.versions import (
    SCOPES,
    current_hash,
    diff_versions,
    find_affected_submissions,
    list_project_versions,
    list_versions,
    plan_regrade,
)
from apps.projects.versions import current_project_hash, find_affected_handins, plan_handin_regrade, regrade_handins


def _pick(versions: list, value: str | None, default):
    """The version whose id is ``value`` among this lab's versions; ``default`` otherwise
    (an id of another lab's version is ignored, not shown)."""
    for version in versions:
        if str(version.pk) == (value or ""):
            return version
    return default


def _compared_versions(request, versions: list, target: str) -> dict:
    """The versions page's shared part: the list (newest first), the two picked (?a= older,
    ?b= newer; by default the newest and the one before it), their diff, and whether the
    newest kept version is the one a regrade would grade against (``target``)."""
    new = _pick(versions, request.GET.get("b"), versions[-1] if versions else None)
    older = [v for v in versions if new is not None and v.pk < new.pk]
    old = _pick(versions, request.GET.get("a"), older[-1] if older else None)
    return {
        "versions": list(reversed(versions)),  # newest first reads best in a list
        "old": old,
        "new": new,
        "diffs": diff_versions(old, new) if old and new and old.pk != new.pk else [],
        "target": target,
        "synced": bool(versions) and versions[-1].hash == target,
    }


@login_required
def lab_versions(request, cohort_id: int, key: str):
    cohort = access_cohort_as_instructor(request.user, cohort_id)
    lab = get_object_or_404(Lab, key=key)
    target = current_hash(lab)
    affected = find_affected_submissions(cohort, lab, target)
    return render(
        request,
        "dashboard/lab_versions.html",
        {
            "cohort": cohort,
            "lab": lab,
            **_compared_versions(request, list_versions(lab), target),
            "affected": affected,
            "affected_learners": len({a.submission.user_id for a in affected}),
            "section": "gradebook",
        },
    )


@login_required
def project_versions(request, cohort_id: int, key: str):
    """A project's versions, the diff between any two, and the cohort's hand-ins graded
    against another version than the current one."""
    cohort = access_cohort_as_instructor(request.user, cohort_id)
    project = get_object_or_404(Project, key=key)
    target = current_project_hash(project)
    return render(
        request,
        "dashboard/lab_versions.html",
        {
            "cohort": cohort,
            "lab": project,
            "is_project": True,
            **_compared_versions(request, list_project_versions(project), target),
            "affected": find_affected_handins(cohort, project, target),
            "section": "gradebook",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_regrade_confirm(request, cohort_id: int, key: str):
    """GET: the hand-ins graded against another version, their learners and the version a
    regrade uses. POST: send them to the graders, unless the project changed meanwhile."""
    cohort = access_cohort_as_instructor(request.user, cohort_id)
    project = get_object_or_404(Project, key=key)
    plan = plan_handin_regrade(cohort, project)
    problem = ""
    if request.method == "POST":
        if request.POST.get("version") != plan.version.hash:
            problem = (
                "The project changed since you opened this page. Check what the regrade touches now and confirm again."
            )
        else:
            sent = regrade_handins(cohort, project, plan.handin_ids, request.user)
            if sent:
                messages.success(
                    request, f"{len(sent)} hand-in{'s' if len(sent) != 1 else ''} sent to be graded again."
                )
            else:
                messages.info(request, "Nothing to regrade.")
            return redirect("dashboard:project_versions", cohort_id=cohort.pk, key=project.key)
    return render(
        request,
        "dashboard/project_regrade_confirm.html",
        {"cohort": cohort, "project": project, "plan": plan, "problem": problem, "section": "gradebook"},
        status=409 if problem else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def regrade_confirm(request, cohort_id: int, key: str):
    """GET: what a regrade would touch (submissions, learners, the version). POST: do it,
    unless the lab changed since the page was drawn; then show the new plan instead."""
    cohort = access_cohort_as_instructor(request.user, cohort_id)
    lab = get_object_or_404(Lab, key=key)
    scope = request.POST.get("scope") or request.GET.get("scope") or "all"
    if scope not in SCOPES:
        scope = "all"
    plan = plan_regrade(cohort, lab, scope)
    problem = ""
    if request.method == "POST":
        if request.POST.get("version") != plan.version.hash:
            problem = (
                "The lab changed since you opened this page. Check what the regrade touches now and confirm again."
            )
        elif not plan.count:
            messages.info(request, "Nothing to regrade.")
            return redirect("dashboard:lab_versions", cohort_id=cohort.pk, key=lab.key)
        else:
            job = start_regrade(
                cohort, lab, request.user, submission_ids=None if scope == "all" else plan.submission_ids
            )
            return redirect("dashboard:regrade", cohort_id=cohort.pk, job_id=job.pk)
    return render(
        request,
        "dashboard/regrade_confirm.html",
        {"cohort": cohort, "lab": lab, "plan": plan, "problem": problem, "section": "gradebook"},
        status=409 if problem else 200,
    )
