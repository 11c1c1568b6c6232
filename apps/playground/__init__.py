"""The playground: a learner's own scratch copy of a lesson's or a lab's data.

Why no Celery task per query: a query must answer in well under a second, and the scratch
data lives on servers that one long-lived process owns (a database and a role per learner on
a pooled PostgreSQL or MariaDB, a redis-server per learner, a database per learner on the
emulated MongoDB), with the learner's connection kept open between queries. A task would cross
the broker twice, needs a result backend this site does not run, and could land in any of the
pool's children, none of which holds that connection. So the Celery worker starts one
playground service per host (``labs.playground.service``, the sandbox core's rules and boxes,
running as the worker's user) and the views talk to it over a Unix socket in the site's private
``var/`` directory: the fast path costs the query plus about a millisecond. The site itself
never starts a sandbox. Celery keeps the periodic part: beat's ``reap_expired_playgrounds``
drops expired sessions (and restarts a dead service), and worker start does the same.

Ownership is checked here (a session is found by its token *and* its owner, so another
learner gets a 404); the rate limit, expiry and containment are the service's.
"""
