import random
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import Cohort, User
from apps.accounts.services import join_cohort

DEMO_ACCOUNTS = [
    # username, password, role: well known on purpose; `make run` is for trying things locally
    ("demo-learner", "learn-databases", User.Role.LEARNER),
    ("demo-instructor", "teach-databases", User.Role.INSTRUCTOR),
]
# Seeded classmates of the demo learner: they cannot log in (no usable password); they
# exist so the instructor's gradebook, dashboard and analytics have something to show.
CLASSMATES = [
    ("ada", "Ada", "Moreau"),
    ("bruno", "Bruno", "Silva"),
    ("chen", "Chen", "Wei"),
    ("dara", "Dara", "Okafor"),
    ("emil", "Emil", "Lund"),
    ("farah", "Farah", "Haddad"),
    ("goran", "Goran", "Petrov"),
    ("hana", "Hana", "Sato"),
]
# Labs whose answers grade in well under a second each, so the worker gets through the
# seeded backlog quickly after `make run` starts; operational labs take seconds each.
SEEDED_LABS = [
    "sql-top-customers",
    "schema-ecommerce",
    "isolation-lost-update",
    "nosql-mongo-category-revenue",
    "nosql-redis-weekly-board-cache",
]


class Command(BaseCommand):
    help = "Create (or reset) the demo learner, the demo instructor and their demo cohort."

    def add_arguments(self, parser):
        parser.add_argument(
            "--with-submissions",
            action="store_true",
            help="Also seed classmates with lesson progress and real answers queued for the worker (once).",
        )

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
        if options["with_submissions"]:
            queued = seed_classmates(cohort)
            if queued:
                self.stdout.write(f"Seeded {len(CLASSMATES)} classmates; {queued} answers queued for the worker.")
        self.stdout.write("Demo accounts (log in at /accounts/login/ on the web address below):")
        for username, password, role in DEMO_ACCOUNTS:
            self.stdout.write(f"  {role:<10}  username: {username:<16} password: {password}")


def seed_classmates(cohort: Cohort) -> int:
    """Classmates with lesson progress, real answers (the labs' own solutions and wrong
    answers) queued for real grading, a deadline, a review and a project grade. Runs once:
    a second call finds the classmates and does nothing."""
    from apps.courses.models import Lab, Lesson, LessonCompletion, Project
    from apps.dashboard.models import LabPolicy, ProjectPolicy
    from apps.dashboard.services import grade_project
    from apps.grading.models import Submission
    from apps.grading.services import submit_answer

    if User.objects.filter(username=CLASSMATES[0][0]).exists():
        return 0
    rng = random.Random(2026)  # the same demo every time
    now = timezone.now()
    lessons = list(Lesson.objects.filter(retired=False))
    labs = [lab for lab in Lab.objects.filter(key__in=SEEDED_LABS, retired=False)]
    queued = 0
    for number, (username, first, last) in enumerate(CLASSMATES):
        learner = User.objects.create(
            username=username, first_name=first, last_name=last, email=f"{username}@example.com"
        )
        learner.set_unusable_password()
        learner.save()
        join_cohort(learner, cohort)
        # Progress from strong to weak down the list; the last two drifted away weeks ago.
        done = lessons[: max(0, len(lessons) - number * 3)]
        idle_days = 18 if number >= len(CLASSMATES) - 2 else rng.randint(0, 3)
        for lesson in done:
            completion = LessonCompletion.objects.create(user=learner, lesson=lesson)
            when = now - timedelta(days=idle_days + rng.randint(0, 20), minutes=rng.randint(0, 600))
            LessonCompletion.objects.filter(pk=completion.pk).update(completed_at=when)
        for lab in labs:
            folder = Path(settings.CURRICULUM_DIR) / lab.source_path
            wrong = sorted((folder / "wrong").glob("*"))
            solution = next(folder.glob("solution.*"), None)
            if not wrong or solution is None or rng.random() < number / 12:
                continue  # weaker learners have not reached every lab
            answers = rng.sample(wrong, k=min(len(wrong), rng.randint(0, 3)))
            if number == 6:
                answers = [rng.choice(wrong)] * 6  # stuck: the same mistake, again and again
            elif number < 5:
                answers.append(solution)
            for attempt, path in enumerate(answers):
                # Demo history, backdated below: not a learner at the keyboard, so no limits.
                submission = submit_answer(learner, lab, path.read_text(), enforce_limits=False)
                when = now - timedelta(days=idle_days + len(answers) - attempt, hours=rng.randint(0, 12))
                Submission.objects.filter(pk=submission.pk).update(created_at=when)
                queued += 1
    if labs:
        LabPolicy.objects.update_or_create(
            cohort=cohort, lab=labs[0], defaults={"due_at": now - timedelta(days=3), "feedback": "immediate"}
        )
    projects = list(Project.objects.filter(retired=False).order_by("order")[:1])
    if projects:
        ProjectPolicy.objects.update_or_create(cohort=cohort, project=projects[0], defaults={"due_at": now})
        for number, (username, *_names) in enumerate(CLASSMATES[:5]):
            grade_project(
                cohort,
                User.objects.get(username=username),
                projects[0],
                score_percent=95 - number * 8,
                handed_in_at=now - timedelta(days=2) + timedelta(days=number // 4 * 3),
                comment="Clear ERD; normalization argued well." if number < 3 else "Keys fine; justify the 3NF step.",
                graded_by=cohort.instructor,
            )
    return queued
