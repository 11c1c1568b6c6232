from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from apps.courses.models import Lab
from apps.grading.models import Submission
from apps.grading.services import grade_submission_now, regrade_submission


class Command(BaseCommand):
    help = "Regrade every graded submission of a lab (after the lab changed)."

    def add_arguments(self, parser):
        parser.add_argument("lab_id")
        parser.add_argument("--now", action="store_true", help="grade in this process instead of queuing for workers")

    def handle(self, lab_id, now=False, **options):
        lab = Lab.objects.filter(key=lab_id).first()
        if lab is None:
            raise CommandError(f"no lab with id {lab_id!r} (run sync_curriculum first?)")
        submissions = list(Submission.objects.filter(lab=lab, kind=Submission.Kind.SUBMIT).order_by("pk"))
        changed = 0
        for submission in submissions:
            before = submission.score
            with transaction.atomic():
                regrade_submission(submission, enqueue=not now)
            if now:
                after = grade_submission_now(submission.pk).score
                changed += before != after
                self.stdout.write(f"submission {submission.pk}: {before} -> {after}")
        verb = "regraded" if now else "queued for regrading"
        self.stdout.write(
            f"{len(submissions)} submission(s) of {lab.key} {verb}" + (f", {changed} changed" if now else "")
        )
