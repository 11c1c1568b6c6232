"""The isolation lab's escape, tried through the lab page and a real worker: a learner
function that shadows the catalog function the concurrency monitor calls, which would run
`COPY … TO PROGRAM` if the grader ever called it with privilege. The learner gets a verdict
and nothing else: no marker written, no secret of the worker's on the page."""

import os
import secrets
import shutil
import time
import uuid
from pathlib import Path

import pytest

from apps.courses.services import sync_curriculum
from apps.grading.models import Submission
from tests.apps.factories import UserFactory

ISOLATION_LAB = Path(__file__).resolve().parents[2] / "curriculum" / "labs" / "isolation-lost-update"

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def hostile_answer(marker: Path) -> str:
    solution = (ISOLATION_LAB / "solution.sql").read_text()
    # Spelled in pieces, as a determined learner would, so the static filter cannot see it:
    # only the grader's own discipline (search_path, qualified calls) and the box stop it.
    program = f"id > {marker}/escaped; env >> {marker}/escaped"
    literal = f"'CO' || 'PY (SELECT current_user) TO PRO' || 'GRAM ' || pg_catalog.quote_literal('{program}')"
    shadow = "\n".join(
        f"CREATE OR REPLACE FUNCTION public.pg_blocking_pids({arg}) RETURNS integer[] LANGUAGE plpgsql AS $f$ "
        f"BEGIN IF current_user <> 'learner' THEN EXECUTE {literal}; END IF; RETURN ARRAY[]::integer[]; END $f$;"
        for arg in ("smallint", "integer", "bigint")
    )
    return shadow + "\n" + solution


def test_the_isolation_lab_escape_through_the_lab_page_gets_a_verdict_and_nothing_else(
    client, start_worker, lab_course
):
    copy = lab_course / "labs" / ISOLATION_LAB.name
    shutil.copytree(ISOLATION_LAB, copy)
    toml = (copy / "lab.toml").read_text()  # the small test course has none of the real lessons
    kept = [line for line in toml.splitlines() if not line.startswith(("lesson", "requires"))]
    (copy / "lab.toml").write_text("\n".join(kept))
    sync_curriculum(lab_course)
    marker = Path(f"/tmp/indexed-escape-{os.getpid()}-{secrets.token_hex(3)}")
    marker.mkdir(mode=0o1777)
    os.chmod(marker, 0o1777)  # writable by any sandbox account, so only the walls keep it empty
    secret = "worker-secret-" + secrets.token_hex(6)
    start_worker(DJANGO_SECRET_KEY=secret)
    try:
        learner = UserFactory()
        client.force_login(learner)
        response = client.post(
            f"/labs/{ISOLATION_LAB.name}/submit/",
            {"answer": hostile_answer(marker), "token": str(uuid.uuid4())},
        )
        assert response.status_code in (200, 302)
        deadline = time.monotonic() + 90
        submission = Submission.objects.get(user=learner)
        while not submission.is_finished and time.monotonic() < deadline:
            time.sleep(0.1)
            submission.refresh_from_db()
        assert submission.is_finished and submission.result["gradable"] is True
        page = client.get(f"/labs/{ISOLATION_LAB.name}/").content.decode()
        page += client.get(f"/submissions/{submission.pk}/").content.decode()
        assert "Score:" in page
        assert secret not in page and "uid=" not in page
        assert list(marker.iterdir()) == []
    finally:
        shutil.rmtree(marker, ignore_errors=True)
