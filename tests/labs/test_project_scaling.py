"""The scaling project graded on real servers: a hand-in written from the brief in another style than
the reference still scores every auto point, and the untouched starter kit is accepted but scores none."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from labs.projects import check_handin, grade_project, load_project, read_handin

SCALING = Path(__file__).resolve().parents[2] / "curriculum" / "projects" / "scaling"

# Modulus 8, two partitions per shard (remainders r and r + 4 together, ready for the split to 8).
SHARDS = "\n".join(
    [f"create_sharded_table {t} by hash(tenant_id)" + "".join(
        f"\nattach_shard {t} shard={1 + r % 4} modulus=8 remainder={r}" for r in range(8)
    ) + f"\ncopy_rows {t}" for t in ("comments", "tickets")]
)  # fmt: skip
LIMITER = (
    "local c = redis.call('INCR', KEYS[1]) "
    "if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], tonumber(ARGV[1])) end "
    "redis.call('LPUSH', KEYS[2], ARGV[2]) redis.call('LTRIM', KEYS[2], 0, 9) "
    "return c <= 100 and 1 or 0"
)
REDIS = "\n".join(
    f'EVAL "{LIMITER}" 2 {{tenant:{t}}}:ratelimit {{tenant:{t}}}:recent 60 ticket-{t}' for t in range(4701, 4713)
)
# EVALSHA after one SCRIPT LOAD: the script exists on one master only, so tenants on the others fail.
EVALSHA = "\n".join(
    [f'SCRIPT LOAD "{LIMITER}"']
    + [
        f"EVALSHA {hashlib.sha1(LIMITER.encode()).hexdigest()} 2 {{tenant:{t}}}:ratelimit {{tenant:{t}}}:recent 60 x"
        for t in range(4701, 4713)
    ]
)
# The slot named with primary_slot_name instead of take_base_backup slot=.
STANDBY = (
    "create_replication_slot reports\ntake_base_backup\n"
    "set primary_slot_name 'reports'\nstart_standby\nwait_for_catchup\n"
)


@pytest.mark.slow
def test_a_hand_in_in_another_style_scores_every_auto_point(tmp_path):
    handin = tmp_path / "handin"
    shutil.copytree(SCALING / "reference", handin)
    (handin / "shards.runbook").write_text(SHARDS + "\n")
    (handin / "redis" / "ratelimit.redis").write_text(REDIS + "\n")
    (handin / "replica" / "standby.runbook").write_text(STANDBY)
    result = grade_project(load_project(SCALING), handin)
    assert result.gradable, result.message
    lost = {c.id: c.message for c in result.criteria if c.graded_by == "auto" and c.points_awarded < c.points_possible}
    assert not lost
    assert result.auto_points == result.auto_possible == 50


@pytest.mark.slow
def test_the_starter_kit_is_accepted_and_scores_no_auto_point():
    spec = load_project(SCALING)
    assert check_handin(spec, read_handin(SCALING / "starter")) == []
    result = grade_project(spec, SCALING / "starter")
    assert result.gradable, result.message
    assert result.auto_points == 0
    assert all(c.message for c in result.criteria if c.graded_by == "auto")


@pytest.mark.slow
def test_evalsha_after_one_script_load_loses_the_redis_row_and_says_why(tmp_path):
    handin = tmp_path / "handin"
    shutil.copytree(SCALING / "reference", handin)
    (handin / "redis" / "ratelimit.redis").write_text(EVALSHA + "\n")
    result = grade_project(load_project(SCALING), handin)
    redis = next(c for c in result.criteria if c.id == "redis")
    assert result.gradable and redis.points_awarded < redis.points_possible
    assert "NOSCRIPT" in redis.message
