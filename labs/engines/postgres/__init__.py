"""The Postgres engine: warm sandboxed instances, per-lab template databases, attempts, and the
operational topologies (archive, standby, shards) built from the same servers.

Layers, bottom up:

* ``initdb_template()`` (``template``) builds, once per machine and cached on disk under
  ``SANDBOX_ROOT/templates``, a template data directory (initdb is ~1 s; copying it is
  ~50 ms). It already holds the unprivileged ``learner`` role.
* ``start_instance()`` (``pool``) copies that template into a private sandbox directory and starts
  ``postgres`` on it as the unprivileged OS user, listening on 127.0.0.1 on a free port and
  on a private unix socket directory. It returns a ``PgInstance`` handle (``server``) (also a context
  manager) that the operational topologies (``labs.engines.postgres.cluster``) and lesson tests
  reuse.
* ``POOL`` (``pool``) keeps a few warm instances per worker process. Each instance builds, once per lab
  content hash, a template database from ``setup.sql`` (and a second one from ``setup.sql``
  followed by ``hidden.sql``: hidden.sql runs after setup.sql and usually starts with
  TRUNCATE) (``labdb``); an attempt clones them (``CREATE DATABASE … TEMPLATE``, ~12 ms) or, for
  ``readonly`` labs, reads them inside a transaction that is always rolled back.
* ``PgAttempt`` (``attempt``) is what checks receive: learner connections with time limits, a row cap,
  memoised application of the answer, reference results cached per process, and a watchdog
  that cancels (then kills) whatever runs past the deadline.

Security model: learner SQL always runs as the ``learner`` role (NOSUPERUSER, NOCREATEDB,
NOCREATEROLE, no server-file or server-program roles). The admin superuser only builds and
drops databases and reads catalogs with ``search_path=pg_catalog``; it never runs DML on
tables the learner could own (a learner trigger would then run as superuser).
"""
