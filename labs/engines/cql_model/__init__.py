"""The CQL data-model engine (``engine = "cql-model"``): Cassandra data-modelling exercises graded
without a Cassandra server, which this platform cannot run.

The learner's answer is CQL ``CREATE TABLE`` statements. ``schema`` reads them (partition key,
clustering columns and their order, STATIC columns) and refuses what Cassandra would refuse at
creation; ``labs.checks.cql_model`` then checks the *design* against the access patterns the
lab lists: each must be answered by reading one partition, with equality on the whole partition
key, equality then at most one range on a prefix of the clustering columns, rows already in the
requested order, no ALLOW FILTERING and no secondary index, and partitions bounded by a time
bucket where the lab asks for one. Nothing is stored or queried: messages say so.
"""

from labs.engines.cql_model.engine import ENGINE, CqlModelAttempt  # noqa: F401
