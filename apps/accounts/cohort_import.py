"""Import a cohort written by ``cohort_export`` into this site, in one transaction: all of it
or (on any problem) none of it.

- Labs, lessons and projects are found by key; a file naming one this site does not have is
  refused before anything is written (sync the same course first).
- Accounts are matched by user name: an existing account is reused as it is (its password,
  role and LMS ids untouched), a missing one is created, with the exported password hash
  when the file carries one, else with no usable password (its owner resets it).
- The cohort is always a new one (``name`` renames it; the invite code is kept when free).
  A submission or hand-in already here (same learner, same client token) is not imported
  twice, so importing the same file again adds only the cohort's own rows.
- A submission or hand-in that was waiting or being graded when exported comes back queued
  and is handed to the graders by the sweepers, as any never-dispatched one is.
- Someone a record names as its granter, grader or author but whom the file does not carry
  is not a reason to refuse: the cohort's instructor stands in (these columns cannot be
  empty) and the import says so in its notes.
- LMS identities and the LMS course mapping are kept only when this site registered the
  same LMS platform (same issuer and client id); otherwise they are left out with a note and
  the next launch from the LMS links them again. Platforms and keys never travel.
- Files of an older format version are read with the newer fields at their defaults; a file
  of a newer version than this site knows is refused.
"""

from __future__ import annotations

import base64
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import DateTimeField

from apps.accounts.cohort_export import FORMAT, USER_FIELDS, VERSION
from apps.accounts.models import Cohort, Membership, User, new_invite_code
from apps.courses.models import Lab, Lesson, LessonCompletion, Project
from apps.dashboard.models import LabPolicy, ProjectGrade, ProjectPolicy, SolutionRelease
from apps.grading.models import (
    GradingRun,
    HintReveal,
    LabAttemptLimit,
    LabExtension,
    RegradeMessage,
    RegradeRequest,
    Review,
    Submission,
)
from apps.lti.models import LtiContext, LtiIdentity, Passback, Platform, ResourceLink
from apps.projects.models import (
    Assessment,
    CriterionMark,
    CriterionOverride,
    Handin,
    HandinFile,
    HandinRun,
    LineComment,
    ProjectExtension,
)

# What version 1 files lack, at the value a site gives a row that never set it.
LIST_SECTIONS = (
    "lab_attempt_limits", "lab_extensions", "hint_reveals", "lesson_completions", "regrade_requests",
    "project_extensions", "handins", "assessments",
)


class CohortFileError(Exception):
    """The file cannot be imported here; nothing was written."""


def when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def columns_from(model, row: dict) -> dict:
    """The columns of ``model`` that ``row`` carries (cohort_export.columns_of's output); a
    column an older file lacks takes the model's default."""
    fields = {}
    for field in model._meta.concrete_fields:
        if field.name in row and not field.is_relation:
            value = row[field.name]
            fields[field.name] = when(value) if isinstance(field, DateTimeField) else value
    return fields


def upgrade(data: dict) -> dict:
    """The file's data in the current format: older versions get the newer fields at their
    defaults; an unknown format or a newer version is refused."""
    version = data.get("version") if isinstance(data, dict) else None
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(version, int):
        raise CohortFileError(f"not an {FORMAT} file (no format {FORMAT!r} with a version number)")
    if version > VERSION:
        raise CohortFileError(
            f"this file is {FORMAT} version {version}, written by a newer Indexed; this site reads versions "
            f"1 to {VERSION}. Upgrade this site, then import again (nothing was imported)."
        )
    for user in data["users"]:
        user.setdefault("lms_user_id", "")
        user.setdefault("sis_user_id", "")
    data["cohort"].setdefault("exercise_points", None)
    data["cohort"].setdefault("co_instructors", [])
    for policy in data["lab_policies"]:
        policy.setdefault("solution", SolutionRelease.STANDARD)
    for section in LIST_SECTIONS:
        data.setdefault(section, [])
    data.setdefault("lti", {"identities": [], "context": None})
    return data


