"""A cohort's records as JSON-ready data, for ``manage.py export_cohort`` (read back by
``cohort_import``).

Content (labs, lessons, projects) is named by its stable key and people by user name, never
by a database id, so the file imports into another site that runs the same course. What is
the site's own configuration stays behind: LMS platform registrations and the tool's LTI
keys are never written, only which LMS identity is which person and which LMS course is this
cohort (the importing site must have registered the same platform for those to be kept).

Format history (``VERSION``): 1 carried the cohort, members, submissions with runs and
reviews, project grades and deadlines; 2 adds LMS/SIS ids, exercise points, solution release,
attempt limits, extensions, hint reveals, regrade requests, lesson completions, project
hand-ins and assessments, and the LTI identities and course mapping.
"""

from __future__ import annotations

import base64
from datetime import datetime

from django.utils import timezone

from apps.accounts.models import Cohort, Membership, User
from apps.courses.models import LessonCompletion
from apps.dashboard.models import LabPolicy, ProjectGrade, ProjectPolicy
from apps.grading.models import (
    GradingRun,
    HintReveal,
    LabAttemptLimit,
    LabExtension,
    RegradeRequest,
    Review,
    Submission,
)
from apps.lti.models import LtiContext, LtiIdentity
from apps.projects.models import Assessment, Handin, ProjectExtension

FORMAT = "indexed-cohort"
VERSION = 3
USER_FIELDS = (
    "username", "email", "first_name", "last_name", "role", "is_active", "date_joined", "last_login",
    "lms_user_id", "sis_user_id",
)


