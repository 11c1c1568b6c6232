from urllib.parse import urlencode

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def sort_query(context, column: str) -> str:
    """The query string that sorts by ``column``, keeping the filters; clicking the column
    already sorted flips its direction."""
    request = context["request"]
    params = request.GET.copy()
    if params.get("sort", "learner") == column:
        params["dir"] = "asc" if params.get("dir") == "desc" else "desc"
    else:  # names read best A to Z; scores and dates best highest first
        params["dir"] = "asc" if column == "learner" else "desc"
    params["sort"] = column
    return "?" + urlencode(sorted(params.items()))


@register.simple_tag(takes_context=True)
def aria_sort(context, column: str) -> str:
    request = context["request"]
    if request.GET.get("sort", "learner") != column:
        return "none"
    return "descending" if request.GET.get("dir") == "desc" else "ascending"


@register.filter
def minutes(value) -> str:
    """A duration in minutes the way people say it: "25 min", "3.5 h", "2.1 days"."""
    if value is None or value == "":
        return "–"
    value = float(value)
    if value < 90:
        return f"{value:g} min"
    if value < 48 * 60:
        return f"{value / 60:.1f} h"
    return f"{value / 1440:.1f} days"
