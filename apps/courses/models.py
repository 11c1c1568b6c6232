"""Rows synced from curriculum/ files. Each content row carries ``key``, the stable id
from its file, so moving a file never loses the progress attached to it. Rows whose file
disappears are retired, not deleted, for the same reason."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Outcome(models.Model):
    key = models.CharField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order"]

    def __str__(self) -> str:
        return self.title


class Phase(models.Model):
    number = models.PositiveIntegerField(unique=True)
    title = models.CharField(max_length=200)

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"Phase {self.number}: {self.title}"


class Week(models.Model):
    number = models.PositiveIntegerField(unique=True)
    title = models.CharField(max_length=200)
    phase = models.ForeignKey(Phase, on_delete=models.PROTECT, related_name="weeks")

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"Week {self.number}: {self.title}"


class ContentRow(models.Model):
    key = models.CharField(max_length=120, unique=True)
    title = models.CharField(max_length=200)
    source_path = models.CharField(max_length=500, blank=True)
    retired = models.BooleanField(default=False, help_text="Its file is gone; kept so progress survives.")

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.title


class Module(ContentRow):
    skill = models.PositiveIntegerField()
    summary = models.TextField(blank=True)
    weeks = models.ManyToManyField(Week, related_name="modules", blank=True)

    class Meta:
        ordering = ["skill"]


class Lesson(ContentRow):
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="lessons")
    week = models.ForeignKey(Week, on_delete=models.PROTECT, related_name="lessons")
    order = models.PositiveIntegerField()
    summary = models.TextField(blank=True)
    body = models.TextField(help_text="Markdown source")
    word_count = models.PositiveIntegerField(default=0)
    outcomes = models.ManyToManyField(Outcome, related_name="lessons", blank=True)

    class Meta:
        ordering = ["module__skill", "order"]


class Project(ContentRow):
    week = models.ForeignKey(Week, on_delete=models.PROTECT, related_name="projects")
    order = models.PositiveIntegerField()
    hours = models.PositiveIntegerField()
    summary = models.TextField(blank=True)
    body = models.TextField()
    outcomes = models.ManyToManyField(Outcome, related_name="projects", blank=True)
    content_hash = models.CharField(max_length=64, blank=True, help_text="Of the brief and grading files at sync.")

    class Meta:
        ordering = ["order"]


class Lab(ContentRow):
    """A graded item: a lab (a multi-check assignment) or an exercise (one question with a
    hint ladder and an explained answer). Both are graded the same way."""

    class Kind(models.TextChoices):
        LAB = "lab", "Lab"
        EXERCISE = "exercise", "Exercise"

    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.LAB)
    engine = models.CharField(max_length=20)
    topology = models.CharField(max_length=20)
    points = models.PositiveIntegerField(default=10)
    time_limit = models.FloatField(default=10)
    lesson = models.ForeignKey(Lesson, on_delete=models.SET_NULL, null=True, blank=True, related_name="labs")
    hints = models.JSONField(default=list, blank=True, help_text="The hint ladder, gentlest first.")
    explanation = models.TextField(blank=True, help_text="Markdown; shown only after the learner passed.")
    # labs.spec's content hash at the last sync: the one a grading run records (GradingRun.lab_hash).
    content_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["key"]

    @property
    def is_exercise(self) -> bool:
        return self.kind == self.Kind.EXERCISE


class ContentVersion(models.Model):
    """One version of a lab's, exercise's or project's graded content, kept at sync so an
    instructor can see what changed between two versions after learners were graded on them.
    A row is added when a sync finds a hash other than the newest row's, so going back to an
    earlier version is a new row too, and the rows read in order as the history."""

    class Kind(models.TextChoices):
        LAB = "lab", "Lab"
        EXERCISE = "exercise", "Exercise"
        PROJECT = "project", "Project"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    key = models.CharField(max_length=120, help_text="The lab's or project's stable id.")
    hash = models.CharField(max_length=64)
    # File name -> text as it was (a large data file is kept as its size and digest only).
    files = models.JSONField(default=dict)
    synced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["synced_at", "pk"]
        indexes = [models.Index(fields=["kind", "key", "synced_at"])]

    def __str__(self) -> str:
        return f"{self.key} @ {self.short_hash}"

    @property
    def short_hash(self) -> str:
        return self.hash[:8]


class LessonCompletion(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="completions")
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="completions")
    completed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "lesson"], name="complete_a_lesson_once")]
