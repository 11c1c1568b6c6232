"""Learner accounts for the load test (scripts/loadtest.py): loadtest-0001 ... with one shared
password, made in bulk. They are real accounts: remove them after a test (--delete)."""

from __future__ import annotations

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandParser

from apps.accounts.models import User

PREFIX = "loadtest-"


class Command(BaseCommand):
    help = "Create (or with --delete remove) learner accounts loadtest-0001... for scripts/loadtest.py."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, default=500)
        parser.add_argument("--password", default="")
        parser.add_argument("--delete", action="store_true", help="remove every loadtest-* account and its work")

    def handle(self, *args, count: int, password: str, delete: bool, **options) -> None:
        if delete:
            removed, _ = User.objects.filter(username__startswith=PREFIX).delete()
            self.stdout.write(f"removed {removed} rows")
            return
        if len(password) < 12:
            self.stderr.write("--password must be at least 12 characters")
            raise SystemExit(2)
        hashed = make_password(password)  # hashed once: 500 PBKDF2 runs would take minutes
        wanted = [f"{PREFIX}{n:04d}" for n in range(1, count + 1)]
        existing = set(User.objects.filter(username__in=wanted).values_list("username", flat=True))
        new = [name for name in wanted if name not in existing]
        User.objects.bulk_create([User(username=name, password=hashed, email=f"{name}@example.test") for name in new])
        User.objects.filter(username__in=wanted).update(password=hashed)
        self.stdout.write(f"{count} learner accounts ready ({len(existing)} existed)")
