"""The few places that decide who may see what. Views call these instead of filtering
ad hoc, so the authorization matrix tests cover every path through them."""

from django.http import Http404

from apps.accounts.models import Cohort


def access_cohort_as_instructor(user, cohort_id: int) -> Cohort:
    """The cohort, if ``user`` is the instructor who runs it; 404 otherwise, so other
    instructors cannot even learn that it exists."""
    if not user.is_authenticated or not getattr(user, "is_instructor", False):
        raise Http404("No such cohort")
    try:
        return Cohort.objects.get(pk=cohort_id, instructor=user)
    except Cohort.DoesNotExist:
        raise Http404("No such cohort") from None


def cohorts_taught_by(user):
    return Cohort.objects.filter(instructor=user)
