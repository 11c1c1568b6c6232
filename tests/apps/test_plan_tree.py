"""Plan trees from real EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) output of a real PostgreSQL
sandbox: inclusive and exclusive time and buffers, loops, misestimates, the heaviest node,
the raw text, and what changed between two plans."""

from __future__ import annotations

import re

import pytest

from apps.grading.plan_target import describe_target
from apps.grading.plans import build_plan_view, compare_plans
from labs.sandbox import postgres

pytestmark = pytest.mark.skipif(postgres.find_missing_binaries() is not None, reason="PostgreSQL not installed")

SETUP = """
CREATE TABLE customers (id integer PRIMARY KEY, region text NOT NULL);
INSERT INTO customers SELECT g, CASE WHEN g % 50 = 0 THEN 'north' ELSE 'south' END FROM generate_series(1, 5000) g;
CREATE TABLE orders (
    id integer PRIMARY KEY, customer_id integer NOT NULL, a integer NOT NULL, b integer NOT NULL, code integer NOT NULL
);
-- a and b always agree: the planner multiplies their selectivities and expects 100x too few rows
INSERT INTO orders SELECT g, g % 5000 + 1, g % 100, g % 100, g FROM generate_series(1, 100000) g;
CREATE INDEX orders_customer_idx ON orders (customer_id);
ANALYZE;
"""
# A nested loop whose inner index scan runs once per northern customer (100 loops).
JOIN = (
    "SELECT c.id, count(*) FROM customers c JOIN orders o ON o.customer_id = c.id "
    "WHERE c.region = 'north' GROUP BY c.id"
)
CORRELATED = "SELECT count(*) FROM orders WHERE a = 7 AND b = 7"
SUBPLANS = (
    "WITH north AS MATERIALIZED (SELECT id FROM customers WHERE region = 'north') "
    "SELECT o.id, (SELECT max(code) FROM orders x WHERE x.customer_id = o.customer_id) AS top "
    "FROM orders o WHERE o.customer_id IN (SELECT id FROM north) AND o.code < (SELECT avg(code) FROM orders) "
    "ORDER BY o.id LIMIT 5"
)
LOOKUP = "SELECT id FROM orders WHERE code = 4242"  # no index on code until the test adds one


@pytest.fixture(scope="module")
def server():
    with postgres.start_instance() as instance:
        instance.execute("CREATE DATABASE plans")
        with instance.connect("plans") as conn:
            conn.execute(SETUP)
        yield instance


def explain(server, query: str, *, settings: str = "", fmt: str = "JSON"):
    with server.connect("plans") as conn:
        if settings:
            conn.execute(settings)
        row = conn.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT {fmt}) {query}").fetchall()
    return row[0][0] if fmt == "JSON" else "\n".join(r[0] for r in row)


def raw_nodes(plan: dict) -> list[dict]:
    found = [plan]
    for child in plan.get("Plans", []):
        found += raw_nodes(child)
    return found


NESTED_LOOP = "SET enable_hashjoin = off; SET enable_mergejoin = off; SET enable_bitmapscan = off"
PARALLEL = (
    "SET max_parallel_workers_per_gather = 2; SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; "
    "SET min_parallel_table_scan_size = 0"
)
GROUPED = "SELECT b, count(*) FROM orders WHERE a < 50 GROUP BY b"


def test_inclusive_and_exclusive_time_and_buffers_take_loops_into_account(server):
    explained = explain(server, JOIN, settings=NESTED_LOOP)
    view = build_plan_view(explained)
    raw = raw_nodes(explained[0]["Plan"])
    nodes = view.nodes
    assert [n.node_type for n in nodes] == [r["Node Type"] for r in raw]
    inner = next(n for n in nodes if n.node_type.startswith("Index") and "orders" in n.label)
    inner_raw = next(r for r in raw if r["Node Type"].startswith("Index") and r.get("Relation Name") == "orders")
    assert inner.loops == inner_raw["Actual Loops"] == 100  # once per northern customer
    # per-loop time times loops; buffers are already totals over the loops
    assert inner.time_inclusive == pytest.approx(inner_raw["Actual Total Time"] * 100)
    assert inner.buffers_inclusive == inner_raw["Shared Hit Blocks"] + inner_raw.get("Shared Read Blocks", 0)
    assert inner.actual_rows_total == inner_raw["Actual Rows"] * 100
    loop = next(n for n in nodes if n.node_type == "Nested Loop")
    loop_raw = next(r for r in raw if r["Node Type"] == "Nested Loop")
    children = [c["Actual Total Time"] * c["Actual Loops"] for c in loop_raw["Plans"]]
    assert loop.time_exclusive == pytest.approx(max(loop_raw["Actual Total Time"] - sum(children), 0), abs=1e-9)
    assert loop.time_exclusive < loop.time_inclusive
    child_buffers = sum(c.get("Shared Hit Blocks", 0) + c.get("Shared Read Blocks", 0) for c in loop_raw["Plans"])
    own = loop_raw.get("Shared Hit Blocks", 0) + loop_raw.get("Shared Read Blocks", 0)
    assert loop.buffers_exclusive == own - child_buffers
    # exclusive figures add up to the whole query's
    assert sum(n.buffers_exclusive for n in nodes) == view.total_buffers
    assert sum(n.time_exclusive for n in nodes) == pytest.approx(view.root.time_inclusive, rel=1e-6)
    # the heaviest node is the one with the most time of its own
    assert view.measure == "time"
    assert view.heaviest is max(nodes, key=lambda n: n.time_exclusive)
    assert sum(1 for n in nodes if n.heaviest) == 1


