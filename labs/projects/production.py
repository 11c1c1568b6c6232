"""Auto criteria of the production-setup project that reuse the runtime's labs with more than one
hand-in file: the learner's SQL files joined into one answer for a lab kept in the project
(``grading/labs/<name>/``), graded by the lab's own checks (``lab_runbook``)."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from labs.engines.postgres.settings import LEARNER_ROLE
from labs.projects.operations import OpsProjectEnv, check_lab_runbook
from labs.projects.pg_common import Award, text_of
from labs.projects.spec import Criterion
from labs.sandbox.pg_sql import ScriptError, split_statements

# The sandbox refuses role switches; the lab's session already acts as the owner role.
ROLE_SWITCH = re.compile(r"^\s*(SET\s+(SESSION\s+|LOCAL\s+)?ROLE|RESET\s+ROLE)\b")


def join_sql_files(handin: dict[str, bytes], names: list[str], owner_role: str) -> tuple[str | None, str]:
    """The files as one script for a lab, with ``owner_role`` read as the lab's session role and
    role switches to it dropped; (script, problem)."""
    owner = re.compile(rf'(?<![\w$])"?{re.escape(owner_role)}"?(?![\w$])') if owner_role else None
    parts: list[str] = []
    for name in names:
        text = text_of(handin, name)
        if text is None:
            return None, f"{name} is missing."
        try:
            statements = split_statements(text)
        except ScriptError as exc:
            return None, f"{name} cannot be split into statements: {exc.message}"
        kept = [s.text for s in statements if not ROLE_SWITCH.match(s.code)]
        body = ";\n".join(owner.sub(LEARNER_ROLE, s) if owner else s for s in kept)
        parts.append(f"-- {name}\n{body};\n" if kept else f"-- {name}\n")
    return "".join(parts), ""


def check_lab_sql_files(env: OpsProjectEnv, criterion: Criterion, handin: dict[str, bytes]) -> Award:
    """``lab_runbook`` on several SQL files run in order in one session (options: ``lab``,
    ``answers`` the files, ``owner_role`` the role the lab's session stands for, ``checks``)."""
    options: dict[str, Any] = dict(criterion.options)
    script, problem = join_sql_files(handin, list(options["answers"]), str(options.get("owner_role", "")))
    if script is None:
        return Award(0, problem + " Hand in every file this criterion runs.")
    name = " + ".join(options["answers"])  # how the lab's messages name the answer
    options["answer"] = name
    return check_lab_runbook(env, dataclasses.replace(criterion, options=options), {name: script.encode("utf-8")})
