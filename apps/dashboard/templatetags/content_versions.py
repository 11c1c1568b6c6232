"""``{% graded_version submission %}``: the version of the lab a verdict came from, on the
learner's verdict and the instructor's review (one query; nothing for an ungraded answer).
``{% handin_version handin %}``: the same for a project hand-in."""

from django import template
from django.utils import timezone
from django.utils.html import format_html

from apps.dashboard.versions import find_graded_version
from apps.projects.versions import find_handin_version

register = template.Library()


@register.simple_tag
def graded_version(submission) -> str:
    if submission is None or submission.kind != "submit" or submission.status != "done":
        return ""
    if submission._state.adding:  # built in memory, never saved (template tests): no runs to read
        return ""
    return _stamp_line(find_graded_version(submission))


@register.simple_tag
def handin_version(handin) -> str:
    if handin is None or handin.status != "done" or handin._state.adding:
        return ""
    return _stamp_line(find_handin_version(handin))


def _stamp_line(stamp) -> str:
    if stamp is None:
        return ""
    when = f" of {timezone.localtime(stamp.synced_at):%b %-d, %Y}" if stamp.synced_at else ""
    return format_html(
        '<p class="muted small graded-version">Graded against version <code>{}</code>{}</p>', stamp.short, when
    )
