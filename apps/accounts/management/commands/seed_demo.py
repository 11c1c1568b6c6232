from django.core.management.base import BaseCommand
from django.db import transaction

from apps.accounts.models import Cohort, User
from apps.accounts.services import join_cohort

DEMO_ACCOUNTS = [
    # username, password, role: well known on purpose; `make run` is for trying things locally
    ("demo-learner", "learn-databases", User.Role.LEARNER),
    ("demo-instructor", "teach-databases", User.Role.INSTRUCTOR),
]


class Command(BaseCommand):
    help = "Create (or reset) the demo learner, the demo instructor and their demo cohort."

    @transaction.atomic
    def handle(self, *args, **options):
        users = {}
        for username, password, role in DEMO_ACCOUNTS:
            user, _ = User.objects.get_or_create(username=username, defaults={"email": f"{username}@example.com"})
            user.role = role
            user.set_password(password)
            user.save()
            users[role] = user
        cohort, _ = Cohort.objects.get_or_create(name="Demo cohort", instructor=users[User.Role.INSTRUCTOR])
        join_cohort(users[User.Role.LEARNER], cohort)
        self.stdout.write("Demo accounts (log in at http://127.0.0.1:8000/accounts/login/):")
        for username, password, role in DEMO_ACCOUNTS:
            self.stdout.write(f"  {role:<10}  username: {username:<16} password: {password}")
