"""MariaDB plans drawn as trees and set beside the lab's target: EXPLAIN FORMAT=JSON written by
a real MariaDB server while grading the InnoDB covering-index lab."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from apps.grading.plan_target import describe_target
from apps.grading.plans import build_plan_view
from labs.runner import grade
from labs.spec import load_spec

pytestmark = pytest.mark.skipif(not shutil.which("mariadbd", path="/usr/sbin:/usr/bin"), reason="no mariadbd")

LAB = Path(__file__).resolve().parents[2] / "curriculum" / "labs" / "innodb-covering-index"


@pytest.fixture(scope="module")
def graded():
    spec = load_spec(LAB)
    wrong = grade(spec, (LAB / "wrong" / "customer_only.sql").read_text())
    right = grade(spec, (LAB / "solution.sql").read_text())
    return spec, wrong, right


def test_a_mariadb_plan_is_a_tree_with_the_table_read_and_its_target(graded):
    spec, wrong, right = graded
    params = spec.checks[0].params
    view = build_plan_view(wrong.checks[0].artifacts["plan"])
    assert view.engine == "mariadb" and not view.has_actuals
    table = next(n for n in view.nodes if n.relation == "orders")
    assert table.label.startswith("Table orders: access ref using by_customer")
    assert view.heaviest is table and view.measure == "rows"  # the only step that reads rows
    assert any(n.node_type == "Sort (filesort)" for n in view.nodes)  # the index does not order the rows
    target = {e.text: e for e in describe_target(view, params, None)}
    assert target["access ref or range on orders"].met
    assert not target["read from the index alone"].met and not target["no filesort"].met
    fixed = build_plan_view(right.checks[0].artifacts["plan"])
    assert all(e.met for e in describe_target(fixed, params, None)), describe_target(fixed, params, None)
    assert '"query_block"' in view.raw_text  # the raw plan is MariaDB's own JSON
