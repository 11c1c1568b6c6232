"""The object checks receive: one learner answer, the lab, the live sandbox, a deadline."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from labs.spec import LabSpec


class LearnerTimeout(Exception):
    """The learner's work ran past the lab's limit (a verdict, not a platform fault)."""


class AnswerRejected(Exception):
    """The answer was refused before or while running: forbidden command, invalid runbook.
    The message is shown to the learner as is."""


class EngineUnsupported(Exception):
    """This installation's engine cannot run what the answer uses (an emulated engine's
    missing operator): the verdict names it, and the attempt does not count. The message is
    shown to the learner as is."""


@dataclass
class Attempt:
    """Engine-specific subclasses add their handles (connections, ports, instances)."""

    spec: LabSpec
    answer: str
    deadline: float  # a time.monotonic() value
    notes: dict[str, Any] = field(default_factory=dict)  # memo shared by the checks

    def remaining(self) -> float:
        return max(0.0, self.deadline - time.monotonic())

    def limit_breach(self) -> str | None:
        """Why the sandbox stopped the answer (its box's memory or process limit), if it did.
        Engines whose sandboxes are boxed override this; the runner asks it before calling a
        lost server the platform's fault."""
        return None
