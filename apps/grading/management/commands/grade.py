import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.courses.models import Lab
from apps.grading.services import AnswerInvalid, grade_answer, validate_answer


class Command(BaseCommand):
    help = "Grade an answer to a lab synchronously, through the same service as the site (no worker needed)."

    def add_arguments(self, parser):
        parser.add_argument("lab_id", help="the lab's stable id (see lab.toml)")
        parser.add_argument("answer_file", help="a file holding the answer, or - for standard input")
        parser.add_argument("--json", action="store_true", help="print the Result as JSON")

    def handle(self, lab_id, answer_file, **options):
        lab = Lab.objects.filter(key=lab_id, retired=False).first()
        if lab is None:
            known = (
                ", ".join(Lab.objects.filter(retired=False).values_list("key", flat=True))
                or "none (run sync_curriculum)"
            )
            raise CommandError(f"no lab with id {lab_id!r}; known labs: {known}")
        answer = self.stdin.read() if answer_file == "-" else self._read(answer_file)
        try:
            problems = validate_answer(lab, answer)
            if problems:
                raise AnswerInvalid(problems)
        except AnswerInvalid as exc:
            raise CommandError("answer refused before grading:\n  " + "\n  ".join(exc.problems)) from None
        result = grade_answer(lab, answer)
        if options["json"]:
            self.stdout.write(json.dumps(result, indent=2, default=str))
        else:
            self._print(lab, result)
        if not result["gradable"]:
            raise CommandError(result["message"])

    def _read(self, name: str) -> str:
        path = Path(name)
        if not path.is_file():
            raise CommandError(f"answer file not found: {name}")
        return path.read_text(encoding="utf-8")

    def _print(self, lab, result) -> None:
        self.stdout.write(
            f"{lab.title} ({lab.key}): score {result['score']:.2f}, {result['status']}, {result['duration_ms']} ms"
        )
        if result["message"]:
            self.stdout.write(f"  {result['message']}")
        for check in result["checks"]:
            mark = "PASS" if check["passed"] else "FAIL"
            self.stdout.write(f"  [{mark}] {check['name']}: {check['message']}")
            if check["hint"] and not check["passed"]:
                self.stdout.write(f"         hint: {check['hint']}")
