from django.core.management.base import BaseCommand, CommandError

from apps.courses.models import Lab
from apps.grading.models import GradingRun, Submission
from apps.grading.services import LeaseBusy, enqueue_regrade, regrade_submission_now


class Command(BaseCommand):
    help = (
        "Regrade every graded submission of a lab (after the lab changed). Earlier verdicts stay "
        "until a gradable run replaces them: a platform fault never blanks one."
    )

    def add_arguments(self, parser):
        parser.add_argument("lab_id")
        parser.add_argument("--now", action="store_true", help="grade in this process instead of queuing for workers")

    def handle(self, lab_id, now=False, **options):
        lab = Lab.objects.filter(key=lab_id).first()
        if lab is None:
            raise CommandError(f"no lab with id {lab_id!r} (run sync_curriculum first?)")
        submissions = list(Submission.objects.filter(lab=lab, kind=Submission.Kind.SUBMIT).order_by("pk"))
        if not now:
            for submission in submissions:
                enqueue_regrade(submission.pk)
            self.stdout.write(f"{len(submissions)} submission(s) of {lab.key} queued for regrading")
            return
        changed = kept = busy = 0
        for submission in submissions:
            try:
                run = regrade_submission_now(submission.pk)
            except LeaseBusy:
                busy += 1
                self.stdout.write(f"submission {submission.pk}: being graded right now, skipped")
                continue
            if run.outcome == GradingRun.Outcome.GRADED:
                changed += submission.score != run.score
                self.stdout.write(f"submission {submission.pk}: {submission.score} -> {run.score}")
            else:
                kept += 1
                self.stdout.write(
                    f"submission {submission.pk}: could not regrade, kept {submission.score} ({run.result['message']})"
                )
        self.stdout.write(
            f"{len(submissions)} submission(s) of {lab.key} regraded, {changed} changed, "
            f"{kept} kept after a platform fault, {busy} skipped"
        )
