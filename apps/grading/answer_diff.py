"""What changed in a learner's answer between two of their attempts on one lab: a unified
diff with line numbers, computed on the server with difflib.

Answers are hostile text: nothing here builds HTML. The template prints every line through
Django's escaping, and the inputs are bounded first so a 100,000-character answer of one
long line (or of many short ones) costs a bounded amount of work.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field

from apps.grading.models import Submission

CONTEXT_LINES = 3  # unchanged lines kept around each change, as `diff -u` does
MAX_LINES = 2_000  # per answer; SequenceMatcher is quadratic in the worst case
MAX_LINE_CHARS = 400  # a longer line is shown clipped (and compared whole)


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "added", "removed" or "gap" (unchanged lines left out)
    old: int | None  # line number in the earlier answer
    new: int | None  # line number in the later answer
    text: str

    @property
    def marker(self) -> str:
        return {"added": "+", "removed": "−", "gap": "⋯"}.get(self.kind, "")


@dataclass(frozen=True)
class AnswerDiff:
    lines: list[DiffLine] = field(default_factory=list)
    added: int = 0
    removed: int = 0
    clipped: bool = False  # an answer had more than MAX_LINES lines: the rest is not compared

    @property
    def identical(self) -> bool:
        return not self.added and not self.removed


def _lines(text: str) -> tuple[list[str], bool]:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # a final newline is not a line of its own
    return lines[:MAX_LINES], len(lines) > MAX_LINES


def _shown(line: str) -> str:
    return line if len(line) <= MAX_LINE_CHARS else line[:MAX_LINE_CHARS] + " …"


def diff_answers(before: str, after: str, *, context: int = CONTEXT_LINES) -> AnswerDiff:
    """The unified diff of ``before`` → ``after``: changed lines with ``context`` unchanged
    lines around them, and a "gap" line where unchanged lines were left out."""
    old, old_clipped = _lines(before)
    new, new_clipped = _lines(after)
    if old == new:
        return AnswerDiff(clipped=old_clipped or new_clipped)
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    lines: list[DiffLine] = []
    added = removed = 0
    end = (0, 0)
    for group in matcher.get_grouped_opcodes(context):
        _, i1, _, j1, _ = group[0]
        if (i1, j1) != end:  # unchanged lines between the previous group (or the top) and this one
            lines.append(DiffLine("gap", end[0] + 1, end[1] + 1, ""))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines.extend(DiffLine("same", i + 1, i - i1 + j1 + 1, _shown(old[i])) for i in range(i1, i2))
            if tag in ("replace", "delete"):
                lines.extend(DiffLine("removed", i + 1, None, _shown(old[i])) for i in range(i1, i2))
                removed += i2 - i1
            if tag in ("replace", "insert"):
                lines.extend(DiffLine("added", None, j + 1, _shown(new[j])) for j in range(j1, j2))
                added += j2 - j1
        end = (group[-1][2], group[-1][4])
    if end != (len(old), len(new)):
        lines.append(DiffLine("gap", end[0] + 1, end[1] + 1, ""))
    return AnswerDiff(lines, added, removed, old_clipped or new_clipped)


@dataclass(frozen=True)
class AnswerComparison:
    """Two attempts picked from ``attempts`` (newest first) and the diff of their answers."""

    attempts: list[Submission]
    before: Submission | None
    after: Submission | None
    diff: AnswerDiff | None


def _pick(attempts: Sequence[Submission], wanted: str | int | None) -> Submission | None:
    try:
        pk = int(wanted) if wanted not in (None, "") else None
    except (TypeError, ValueError):
        return None
    return next((item for item in attempts if item.pk == pk), None) if pk is not None else None


def compare_attempt_answers(
    attempts: Sequence[Submission], before_id: str | int | None = None, after_id: str | int | None = None
) -> AnswerComparison:
    """Compare two of ``attempts`` (one learner's, one lab's, newest first). By default the
    latest against the one before it; "after" alone compares it with the attempt before it.
    An id not among ``attempts`` is ignored (it is not this learner's, or too old)."""
    attempts = list(attempts)
    after = _pick(attempts, after_id) or (attempts[0] if attempts else None)
    before = _pick(attempts, before_id)
    if before is None and after is not None:
        index = attempts.index(after)
        before = attempts[index + 1] if index + 1 < len(attempts) else None
    if before is None or after is None:
        return AnswerComparison(attempts, before, after, None)
    return AnswerComparison(attempts, before, after, diff_answers(before.answer, after.answer))
