"""Import a cohort written by manage.py export_cohort into this site, in one transaction:
all of it or (on any problem) none of it.

- Labs and projects are found by key; a file naming one this site does not have is refused
  before anything is written (sync the same course first).
- Accounts are matched by user name: an existing account is reused as it is (its password
  and role untouched), a missing one is created, with the exported password hash when the
  file carries one, else with no usable password (its owner resets it).
- The cohort is always a new one (``--name`` renames it; the invite code is kept when free).
  A submission already here (same learner, same client token) is not imported twice, so
  importing the same file again adds only the cohort.
- A submission that was waiting or being graded when exported comes back queued and is
  handed to the graders by the sweeper, as any never-dispatched submission is.

    python manage.py import_cohort spring.json [--name "Spring 2027 (archive)"]
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from apps.accounts.management.commands.export_cohort import FORMAT, USER_FIELDS, VERSION
from apps.accounts.models import Cohort, Membership, User, new_invite_code
from apps.courses.models import Lab, Project
from apps.dashboard.models import LabPolicy, ProjectGrade, ProjectPolicy
from apps.grading.models import GradingRun, Review, Submission


def when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def check_content(data: dict) -> tuple[dict[str, Lab], dict[str, Project]]:
    lab_keys = {s["lab"] for s in data["submissions"]} | {p["lab"] for p in data["lab_policies"]}
    project_keys = {g["project"] for g in data["project_grades"]} | {p["project"] for p in data["project_policies"]}
    labs = {lab.key: lab for lab in Lab.objects.filter(key__in=lab_keys)}
    projects = {project.key: project for project in Project.objects.filter(key__in=project_keys)}
    missing = sorted(lab_keys - labs.keys()) + sorted(project_keys - projects.keys())
    if missing:
        raise CommandError(f"this site's course has no {', '.join(missing)}: sync the same curriculum first")
    return labs, projects


def import_users(rows: list[dict]) -> tuple[dict[str, User], list[str]]:
    users, created = {}, []
    for row in rows:
        user = User.objects.filter(username=row["username"]).first()
        if user is None:
            fields = {name: row[name] for name in USER_FIELDS if name not in ("date_joined", "last_login")}
            user = User(**fields, date_joined=when(row["date_joined"]), last_login=when(row["last_login"]))
            if row.get("password"):
                user.password = row["password"]
            else:
                user.set_unusable_password()
            user.save()
            created.append(user.username)
        users[row["username"]] = user
    return users, created


def import_submission(row: dict, users: dict[str, User], labs: dict[str, Lab], cohort: Cohort) -> bool:
    user = users[row["user"]]
    if Submission.objects.filter(user=user, client_token=row["client_token"]).exists():
        return False
    finished = row["status"] in (Submission.Status.DONE, Submission.Status.FAILED)
    submission = Submission.objects.create(
        user=user, lab=labs[row["lab"]], kind=row["kind"], answer=row["answer"], client_token=row["client_token"],
        status=row["status"] if finished else Submission.Status.QUEUED, result=row["result"], score=row["score"],
        override_score=row["override_score"], counted=row["counted"], tries=row["tries"],
        started_at=when(row["started_at"]) if finished else None, finished_at=when(row["finished_at"]),
    )
    # auto_now_add ignores a given value on insert: the original time is written after.
    Submission.objects.filter(pk=submission.pk).update(created_at=when(row["created_at"]))
    for run in row["runs"]:
        outcome = run["outcome"] if run["outcome"] != GradingRun.Outcome.RUNNING else GradingRun.Outcome.LOST
        GradingRun.objects.create(
            submission=submission, purpose=run["purpose"], lab_hash=run["lab_hash"], worker=run["worker"],
            outcome=outcome, result=run["result"], applied=run["applied"], started_at=when(run["started_at"]),
            finished_at=when(run["finished_at"]),
        )
    for review in row["reviews"]:
        author = users[review["author"]]
        made = Review.objects.create(
            submission=submission, author=author, cohort=cohort if review["this_cohort"] else None,
            text=review["text"], changes_score=review["changes_score"], score_before=review["score_before"],
            score_after=review["score_after"],
        )
        Review.objects.filter(pk=made.pk).update(created_at=when(review["created_at"]))
    return True


@transaction.atomic
def import_cohort(data: dict, *, name: str | None = None) -> tuple[Cohort, dict[str, int]]:
    """Create the cohort and everything it holds from export_cohort's data."""
    if data.get("format") != FORMAT or data.get("version") != VERSION:
        raise CommandError(f"not an {FORMAT} file of version {VERSION} (format={data.get('format')!r})")
    labs, projects = check_content(data)
    users, created = import_users(data["users"])
    meta = data["cohort"]
    code = meta["invite_code"]
    if Cohort.objects.filter(invite_code=code).exists():
        code = new_invite_code()  # the old site's link may still be live: never share one
    cohort = Cohort.objects.create(name=name or meta["name"], instructor=users[meta["instructor"]], invite_code=code)
    Cohort.objects.filter(pk=cohort.pk).update(created_at=when(meta["created_at"]))
    for member in data["members"]:
        joined = Membership.objects.create(cohort=cohort, user=users[member["user"]])
        Membership.objects.filter(pk=joined.pk).update(joined_at=when(member["joined_at"]))
    imported = sum(import_submission(row, users, labs, cohort) for row in data["submissions"])
    for grade in data["project_grades"]:
        made = ProjectGrade.objects.create(
            cohort=cohort, learner=users[grade["learner"]], project=projects[grade["project"]], score=grade["score"],
            handed_in_at=when(grade["handed_in_at"]), comment=grade["comment"], graded_by=users[grade["graded_by"]],
        )
        ProjectGrade.objects.filter(pk=made.pk).update(updated_at=when(grade["updated_at"]))
    for policy in data["lab_policies"]:
        LabPolicy.objects.create(cohort=cohort, lab=labs[policy["lab"]], due_at=when(policy["due_at"]),
                                 feedback=policy["feedback"], detail=policy["detail"])
    for policy in data["project_policies"]:
        ProjectPolicy.objects.create(cohort=cohort, project=projects[policy["project"]], due_at=when(policy["due_at"]))
    counts = {
        "members": len(data["members"]), "accounts created": len(created), "submissions": imported,
        "submissions already here": len(data["submissions"]) - imported, "project grades": len(data["project_grades"]),
    }
    return cohort, counts


class Command(BaseCommand):
    help = "Import a cohort exported by export_cohort (members, submissions with verdicts, overrides, project grades)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the JSON file export_cohort wrote")
        parser.add_argument("--name", help="a new name for the imported cohort")

    def handle(self, *args, file: str, name: str | None, **options) -> None:
        try:
            data = json.loads(Path(file).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read {file}: {exc}") from None
        cohort, counts = import_cohort(data, name=name)
        summary = ", ".join(f"{count} {what}" for what, count in counts.items())
        self.stdout.write(f"imported cohort {cohort.name!r} (id {cohort.pk}): {summary}")
