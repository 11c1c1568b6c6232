"""The Redis engine: one private ``redis-server`` per attempt, or a Redis Cluster of N shards.

Isolation, from the outside in:

- every attempt gets its own server processes (never shared, never reused), bound to
  127.0.0.1 on free ports, run as the unprivileged sandbox user when we are root, with
  resource limits (address space, file size, no core dumps) so Lua cannot eat the host;
- two random passwords per attempt: ``default`` is the grader's (``requirepass``) and
  ``learner`` is an ACL user with ``+@all -@admin -@dangerous`` plus a few harmless
  commands given back (INFO, KEYS, FLUSHDB/FLUSHALL on its own server, SORT). ACLs apply
  inside Lua scripts too, so EVAL is safe to allow;
- commands that touch the filesystem, other servers or the process are renamed away
  (``rename-command X ""``); CONFIG, which the grader needs, is renamed to a secret
  random name known only to this attempt's grader;
- no persistence (``save ""``, ``appendonly no``), ``maxmemory`` with a policy, and
  ``proto-max-bulk-len`` capped so a single SETRANGE/SETBIT cannot allocate past it;
- the learner's answer is parsed first (redis-cli quoting rules) and commands that are
  disabled are refused with a message naming the line, before anything runs;
- every learner command waits at most until the lab's deadline; a busy script or a
  blocking command ends the attempt as a timeout and the servers are SIGKILLed.

The answer format "redis" is one command per line, redis-cli style; blank lines and lines
starting with ``#`` are ignored. Commands run in order on one connection, an error reply
does not stop the run: it is recorded with its line number and shown in check hints.

Cluster topology: each shard is a ``redis-server`` with ``cluster-enabled yes``; slots are
assigned with CLUSTER ADDSLOTSRANGE and the nodes joined with CLUSTER MEET. Redis refuses
to turn a fresh master writable for 2 s after it starts (CLUSTER_WRITABLE_DELAY), so a
cold cluster takes ~2.5 s; to be ready in well under a second we keep one spare, already
formed, never used cluster per shard count (``INDEXED_REDIS_WARM_CLUSTERS``, default 1)
and build the next one in a background thread. Commands are routed by hash slot (keys
from COMMAND GETKEYS), like ``redis-cli -c``; keyless commands go to the first shard.

We speak RESP2 ourselves (``RespConnection``, in ``resp``) rather than through redis-py's client: we
need the exact error text with its code, error replies kept as values inside EXEC
replies, per-call deadlines, and pipelining with per-line attribution for seeds.

Modules: ``commands`` (the learner's answer, parsed and screened), ``resp`` (the RESP2
client), ``deployment`` (servers, cluster formation, warm spares), ``run`` (running commands with
their transcript, routed by slot), ``attempt`` (``RedisAttempt`` and the engine).
"""
