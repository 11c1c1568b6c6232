"""One time budget per lab, from ``time_limit`` in its lab.toml: every limit on grading
derives from it, so raising a lab's limit can never leave one of them behind.

The chain, innermost first:

- ``answer``: the learner's clock. The sandbox stops the answer at this (``labs.runner``
  sets the attempt's deadline to ``time_limit``, and the engines' statement timeouts and
  watchdogs read the same ``spec.time_limit``).
- ``grader``: the longest ``labs.grade()`` may take. Before the learner's clock starts the
  runner allows ``PREPARATION_ALLOWANCE`` for platform work (servers, template databases),
  and it returns at most ``HARD_MARGIN`` after the deadline even if a server hangs.
- ``soft_limit``: Celery's soft time limit. Reached only when the runner's own watchdog
  failed; the task then records a platform fault and retries (it never counts).
- ``hard_limit``: Celery kills the pool process; the grader had ``TEARDOWN`` seconds
  since the soft limit to stop its sandboxes.
- ``lease``: how long a worker holds a submission. Longer than the hard limit, so a live
  worker never loses its lease mid-grade; once it expires the worker is dead and the
  sweeper hands the submission to another.
- ``slow_after``: when the page tells the learner grading is taking longer than usual: a
  grade normally needs a fraction of the answer's clock, so waiting longer than the whole
  clock means a queue or a slow platform.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from labs.runner import HARD_MARGIN, PREPARATION_ALLOWANCE

# Soft limit past the runner's worst case: room to write the run's outcome.
SOFT_MARGIN = 5.0
# Soft → hard limit: time for the grader to stop its sandboxes after SoftTimeLimitExceeded.
TEARDOWN = 20.0
# Hard limit → lease expiry: a killed pool process is replaced and its row written by then.
LEASE_MARGIN = 15.0


@dataclass(frozen=True)
class TimeBudget:
    time_limit: float

    @classmethod
    def for_lab(cls, lab) -> TimeBudget:
        """``lab`` is a ``courses.Lab`` row (synced from lab.toml) or a ``LabSpec``."""
        return cls(float(lab.time_limit))

    @property
    def answer(self) -> float:
        return self.time_limit

    @property
    def grader(self) -> float:
        return self.time_limit + PREPARATION_ALLOWANCE + HARD_MARGIN

    @property
    def soft_limit(self) -> float:
        return self.grader + SOFT_MARGIN

    @property
    def hard_limit(self) -> float:
        return self.soft_limit + TEARDOWN

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.hard_limit + LEASE_MARGIN)

    @property
    def slow_after(self) -> timedelta:
        return timedelta(seconds=self.time_limit)

    def celery_limits(self) -> dict[str, float]:
        """Keyword arguments for ``apply_async`` of a task that grades one answer."""
        return {"soft_time_limit": self.soft_limit, "time_limit": self.hard_limit}
