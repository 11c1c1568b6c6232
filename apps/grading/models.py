import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.courses.models import Lab

POLL_DELAY_FIRST_MS, POLL_DELAY_MAX_MS = 400, 3000


class Submission(models.Model):
    """One answer to one lab. A graded ``submit`` counts as an attempt once the platform
    has judged it; a ``run`` is an ungraded preview that never counts."""

    class Kind(models.TextChoices):
        SUBMIT = "submit", "Submit"
        RUN = "run", "Run"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Could not be graded"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="submissions")
    lab = models.ForeignKey(Lab, on_delete=models.PROTECT, related_name="submissions")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.SUBMIT)
    answer = models.TextField()
    # The form carries a token minted when the page was drawn: a double click or a
    # replayed POST finds the same token and gets the same submission back.
    client_token = models.UUIDField(default=uuid.uuid4)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    result = models.JSONField(null=True, blank=True)
    score = models.FloatField(null=True, blank=True)
    # An instructor's override (audited by Review rows); the gradebook uses it over ``score``.
    override_score = models.FloatField(null=True, blank=True)
    counted = models.BooleanField(default=False, help_text="Counts as an attempt (a learner-caused verdict).")
    tries = models.PositiveIntegerField(default=0, help_text="How many times a worker started grading it.")
    created_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The grading lease: the run grading this submission now, and until when it may. Taken
    # and released only by conditional UPDATEs in services, so two workers never grade one
    # submission at once; the sweeper re-queues a submission only once its lease expired.
    lease_run = models.ForeignKey("GradingRun", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    leased_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["user", "client_token"], name="one_submission_per_token")]
        indexes = [models.Index(fields=["user", "lab", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.lab.key} · {self.status}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def effective_score(self) -> float | None:
        return self.override_score if self.override_score is not None else self.score

    @property
    def poll_delay_ms(self) -> int:
        """How long the page waits before asking for the verdict again: 400 ms at first (a
        quick lab answers in about a second), then 100 ms longer per second waited, at most
        3 s, so a class queued behind a backlog does not poll the site at 2.5 requests/s each."""
        waited = (timezone.now() - self.created_at).total_seconds() if self.created_at else 0.0
        return int(min(POLL_DELAY_MAX_MS, POLL_DELAY_FIRST_MS + max(0.0, waited) * 100))

    @property
    def is_slow(self) -> bool:
        """Waiting for a verdict longer than the lab's time budget says is usual."""
        from apps.grading.budget import TimeBudget

        if self.is_finished:
            return False
        since = self.started_at if self.status == self.Status.RUNNING else (self.queued_at or self.created_at)
        return since is not None and timezone.now() - since > TimeBudget.for_lab(self.lab).slow_after


def effective_score():
    """The score the gradebook counts, in SQL: an instructor's override, else the grader's.
    The query-side twin of ``Submission.effective_score``."""
    return Coalesce("override_score", "score")


class GradingRun(models.Model):
    """One attempt at grading one submission, kept (as PrairieLearn keeps grading jobs): who
    graded it, against which version of the lab, when, and what came out. Only
    ``services.record_verdict`` turns a finished run into the submission's verdict."""

    class Purpose(models.TextChoices):
        GRADE = "grade", "First grade"
        REGRADE = "regrade", "Regrade"
        PREVIEW = "preview", "Regrade preview"  # graded, never written unless an instructor applies it

    class Outcome(models.TextChoices):
        RUNNING = "running", "Running"
        GRADED = "graded", "Graded"  # a gradable Result (the learner's verdict, whatever the score)
        FAULT = "fault", "Platform fault"  # gradable=False: our fault, never the learner's
        LOST = "lost", "Lost"  # its lease expired first (the worker died); another run took over

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="runs")
    purpose = models.CharField(max_length=10, choices=Purpose.choices, default=Purpose.GRADE)
    lab_hash = models.CharField(max_length=64, blank=True, help_text="The lab's content hash when graded.")
    worker = models.CharField(max_length=255, blank=True, help_text="host:pid of the grading process.")
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.RUNNING, db_index=True)
    result = models.JSONField(null=True, blank=True)
    applied = models.BooleanField(default=False, help_text="Its result became the submission's verdict.")

    class Meta:
        ordering = ["started_at", "pk"]
        indexes = [models.Index(fields=["submission", "started_at"])]

    def __str__(self) -> str:
        return f"run {self.pk} of submission {self.submission_id} · {self.purpose} · {self.outcome}"

    @property
    def score(self) -> float | None:
        return self.result["score"] if self.outcome == self.Outcome.GRADED else None


