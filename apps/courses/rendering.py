"""Lesson Markdown -> HTML with a table of contents and Pygments highlighting."""

from __future__ import annotations

import re
from dataclasses import dataclass

import markdown

# `sql runnable` is our marker for blocks the test suite executes; Markdown's fenced-code
# syntax only takes one language word, so the marker becomes a CSS class instead.
RUNNABLE_FENCE = re.compile(r"^(```+|~~~+)[ \t]*([\w+#.-]+)[ \t]+([\w -]+?)[ \t]*$", re.MULTILINE)


@dataclass
class RenderedLesson:
    html: str
    toc: list[dict]


def _mark_runnable(body: str) -> str:
    return RUNNABLE_FENCE.sub(lambda m: f"{m.group(1)}{m.group(2)}", body)


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
