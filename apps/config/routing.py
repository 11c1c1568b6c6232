"""Two grading queues in the production profile, so a backlog of heavy labs (point-in-time
recovery, standbys, clusters, failover drills: tens of seconds each) never delays a learner's
SELECT, which takes a fraction of a second. scripts/serve.sh gives each queue its own workers.

A lab is quick when its topology is one server answering queries; every other topology (and any
topology added later and not listed here) is heavy, so a new multi-server lab can never clog
the quick queue by default.
"""

from __future__ import annotations

from typing import Any

QUICK, HEAVY = "quick", "heavy"
QUICK_TOPOLOGIES = {
    ("postgres", "database"),
    ("postgres", "readonly"),
    ("redis", "standalone"),
    ("mongo", "standalone"),
    ("mariadb", "database"),
    ("cql-model", "design"),
}
# task name -> position of the submission id among its arguments
SUBMISSION_ARGUMENT = {
    "apps.grading.tasks.grade_submission": 0,
    "apps.grading.tasks.regrade_submission": 0,
    "apps.dashboard.tasks.regrade_for_job": 1,
}


def queue_for_lab(engine: str, topology: str) -> str:
    return QUICK if (engine, topology) in QUICK_TOPOLOGIES else HEAVY


def route_task(name: str, args: Any, kwargs: Any, options: Any, task: Any = None, **extra: Any) -> dict[str, str]:
    """Celery router (CELERY_TASK_ROUTES): grading tasks go to their lab's queue; the sweepers
    and anything else to the quick one, whose workers are always free within a second."""
    if name == "apps.projects.tasks.grade_handin":  # a project runs many checks on real servers
        return {"queue": HEAVY}
    if name == "apps.lti.tasks.sync_roster_task":  # pages through an LMS course: up to a minute
        return {"queue": HEAVY}
    position = SUBMISSION_ARGUMENT.get(name)
    if position is None or len(args or ()) <= position:
        return {"queue": QUICK}
    from apps.grading.models import Submission  # the router runs where Django is set up

    lab = Submission.objects.filter(pk=args[position]).values_list("lab__engine", "lab__topology").first()
    return {"queue": queue_for_lab(*lab) if lab else QUICK}
