"""The result contract: what a grade returns, as plain data that survives JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# Why a grade ended the way it did. Only "graded" and "rejected" and "timeout" are the
# learner's doing; the others mean the platform could not judge the answer.
GRADED = "graded"  # every check ran; score is meaningful
REJECTED = "rejected"  # the answer was refused before running (forbidden command, bad runbook)
TIMEOUT = "timeout"  # the learner's work exceeded the lab's time limit
UNAVAILABLE = "unavailable"  # this installation lacks a capability the lab needs
UNSUPPORTED = "unsupported"  # this installation's engine cannot run something this answer uses
PLATFORM_ERROR = "platform_error"  # our fault: a sandbox did not start, a bug in a check

LEARNER_STATUSES = frozenset({GRADED, REJECTED, TIMEOUT})


@dataclass
class CheckResult:
    """One check's verdict, written for the learner: what was expected, what was seen."""

    name: str
    passed: bool
    message: str
    hint: str = ""
    weight: float = 1.0
    artifacts: dict[str, Any] = field(default_factory=dict)


@dataclass
class Result:
    score: float
    gradable: bool
    status: str
    checks: list[CheckResult] = field(default_factory=list)
    artifacts: dict[str, Any] = field(default_factory=dict)
    message: str = ""
    duration_ms: int = 0

    @classmethod
    def from_checks(cls, checks: list[CheckResult], **extra: Any) -> Result:
        """Score is the weighted share of passed checks."""
        total = sum(c.weight for c in checks)
        earned = sum(c.weight for c in checks if c.passed)
        score = round(earned / total, 4) if total else 0.0
        return cls(score=score, gradable=True, status=GRADED, checks=checks, **extra)

    @classmethod
    def failed_by_platform(cls, message: str, status: str = PLATFORM_ERROR) -> Result:
        return cls(score=0.0, gradable=False, status=status, message=message)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Result:
        checks = [CheckResult(**c) for c in data.get("checks", [])]
        return cls(**{**data, "checks": checks})