def test_a_misestimate_is_flagged_either_way_and_a_good_estimate_is_not(server):
    view = build_plan_view(explain(server, CORRELATED))
    scan = next(n for n in view.nodes if "Scan" in n.node_type)
    assert scan.actual_rows_total == 1000
    assert scan.misestimate is not None and scan.misestimate >= 10
    assert scan.misestimate_direction == "under"  # more rows came than the planner expected
    top = view.root  # the count(*) aggregate: one row expected, one returned
    assert top.misestimate is None
    over = build_plan_view(explain(server, "SELECT * FROM orders WHERE a <> 7 AND b = 7"))
    flagged = [n for n in over.nodes if n.misestimate]
    # about 1,000 rows expected, none came (a and b always agree)
    assert flagged and all(n.misestimate_direction == "over" for n in flagged)


RAW_CASES = {
    "join": (JOIN, NESTED_LOOP),
    "subplans": (SUBPLANS, ""),
    "parallel": (GROUPED, PARALLEL),
    "backward": ("SELECT id FROM orders ORDER BY id DESC LIMIT 3", ""),
}


@pytest.mark.parametrize("case", sorted(RAW_CASES))
def test_the_raw_text_has_postgresqls_own_node_lines(server, case):
    query, settings = RAW_CASES[case]
    explained = explain(server, query, settings=settings)
    text = explain(server, query, settings=settings, fmt="TEXT")
    view = build_plan_view(explained)

    def node_lines(plan_text: str) -> list[str]:
        return [re.sub(r"\s+\(cost=.*", "", line).strip() for line in plan_text.splitlines() if "(cost=" in line]

    assert node_lines(view.raw_text) == node_lines(text)
    assert "loops=" in view.raw_text and "Buffers: shared hit=" in view.raw_text
    assert "Execution Time:" in view.raw_text


def test_before_and_after_an_index_say_what_changed(server):
    before = build_plan_view(explain(server, LOOKUP))
    with server.connect("plans") as conn:
        conn.execute("CREATE INDEX orders_code_idx ON orders (code)")
    try:
        after = build_plan_view(explain(server, LOOKUP))
    finally:
        with server.connect("plans") as conn:
            conn.execute("DROP INDEX orders_code_idx")
    diff = compare_plans(before, after)
    assert ("Seq Scan on orders", 1) in diff.removed
    assert any("Index" in step for step, _ in diff.added)
    buffers = next(c for c in diff.changes if c.name.startswith("Shared buffers"))
    assert buffers.after < buffers.before / 10 and buffers.better and buffers.summary.endswith("less")
    rows = next(c for c in diff.changes if c.name == "Rows returned")
    assert rows.before == rows.after == 1 and rows.summary == "same"
    assert compare_plans(after, after).same_shape
    shape = {"forbid": [{"node": "Seq Scan", "relation": "orders"}], "require_index": "orders"}
    shape["max_shared_buffers"] = 20
    assert [e.met for e in describe_target(before, shape, None)] == [False, False, False]
    assert [e.met for e in describe_target(after, shape, None)] == [True, True, True]
    missing = describe_target(before, shape, None)[0]
    assert missing.text == "an index scan on orders" and missing.seen == "Seq Scan on orders"


def test_failed_node_path_marks_that_node(server):
    explained = explain(server, JOIN, settings=NESTED_LOOP)
    raw = explained[0]["Plan"]
    path, node = [], raw
    while node.get("Plans"):
        path.append(len(node["Plans"]) - 1)
        node = node["Plans"][-1]
    view = build_plan_view(explained, failed_path=path)
    failed = [n for n in view.nodes if n.failed]
    assert len(failed) == 1 and failed[0].node_type == node["Node Type"]


