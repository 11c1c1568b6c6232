"""The playground through the site: a real playground service on a socket of its own, real
PostgreSQL and Redis sandboxes behind it, the Django test client in front."""

import shutil
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.courses.models import Lab, Lesson
from apps.courses.services import sync_curriculum
from apps.playground.models import PlaygroundSession
from apps.playground.services import expire_sessions, playground_client, service_id
from tests.apps.factories import UserFactory
from tests.conftest import FIXTURE_LABS
from tests.course_builder import lesson_text

LESSON_EXTRA = (
    "```sql runnable\nCREATE TABLE pets (id int PRIMARY KEY, name text);\n"
    "INSERT INTO pets VALUES (1, 'Rex'), (2, 'Tom');\n```\n\n"
    "```sql runnable\nSELECT name FROM pets ORDER BY id;\n```\n\n"
)


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    socket_path = tmp_path_factory.mktemp("playground") / "playground.sock"
    process = subprocess.Popen(
        [sys.executable, "-m", "labs.playground", "serve", "--socket", str(socket_path)],
        cwd=Path(__file__).resolve().parents[2],
    )
    deadline = time.monotonic() + 15
    while not socket_path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    yield socket_path
    process.terminate()
    process.wait(timeout=30)


@pytest.fixture
def course(synced_course, settings, service):
    settings.INDEXED_PLAYGROUND_SOCKET = str(service)
    lesson = synced_course / "modules/rel/lessons/03-pets.md"
    lesson.write_text(lesson_text("rel-pets", "Pets", 2, 3, ["write-sql"], extra=LESSON_EXTRA))
    shutil.copytree(FIXTURE_LABS, synced_course / "labs")
    sync_curriculum(synced_course)
    return synced_course


def _sid(token):
    return service_id(PlaygroundSession(token=token))


def _login(client, user):
    client.force_login(user)
    return client


def _open_lesson(client, block):
    response = client.get(f"/lessons/rel-pets/playground/?block={block}")
    assert response.status_code == 302
    return response["Location"].split("/")[2]


def test_lesson_page_has_a_try_it_button_per_runnable_block(client, course):
    _login(client, UserFactory())
    page = client.get(reverse("courses:lesson", args=["rel-pets"])).content.decode()
    assert page.count('class="try-it"') == 3
    assert 'href="playground/?block=3"' in page


def test_try_it_runs_the_example_on_the_earlier_blocks_data(client, course):
    _login(client, UserFactory())
    token = _open_lesson(client, 3)
    page = client.get(f"/playground/{token}/").content.decode()
    assert "SELECT name FROM pets ORDER BY id;" in page  # the example is in the editor
    result = client.post(f"/playground/{token}/run/", {"text": "SELECT name FROM pets ORDER BY id;"})
    html = result.content.decode()
    assert result.status_code == 200 and "<td>Rex</td>" in html and "<td>Tom</td>" in html
    explain = client.post(f"/playground/{token}/run/", {"text": "SELECT * FROM pets", "action": "explain"})
    assert "Seq Scan on pets" in explain.content.decode()


def test_errors_name_their_line(client, course):
    _login(client, UserFactory())
    token = _open_lesson(client, 3)
    html = client.post(f"/playground/{token}/run/", {"text": "SELECT 1;\nSELECT nope FROM pets;"}).content.decode()
    assert "Error on line 2" in html and "nope" in html


def test_another_learner_gets_404_and_cannot_see_the_data(client, course):
    owner, other = UserFactory(), UserFactory()
    _login(client, owner)
    token = _open_lesson(client, 3)
    client.post(f"/playground/{token}/run/", {"text": "INSERT INTO pets VALUES (3, 'mine-only');"})
    _login(client, other)
    assert client.get(f"/playground/{token}/").status_code == 404
    assert client.post(f"/playground/{token}/run/", {"text": "SELECT 1"}).status_code == 404
    assert client.get(f"/playground/{token}/schema/").status_code == 404
    assert client.post(f"/playground/{token}/reset/").status_code == 404
    # the other learner's own playground of the same example has the seed only
    own = _open_lesson(client, 3)
    assert own != token
    html = client.post(f"/playground/{own}/run/", {"text": "SELECT count(*) FROM pets"}).content.decode()
    assert "<td>2</td>" in html
    # and their role cannot connect to the owner's scratch database from SQL either
    html = client.post(
        f"/playground/{own}/run/", {"text": f"SELECT count(*) FROM s_{_sid(token)}.public.pets"}
    ).content.decode()
    assert "cross-database references are not implemented" in html


