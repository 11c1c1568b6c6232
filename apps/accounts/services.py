from django.db import IntegrityError, transaction

from apps.accounts.models import Cohort, Membership, User


def create_cohort(instructor: User, name: str) -> Cohort:
    if not instructor.is_instructor:
        raise PermissionError("only instructors can create cohorts")
    return Cohort.objects.create(name=name.strip(), instructor=instructor)


def join_cohort(user: User, cohort: Cohort) -> Membership:
    """Idempotent: joining twice (a reused invite link) keeps one membership."""
    try:
        with transaction.atomic():
            membership, _ = Membership.objects.get_or_create(cohort=cohort, user=user)
    except IntegrityError:
        membership = Membership.objects.get(cohort=cohort, user=user)
    return membership
