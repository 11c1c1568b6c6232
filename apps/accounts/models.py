import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    class Role(models.TextChoices):
        LEARNER = "learner", "Learner"
        INSTRUCTOR = "instructor", "Instructor"

    role = models.CharField(max_length=20, choices=Role.choices, default=Role.LEARNER)
    # How the school's LMS knows this person: an LMS exports these back as "ID" and "SIS User
    # ID" and matches grade imports on them. LTI launches fill them; CSV-only schools type
    # them in or upload them (dashboard "LMS ids" page).
    lms_user_id = models.CharField(
        "LMS user id", max_length=255, blank=True, help_text="The LMS's own id (Canvas 'ID', LTI 'sub')."
    )
    sis_user_id = models.CharField(
        "SIS user id", max_length=255, blank=True, help_text="The school's student-information-system id."
    )

    @property
    def is_instructor(self) -> bool:
        return self.role == self.Role.INSTRUCTOR


def new_invite_code() -> str:
    return secrets.token_urlsafe(12)


class Cohort(models.Model):
    name = models.CharField(max_length=120)
    instructor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="taught_cohorts")
    # Teachers who share the cohort with its instructor (an LMS course's other instructors and
    # teaching assistants, added on their first launch): the same pages and the same rights.
    co_instructors = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="co_taught_cohorts")
    invite_code = models.CharField(max_length=32, unique=True, default=new_invite_code)
    learners = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Membership", related_name="cohorts")
    created_at = models.DateTimeField(auto_now_add=True)
    # What all exercises together are worth in the gradebook's total (None: as much as an
    # average lab). Exercises are practice: many small items must not outweigh the labs.
    exercise_points = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name

    def is_taught_by(self, user) -> bool:
        """True when ``user`` runs this cohort or shares it as a co-instructor."""
        user_id = getattr(user, "pk", None)
        if user_id is None:
            return False
        return self.instructor_id == user_id or self.co_instructors.filter(pk=user_id).exists()


class Membership(models.Model):
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cohort", "user"], name="one_membership_per_cohort")]
