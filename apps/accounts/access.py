"""The few places that decide who may see what. Views call these instead of filtering
ad hoc, so the authorization matrix tests cover every path through them."""

from django.db.models import Q
from django.http import Http404

from apps.accounts.models import Cohort


def access_cohort_as_instructor(user, cohort_id: int) -> Cohort:
    """The cohort, if ``user`` is the instructor who runs it or one of its co-instructors; 404
    otherwise, so other instructors cannot even learn that it exists."""
    if not user.is_authenticated or not getattr(user, "is_instructor", False):
        raise Http404("No such cohort")
    cohort = cohorts_taught_by(user).filter(pk=cohort_id).first()
    if cohort is None:
        raise Http404("No such cohort")
    return cohort


def cohorts_taught_by(user):
    """Cohorts ``user`` runs or shares as a co-instructor."""
    taught = Cohort.objects.filter(Q(instructor=user) | Q(co_instructors=user)).values("pk")
    return Cohort.objects.filter(pk__in=taught)