def test_reset_brings_back_the_dataset(client, course):
    _login(client, UserFactory())
    token = _open_lesson(client, 3)
    client.post(f"/playground/{token}/run/", {"text": "DELETE FROM pets"})
    assert (
        "<td>0</td>" in client.post(f"/playground/{token}/run/", {"text": "SELECT count(*) FROM pets"}).content.decode()
    )
    assert client.post(f"/playground/{token}/reset/").status_code in (200, 302)
    assert (
        "<td>2</td>" in client.post(f"/playground/{token}/run/", {"text": "SELECT count(*) FROM pets"}).content.decode()
    )


def test_rate_limit_answers_429_with_the_reason(client, course, settings):
    settings.INDEXED_PLAYGROUND_RUNS_PER_MINUTE = 3
    _login(client, UserFactory())
    token = _open_lesson(client, 3)
    for _ in range(3):
        assert client.post(f"/playground/{token}/run/", {"text": "SELECT 1"}).status_code == 200
    refused = client.post(f"/playground/{token}/run/", {"text": "SELECT 1"})
    assert refused.status_code == 429
    assert "allows 3 a minute" in refused.content.decode() and int(refused["Retry-After"]) >= 1


def test_lab_playground_holds_the_seed_never_the_hidden_data(client, course):
    _login(client, UserFactory())
    lab_page = client.get(reverse("grading:lab", args=["site-orders-per-customer"])).content.decode()
    assert "Explore the data" in lab_page
    response = client.get("/labs/site-orders-per-customer/playground/")
    token = response["Location"].split("/")[2]
    html = client.post(
        f"/playground/{token}/run/", {"text": "SELECT name FROM customers ORDER BY name"}
    ).content.decode()
    assert "<td>Ada</td>" in html
    for hidden_name in ("Zoe", "Yann", "Xu", "Wim"):
        assert hidden_name not in html
    schema = client.get(f"/playground/{token}/schema/").content.decode()
    assert "<svg" in schema and 'class="schema-link"' in schema  # orders.customer_id -> customers
    assert "customer_id" in schema and "Zoe" not in schema


def test_expiry_removes_the_session_and_its_database(client, course):
    user = UserFactory()
    _login(client, user)
    token = _open_lesson(client, 3)
    client.post(f"/playground/{token}/run/", {"text": "SELECT 1"})
    assert any(s["session"] == _sid(token) for s in playground_client().call("live"))
    PlaygroundSession.objects.filter(token=token).update(expires_at=timezone.now() - timedelta(seconds=61))
    assert expire_sessions() == 1
    assert not PlaygroundSession.objects.filter(token=token).exists()
    assert all(s["session"] != _sid(token) for s in playground_client().call("live"))
    assert client.get(f"/playground/{token}/").status_code == 404


def test_redis_lesson_example_runs_in_its_own_server(client, course):
    Lesson.objects.filter(key="kv-redis").update(
        body="Intro\n\n```redis runnable\nSET greeting hello\n```\n\n```redis runnable\nGET greeting\n```\n"
    )
    _login(client, UserFactory())
    response = client.get("/lessons/kv-redis/playground/?block=2")
    token = response["Location"].split("/")[2]
    html = client.post(f"/playground/{token}/run/", {"text": "GET greeting\nINCR greeting"}).content.decode()
    assert "hello" in html and "Error on line 2" in html


def test_labs_without_a_playground_show_no_link(client, course):
    Lab.objects.filter(key="site-orders-per-customer").update(topology="standby")
    _login(client, UserFactory())
    page = client.get(reverse("grading:lab", args=["site-orders-per-customer"])).content.decode()
    assert "Explore the data" not in page
    assert client.get("/labs/site-orders-per-customer/playground/").status_code == 404


