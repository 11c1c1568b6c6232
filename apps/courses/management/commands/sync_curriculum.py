import json

from django.core.management.base import BaseCommand, CommandError

from apps.courses.services import CurriculumInvalid, check_curriculum, sync_curriculum


class Command(BaseCommand):
    help = "Load curriculum/ into the database, matching rows by their stable id."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="validate only; write nothing")
        parser.add_argument("--json", action="store_true", help="print counts (and changes) as JSON")
        parser.add_argument("--root", help="curriculum folder (default: settings.CURRICULUM_DIR)")

    def handle(self, *args, check=False, json=False, root=None, **options):
        if check:
            course, problems = check_curriculum(root)
            if problems:
                for problem in problems:
                    self.stderr.write(str(problem))
                raise CommandError(f"{len(problems)} problem(s) in the curriculum")
            self._print(course.counts(), None, as_json=json)
            return
        try:
            report = sync_curriculum(root)
        except CurriculumInvalid as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"{len(exc.problems)} problem(s) in the curriculum; nothing was written") from None
        self._print(report.counts, report, as_json=json)

    def _print(self, counts, report, as_json):
        if as_json:
            payload = dict(counts)
            if report is not None:
                payload.update(created=report.created, changed=report.changed, retired=report.retired)
            self.stdout.write(json.dumps(payload, indent=2, sort_keys=True))
            return
        self.stdout.write(", ".join(f"{n} {kind}" for kind, n in counts.items()))
        if report is None:
            self.stdout.write(self.style.SUCCESS("curriculum is valid"))
            return
        if not report.has_changes:
            self.stdout.write("no changes")
        for label, bucket in (("created", report.created), ("changed", report.changed), ("retired", report.retired)):
            for kind, keys in sorted(bucket.items()):
                self.stdout.write(f"{label} {len(keys)} {kind}: {', '.join(keys)}")
