"""Project hand-ins (every version kept, with its files and its auto-graded criteria), the
per-learner deadline extensions, and the instructor's rubric assessment with its audit.

Files live in the site's database, not on a disk: the web process that receives them and
the worker that grades them may be on different machines, and a hand-in is small (see the
limits in ``handins.py``)."""

import uuid

from django.conf import settings
from django.db import models

from apps.accounts.models import Cohort
from apps.courses.models import Project


class Handin(models.Model):
    """One version of one learner's project. Never edited by the learner: an edit is a new
    version. The auto-grading result is written only by ``grading.record_handin_result``."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting for a grader"
        RUNNING = "running", "Being graded"
        DONE = "done", "Graded"
        FAILED = "failed", "Could not be graded"
        UNGRADED = "ungraded", "Kept (this project has no auto-graded criteria)"

    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="handins")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="handins")
    version = models.PositiveIntegerField()
    # Minted when the form was drawn: a double click hands in once.
    client_token = models.UUIDField(default=uuid.uuid4)
    source = models.CharField(max_length=20, default="upload", help_text="upload, zip or editor")
    total_bytes = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    result = models.JSONField(null=True, blank=True, help_text="ProjectResult.to_dict() of the verdict run.")
    auto_points = models.FloatField(null=True, blank=True)
    auto_possible = models.FloatField(null=True, blank=True)
    tries = models.PositiveIntegerField(default=0)
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The grading lease, as on grading.Submission: taken and released by conditional UPDATEs.
    lease_run = models.ForeignKey("HandinRun", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    leased_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["learner", "project", "version"], name="one_handin_per_version"),
            models.UniqueConstraint(fields=["learner", "client_token"], name="one_handin_per_token"),
        ]

    def __str__(self) -> str:
        return f"{self.learner} · {self.project.key} · v{self.version}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED, self.Status.UNGRADED)

    @property
    def criteria(self) -> list[dict]:
        return (self.result or {}).get("criteria", []) if self.status == self.Status.DONE else []


class HandinFile(models.Model):
    handin = models.ForeignKey(Handin, on_delete=models.CASCADE, related_name="files")
    path = models.CharField(max_length=255, help_text="Relative, '/'-separated, checked safe.")
    content = models.BinaryField()
    size = models.PositiveIntegerField()

    class Meta:
        ordering = ["path"]
        constraints = [models.UniqueConstraint(fields=["handin", "path"], name="one_file_per_path")]

    def text(self) -> str | None:
        """The content as text, or None for a binary file (the editor leaves those alone)."""
        data = bytes(self.content)
        if b"\0" in data:
            return None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return None


class HandinRun(models.Model):
    """One attempt at grading one hand-in (kept, like grading.GradingRun)."""

    class Outcome(models.TextChoices):
        RUNNING = "running", "Running"
        GRADED = "graded", "Graded"
        FAULT = "fault", "Platform fault"
        LOST = "lost", "Lost"

    handin = models.ForeignKey(Handin, on_delete=models.CASCADE, related_name="runs")
    worker = models.CharField(max_length=255, blank=True)
    started_at = models.DateTimeField()
    lease_expires_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.RUNNING)
    result = models.JSONField(null=True, blank=True)
    # The project's content hash (apps.courses.versions.collect_project_files) as the worker
    # saw its files when the run was claimed: the version this run grades against. "" when
    # the files could not be read, or for a run from before versions were recorded.
    project_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["started_at", "pk"]


class ProjectExtension(models.Model):
    """A later deadline for one learner of one cohort, set by its instructor."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="project_extensions")
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="project_extensions")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="extensions")
    due_at = models.DateTimeField()
    reason = models.CharField(max_length=300, blank=True)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cohort", "learner", "project"], name="one_extension_per_learner_project")
        ]


class Assessment(models.Model):
    """An instructor's rubric grading of one learner's project in one cohort, against one
    hand-in version. The learner sees it only once ``released_at`` is set."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="project_assessments")
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="project_assessments")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="assessments")
    handin = models.ForeignKey(Handin, on_delete=models.PROTECT, related_name="assessments")
    comment = models.TextField(blank=True)
    graded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cohort", "learner", "project"], name="one_assessment_per_learner_project")
        ]


class CriterionMark(models.Model):
    """One rubric row of an assessment. For an instructor criterion ``points`` come from the
    chosen level; for an auto criterion from the hand-in's result unless overridden."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="marks")
    criterion = models.CharField(max_length=80)
    level = models.CharField(max_length=80, blank=True)
    points = models.FloatField(null=True, blank=True)
    comment = models.TextField(blank=True)
    overridden = models.BooleanField(default=False)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["assessment", "criterion"], name="one_mark_per_criterion")]


class CriterionOverride(models.Model):
    """Who changed an auto criterion's points, when and why. Append-only: the audit trail."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="overrides")
    criterion = models.CharField(max_length=80)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    points_before = models.FloatField(null=True)
    points_after = models.FloatField(null=True, help_text="None when the override was removed.")
    reason = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]


class LineComment(models.Model):
    """An instructor's comment on one line of one handed-in file, released with the assessment."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="line_comments")
    path = models.CharField(max_length=255)
    line = models.PositiveIntegerField()
    text = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["path", "line", "pk"]
