"""The recovery check's ``paused`` expectation on a real point-in-time recovery."""

from __future__ import annotations

from pathlib import Path

import pytest

from labs.runner import grade
from labs.spec import load_spec

LAB = Path(__file__).resolve().parents[2] / "curriculum" / "exercises" / "operations" / "pitr-pause-before-wipe"
TARGET = "restore_base_backup\nset recovery_target_xid @wipe.xid\nset recovery_target_inclusive false\n"


@pytest.mark.slow
def test_paused_at_the_target_passes_and_a_promoted_server_is_named():
    spec = load_spec(LAB)
    paused = grade(spec, TARGET + "start\n")
    assert paused.score == 1.0, paused.to_dict()
    assert paused.checks[-1].artifacts["state"] == "paused"

    promoted = grade(spec, TARGET + "start\npromote\n")
    assert [c.passed for c in promoted.checks] == [True, True, True, False]
    assert "was promoted" in promoted.checks[-1].message
    assert promoted.checks[-1].artifacts["state"] == "promoted"
