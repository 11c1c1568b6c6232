"""The real course in curriculum/: it validates, has the promised shape, syncs
idempotently, and every example marked runnable really runs."""

import json
import shlex
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from apps.courses.loader import MIN_LESSON_WORDS, load_curriculum

ROOT = Path(settings.CURRICULUM_DIR)
COURSE, PROBLEMS = load_curriculum(ROOT)
LESSONS = COURSE.lessons


def test_curriculum_has_no_problems():
    assert [str(p) for p in PROBLEMS] == []


@pytest.mark.django_db
def test_check_json_reports_the_promised_shape():
    out = StringIO()
    call_command("sync_curriculum", "--check", "--json", stdout=out)
    counts = json.loads(out.getvalue())
    assert counts["modules"] == 4 and counts["projects"] == 6 and counts["weeks"] == 10
    assert counts["lessons"] >= 20


def test_every_module_has_five_lessons_and_every_lesson_enough_prose():
    per_module = {m.key: [lesson for lesson in LESSONS if lesson.module == m.key] for m in COURSE.modules}
    assert {key: len(items) >= 5 for key, items in per_module.items()} == dict.fromkeys(per_module, True)
    assert [lesson.key for lesson in LESSONS if lesson.word_count < MIN_LESSON_WORDS] == []


@pytest.mark.django_db
def test_second_sync_of_the_real_course_changes_nothing():
    call_command("sync_curriculum", stdout=StringIO())
    out = StringIO()
    call_command("sync_curriculum", "--json", stdout=out)
    payload = json.loads(out.getvalue())
    assert (payload["created"], payload["changed"], payload["retired"]) == ({}, {}, {})


# ---- runnable examples -------------------------------------------------------------

SQL_LESSONS = [lesson for lesson in LESSONS if any(b.language == "sql" and b.flags for b in lesson.code_blocks)]
REDIS_LESSONS = [lesson for lesson in LESSONS if any(b.language == "redis" and b.flags for b in lesson.code_blocks)]


@pytest.fixture(scope="module")
def postgres():
    from labs.sandbox.postgres import start_instance

    with start_instance() as instance:
        yield instance


@pytest.mark.parametrize("lesson", SQL_LESSONS, ids=[lesson.key for lesson in SQL_LESSONS])
def test_runnable_sql_blocks_run_on_postgres_15(postgres, lesson):
    import psycopg

    database = lesson.key.replace("-", "_")
    owner = f"owner_{database}"
    with psycopg.connect(postgres.admin_conninfo, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}"')
        admin.execute(f'DROP ROLE IF EXISTS "{owner}"')
        # The lesson runs as an ordinary owner, as a learner would: no superuser shortcuts.
        admin.execute(f'CREATE ROLE "{owner}" LOGIN NOSUPERUSER')
        admin.execute(f'CREATE DATABASE "{database}" OWNER "{owner}"')
    try:
        with psycopg.connect(postgres.conninfo(database, owner), autocommit=True) as conn:
            for block in lesson.code_blocks:
                if block.language != "sql" or not block.flags:
                    continue
                where = f"{lesson.path}:{block.line}"
                if "runnable-error" in block.flags:
                    with pytest.raises(psycopg.Error):
                        conn.execute(block.code)
                    # A failed BEGIN ... block leaves its transaction open and aborted; a
                    # reader running blocks one by one in psql would not carry it over.
                    if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                        conn.rollback()
                    continue
                assert "runnable" in block.flags, f"{where}: unknown flags {block.flags}"
                try:
                    conn.execute(block.code)
                except psycopg.Error as exc:
                    pytest.fail(f"{where}: runnable block failed: {exc}")
    finally:
        with psycopg.connect(postgres.admin_conninfo, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            admin.execute(f'DROP ROLE IF EXISTS "{owner}"')


@pytest.fixture
def redis_server(tmp_path):
    import redis

    from tests.apps.worker import RedisBroker

    server = RedisBroker(tmp_path)
    yield redis.Redis(port=server.port, decode_responses=True)
    server.stop()


@pytest.mark.parametrize("lesson", REDIS_LESSONS, ids=[lesson.key for lesson in REDIS_LESSONS])
def test_runnable_redis_blocks_run_on_redis_7(redis_server, lesson):
    import redis

    for block in lesson.code_blocks:
        if block.language != "redis" or "runnable" not in block.flags:
            continue
        for offset, line in enumerate(block.code.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                redis_server.execute_command(*shlex.split(line))
            except redis.ResponseError as exc:
                pytest.fail(f"{lesson.path}:{block.line + offset}: `{line}` failed: {exc}")
