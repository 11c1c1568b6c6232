"""The playground in a real browser: a lesson's Try it opens the example on the lesson's data,
Run shows the result table, the schema is drawn; a lab's Explore the data works too."""

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from apps.courses.services import sync_curriculum
from tests.apps.factories import PASSWORD, UserFactory
from tests.conftest import FIXTURE_LABS
from tests.course_builder import lesson_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PETS = (
    "```sql runnable\nCREATE TABLE owners (id int PRIMARY KEY, name text NOT NULL);\n"
    "CREATE TABLE pets (id int PRIMARY KEY, name text, owner_id int REFERENCES owners (id));\n"
    "INSERT INTO owners VALUES (1, 'Ada');\nINSERT INTO pets VALUES (1, 'Rex', 1), (2, 'Tom', 1);\n```\n\n"
    "```sql runnable\nSELECT p.name AS pet, o.name AS owner\n"
    "FROM pets p JOIN owners o ON o.id = p.owner_id ORDER BY p.id;\n```\n\n"
)


@pytest.fixture
def service(tmp_path, settings):
    socket_path = tmp_path / "playground.sock"
    process = subprocess.Popen(
        [sys.executable, "-m", "labs.playground", "serve", "--socket", str(socket_path)],
        cwd=Path(__file__).resolve().parents[2],
    )
    deadline = time.monotonic() + 15
    while not socket_path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    settings.INDEXED_PLAYGROUND_SOCKET = str(socket_path)
    yield socket_path
    process.terminate()
    process.wait(timeout=30)


@pytest.fixture
def learner_page(live_server, synced_course, service, page):
    lesson = synced_course / "modules/rel/lessons/03-pets.md"
    lesson.write_text(lesson_text("rel-pets", "Pets", 2, 3, ["write-sql"], extra=PETS))
    shutil.copytree(FIXTURE_LABS, synced_course / "labs")
    sync_curriculum(synced_course)
    user = UserFactory(username="player")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    return page


def test_try_it_runs_the_lesson_example_and_shows_the_schema(live_server, learner_page):
    page = learner_page
    page.goto(f"{live_server.url}/lessons/rel-pets/")
    page.get_by_role("link", name="Try it").nth(2).click()  # the JOIN example, third runnable block
    page.get_by_role("heading", name="Pets · example 3", level=1).wait_for()
    assert "JOIN owners" in page.locator(".cm-content").inner_text()  # the example is in the editor
    page.get_by_role("button", name="Run", exact=True).click()
    table = page.locator("#playground-result table.playground-table")
    table.wait_for()
    assert table.locator("thead th").all_text_contents() == ["pet", "owner"]
    assert table.locator("tbody tr").first.locator("td").all_inner_texts() == ["Rex", "Ada"]
    assert "Ran in" in page.locator(".playground-timing").inner_text()

    diagram = page.locator("#playground-schema svg.schema-diagram")
    diagram.wait_for()
    assert diagram.locator("g.schema-table").count() == 2
    assert diagram.locator("line.schema-link").count() == 1  # pets.owner_id -> owners.id
    assert diagram.is_visible()

    # the editor completes the lesson's table names from the schema
    page.locator(".cm-content").click()
    page.keyboard.press("Control+End")
    page.keyboard.type("\nSELECT * FROM ow")
    page.locator(".cm-tooltip-autocomplete").get_by_text("owners").wait_for()
    page.keyboard.press("Enter")  # take the completion
    assert "SELECT * FROM owners" in page.locator(".cm-content").inner_text()

    page.get_by_role("button", name="EXPLAIN").click()  # the plan of the last statement, as a tree
    page.locator("#playground-result .plan-view").wait_for()
    assert page.locator("#playground-result .plan-label").all_inner_texts() == ["Seq Scan on owners"]


def test_explore_the_data_from_a_lab_page(live_server, learner_page):
    page = learner_page
    page.goto(f"{live_server.url}/labs/site-orders-per-customer/")
    page.get_by_role("link", name="Explore the data").click()
    page.locator(".cm-content").click()
    page.keyboard.press("Control+A")
    page.keyboard.type("SELECT name FROM customers ORDER BY name")
    page.keyboard.press("Control+Enter")
    page.locator("#playground-result table.playground-table").wait_for()
    names = page.locator("#playground-result tbody td").all_inner_texts()
    assert names == ["Ada", "Brian", "Chen"]  # the seed, never the hidden data


COURSE_LABS = Path(__file__).resolve().parents[1] / "fixtures" / "course" / "labs"


@pytest.mark.parametrize(
    ("lab_folder", "lab_key", "query", "expected", "note"),
    [
        ("redis-leaderboard", "redis-weekly-leaderboard", "ZRANGE points:mon 0 0", '["dave"]', None),
        (
            "mongo-aggregation",
            "mongo-spend-per-customer",
            '{"collection": "orders", "find": {"customer": "cy"}, "projection": {"_id": 0, "total": 1}}',
            "40",
            "emulated engine",
        ),
    ],
    ids=["redis", "mongo"],
)
def test_a_query_on_each_other_engine(
    live_server, learner_page, synced_course, lab_folder, lab_key, query, expected, note
):
    page = learner_page
    shutil.copytree(COURSE_LABS / lab_folder, synced_course / "labs" / lab_folder)
    sync_curriculum(synced_course)
    page.goto(f"{live_server.url}/labs/{lab_key}/")
    page.get_by_role("link", name="Explore the data").click()
    if note:
        assert note in page.locator(".note.emulated").inner_text()  # the page says Mongo is emulated
    page.locator("#playground-schema .schema-table-detail").first.wait_for()  # keys / collections listed
    page.locator(".cm-content").click()
    page.keyboard.press("Control+A")
    page.keyboard.type(query)
    page.get_by_role("button", name="Run", exact=True).click()
    page.locator("#playground-result table.playground-table").wait_for()
    assert expected in page.locator("#playground-result tbody").inner_text()


def test_a_mysql_example_runs_on_mariadb(live_server, learner_page):
    from apps.courses.models import Lesson

    Lesson.objects.filter(key="kv-redis").update(
        body="Intro\n\n```mysql runnable\nCREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10));\n"
        "INSERT INTO t VALUES (1, 'one'), (2, 'two');\n```\n\n```mysql runnable\nSELECT v FROM t ORDER BY id;\n```\n"
    )
    page = learner_page
    page.goto(f"{live_server.url}/lessons/kv-redis/")
    page.get_by_role("link", name="Try it").nth(1).click()
    page.get_by_role("button", name="Run", exact=True).click()
    page.locator("#playground-result table.playground-table").wait_for()
    assert page.locator("#playground-result tbody td").all_inner_texts() == ["one", "two"]
    page.get_by_role("button", name="EXPLAIN").click()  # MariaDB's plan (estimates) as a tree too
    page.locator("#playground-result .plan-view").wait_for()
    labels = page.locator("#playground-result .plan-label").all_inner_texts()
    assert labels[0] == "Query block" and labels[1].startswith("Table t: "), labels
