"""Grading trust for the operational and Redis labs (issue 9): right answers in other styles
are accepted, the wrong ones the issue lists are caught, messages tell the truth, and the
reference work is done once per lab version. Graded on the real runtime."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from labs.checks import redis_cluster_design as design
from labs.runbook import parse_runbook
from labs.sandbox import pg_cluster
from labs.spec import load_spec

COURSE = Path(__file__).resolve().parents[2] / "curriculum" / "labs"


def _grade(lab: str, answer: str):
    from labs.runner import grade

    return grade(load_spec(COURSE / lab), answer)


def _lab_answer(lab: str, name: str) -> str:
    return (COURSE / lab / name).read_text(encoding="utf-8")


def _failed(result) -> dict[str, str]:
    return {c.name: f"{c.message} {c.hint}" for c in result.checks if not c.passed}


# -- parser limits and layouts -------------------------------------------------------------------


def test_a_long_comment_line_and_a_long_wait_do_not_refuse_a_runbook():
    text = (
        "# " + "the reports replica, step by step, with every reason written down " * 8 + "\n"
        "create_replication_slot reports1\ntake_base_backup slot=reports1\nstart_standby\n"
        "wait_for_catchup timeout=120\n"
    )
    steps = parse_runbook(text, "standby")
    assert steps[-1].args == {"timeout": 120.0}


def test_several_partitions_per_shard_and_mixed_moduli_parse():
    text = (
        "create_sharded_table tickets by hash(customer_id)\n"
        "attach_shard tickets shard=1 modulus=3 remainder=0\n"
        "attach_shard tickets shard=2 modulus=6 remainder=1\n"
        "attach_shard tickets shard=2 modulus=6 remainder=4\n"
        "attach_shard tickets shard=3 modulus=6 remainder=2\n"
        "attach_shard tickets shard=3 modulus=6 remainder=5\n"
        "copy_rows tickets\n"
    )
    assert len(parse_runbook(text, "shards", shards=3)) == 7


# -- Redis Cluster design over generated keys ----------------------------------------------------


class _Deployment:
    """Three shards owning equal slot ranges, as the platform's clusters do."""

    nodes = [SimpleNamespace(index=i) for i in range(3)]

    def node_for_slot(self, slot: int) -> int:
        return min(slot * 3 // 16384, 2)


def test_balance_is_judged_on_the_naming_scheme_over_a_thousand_ids():
    run = SimpleNamespace(deployment=_Deployment())
    ids = [str(n) for n in range(1401, 1413)]
    templates, fixed = design.key_templates([f"{{user:{n}}}:cart" for n in ids], ids)
    assert len(templates) == 1 and fixed == []
    counts = design.generated_counts(run, templates, fixed, 1000)
    assert sum(counts.values()) == 1000 and max(counts.values()) / min(counts.values()) < 1.3
    # A tag that does not hold the id puts every generated customer in one slot.
    constant, _ = design.key_templates([f"{{carts}}:user:{n}" for n in ids], ids)
    assert sorted(design.generated_counts(run, constant, [], 1000).values()) == [0, 0, 1000]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("answer", "caught_by"),
    [
        ("wrong/wrong_profile_field.redis", "each profile holds the name"),
        ("wrong/cart_sku_qty_fields.redis", "each profile holds the name"),
        ("wrong/no_transactions.redis", "one MULTI/EXEC transaction"),
        ("wrong/manual_buckets.redis", "profiles spread evenly"),
    ],
)
def test_cluster_answers_with_wrong_fields_no_transaction_or_few_tags_fail(answer, caught_by):
    result = _grade("redis-cluster-hash-tags", _lab_answer("redis-cluster-hash-tags", answer))
    assert result.score < 1.0
    assert any(caught_by in name for name in _failed(result))


@pytest.mark.slow
def test_a_correct_hash_tag_design_in_another_style_scores_one():
    result = _grade("redis-cluster-hash-tags", _lab_answer("redis-cluster-hash-tags", "right/kind_first.redis"))
    assert result.score == 1.0, _failed(result)


# -- the standby under a report that holds replay back ------------------------------------------


@pytest.mark.slow
def test_a_standby_runbook_that_never_waits_for_catchup_fails():
    answer = "create_replication_slot reports1\ntake_base_backup slot=reports1\nstart_standby\n"
    result = _grade("streaming-standby", answer)
    failed = _failed(result)
    assert any("less than 1 MB behind" in name for name in failed), failed
    waited = _grade("streaming-standby", answer + "wait_for_catchup timeout=120\n")
    assert waited.score == 1.0, _failed(waited)


# -- sharding judged by where rows land ----------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("answer", ["right/mixed_moduli.runbook", "right/hash6_blocks.runbook"])
def test_sharding_layouts_with_several_partitions_per_shard_score_one(answer):
    result = _grade("sharding-postgres-fdw", _lab_answer("sharding-postgres-fdw", answer))
    assert result.score == 1.0, _failed(result)


# -- PITR: truthful hints and the cached incident ------------------------------------------------


@pytest.mark.slow
def test_pitr_hint_never_suggests_the_restore_point_just_judged_too_early():
    result = _grade("pitr-dropped-table", _lab_answer("pitr-dropped-table", "wrong/cleanup_restore_point.runbook"))
    failed = _failed(result)
    assert failed
    for text in failed.values():
        assert "set recovery_target" not in text  # no command handed out
        assert "restore point made before" not in text


@pytest.mark.slow
def test_pitr_incident_is_built_once_and_reused():
    answer = _lab_answer("pitr-dropped-table", "solution.runbook")
    _grade("pitr-dropped-table", answer)
    result = _grade("pitr-dropped-table", answer)
    assert result.score == 1.0
    timings = pg_cluster.RECENT_TIMINGS[-1]
    assert "scenario_cached" in timings and "scenario_built" not in timings
