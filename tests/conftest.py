import os
import shutil
from pathlib import Path

import pytest

# One sandbox root for the whole run, set before anything imports labs.sandbox.base (it
# reads the variable once) and inherited by the worker and helper processes tests start.
# tmpfs: sandbox data is disposable and Postgres' many small files are ~40x faster there.
os.environ.setdefault(
    "INDEXED_SANDBOX_ROOT",
    "/dev/shm/indexed-sandboxes-test" if Path("/dev/shm").is_dir() else "/tmp/indexed-sandboxes-test",
)

from tests.course_builder import write_course

FIXTURE_LABS = Path(__file__).resolve().parent / "fixtures" / "site-labs"


@pytest.fixture
def course_dir(tmp_path: Path) -> Path:
    return write_course(tmp_path / "curriculum")


@pytest.fixture
def synced_course(db, course_dir, settings):
    from apps.courses.services import sync_curriculum

    settings.CURRICULUM_DIR = course_dir
    sync_curriculum(course_dir)
    return course_dir


@pytest.fixture(scope="session")
def broker(tmp_path_factory):
    from tests.apps.worker import RedisBroker

    server = RedisBroker(tmp_path_factory.mktemp("broker"))
    yield server
    server.stop()


@pytest.fixture
def lab_course(tmp_path, settings, transactional_db):
    from apps.courses.services import sync_curriculum

    root = write_course(tmp_path / "curriculum")
    shutil.copytree(FIXTURE_LABS, root / "labs")
    settings.CURRICULUM_DIR = root
    sync_curriculum(root)
    return root


@pytest.fixture
def start_worker(broker, lab_course, tmp_path, settings):
    import redis
    from django.db import connection

    from apps.config.celery import app
    from tests.apps.worker import CeleryWorker

    redis.Redis.from_url(broker.url).flushdb()  # nothing left over from another test
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    app.conf.broker_url = broker.url
    forget_broker_connections(app)
    workers = []

    def start(**env) -> CeleryWorker:
        worker = CeleryWorker(broker.url, connection.settings_dict["NAME"], lab_course, tmp_path / "worker.log", env)
        workers.append(worker)
        return worker.start()

    yield start
    for worker in workers:
        worker.stop()
    app.conf.task_always_eager = True
    forget_broker_connections(app)


def forget_broker_connections(app) -> None:
    """Drop the app's cached connection pools. Even an eager task acquires a producer, and
    the pool it creates keeps the broker URL of that moment, so a later change of
    ``broker_url`` would otherwise be ignored (the same reset Celery does after a fork)."""
    app._pool = None
    amqp = app.__dict__.get("amqp")  # a cached property: absent until first used
    if amqp is not None:
        amqp._producer_pool = None