@pytest.mark.parametrize(
    ("query", "settings"),
    [*RAW_CASES.values(), (JOIN, ""), (CORRELATED, ""), (LOOKUP, "SET max_parallel_workers_per_gather = 0")],
)
def test_psql_text_output_reads_as_the_same_tree_as_its_json(server, query, settings):
    """What the playground prints (EXPLAIN text) draws the same steps, rows, loops and buffers
    as the JSON the lab checks store."""
    as_json = build_plan_view(explain(server, query, settings=settings))
    text = explain(server, query, settings=settings, fmt="TEXT")
    as_text = build_plan_view(text)
    assert as_text is not None, text

    # Two runs of a parallel plan need not launch the same number of workers (a loaded machine
    # launches fewer), so their per-run figures (rows, loops, buffers per step) may differ; the
    # steps themselves may not. Serial plans repeat exactly and are compared whole.
    repeatable = "Gather" not in text

    def shape(view):  # text has no Outer/Inner: only InitPlan and SubPlan are printed
        return [
            (n.path, n.node_type, n.label, n.relation, n.relationship in ("InitPlan", "SubPlan"), n.plan_rows)
            + ((n.actual_rows, n.loops) if repeatable else ())
            for n in view.nodes
        ]

    assert shape(as_text) == shape(as_json), text
    if repeatable:
        assert [n.buffers_inclusive for n in as_text.nodes] == [n.buffers_inclusive for n in as_json.nodes], text
        assert [n.rows_removed for n in as_text.nodes] == [n.rows_removed for n in as_json.nodes]
    else:
        assert all(n.loops >= 1 and n.buffers_inclusive is not None for n in as_text.nodes), text
    assert as_text.execution_ms is not None and as_text.planning_ms is not None
    assert sum(1 for n in as_text.nodes if n.heaviest) == 1


def test_what_is_not_a_plan_draws_nothing():
    assert build_plan_view('ERROR:  relation "nope" does not exist') is None
    assert build_plan_view("[1, 2]") is None
    assert build_plan_view({"rows": []}) is None


def test_a_sort_that_spilled_owns_its_temp_blocks_and_fails_a_no_spill_target(server):
    explained = explain(server, "SELECT code FROM orders ORDER BY b, code", settings="SET work_mem = '64kB'")
    view = build_plan_view(explained)
    sort = next(n for n in view.nodes if n.node_type == "Sort")
    assert sort.temp_blocks > 0 and sort.temp_exclusive == sort.temp_blocks  # its scan wrote none
    assert any("external merge" in line for line in sort.details)
    spill = describe_target(view, {"max_temp_blocks": 0}, None)[0]
    assert not spill.met and spill.seen == f"{sort.temp_blocks:,}"


def test_under_a_gather_the_workers_loops_ran_at_the_same_time(server):
    explained = explain(server, GROUPED, settings=PARALLEL)
    raw = raw_nodes(explained[0]["Plan"])
    gather = next(r for r in raw if r["Node Type"].startswith("Gather"))
    if not gather.get("Workers Launched"):
        pytest.skip("no parallel worker could be started on this machine")
    scan_raw = next(r for r in raw if r["Node Type"] == "Seq Scan")
    view = build_plan_view(explained)
    scan = next(n for n in view.nodes if n.node_type == "Seq Scan")
    assert scan.label == "Parallel Seq Scan on orders" and scan.loops == gather["Workers Launched"] + 1
    # each loop is a worker (or the leader), all reading at once: the wall time is one loop's
    assert scan.time_inclusive == pytest.approx(scan_raw["Actual Total Time"])
    assert all(n.time_exclusive >= 0 for n in view.nodes)
    assert sum(n.time_exclusive for n in view.nodes) == pytest.approx(view.root.time_inclusive, rel=1e-6)


def test_the_playground_s_text_plan_draws_as_a_tree_with_its_raw_text(server):
    from django.template import Context, Template

    text = explain(server, JOIN, settings=NESTED_LOOP, fmt="TEXT")
    html = Template("{% load plan_view %}{% plan_tree_of plan key='pg' %}").render(Context({"plan": text}))
    assert html.count('class="plan-node') == 4 and html.count("plan-node heaviest") == 1
    assert "Index Only Scan using orders_customer_idx on orders o" in html and "<dt>Loops</dt><dd>100</dd>" in html
    assert '<details class="plan-raw">' in html and "loops=100" in html
    assert Template("{% load plan_view %}{% plan_tree_of plan %}").render(Context({"plan": "ERROR: x"})).strip() == ""
