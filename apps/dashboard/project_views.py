"""Instructor pages for projects: grade a learner's hand-in by rubric (rows, levels,
overrides with reasons, line comments), release it, grant an extension, download any
version. Every view goes through ``access_cohort_as_instructor`` first."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.access import access_cohort_as_instructor
from apps.courses.models import Project
from apps.dashboard.policies import parse_local_datetime
from apps.projects.models import Assessment, Handin
from apps.projects.rubric import (
    RubricInvalid,
    add_line_comment,
    compute_total,
    grade_rubric,
    list_annotated_files,
    list_rubric_rows,
    open_assessment,
    release_assessment,
)
from apps.projects.services import find_deadline, is_late, set_extension
from apps.projects.specs import list_criteria
from apps.projects.views import zip_response


def _scope(request, cohort_id: int, user_id: int, key: str):
    cohort = access_cohort_as_instructor(request.user, cohort_id)
    learner = cohort.learners.filter(pk=user_id).first()
    if learner is None:
        raise Http404("No such learner in this cohort")
    return cohort, learner, get_object_or_404(Project, key=key)


def _rubric_url(cohort, learner, project) -> str:
    from django.urls import reverse

    return reverse("dashboard:project_rubric", args=[cohort.pk, learner.pk, project.key])


def _rows_from_post(post, criteria) -> dict[str, dict]:
    rows = {}
    for criterion in criteria:
        prefix = f"c-{criterion.id}-"
        if not any(k.startswith(prefix) for k in post):
            continue
        rows[criterion.id] = {
            "level": post.get(prefix + "level"),
            "comment": post.get(prefix + "comment", ""),
            "override": post.get(prefix + "override"),
            "reason": post.get(prefix + "reason", ""),
        }
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def project_rubric(request, cohort_id: int, user_id: int, key: str):
    cohort, learner, project = _scope(request, cohort_id, user_id, key)
    handins = list(Handin.objects.filter(learner=learner, project=project).order_by("-version"))
    assessment = Assessment.objects.filter(cohort=cohort, learner=learner, project=project).first()
    if request.method == "POST":
        if assessment is None:
            raise Http404("Open the rubric before grading it")
        try:
            rows = _rows_from_post(request.POST, list_criteria(project))
            grade_rubric(assessment, request.user, rows, comment=request.POST.get("comment"))
        except RubricInvalid as exc:
            for problem in exc.problems:
                messages.error(request, problem)
        else:
            messages.success(request, f"Saved the rubric for {learner.username}.")
        return redirect(_rubric_url(cohort, learner, project))
    if handins:
        # The version asked for, else the one already graded (its auto rows re-read, in
        # case its grading finished since), else the newest graded one.
        wanted = request.GET.get("version")
        chosen = next((h for h in handins if str(h.version) == wanted), None)
        assessment = open_assessment(
            cohort, learner, project, request.user, chosen or (assessment.handin if assessment else None)
        )
    deadline = find_deadline(cohort, learner, project)
    for handin in handins:
        handin.late = is_late(handin, deadline)
    context = {
        "cohort": cohort,
        "learner": learner,
        "project": project,
        "handins": handins,
        "assessment": assessment,
        "deadline": deadline,
        "section": "gradebook",
    }
    if assessment is not None:
        files = list_annotated_files(assessment)
        context.update(
            rows=list_rubric_rows(assessment),
            total=compute_total(assessment),
            files=files,
            overrides=assessment.overrides.select_related("author"),
        )
    return render(request, "dashboard/project_rubric.html", context)


@login_required
@require_POST
def project_release(request, cohort_id: int, user_id: int, key: str):
    cohort, learner, project = _scope(request, cohort_id, user_id, key)
    assessment = get_object_or_404(Assessment, cohort=cohort, learner=learner, project=project)
    release = request.POST.get("release") != "0"
    release_assessment(assessment, request.user, release=release)
    messages.success(request, f"{'Released' if release else 'Withheld'} the grade of {learner.username}.")
    return redirect(_rubric_url(cohort, learner, project))


@login_required
@require_POST
def project_line_comment(request, cohort_id: int, user_id: int, key: str):
    cohort, learner, project = _scope(request, cohort_id, user_id, key)
    assessment = get_object_or_404(Assessment, cohort=cohort, learner=learner, project=project)
    try:
        add_line_comment(
            assessment,
            request.user,
            request.POST.get("path", ""),
            request.POST.get("line"),
            request.POST.get("text", ""),
        )
    except RubricInvalid as exc:
        for problem in exc.problems:
            messages.error(request, problem)
    return redirect(_rubric_url(cohort, learner, project) + "#files")


@login_required
@require_POST
def project_extension(request, cohort_id: int, user_id: int, key: str):
    cohort, learner, project = _scope(request, cohort_id, user_id, key)
    try:
        due = parse_local_datetime(request.POST.get("due_at", ""))
    except ValueError:
        messages.error(request, "The extension is not a valid date and time.")
    else:
        set_extension(cohort, learner, project, due, granted_by=request.user, reason=request.POST.get("reason", ""))
        messages.success(
            request, f"Extension for {learner.username} on “{project.title}” {'set' if due else 'removed'}."
        )
    return redirect(
        request.POST.get("next")
        if request.POST.get("next", "").startswith("/teach/")
        else _rubric_url(cohort, learner, project)
    )


@login_required
def project_download(request, cohort_id: int, user_id: int, key: str, version: int):
    cohort, learner, project = _scope(request, cohort_id, user_id, key)
    return zip_response(get_object_or_404(Handin, learner=learner, project=project, version=version))