def check_content(data: dict) -> tuple[dict[str, Lab], dict[str, Project], dict[str, Lesson]]:
    links = data["lti"]["context"]["links"] if data["lti"]["context"] else []
    lab_keys = {row["lab"] for section in ("submissions", "lab_policies", "lab_attempt_limits", "lab_extensions",
                                           "hint_reveals") for row in data[section]}
    lab_keys |= {link["lab"] for link in links if link["lab"]}
    project_keys = {row["project"] for section in ("project_grades", "project_policies", "project_extensions",
                                                   "handins", "assessments") for row in data[section]}
    project_keys |= {link["project"] for link in links if link["project"]}
    lesson_keys = {row["lesson"] for row in data["lesson_completions"]}
    labs = {lab.key: lab for lab in Lab.objects.filter(key__in=lab_keys)}
    projects = {project.key: project for project in Project.objects.filter(key__in=project_keys)}
    lessons = {lesson.key: lesson for lesson in Lesson.objects.filter(key__in=lesson_keys)}
    missing = sorted(lab_keys - labs.keys()) + sorted(project_keys - projects.keys())
    missing += sorted(lesson_keys - lessons.keys())
    if missing:
        raise CohortFileError(f"this site's course has no {', '.join(missing)}: sync the same curriculum first")
    return labs, projects, lessons


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