def stamp(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def name_of(user: User | None) -> str | None:
    return user.username if user is not None else None


def export_user(user: User, with_password: bool) -> dict:
    data = {name: getattr(user, name) for name in USER_FIELDS}
    data["date_joined"], data["last_login"] = stamp(user.date_joined), stamp(user.last_login)
    if with_password:
        data["password"] = user.password
    return data


def export_submission(submission: Submission, cohort_id: int) -> dict:
    return {
        "user": submission.user.username,
        "lab": submission.lab.key,
        "kind": submission.kind,
        "answer": submission.answer,
        "client_token": str(submission.client_token),
        "status": submission.status,
        "result": submission.result,
        "score": submission.score,
        "override_score": submission.override_score,
        "counted": submission.counted,
        "tries": submission.tries,
        "created_at": stamp(submission.created_at),
        "started_at": stamp(submission.started_at),
        "finished_at": stamp(submission.finished_at),
        "runs": [
            {
                "purpose": run.purpose, "lab_hash": run.lab_hash, "worker": run.worker, "outcome": run.outcome,
                "result": run.result, "applied": run.applied, "started_at": stamp(run.started_at),
                "finished_at": stamp(run.finished_at),
            }
            for run in GradingRun.objects.filter(submission=submission).order_by("started_at", "pk")
        ],
        "reviews": [
            {
                "author": review.author.username, "this_cohort": review.cohort_id == cohort_id, "text": review.text,
                "changes_score": review.changes_score, "score_before": review.score_before,
                "score_after": review.score_after, "created_at": stamp(review.created_at),
            }
            for review in Review.objects.filter(submission=submission).select_related("author").order_by("pk")
        ],
    }


def export_regrade_request(request: RegradeRequest) -> dict:
    return {
        "submission": {"user": request.submission.user.username, "client_token": str(request.submission.client_token)},
        "learner": request.learner.username,
        "status": request.status,
        "resolution": request.resolution,
        "created_at": stamp(request.created_at),
        "updated_at": stamp(request.updated_at),
        "closed_at": stamp(request.closed_at),
        # Oldest first: the thread reads in this order on the new site too.
        "messages": [
            {"author": m.author.username, "body": m.body, "created_at": stamp(m.created_at)}
            for m in request.messages.select_related("author").order_by("created_at", "pk")
        ],
    }


def export_handin(handin: Handin) -> dict:
    return {
        "learner": handin.learner.username, "project": handin.project.key, "version": handin.version,
        "client_token": str(handin.client_token), "source": handin.source, "total_bytes": handin.total_bytes,
        "created_at": stamp(handin.created_at), "status": handin.status, "result": handin.result,
        "auto_points": handin.auto_points, "auto_possible": handin.auto_possible, "tries": handin.tries,
        "started_at": stamp(handin.started_at), "finished_at": stamp(handin.finished_at),
        "files": [
            {"path": f.path, "size": f.size, "content": base64.b64encode(bytes(f.content)).decode("ascii")}
            for f in handin.files.order_by("path")
        ],
        "runs": [columns_of(run, leave=("id", "handin")) for run in handin.runs.order_by("started_at", "pk")],
    }


def columns_of(row, *, leave: tuple[str, ...]) -> dict:
    """Every plain column of a row but ``leave``, times as ISO text. Used for grading-run
    rows, whose columns still grow (what they graded against): a new one travels unasked."""
    data = {}
    for field in type(row)._meta.concrete_fields:
        if field.name not in leave:
            value = getattr(row, field.attname)
            data[field.name] = stamp(value) if isinstance(value, datetime) else value
    return data


def export_assessment(assessment: Assessment) -> dict:
    return {
        "learner": assessment.learner.username, "project": assessment.project.key,
        "handin_version": assessment.handin.version, "comment": assessment.comment,
        "graded_by": assessment.graded_by.username, "updated_at": stamp(assessment.updated_at),
        "released_at": stamp(assessment.released_at), "released_by": name_of(assessment.released_by),
        "marks": [
            {
                "criterion": m.criterion, "level": m.level, "points": m.points, "comment": m.comment,
                "overridden": m.overridden,
            }
            for m in assessment.marks.order_by("pk")
        ],
        "overrides": [
            {
                "criterion": o.criterion, "author": o.author.username, "points_before": o.points_before,
                "points_after": o.points_after, "reason": o.reason, "created_at": stamp(o.created_at),
            }
            for o in assessment.overrides.select_related("author").order_by("created_at", "pk")
        ],
        "line_comments": [
            {
                "path": c.path, "line": c.line, "text": c.text, "author": c.author.username,
                "created_at": stamp(c.created_at),
            }
            for c in assessment.line_comments.select_related("author").order_by("path", "line", "pk")
        ],
    }


def platform_ref(platform) -> dict:
    """Which registration, not its settings: the other site must have registered it itself."""
    return {"issuer": platform.issuer, "client_id": platform.client_id}


def export_lti(cohort: Cohort, people: list[User]) -> dict:
    identities = LtiIdentity.objects.filter(user__in=people).select_related("user", "platform")
    context = LtiContext.objects.filter(cohort=cohort).select_related("platform").first()
    data: dict = {
        "identities": [
            {
                "user": i.user.username, "issuer": i.issuer, "sub": i.sub, "platform": platform_ref(i.platform),
                "created_at": stamp(i.created_at),
            }
            for i in identities.order_by("user__username", "issuer", "sub")
        ],
        "context": None,
    }
    if context is None:
        return data
    data["context"] = {
        "platform": platform_ref(context.platform), "deployment_id": context.deployment_id,
        "context_id": context.context_id, "title": context.title, "memberships_url": context.memberships_url,
        "lineitems_url": context.lineitems_url, "ags_scopes": context.ags_scopes,
        "roster_synced_at": stamp(context.roster_synced_at),
        "roster_sync_outcome": context.roster_sync_outcome, "roster_sync_failed": context.roster_sync_failed,
        "links": [
            {
                "resource_link_id": link.resource_link_id, "title": link.title,
                "lab": link.lab.key if link.lab else None, "project": link.project.key if link.project else None,
                "lineitem_url": link.lineitem_url,
                "passbacks": [
                    {
                        "user": p.user.username, "score": p.score, "status": p.status, "attempts": p.attempts,
                        "last_error": p.last_error, "updated_at": stamp(p.updated_at), "sent_at": stamp(p.sent_at),
                    }
                    for p in link.passbacks.filter(user__in=people).select_related("user").order_by("user__username")
                ],
            }
            for link in context.links.select_related("lab", "project").order_by("resource_link_id")
        ],
    }
    return data


def people_behind(cohort: Cohort, learners: list[User], submissions) -> list[User]:
    """Everyone the file names: the instructor, the learners, and whoever graded, reviewed,
    granted an extension or wrote in a regrade thread, so those names resolve on import.
    Rows of someone who left the cohort stay behind with them (their account is not carried)."""
    mine = {"cohort": cohort, "learner__in": learners}
    ids = {cohort.instructor_id, *(u.pk for u in learners), *cohort.co_instructors.values_list("pk", flat=True)}
    ids |= set(ProjectGrade.objects.filter(**mine).values_list("graded_by", flat=True))
    ids |= set(Review.objects.filter(submission__in=submissions).values_list("author", flat=True))
    ids |= set(LabExtension.objects.filter(**mine).values_list("granted_by", flat=True))
    ids |= set(ProjectExtension.objects.filter(**mine).values_list("granted_by", flat=True))
    ids |= set(RegradeRequest.objects.filter(**mine).values_list("messages__author", flat=True))
    assessments = Assessment.objects.filter(**mine)
    for column in ("graded_by", "released_by", "overrides__author", "line_comments__author"):
        ids |= set(assessments.values_list(column, flat=True))
    ids.discard(None)
    return list(User.objects.filter(pk__in=ids).order_by("username"))


def export_cohort(cohort: Cohort, *, with_passwords: bool = False) -> dict:
    """The cohort's records as JSON-ready data (see the module docstring)."""
    memberships = Membership.objects.filter(cohort=cohort).select_related("user").order_by("joined_at", "pk")
    learners = [m.user for m in memberships]
    mine = {"cohort": cohort, "learner__in": learners}  # a cohort's rows of its present members
    submissions = (
        Submission.objects.filter(user__in=learners).select_related("user", "lab").order_by("created_at", "pk")
    )
    grades = ProjectGrade.objects.filter(**mine).select_related("learner", "project", "graded_by")
    people = people_behind(cohort, learners, submissions)
    handins = Handin.objects.filter(learner__in=learners).select_related("learner", "project")
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": timezone.now().isoformat(),
        "cohort": {
            "name": cohort.name, "instructor": cohort.instructor.username, "invite_code": cohort.invite_code,
            "created_at": stamp(cohort.created_at), "exercise_points": cohort.exercise_points,
            "co_instructors": sorted(cohort.co_instructors.values_list("username", flat=True)),
        },
        "users": [export_user(user, with_passwords) for user in people],
        "members": [{"user": m.user.username, "joined_at": stamp(m.joined_at)} for m in memberships],
        "submissions": [export_submission(s, cohort.pk) for s in submissions],
        "project_grades": [
            {
                "learner": g.learner.username, "project": g.project.key, "score": g.score,
                "handed_in_at": stamp(g.handed_in_at), "comment": g.comment, "graded_by": g.graded_by.username,
                "updated_at": stamp(g.updated_at),
            }
            for g in grades.order_by("learner__username", "project__key")
        ],
        "lab_policies": [
            {
                "lab": p.lab.key, "due_at": stamp(p.due_at), "feedback": p.feedback, "detail": p.detail,
                "solution": p.solution,
            }
            for p in LabPolicy.objects.filter(cohort=cohort).select_related("lab").order_by("lab__key")
        ],
        "project_policies": [
            {"project": p.project.key, "due_at": stamp(p.due_at)}
            for p in ProjectPolicy.objects.filter(cohort=cohort).select_related("project").order_by("project__key")
        ],
        "lab_attempt_limits": [
            {"lab": limit.lab.key, "max_attempts": limit.max_attempts}
            for limit in LabAttemptLimit.objects.filter(cohort=cohort).select_related("lab").order_by("lab__key")
        ],
        "lab_extensions": [
            {
                "learner": e.learner.username, "lab": e.lab.key, "due_at": stamp(e.due_at),
                "extra_attempts": e.extra_attempts, "reason": e.reason, "granted_by": e.granted_by.username,
                "created_at": stamp(e.created_at), "updated_at": stamp(e.updated_at),
            }
            for e in LabExtension.objects.filter(**mine)
            .select_related("learner", "lab", "granted_by").order_by("learner__username", "lab__key")
        ],
        "hint_reveals": [
            {"user": r.user.username, "lab": r.lab.key, "step": r.step, "revealed_at": stamp(r.revealed_at)}
            for r in HintReveal.objects.filter(user__in=learners)
            .select_related("user", "lab").order_by("user__username", "lab__key", "step")
        ],
        "lesson_completions": [
            {"user": c.user.username, "lesson": c.lesson.key, "completed_at": stamp(c.completed_at)}
            for c in LessonCompletion.objects.filter(user__in=learners)
            .select_related("user", "lesson").order_by("user__username", "lesson__key")
        ],
        "regrade_requests": [
            export_regrade_request(r)
            for r in RegradeRequest.objects.filter(**mine, submission__user__in=learners)
            .select_related("submission__user", "learner").order_by("created_at", "pk")
        ],
        "project_extensions": [
            {
                "learner": e.learner.username, "project": e.project.key, "due_at": stamp(e.due_at),
                "reason": e.reason, "granted_by": e.granted_by.username, "updated_at": stamp(e.updated_at),
            }
            for e in ProjectExtension.objects.filter(**mine)
            .select_related("learner", "project", "granted_by").order_by("learner__username", "project__key")
        ],
        "handins": [export_handin(h) for h in handins.order_by("learner__username", "project__key", "version")],
        "assessments": [
            export_assessment(a)
            for a in Assessment.objects.filter(**mine)
            .select_related("learner", "project", "handin", "graded_by", "released_by")
            .order_by("learner__username", "project__key")
        ],
        "lti": export_lti(cohort, people),
    }