def test_mysql_lesson_example_runs_on_mariadb_with_a_plan(client, course):
    Lesson.objects.filter(key="kv-redis").update(
        body="Intro\n\n```mysql runnable\nCREATE TABLE t (id INT PRIMARY KEY);\nINSERT INTO t VALUES (1), (2);\n```\n\n"
        "```mysql runnable\nSELECT COUNT(*) AS n FROM t;\n```\n"
    )
    _login(client, UserFactory())
    token = client.get("/lessons/kv-redis/playground/?block=2")["Location"].split("/")[2]
    html = client.post(f"/playground/{token}/run/", {"text": "SELECT COUNT(*) AS n FROM t;"}).content.decode()
    assert "<td>2</td>" in html
    plan = client.post(f"/playground/{token}/run/", {"text": "SELECT * FROM t WHERE id = 1", "action": "explain"})
    assert "PRIMARY" in plan.content.decode()


def test_a_learner_keeps_a_few_playgrounds_and_the_oldest_goes(client, course, settings):
    settings.INDEXED_PLAYGROUND_SESSIONS_PER_LEARNER = 2
    user = UserFactory()
    _login(client, user)
    first = _open_lesson(client, 1)
    client.post(f"/playground/{first}/run/", {"text": "SELECT 1"})
    _open_lesson(client, 2)
    third = _open_lesson(client, 3)
    assert PlaygroundSession.objects.filter(owner=user).count() == 2
    assert client.get(f"/playground/{first}/").status_code == 404  # the least recently used went
    assert all(s["session"] != _sid(first) for s in playground_client().call("live"))
    assert client.get(f"/playground/{third}/").status_code == 200


def test_an_idle_sandbox_expires_on_its_own_and_its_files_go(client, course, settings):
    settings.INDEXED_PLAYGROUND_TTL_SECONDS = 1
    Lesson.objects.filter(key="kv-redis").update(body="Intro\n\n```redis runnable\nSET greeting hello\n```\n")
    _login(client, UserFactory())
    token = client.get("/lessons/kv-redis/playground/?block=1")["Location"].split("/")[2]
    assert client.post(f"/playground/{token}/run/", {"text": "GET greeting"}).status_code == 200
    own = [p for p in playground_client().call("sandboxes") if p.endswith(f"redis-{_sid(token)}")]
    assert len(own) == 1 and Path(own[0]).is_dir()
    # No beat, no request: the service's own reaper removes it. The TTL is 1 s; a loaded machine may
    # take a few seconds more to run the removal, so the test waits for it rather than guessing.
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(s["session"] == _sid(token) for s in playground_client().call("live")):
        time.sleep(0.2)
    assert all(s["session"] != _sid(token) for s in playground_client().call("live"))
    while time.monotonic() < deadline and Path(own[0]).exists():
        time.sleep(0.2)
    assert not Path(own[0]).exists()


def test_a_statement_without_rows_says_what_it_did(client, course):
    _login(client, UserFactory())
    token = _open_lesson(client, 3)
    html = client.post(f"/playground/{token}/run/", {"text": "SELECT 1;\nINSERT INTO pets VALUES (9, 'Kit')"}).content
    assert "Line 2: INSERT 0 1" in html.decode()


def test_the_beat_reaper_brings_a_dead_service_back(db, settings, tmp_path):
    import os
    import signal

    from apps.playground.tasks import reap_expired_playgrounds
    from labs.playground.service import Client

    settings.INDEXED_PLAYGROUND_SOCKET = str(tmp_path / "playground.sock")
    client = Client(settings.INDEXED_PLAYGROUND_SOCKET)
    assert not client.alive()
    reap_expired_playgrounds()
    try:
        assert client.alive()
    finally:
        pid = client.call("ping")["pid"]
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        while client.alive() and time.monotonic() < deadline:
            time.sleep(0.1)
    assert not client.alive()
