from django import template

register = template.Library()


@register.filter
def detail_lines(details) -> list[str]:
    """A criterion's ``details`` as readable lines: each list item on its own line, empty
    lists and empty values left out (they say nothing to the learner)."""
    lines: list[str] = []
    for name, value in (details or {}).items():
        label = str(name).replace("_", " ")
        if isinstance(value, list | tuple):
            lines += [f"{label}: {item}" for item in value]
        elif isinstance(value, dict):
            lines += [f"{label}: {key} = {item}" for key, item in value.items()]
        elif value not in (None, ""):
            lines.append(f"{label}: {value}")
    return lines
