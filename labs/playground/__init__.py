"""The playground: a learner's own scratch copy of a lesson's or a lab's data, for a while.

Django-free. ``Manager`` keeps one scratch area per session (a database and a role on a
pooled PostgreSQL or MariaDB server, a database on the shared emulated MongoDB, a
redis-server of its own) and runs learner text on it; ``service`` serves a Manager over a
Unix socket so the site can reach it without starting a sandbox itself.

Containment is the grader's: every server starts through ``labs.sandbox`` (its own box:
network namespace, cgroup memory/pids/cpu limits, size-limited tmpfs, an unprivileged box
account), learners connect as an unprivileged role or user of their own that can reach only
their own database, statements carry a timeout, and output is bounded before it is
formatted. Hidden datasets are never loaded: a lab's playground is built from its
``setup.sql`` / seed alone.
"""

from labs.playground.common import Dataset, PlaygroundError
from labs.playground.manager import Manager

__all__ = ["Dataset", "Manager", "PlaygroundError"]
