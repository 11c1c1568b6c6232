"""Import a cohort written by manage.py export_cohort into this site, in one transaction:
all of it or (on any problem) none of it. ``apps.accounts.cohort_import`` says how accounts,
repeated imports, unfinished grading, missing people and LMS records are handled.

    python manage.py import_cohort spring.json [--name "Spring 2027 (archive)"]
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.accounts.cohort_export import VERSION
from apps.accounts.cohort_import import CohortFileError, import_cohort


class Command(BaseCommand):
    help = (
        f"Import a cohort exported by export_cohort (format versions 1 to {VERSION}; older files get the newer "
        "fields at their defaults, newer ones are refused). LMS identities and the LMS course mapping are kept "
        "only when this site registered the same LMS platform: platforms and LTI keys are never imported."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the JSON file export_cohort wrote")
        parser.add_argument("--name", help="a new name for the imported cohort")

    def handle(self, *args, file: str, name: str | None, **options) -> None:
        try:
            data = json.loads(Path(file).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read {file}: {exc}") from None
        try:
            cohort, counts, notes = import_cohort(data, name=name)
        except CohortFileError as exc:
            raise CommandError(f"{file}: {exc}") from None
        summary = ", ".join(f"{count} {what}" for what, count in counts.items())
        self.stdout.write(f"imported cohort {cohort.name!r} (id {cohort.pk}): {summary}")
        for note in notes:
            self.stdout.write(f"note: {note}")
