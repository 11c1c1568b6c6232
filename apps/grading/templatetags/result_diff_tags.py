"""``{% result_diff check submission rule %}``: a failed result check's rows with the differing
cells marked (apps/grading/result_diff.py), as much as the instructor's feedback detail allows."""

from django import template

from apps.grading.result_diff import build_result_diff

register = template.Library()


@register.inclusion_tag("grading/_result_diff.html")
def result_diff(check, submission, rule=None) -> dict:
    # A Run never says how far a result is from the expected one; a submission says it as far
    # as the rule allows (no rule: the instructor's own pages, where everything shows).
    if getattr(submission, "kind", None) != "submit" or (rule and not rule.shows_checks):
        return {"diff": None}
    return {"diff": build_result_diff(check, shows_expected=not rule or rule.shows_expected)}
