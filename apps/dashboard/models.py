"""What an instructor decides for a cohort: deadlines, when feedback is shown, project
grades, and the regrade jobs they start. Content rows stay in ``apps.courses``; these
rows only point at them by key-stable foreign keys, so a moved lab keeps its policy."""

from django.conf import settings
from django.db import models

from apps.accounts.models import Cohort
from apps.courses.models import Lab, Project


class FeedbackMode(models.TextChoices):
    IMMEDIATE = "immediate", "Immediately"
    AFTER_DEADLINE = "after_deadline", "After the deadline"
    HIDDEN = "hidden", "Hidden"


class FeedbackDetail(models.TextChoices):
    """How much of a shown verdict a learner sees; each level adds to the one before."""

    SCORE = "score", "Score only"
    CHECKS = "checks", "Score and which checks failed, with messages"
    EXPECTED = "expected", "…and the expected output"
    FULL = "full", "…and hints"


class SolutionRelease(models.TextChoices):
    """When learners see a lab's worked solution (an exercise's explained answer, a lab's
    commented reference answer)."""

    STANDARD = "standard", "Platform default (exercises: after solving; labs: never)"
    NEVER = "never", "Never"
    AFTER_PASSING = "after_passing", "After the learner solves it"
    AFTER_DEADLINE = "after_deadline", "After the deadline"
    NOW = "now", "Now"


class LabPolicy(models.Model):
    """One cohort's deadline, feedback rule and worked-solution release for one lab. No row
    means: no deadline, feedback shown immediately, the platform's default for solutions."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="lab_policies")
    lab = models.ForeignKey(Lab, on_delete=models.CASCADE, related_name="policies")
    due_at = models.DateTimeField(null=True, blank=True)
    feedback = models.CharField(max_length=20, choices=FeedbackMode.choices, default=FeedbackMode.IMMEDIATE)
    detail = models.CharField(max_length=20, choices=FeedbackDetail.choices, default=FeedbackDetail.FULL)
    solution = models.CharField(max_length=20, choices=SolutionRelease.choices, default=SolutionRelease.STANDARD)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cohort", "lab"], name="one_policy_per_cohort_lab")]

    def __str__(self) -> str:
        return f"{self.cohort} · {self.lab.key}"


class ProjectPolicy(models.Model):
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="project_policies")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="policies")
    due_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cohort", "project"], name="one_policy_per_cohort_project")]

    def __str__(self) -> str:
        return f"{self.cohort} · {self.project.key}"


class ProjectGrade(models.Model):
    """Projects are judged by an instructor against the brief's rubric, not by a sandbox."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="project_grades")
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="project_grades")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="grades")
    score = models.FloatField(help_text="0 to 1")
    handed_in_at = models.DateTimeField(help_text="When the learner handed the project in (decides lateness).")
    comment = models.TextField(blank=True)
    graded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cohort", "learner", "project"], name="one_grade_per_project"),
            models.CheckConstraint(condition=models.Q(score__gte=0, score__lte=1), name="project_score_0_to_1"),
        ]


class RegradeJob(models.Model):
    """A background regrade of one submission or of every submission of a lab in a cohort.
    Each submission is its own Celery task, so a long job never blocks learners' verdicts."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        DONE = "done", "Done"

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="regrade_jobs")
    lab = models.ForeignKey(Lab, on_delete=models.CASCADE, related_name="regrade_jobs")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    total = models.PositiveIntegerField(default=0)
    # Kept so a sweeper can re-queue what a lost message or a killed worker never finished.
    submission_ids = models.JSONField(default=list)
    whole_lab = models.BooleanField(default=True, help_text="Every submission of the lab in the cohort, or just one.")
    # A preview grades every submission again but writes no verdict: the instructor sees the
    # score changes first, then applies them (``applied_at``) or lets them be.
    preview = models.BooleanField(default=False)
    applied_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]


class RegradeChange(models.Model):
    """One submission's score before and after a regrade. A row exists once that
    submission is done, so the job's progress is simply ``changes.count() / total``."""

    job = models.ForeignKey(RegradeJob, on_delete=models.CASCADE, related_name="changes")
    submission = models.ForeignKey("grading.Submission", on_delete=models.CASCADE, related_name="+")
    before = models.FloatField(null=True)
    after = models.FloatField(null=True)
    note = models.CharField(max_length=300, blank=True, help_text="Why the score did not change, when it could not.")
    # The grading run behind ``after``; for a preview, what applying it writes.
    run = models.ForeignKey("grading.GradingRun", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    applied = models.BooleanField(default=False, help_text="A previewed change that became the verdict.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "submission"], name="one_change_per_job_submission")]
