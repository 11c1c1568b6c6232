"""Patroni + etcd + HAProxy: failover drills graded by what the platform observes.

``config`` reads the learner's answer (a patroni.yml fragment and HAProxy's check settings),
``cluster`` starts three Patroni members, one etcd and HAProxy in one box, ``drill`` kills the
leader under a write load and measures recovery and lost writes, ``engine`` ties them to the
runner (``ENGINE``). The checks are in ``labs.checks.failover``.
"""

from labs.engines.patroni.engine import ENGINE, PatroniAttempt

__all__ = ["ENGINE", "PatroniAttempt"]
