"""Export one cohort's records as a JSON file (``apps.accounts.cohort_export`` says what it
holds): the cohort, its members and everything of theirs an instructor or learner would
miss on another site running the same course (manage.py import_cohort reads it).

Password hashes are left out unless asked for (--include-password-hashes): imported accounts
then have no usable password and their owners reset it. LMS platform registrations and the
tool's LTI keys are site configuration and are never exported.

    python manage.py export_cohort "Spring 2027" -o spring.json
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.accounts.cohort_export import VERSION, export_cohort
from apps.accounts.models import Cohort


def find_cohort(name_or_id: str) -> Cohort:
    by_id = name_or_id.isdigit()
    cohorts = Cohort.objects.filter(pk=int(name_or_id)) if by_id else Cohort.objects.filter(name=name_or_id)
    found = list(cohorts[:2])
    if not found:
        raise CommandError(f"no cohort {name_or_id!r} (give its name or id)")
    if len(found) > 1:
        raise CommandError(f"several cohorts are named {name_or_id!r}: give the id")
    return found[0]


class Command(BaseCommand):
    help = (
        f"Export one cohort as JSON (format version {VERSION}): members and their accounts (with LMS/SIS ids), "
        "submissions with verdicts, runs and reviews, deadlines, feedback and solution rules, attempt limits, "
        "extensions, regrade requests, hints and lessons done, project hand-ins, grades and assessments, and "
        "which LMS identity and LMS course is whose. LMS platform registrations and LTI keys are site "
        "configuration and are never exported."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("cohort", help="the cohort's name or id")
        parser.add_argument("-o", "--output", help="file to write (mode 0600); default: standard output")
        parser.add_argument("--include-password-hashes", action="store_true",
                            help="carry the accounts' password hashes, so learners keep their passwords")

    def handle(self, *args, cohort: str, output: str | None, include_password_hashes: bool, **options) -> None:
        data = export_cohort(find_cohort(cohort), with_passwords=include_password_hashes)
        text = json.dumps(data, indent=1, ensure_ascii=False) + "\n"
        if output is None:
            self.stdout.write(text, ending="")
            return
        # Answers, scores and maybe password hashes: readable by the site's account only.
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        Path(output).chmod(0o600)
        self.stderr.write(
            f"cohort {data['cohort']['name']!r}: {len(data['members'])} members, {len(data['submissions'])} "
            f"submissions, {len(data['handins'])} hand-ins, {len(data['project_grades'])} project grades "
            f"-> {output} (format version {VERSION})"
        )
