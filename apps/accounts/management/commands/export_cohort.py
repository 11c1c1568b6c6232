"""Export one cohort's records as a JSON file: the cohort and its instructor, its members,
every submission of theirs with its verdict, grading runs and reviews (score overrides are
audited there), project grades, and the cohort's deadlines and feedback rules.

Content (labs, projects) is named by its stable key, never by a database id, so the file
imports into another site that runs the same course (manage.py import_cohort). Password
hashes are left out unless asked for (--include-password-hashes): imported accounts then
have no usable password and their owners reset it.

    python manage.py export_cohort "Spring 2027" -o spring.json
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from apps.accounts.models import Cohort, Membership, User
from apps.dashboard.models import LabPolicy, ProjectGrade, ProjectPolicy
from apps.grading.models import GradingRun, Review, Submission

FORMAT = "indexed-cohort"
VERSION = 1
USER_FIELDS = ("username", "email", "first_name", "last_name", "role", "is_active", "date_joined", "last_login")


def stamp(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


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


def export_cohort(cohort: Cohort, *, with_passwords: bool = False) -> dict:
    """The cohort's records as JSON-ready data (see the module docstring)."""
    memberships = Membership.objects.filter(cohort=cohort).select_related("user").order_by("joined_at", "pk")
    learners = [m.user for m in memberships]
    submissions = (
        Submission.objects.filter(user__in=learners).select_related("user", "lab").order_by("created_at", "pk")
    )
    grades = ProjectGrade.objects.filter(cohort=cohort).select_related("learner", "project", "graded_by")
    reviews_by = Review.objects.filter(submission__in=submissions).values_list("author", flat=True)
    people = {cohort.instructor, *learners}
    people |= {g.graded_by for g in grades} | set(User.objects.filter(pk__in=reviews_by))
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": timezone.now().isoformat(),
        "cohort": {
            "name": cohort.name, "instructor": cohort.instructor.username, "invite_code": cohort.invite_code,
            "created_at": stamp(cohort.created_at),
        },
        "users": [export_user(user, with_passwords) for user in sorted(people, key=lambda u: u.username)],
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
            {"lab": p.lab.key, "due_at": stamp(p.due_at), "feedback": p.feedback, "detail": p.detail}
            for p in LabPolicy.objects.filter(cohort=cohort).select_related("lab").order_by("lab__key")
        ],
        "project_policies": [
            {"project": p.project.key, "due_at": stamp(p.due_at)}
            for p in ProjectPolicy.objects.filter(cohort=cohort).select_related("project").order_by("project__key")
        ],
    }


def find_cohort(name_or_id: str) -> Cohort:
    by_id = name_or_id.isdigit()
    cohorts = Cohort.objects.filter(pk=int(name_or_id)) if by_id else Cohort.objects.filter(name=name_or_id)
    found = list(cohorts[:2])
    if not found:
        raise CommandError(f"no cohort {name_or_id!r} (give its name or id)")
    if len(found) > 1:
        raise CommandError(f"several cohorts are named {name_or_id!r}: give the id")
    return found[0]


class Command(BaseCommand):
    help = "Export one cohort's members, submissions with verdicts, overrides and project grades as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("cohort", help="the cohort's name or id")
        parser.add_argument("-o", "--output", help="file to write (mode 0600); default: standard output")
        parser.add_argument("--include-password-hashes", action="store_true",
                            help="carry the accounts' password hashes, so learners keep their passwords")

    def handle(self, *args, cohort: str, output: str | None, include_password_hashes: bool, **options) -> None:
        data = export_cohort(find_cohort(cohort), with_passwords=include_password_hashes)
        text = json.dumps(data, indent=1, ensure_ascii=False) + "\n"
        if output is None:
            self.stdout.write(text, ending="")
            return
        # Answers, scores and maybe password hashes: readable by the site's account only.
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        Path(output).chmod(0o600)
        self.stderr.write(
            f"cohort {data['cohort']['name']!r}: {len(data['members'])} members, {len(data['submissions'])} "
            f"submissions, {len(data['project_grades'])} project grades -> {output}"
        )
