"""The object checks receive: one learner answer, the lab, the live sandbox, a deadline."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
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


class PlatformClock:
    """The learner's deadline, pushed back by the platform's own work inside it (cloning a
    database, running the reference) up to ``platform_allowance`` seconds in all.

    A mixin for attempts whose engine does such work after the learner's clock started;
    call ``start_clock(deadline)`` from ``__init__``."""

    platform_allowance: float = 60.0

    def start_clock(self, deadline: float, already_paused: float = 0.0) -> None:
        self._base_deadline = deadline
        self._paused_total = already_paused
        self._paused_since: float | None = None

    @property
    def deadline(self) -> float:
        paused = self._paused_total
        if self._paused_since is not None:
            paused += time.monotonic() - self._paused_since
        return self._base_deadline + min(paused, self.platform_allowance)

    @deadline.setter
    def deadline(self, value: float) -> None:
        self._base_deadline = value

    def count_as_platform_time(self, since: float) -> None:
        """Work that ran before the attempt existed (taking a server from the pool) since
        ``since`` (a time.monotonic() value) does not use up the learner's time either."""
        self._paused_total += time.monotonic() - since

    @contextlib.contextmanager
    def platform_work(self) -> Iterator[None]:
        """Our own work does not use up the learner's time."""
        if self._paused_since is not None:  # nested: the outer pause already counts
            yield
            return
        self._paused_since = time.monotonic()
        try:
            yield
        finally:
            self._paused_total += time.monotonic() - self._paused_since
            self._paused_since = None

