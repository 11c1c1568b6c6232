"""Where a score changes, the LMS hears of it. Receivers only look up the ids and queue
passbacks (apps.lti.passback); a learner who never came through LTI costs one query."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from apps.dashboard.models import ProjectGrade
from apps.grading.models import Review, Submission
from apps.grading.signals import verdict_recorded
from apps.lti import passback
from apps.projects.models import Assessment


@receiver(verdict_recorded, dispatch_uid="lti-verdict")
def send_verdict(sender, submission_id: int, **kwargs) -> None:
    """A grade or regrade wrote a verdict (apps.grading.services.record_verdict)."""
    row = Submission.objects.filter(pk=submission_id, kind=Submission.Kind.SUBMIT).values("user_id", "lab_id").first()
    if row:
        passback.queue_lab_passbacks(row["user_id"], row["lab_id"])


@receiver(post_save, sender=Review, dispatch_uid="lti-override")
def send_override(sender, instance: Review, created: bool, **kwargs) -> None:
    """An instructor set or removed an override (apps.dashboard.services.review_submission)."""
    if created and instance.changes_score:
        row = Submission.objects.filter(pk=instance.submission_id).values("user_id", "lab_id").first()
        if row:
            passback.queue_lab_passbacks(row["user_id"], row["lab_id"])


@receiver(post_save, sender=ProjectGrade, dispatch_uid="lti-project-grade")
def send_project_grade(sender, instance: ProjectGrade, **kwargs) -> None:
    passback.queue_project_passbacks(instance.learner_id, instance.project_id, instance.score)


@receiver(post_save, sender=Assessment, dispatch_uid="lti-assessment")
def send_released_assessment(sender, instance: Assessment, **kwargs) -> None:
    """A rubric assessment counts once released to the learner and complete."""
    if instance.released_at is None:
        return
    from apps.projects.rubric import compute_total

    total = compute_total(instance)
    if total.complete and total.score is not None:
        passback.queue_project_passbacks(instance.learner_id, instance.project_id, total.score)
