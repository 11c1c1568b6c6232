"""Write small, valid curricula into a folder, so loader and view tests do not depend on
the real course's content (which authors edit all the time)."""

from __future__ import annotations

import textwrap
from pathlib import Path

PROSE = " ".join(f"Databases keep promises about data number {i}." for i in range(130))  # ~900 words

COURSE_TOML = """\
title = "Test course"
summary = "A tiny course for tests."

[[outcomes]]
id = "design-schemas"
title = "Design relational database schemas"

[[outcomes]]
id = "write-sql"
title = "Write and optimize SQL queries"

[[phases]]
number = 1
title = "Relational"
weeks = [1, 2]

[[weeks]]
number = 1
title = "Tables"
modules = ["rel"]

[[weeks]]
number = 2
title = "Queries"
modules = ["rel", "kv"]
projects = ["proj-one"]
"""


def lesson_text(key: str, title: str, week: int, order: int, outcomes: list[str], extra: str = "") -> str:
    outcome_list = ", ".join(f'"{o}"' for o in outcomes)
    return (
        f'+++\nid = "{key}"\ntitle = "{title}"\nweek = {week}\norder = {order}\n'
        f'outcomes = [{outcome_list}]\nsummary = "About {title}."\n+++\n\n'
        f"## Why it matters\n\n{PROSE}\n\n```sql runnable\nSELECT 1;\n```\n\n{extra}"
        "## Check yourself\n\n1. Why?\n\n<details><summary>Answer</summary>Because.</details>\n"
    )


def write_course(root: Path) -> Path:
    """Two modules, three lessons, one project: the smallest interesting course."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "course.toml").write_text(COURSE_TOML)
    files = {
        "modules/rel/module.toml": 'id = "rel"\nskill = 1\ntitle = "Relational"\nsummary = "Tables."\n',
        "modules/kv/module.toml": 'id = "kv"\nskill = 2\ntitle = "Key-value"\nsummary = "Keys."\n',
        "modules/rel/lessons/01-keys.md": lesson_text("rel-keys", "Keys", 1, 1, ["design-schemas"]),
        "modules/rel/lessons/02-joins.md": lesson_text("rel-joins", "Joins", 2, 2, ["write-sql"]),
        "modules/kv/lessons/01-redis.md": lesson_text("kv-redis", "Redis", 2, 1, ["design-schemas", "write-sql"]),
        "projects/proj-one/project.md": textwrap.dedent(
            """\
            +++
            id = "proj-one"
            title = "Project one"
            week = 2
            hours = 15
            order = 1
            outcomes = ["design-schemas"]
            summary = "Design a schema."
            +++

            ## Goal

            Design it.

            ## Deliverables

            A schema.

            ## How it is graded

            By labs.
            """
        ),
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root
