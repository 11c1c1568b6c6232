"""Indexed's lab runtime: sandboxed database servers, checks and the grader.

A plain Python package: it never imports Django, so the Celery worker, the CLI and the
tests all grade the same way. The public entry points are ``load_spec`` and ``grade``.
"""

from labs.result import CheckResult, Result

__all__ = ["CheckResult", "Result", "grade", "load_spec"]


def __getattr__(name: str):  # lazy: importing labs must stay cheap for the CLI and Django
    if name == "grade":
        from labs.runner import grade

        return grade
    if name == "load_spec":
        from labs.spec import load_spec

        return load_spec
    raise AttributeError(name)
