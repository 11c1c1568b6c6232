"""Lesson examples in ```mysql runnable blocks run, in order, on a real MariaDB 10.11 (the
engine labs use), as an ordinary account that owns one database: no superuser shortcuts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.conf import settings

from apps.courses.loader import load_curriculum

COURSE, _ = load_curriculum(Path(settings.CURRICULUM_DIR))
LESSONS = [lesson for lesson in COURSE.lessons if any(b.language == "mysql" and b.flags for b in lesson.code_blocks)]

pytestmark = pytest.mark.skipif(not shutil.which("mariadbd", path="/usr/sbin"), reason="no mariadbd")


@pytest.fixture(scope="module")
def mariadb_server():
    from labs.engines.mariadb.server import start_server

    with start_server() as server:
        yield server


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.key for lesson in LESSONS])
def test_runnable_mysql_blocks_run_on_mariadb(mariadb_server, lesson):
    import pymysql

    database = lesson.key.replace("-", "_")
    mariadb_server.execute(f"DROP DATABASE IF EXISTS `{database}`")
    mariadb_server.execute(f"CREATE DATABASE `{database}`")
    mariadb_server.execute(f"GRANT ALL PRIVILEGES ON `{database}`.* TO learner@localhost")
    conn = mariadb_server.connect("learner", database, client_flag=pymysql.constants.CLIENT.MULTI_STATEMENTS)
    try:
        for block in lesson.code_blocks:
            if block.language != "mysql" or not block.flags:
                continue
            where = f"{lesson.path}:{block.line}"
            assert set(block.flags) <= {"runnable", "runnable-error"}, f"{where}: unknown flags {block.flags}"
            with conn.cursor() as cur:
                if "runnable-error" in block.flags:
                    with pytest.raises(pymysql.MySQLError):
                        cur.execute(block.code)
                        while cur.nextset():
                            pass
                    continue
                try:
                    cur.execute(block.code)
                    while cur.nextset():
                        pass
                except pymysql.MySQLError as exc:
                    pytest.fail(f"{where}: runnable block failed: {exc}")
    finally:
        conn.close()
        mariadb_server.execute(f"DROP DATABASE IF EXISTS `{database}`")