class Review(models.Model):
    """An instructor's comment on a submission, possibly changing its score. Rows are never
    edited or deleted: together they are the audit trail the learner sees too."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="reviews")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The cohort whose instructor wrote it (null on rows older than this field): the audit
    # says under whose authority a score changed, and each cohort's review page lists its own.
    cohort = models.ForeignKey("accounts.Cohort", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    text = models.TextField()
    changes_score = models.BooleanField(default=False)
    score_before = models.FloatField(null=True, blank=True)
    # With ``changes_score``: the new override, or None when the override was removed.
    score_after = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]


class HintReveal(models.Model):
    """A step of an exercise's hint ladder that the learner chose to see. Kept, so a revealed
    hint stays revealed on every later visit and instructors can tell who needed which."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hint_reveals")
    lab = models.ForeignKey(Lab, on_delete=models.CASCADE, related_name="hint_reveals")
    step = models.PositiveIntegerField(help_text="1 for the gentlest hint.")
    revealed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["step"]
        constraints = [models.UniqueConstraint(fields=["user", "lab", "step"], name="reveal_a_hint_once")]

    def __str__(self) -> str:
        return f"{self.user} · {self.lab.key} · hint {self.step}"


# --------------------------------------------------------------------------- extensions


class LabAttemptLimit(models.Model):
    """How many graded attempts one cohort allows on one lab. No row: as many as the learner
    likes (the platform's default). Kept here rather than on ``LabPolicy`` because extra
    attempts per learner (``LabExtension``) only mean something against such a limit."""

    cohort = models.ForeignKey("accounts.Cohort", on_delete=models.CASCADE, related_name="lab_attempt_limits")
    lab = models.ForeignKey(Lab, on_delete=models.CASCADE, related_name="attempt_limits")
    max_attempts = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cohort", "lab"], name="one_attempt_limit_per_cohort_lab")]

    def __str__(self) -> str:
        return f"{self.cohort} · {self.lab.key} · {self.max_attempts} attempts"


class LabExtension(models.Model):
    """One learner's own terms on a lab or exercise in one cohort, set by its instructor: a
    later deadline, extra attempts, or both. Read through ``extensions.effective_lab_terms``."""

    cohort = models.ForeignKey("accounts.Cohort", on_delete=models.CASCADE, related_name="lab_extensions")
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lab_extensions")
    lab = models.ForeignKey(Lab, on_delete=models.CASCADE, related_name="extensions")
    due_at = models.DateTimeField(null=True, blank=True, help_text="The learner's deadline; None keeps the cohort's.")
    extra_attempts = models.PositiveIntegerField(default=0, help_text="Added to the cohort's attempt limit.")
    reason = models.CharField(max_length=300, blank=True)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cohort", "learner", "lab"], name="one_extension_per_learner_lab")
        ]

    def __str__(self) -> str:
        return f"{self.learner} · {self.lab.key} · {self.cohort}"


# --------------------------------------------------------------------------- regrade requests


class RegradeRequest(models.Model):
    """A learner's question about one verdict, to the instructor of one of their cohorts, and
    the conversation that follows. ``status`` says whose turn it is; ``resolution`` what the
    instructor last did about it."""

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for the instructor"
        ANSWERED = "answered", "Answered"
        CLOSED = "closed", "Closed"

    class Resolution(models.TextChoices):
        NONE = "", "None yet"
        ANSWERED = "answered", "Answered"
        REGRADED = "regraded", "Regraded"
        OVERRIDDEN = "overridden", "Score overridden"

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="regrade_requests")
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="regrade_requests")
    cohort = models.ForeignKey("accounts.Cohort", on_delete=models.CASCADE, related_name="regrade_requests")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    resolution = models.CharField(max_length=12, choices=Resolution.choices, default=Resolution.NONE, blank=True)
    # The regrade job started from this request, so the thread can link to its progress.
    regrade_job = models.ForeignKey(
        "dashboard.RegradeJob", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-updated_at", "-pk"]
        constraints = [
            # One live conversation per attempt: a second question joins it instead.
            models.UniqueConstraint(
                fields=["submission"], condition=~models.Q(status="closed"), name="one_live_request_per_submission"
            )
        ]

    def __str__(self) -> str:
        return f"request {self.pk} on submission {self.submission_id} · {self.status}"

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED


class RegradeMessage(models.Model):
    """One message of a regrade request's thread. Never edited or deleted."""

    request = models.ForeignKey(RegradeRequest, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
