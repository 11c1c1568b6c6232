"""``{% graded_version submission %}``: the version of the lab a verdict came from, on the
learner's verdict and the instructor's review (one query; nothing for an ungraded answer)."""

from django import template
from django.utils import timezone
from django.utils.html import format_html

from apps.dashboard.versions import find_graded_version

register = template.Library()


@register.simple_tag
def graded_version(submission) -> str:
    if submission is None or submission.kind != "submit" or submission.status != "done":
        return ""
    if submission._state.adding:  # built in memory, never saved (template tests): no runs to read
        return ""
    stamp = find_graded_version(submission)
    if stamp is None:
        return ""
    when = f" of {timezone.localtime(stamp.synced_at):%b %-d, %Y}" if stamp.synced_at else ""
    return format_html(
        '<p class="muted small graded-version">Graded against version <code>{}</code>{}</p>', stamp.short, when
    )
