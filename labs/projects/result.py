"""What grading a project returns: one row per criterion of the brief, as plain JSON-able data."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

GRADED, REJECTED, TIMEOUT, UNAVAILABLE, PLATFORM_ERROR = (
    "graded",
    "rejected",
    "timeout",
    "unavailable",
    "platform_error",
)


@dataclass
class CriterionResult:
    id: str
    title: str
    points_possible: int
    points_awarded: float | None  # None: an instructor's row, or not graded because of a platform fault
    graded_by: str
    passed: bool | None
    message: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class ProjectResult:
    project: str
    gradable: bool
    status: str
    criteria: list[CriterionResult]
    message: str = ""
    duration_ms: int = 0

    @property
    def auto_points(self) -> float:
        return round(sum(c.points_awarded or 0 for c in self.criteria if c.graded_by == "auto"), 2)

    @property
    def auto_possible(self) -> int:
        return sum(c.points_possible for c in self.criteria if c.graded_by == "auto")

    def criterion(self, cid: str) -> CriterionResult:
        return next(c for c in self.criteria if c.id == cid)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["auto_points"] = self.auto_points if self.gradable else None
        data["auto_possible"] = self.auto_possible
        return data
