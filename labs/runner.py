"""grade(spec, answer) -> Result: the one way an answer is judged, from CLI, worker or test."""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import TYPE_CHECKING

from labs.attempt import AnswerRejected, EngineUnsupported, LearnerTimeout
from labs.checks import get_check
from labs.result import PLATFORM_ERROR, REJECTED, TIMEOUT, UNAVAILABLE, UNSUPPORTED, CheckResult, Result
from labs.sandbox import get_engine
from labs.sandbox.base import SandboxError
from labs.spec import LabSpec

if TYPE_CHECKING:
    from labs.attempt import Attempt

log = logging.getLogger(__name__)

# The hard wall-clock limit: grade() returns at most this long after the learner's deadline,
# even when a server hangs and the engine's own watchdog failed to stop it.
HARD_MARGIN = 0.9
# Before the attempt exists (servers starting, template databases being built) the learner's
# clock has not started; this bounds how long that platform work may take.
PREPARATION_ALLOWANCE = float(os.environ.get("INDEXED_PREPARATION_ALLOWANCE", "90"))


def grade(spec: LabSpec, answer: str) -> Result:
    """Run every check of ``spec`` against ``answer`` in a fresh sandbox.

    Never raises for a learner's mistake or for our own faults: the former become a
    verdict, the latter a Result with ``gradable=False`` so the attempt is not counted.
    Grading runs in a worker thread watched against a hard deadline: the learner's deadline
    (``attempt.deadline``, which an engine may push back by the time it spent on its own
    work) plus ``HARD_MARGIN`` seconds.
    """
    started = time.monotonic()
    run = _GradingRun(spec, answer, started + spec.time_limit)
    thread = threading.Thread(target=run.run, name=f"grade-{spec.id}", daemon=True)
    thread.start()
    while not run.done.wait(timeout=max(0.0, min(0.1, run.hard_deadline() - time.monotonic()))):
        if time.monotonic() >= run.hard_deadline():
            result = run.give_up()
            break
    else:
        result = run.result
    assert result is not None
    result.duration_ms = int((time.monotonic() - started) * 1000)
    return result


class _GradingRun:
    """One grade in its own thread; the caller's thread watches the clock."""

    def __init__(self, spec: LabSpec, answer: str, deadline: float):
        self.spec, self.answer, self.deadline = spec, answer, deadline
        self.started = time.monotonic()
        self.attempt: Attempt | None = None
        self.result: Result | None = None
        self.done = threading.Event()

    def run(self) -> None:
        try:
            self.result = _grade(self.spec, self.answer, self.deadline, self)
        except BaseException as exc:  # a bug in _grade itself must still end the wait
            log.exception("grading lab %s crashed outside the sandbox", self.spec.id)
            self.result = Result.failed_by_platform(
                f"The grader hit an internal error; this attempt does not count. ({exc})"
            )
        finally:
            self.done.set()

    def hard_deadline(self) -> float:
        if self.attempt is not None:
            return self.attempt.deadline + HARD_MARGIN
        return self.deadline + PREPARATION_ALLOWANCE + HARD_MARGIN

    def give_up(self) -> Result:
        """The sandbox did not come back in time: abort it (if the engine can) and say so."""
        attempt = self.attempt
        log.error("lab %s: grading passed its hard deadline; abandoning the attempt", self.spec.id)
        abort = getattr(attempt, "abort", None)
        if abort is not None:
            try:
                abort()
            except Exception:
                log.exception("aborting the attempt of lab %s failed", self.spec.id)
        phase = "running your answer" if attempt is not None else "starting the sandbox"
        return Result.failed_by_platform(
            f"The sandbox stopped responding while {phase} and was shut down after the lab's limit of "
            f"{self.spec.time_limit:g} s; this attempt does not count. Please submit again.",
            PLATFORM_ERROR,
        )


def _grade(spec: LabSpec, answer: str, deadline: float, run: _GradingRun | None = None) -> Result:
    try:
        engine = get_engine(spec.engine)
        missing = engine.missing_capabilities(spec)
    except Exception as exc:  # an engine that cannot even load is our fault
        log.exception("engine %s failed to load", spec.engine)
        return Result.failed_by_platform(f"The {spec.engine} engine is broken on this installation: {exc}")
    if missing:
        reasons = "; ".join(f"{cap}: {why}" for cap, why in sorted(missing.items()))
        return Result.failed_by_platform(f"This lab is not available on this installation ({reasons}).", UNAVAILABLE)

    try:
        with engine.open_attempt(spec, answer, deadline) as attempt:
            if run is not None:
                run.attempt = attempt
            checks = [_run_check(attempt, check) for check in spec.checks]
    except AnswerRejected as exc:
        return Result(score=0.0, gradable=True, status=REJECTED, message=str(exc))
    except LearnerTimeout as exc:
        message = str(exc) or f"Your answer ran past this lab's limit of {spec.time_limit:g} s."
        return Result(score=0.0, gradable=True, status=TIMEOUT, message=message)
    except EngineUnsupported as exc:  # not counted, and not retried: it would fail the same way
        return Result.failed_by_platform(str(exc), UNSUPPORTED)
    except SandboxError as exc:
        breach = _limit_breach(run)
        if breach is not None:  # the answer hit its own box's limit: the learner's doing
            return Result(score=0.0, gradable=True, status=REJECTED, message=breach)
        log.warning("sandbox failed for lab %s: %s", spec.id, exc)
        return Result.failed_by_platform(f"A sandbox failed; this attempt does not count. ({exc})")
    except Exception as exc:
        log.exception("grading lab %s crashed", spec.id)
        return Result.failed_by_platform(f"The grader hit an internal error; this attempt does not count. ({exc})")
    if spec.engine == "postgres":
        from labs.feedback import locate_sql_errors

        locate_sql_errors(answer, checks)  # "Line 7: ..." where the learner's editor shows it
    return Result.from_checks(checks)


def _limit_breach(run: _GradingRun | None) -> str | None:
    attempt = run.attempt if run is not None else None
    if attempt is None:
        return None
    try:
        return attempt.limit_breach()
    except Exception:  # reading cgroup files must never turn a verdict into a crash
        log.exception("could not read the sandbox's limits")
        return None


def _run_check(attempt, check) -> CheckResult:
    fn = get_check(check.type, attempt.spec.engine)
    result = fn(attempt, check)
    result.name = check.name
    result.weight = check.weight
    return result
