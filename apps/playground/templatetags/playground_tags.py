from django import template
from django.urls import reverse
from django.utils.html import format_html

from apps.playground.services import lab_is_playable

register = template.Library()


@register.simple_tag
def explore_data_link(lab) -> str:
    """'Explore the data' for a lab whose seed a playground can hold, else nothing."""
    if not lab_is_playable(lab):
        return ""
    url = reverse("playground:lab", args=[lab.key])
    return format_html(
        '<p class="explore-data"><a href="{}">Explore the data</a> in a playground of your own '
        "(the lab's starting data, never the data it is graded on).</p>",
        url,
    )
