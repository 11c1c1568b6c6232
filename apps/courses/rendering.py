"""Lesson Markdown -> HTML with a table of contents and Pygments highlighting."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import markdown

# `sql runnable` is our marker for blocks the test suite executes; Markdown's fenced-code
# syntax only takes one language word, so the marker becomes a CSS class instead.
RUNNABLE_FENCE = re.compile(r"^(```+|~~~+)[ \t]*([\w+#.-]+)[ \t]+([\w -]+?)[ \t]*$", re.MULTILINE)


@dataclass(frozen=True)
class RenderedLesson:
    html: str
    toc: list[dict]


# Blocks a learner can open in the playground (numbered as apps.playground.services does).
TRY_IT_LANGUAGES = ("sql", "redis", "mysql")


def _mark_runnable(body: str) -> str:
    count = 0

    def replace(match: re.Match) -> str:
        nonlocal count
        if match.group(2) not in TRY_IT_LANGUAGES or match.group(3).split() != ["runnable"]:
            return f"{match.group(1)}{match.group(2)}"
        count += 1
        # relative to the lesson's own URL (/lessons/<key>/): /lessons/<key>/playground/
        link = (
            f'<p class="try-it"><a href="playground/?block={count}">Try it'
            f'<span class="visually-hidden">: example {count} in a playground of your own</span></a></p>'
        )
        return f"{link}\n\n{match.group(1)}{match.group(2)}"

    return RUNNABLE_FENCE.sub(replace, body)


# Rendering is a pure function of the text, and a lab page renders its README on every
# view: a quarter of the page's CPU under load. The course has some 60 texts; a changed text
# is a new key, so a sync needs no invalidation.
@lru_cache(maxsize=256)
def render_markdown(body: str) -> RenderedLesson:
    md = markdown.Markdown(
        extensions=["fenced_code", "codehilite", "tables", "toc", "attr_list", "md_in_html", "sane_lists"],
        extension_configs={
            "codehilite": {"css_class": "highlight", "guess_lang": False},
            "toc": {"toc_depth": "2-3", "permalink": False},
        },
        output_format="html",
    )
    html = md.convert(_mark_runnable(body))
    return RenderedLesson(html=html, toc=md.toc_tokens)