class Import:
    """One import's state: the people and content it resolved, the cohort it made, the
    submissions and hand-ins it can point at, and the notes for the operator."""

    def __init__(self, data: dict, name: str | None) -> None:
        self.data = data
        self.labs, self.projects, self.lessons = check_content(data)
        self.users, self.created = import_users(data["users"])
        self.notes: list[str] = []
        self.counts: dict[str, int] = {}
        self.submissions: dict[tuple[str, str], Submission] = {}
        self.handins: dict[tuple[str, str, int], Handin] = {}
        meta = data["cohort"]
        if meta["instructor"] not in self.users:
            raise CohortFileError(f"the file does not carry the cohort's instructor {meta['instructor']!r}")
        code = meta["invite_code"]
        if Cohort.objects.filter(invite_code=code).exists():
            code = new_invite_code()  # the old site's link may still be live: never share one
        self.cohort = Cohort.objects.create(
            name=name or meta["name"], instructor=self.users[meta["instructor"]], invite_code=code,
            exercise_points=meta["exercise_points"],
        )
        Cohort.objects.filter(pk=self.cohort.pk).update(created_at=when(meta["created_at"]))
        for username in meta["co_instructors"]:
            self.cohort.co_instructors.add(self.person(username, "the cohort's co-instructors"))

    def person(self, username: str, what: str) -> User:
        """Someone a row belongs to (a member, a submission's owner): the file must carry them."""
        if username not in self.users:
            raise CohortFileError(f"{what} names {username!r}, whom the file does not carry")
        return self.users[username]

    def actor(self, username: str | None, what: str) -> User:
        """Who granted, graded or wrote something: when the file lacks them, the cohort's
        instructor stands in and a note says so (the columns cannot be empty)."""
        if username in self.users:
            return self.users[username]
        self.notes.append(
            f"{what}: {username!r} is not in the file; recorded as the cohort's instructor "
            f"{self.cohort.instructor.username!r}"
        )
        return self.cohort.instructor

    def count(self, what: str, n: int = 1) -> None:
        self.counts[what] = self.counts.get(what, 0) + n

    # ------------------------------------------------------------------ members and labs

    def members(self) -> None:
        for member in self.data["members"]:
            joined = Membership.objects.create(cohort=self.cohort, user=self.person(member["user"], "a membership"))
            Membership.objects.filter(pk=joined.pk).update(joined_at=when(member["joined_at"]))
        self.count("members", len(self.data["members"]))

    def submission(self, row: dict) -> None:
        user = self.person(row["user"], "a submission")
        here = Submission.objects.filter(user=user, client_token=row["client_token"]).first()
        if here is not None:
            self.submissions[(row["user"], row["client_token"])] = here
            self.count("submissions already here")
            return
        finished = row["status"] in (Submission.Status.DONE, Submission.Status.FAILED)
        submission = Submission.objects.create(
            user=user, lab=self.labs[row["lab"]], kind=row["kind"], answer=row["answer"],
            client_token=row["client_token"], status=row["status"] if finished else Submission.Status.QUEUED,
            result=row["result"], score=row["score"], override_score=row["override_score"], counted=row["counted"],
            tries=row["tries"], started_at=when(row["started_at"]) if finished else None,
            finished_at=when(row["finished_at"]),
        )
        # auto_now_add ignores a given value on insert: the original time is written after.
        Submission.objects.filter(pk=submission.pk).update(created_at=when(row["created_at"]))
        self.submissions[(row["user"], row["client_token"])] = submission
        self.count("submissions")
        for run in row["runs"]:
            outcome = run["outcome"] if run["outcome"] != GradingRun.Outcome.RUNNING else GradingRun.Outcome.LOST
            GradingRun.objects.create(
                submission=submission, purpose=run["purpose"], lab_hash=run["lab_hash"], worker=run["worker"],
                outcome=outcome, result=run["result"], applied=run["applied"], started_at=when(run["started_at"]),
                finished_at=when(run["finished_at"]),
            )
        for review in row["reviews"]:
            made = Review.objects.create(
                submission=submission, author=self.actor(review["author"], f"a review of {row['user']}'s answer"),
                cohort=self.cohort if review["this_cohort"] else None, text=review["text"],
                changes_score=review["changes_score"], score_before=review["score_before"],
                score_after=review["score_after"],
            )
            Review.objects.filter(pk=made.pk).update(created_at=when(review["created_at"]))

    def lab_terms(self) -> None:
        for policy in self.data["lab_policies"]:
            LabPolicy.objects.create(
                cohort=self.cohort, lab=self.labs[policy["lab"]], due_at=when(policy["due_at"]),
                feedback=policy["feedback"], detail=policy["detail"], solution=policy["solution"],
            )
        for limit in self.data["lab_attempt_limits"]:
            LabAttemptLimit.objects.create(cohort=self.cohort, lab=self.labs[limit["lab"]],
                                           max_attempts=limit["max_attempts"])
        for ext in self.data["lab_extensions"]:
            what = f"{ext['learner']}'s extension on {ext['lab']}"
            made = LabExtension.objects.create(
                cohort=self.cohort, learner=self.person(ext["learner"], what), lab=self.labs[ext["lab"]],
                due_at=when(ext["due_at"]), extra_attempts=ext["extra_attempts"], reason=ext["reason"],
                granted_by=self.actor(ext["granted_by"], what),
            )
            LabExtension.objects.filter(pk=made.pk).update(
                created_at=when(ext["created_at"]), updated_at=when(ext["updated_at"])
            )
        self.count("lab extensions", len(self.data["lab_extensions"]))

    def learner_progress(self) -> None:
        """Hints revealed and lessons completed belong to the learner, not the cohort: kept
        once (an account that already has one keeps its own)."""
        for reveal in self.data["hint_reveals"]:
            made, new = HintReveal.objects.get_or_create(
                user=self.person(reveal["user"], "a revealed hint"), lab=self.labs[reveal["lab"]], step=reveal["step"]
            )
            if new:
                HintReveal.objects.filter(pk=made.pk).update(revealed_at=when(reveal["revealed_at"]))
        for done in self.data["lesson_completions"]:
            made, new = LessonCompletion.objects.get_or_create(
                user=self.person(done["user"], "a completed lesson"), lesson=self.lessons[done["lesson"]]
            )
            if new:
                LessonCompletion.objects.filter(pk=made.pk).update(completed_at=when(done["completed_at"]))

    def regrade_requests(self) -> None:
        for row in self.data["regrade_requests"]:
            ref = row["submission"]
            submission = self.submissions.get((ref["user"], ref["client_token"]))
            if submission is None:
                raise CohortFileError(f"a regrade request of {row['learner']} names a submission the file lacks")
            live = row["status"] != RegradeRequest.Status.CLOSED
            if live and RegradeRequest.objects.filter(submission=submission).exclude(status="closed").exists():
                self.notes.append(f"{row['learner']}'s open regrade request left out: that answer already has one here")
                continue
            request = RegradeRequest.objects.create(
                submission=submission, learner=self.person(row["learner"], "a regrade request"), cohort=self.cohort,
                status=row["status"], resolution=row["resolution"], closed_at=when(row["closed_at"]),
            )
            for message in row["messages"]:
                made = RegradeMessage.objects.create(
                    request=request, body=message["body"],
                    author=self.actor(message["author"], f"a message in {row['learner']}'s regrade request"),
                )
                RegradeMessage.objects.filter(pk=made.pk).update(created_at=when(message["created_at"]))
            RegradeRequest.objects.filter(pk=request.pk).update(
                created_at=when(row["created_at"]), updated_at=when(row["updated_at"])
            )
            self.count("regrade requests")

    # ------------------------------------------------------------------ projects

    def project_terms(self) -> None:
        for grade in self.data["project_grades"]:
            what = f"{grade['learner']}'s grade on {grade['project']}"
            made = ProjectGrade.objects.create(
                cohort=self.cohort, learner=self.person(grade["learner"], what),
                project=self.projects[grade["project"]], score=grade["score"],
                handed_in_at=when(grade["handed_in_at"]), comment=grade["comment"],
                graded_by=self.actor(grade["graded_by"], what),
            )
            ProjectGrade.objects.filter(pk=made.pk).update(updated_at=when(grade["updated_at"]))
        self.count("project grades", len(self.data["project_grades"]))
        for policy in self.data["project_policies"]:
            ProjectPolicy.objects.create(cohort=self.cohort, project=self.projects[policy["project"]],
                                         due_at=when(policy["due_at"]))
        for ext in self.data["project_extensions"]:
            what = f"{ext['learner']}'s extension on {ext['project']}"
            made = ProjectExtension.objects.create(
                cohort=self.cohort, learner=self.person(ext["learner"], what), project=self.projects[ext["project"]],
                due_at=when(ext["due_at"]), reason=ext["reason"], granted_by=self.actor(ext["granted_by"], what),
            )
            ProjectExtension.objects.filter(pk=made.pk).update(updated_at=when(ext["updated_at"]))
        self.count("project extensions", len(self.data["project_extensions"]))

    def handin(self, row: dict) -> None:
        learner = self.person(row["learner"], "a project hand-in")
        key = (row["learner"], row["project"], row["version"])
        here = Handin.objects.filter(learner=learner, client_token=row["client_token"]).first()
        if here is None and Handin.objects.filter(learner=learner, project=self.projects[row["project"]],
                                                  version=row["version"]).exists():
            raise CohortFileError(
                f"{row['learner']} already has a different version {row['version']} of {row['project']} here"
            )
        if here is not None:
            self.handins[key] = here
            self.count("hand-ins already here")
            return
        finished = row["status"] in (Handin.Status.DONE, Handin.Status.FAILED, Handin.Status.UNGRADED)
        handin = Handin.objects.create(
            learner=learner, project=self.projects[row["project"]], version=row["version"],
            client_token=row["client_token"], source=row["source"], total_bytes=row["total_bytes"],
            status=row["status"] if finished else Handin.Status.QUEUED, result=row["result"],
            auto_points=row["auto_points"], auto_possible=row["auto_possible"], tries=row["tries"],
            started_at=when(row["started_at"]) if finished else None, finished_at=when(row["finished_at"]),
        )
        Handin.objects.filter(pk=handin.pk).update(created_at=when(row["created_at"]))
        self.handins[key] = handin
        self.count("hand-ins")
        for f in row["files"]:
            HandinFile.objects.create(handin=handin, path=f["path"], size=f["size"],
                                      content=base64.b64decode(f["content"]))
        for run in row["runs"]:
            fields = columns_from(HandinRun, run)
            if fields["outcome"] == HandinRun.Outcome.RUNNING:
                fields["outcome"] = HandinRun.Outcome.LOST
            HandinRun.objects.create(handin=handin, **fields)

    def assessment(self, row: dict) -> None:
        what = f"{row['learner']}'s assessment of {row['project']}"
        handin = self.handins.get((row["learner"], row["project"], row["handin_version"]))
        if handin is None:
            raise CohortFileError(f"{what} names hand-in version {row['handin_version']}, which the file lacks")
        released_by = self.actor(row["released_by"], what) if row["released_by"] else None
        assessment = Assessment.objects.create(
            cohort=self.cohort, learner=self.person(row["learner"], what), project=self.projects[row["project"]],
            handin=handin, comment=row["comment"], graded_by=self.actor(row["graded_by"], what),
            released_at=when(row["released_at"]), released_by=released_by,
        )
        Assessment.objects.filter(pk=assessment.pk).update(updated_at=when(row["updated_at"]))
        for mark in row["marks"]:
            CriterionMark.objects.create(assessment=assessment, **mark)
        for override in row["overrides"]:
            made = CriterionOverride.objects.create(
                assessment=assessment, criterion=override["criterion"], author=self.actor(override["author"], what),
                points_before=override["points_before"], points_after=override["points_after"],
                reason=override["reason"],
            )
            CriterionOverride.objects.filter(pk=made.pk).update(created_at=when(override["created_at"]))
        for comment in row["line_comments"]:
            made = LineComment.objects.create(
                assessment=assessment, path=comment["path"], line=comment["line"], text=comment["text"],
                author=self.actor(comment["author"], what),
            )
            LineComment.objects.filter(pk=made.pk).update(created_at=when(comment["created_at"]))
        self.count("assessments")

    # ------------------------------------------------------------------ LTI

    def platform(self, ref: dict) -> Platform | None:
        return Platform.objects.filter(issuer=ref["issuer"], client_id=ref["client_id"]).first()

    def lti(self) -> None:
        missing_platforms: set[str] = set()
        for row in self.data["lti"]["identities"]:
            platform = self.platform(row["platform"])
            if platform is None:
                missing_platforms.add(row["platform"]["issuer"])
                continue
            user = self.person(row["user"], "an LMS identity")
            here = LtiIdentity.objects.filter(issuer=row["issuer"], sub=row["sub"]).select_related("user").first()
            if here is not None:
                if here.user_id != user.pk:
                    self.notes.append(f"{row['user']}'s LMS identity left out: here it is {here.user.username}'s")
                continue
            made = LtiIdentity.objects.create(issuer=row["issuer"], sub=row["sub"], user=user, platform=platform)
            LtiIdentity.objects.filter(pk=made.pk).update(created_at=when(row["created_at"]))
            self.count("LMS identities")
        context = self.data["lti"]["context"]
        if context is not None:
            self.lti_context(context, missing_platforms)
        for issuer in sorted(missing_platforms):
            self.notes.append(
                f"LMS records of platform {issuer} left out: this site has not registered it "
                "(register it, and the next launch from the LMS links learners and the course again)"
            )

    def lti_context(self, row: dict, missing_platforms: set[str]) -> None:
        platform = self.platform(row["platform"])
        if platform is None:
            missing_platforms.add(row["platform"]["issuer"])
            return
        taken = LtiContext.objects.filter(
            platform=platform, deployment_id=row["deployment_id"], context_id=row["context_id"]
        ).select_related("cohort").first()
        if taken is not None:
            course = row["title"] or row["context_id"]
            self.notes.append(f"LMS course {course!r} left out: here it is cohort {taken.cohort.name!r}'s")
            return
        context = LtiContext.objects.create(
            platform=platform, cohort=self.cohort, deployment_id=row["deployment_id"], context_id=row["context_id"],
            title=row["title"], memberships_url=row["memberships_url"], lineitems_url=row["lineitems_url"],
            ags_scopes=row["ags_scopes"], roster_synced_at=when(row["roster_synced_at"]),
            # absent from files exported before roster syncs ran in a worker
            roster_sync_outcome=row.get("roster_sync_outcome", ""),
            roster_sync_failed=row.get("roster_sync_failed", False),
        )
        for link_row in row["links"]:
            link = ResourceLink.objects.create(
                context=context, resource_link_id=link_row["resource_link_id"], title=link_row["title"],
                lab=self.labs[link_row["lab"]] if link_row["lab"] else None,
                project=self.projects[link_row["project"]] if link_row["project"] else None,
                lineitem_url=link_row["lineitem_url"],
            )
            for p in link_row["passbacks"]:
                made = Passback.objects.create(
                    link=link, user=self.person(p["user"], "an LMS score"), score=p["score"], status=p["status"],
                    attempts=p["attempts"], last_error=p["last_error"], sent_at=when(p["sent_at"]),
                )
                Passback.objects.filter(pk=made.pk).update(updated_at=when(p["updated_at"]))
        self.count("LMS course", 1)


def import_cohort(data: dict, *, name: str | None = None) -> tuple[Cohort, dict[str, int], list[str]]:
    """Create the cohort and everything it holds from ``export_cohort``'s data, in one
    transaction. Returns the cohort, what was imported (counts) and notes for the operator.
    Raises CohortFileError, with nothing written, when the file cannot be imported here."""
    try:
        data = upgrade(data)
        with transaction.atomic():
            run = Import(data, name)
            run.members()
            for row in data["submissions"]:
                run.submission(row)
            run.lab_terms()
            run.learner_progress()
            run.regrade_requests()
            run.project_terms()
            for row in data["handins"]:
                run.handin(row)
            for row in data["assessments"]:
                run.assessment(row)
            run.lti()
    except (IntegrityError, KeyError, TypeError, ValueError) as exc:
        # A hand-edited or damaged file: say what, keep the site as it was.
        raise CohortFileError(f"the file's records do not fit together ({type(exc).__name__}: {exc}); "
                              "nothing was imported") from exc
    counts = {"accounts created": len(run.created), **run.counts}
    return run.cohort, counts, run.notes
