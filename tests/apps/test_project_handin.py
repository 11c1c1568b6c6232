"""Handing a project in through the site: uploads and zips checked before anything is kept
(limits, unsafe paths, zip bombs), every version kept and numbered, late against the
cohort's deadline or the learner's extension, downloadable only by the learner and their
instructor. The test course's project has no grading.toml, so hand-ins are kept ungraded."""

import io
import zipfile
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.accounts.models import Membership
from apps.courses.models import Project
from apps.dashboard.models import ProjectPolicy
from apps.projects.handins import MAX_FILE_BYTES, HandinLimits, HandinRefused, read_zip
from apps.projects.models import Handin, ProjectExtension
from tests.apps.factories import CohortFactory, InstructorFactory, UserFactory

pytestmark = pytest.mark.django_db


def make_zip(entries: dict[str, bytes], *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


@pytest.fixture
def project(synced_course):
    return Project.objects.get(key="proj-one")


@pytest.fixture
def learner(client):
    user = UserFactory(username="ada")
    client.force_login(user)
    return user


def upload(client, project, *files, paths=None):
    data = {"files": list(files)}
    if paths is not None:
        import json

        data["relative_paths"] = json.dumps(paths)
    return client.post(f"/projects/{project.key}/handin/", data, follow=True)


def page_text(response) -> str:
    return response.content.decode()


def test_several_files_become_version_1_and_a_zip_version_2_keeping_its_folders(client, project, learner):
    response = upload(
        client,
        project,
        SimpleUploadedFile("schema.sql", b"CREATE TABLE t (id int);"),
        SimpleUploadedFile("DESIGN.md", b"# Design"),
    )
    assert "Handed in version 1 (2 files)" in page_text(response)
    archive = make_zip(
        {
            "my-project/schema.sql": b"CREATE TABLE t (id int primary key);",
            "my-project/queries/q1.sql": b"SELECT 1;",
            "my-project/.DS_Store": b"junk",
        }
    )
    response = upload(client, project, SimpleUploadedFile("project.zip", archive))
    assert "Handed in version 2 (2 files)" in page_text(response)
    v1, v2 = Handin.objects.filter(learner=learner).order_by("version")
    assert sorted(f.path for f in v1.files.all()) == ["DESIGN.md", "schema.sql"]
    # The zip's one top folder is taken off; the sub-folder stays; the OS junk is dropped.
    assert sorted(f.path for f in v2.files.all()) == ["queries/q1.sql", "schema.sql"]
    assert v2.source == "zip" and v1.files.count() == 2  # version 1 untouched


def test_a_folder_upload_keeps_sub_folders_from_the_pages_relative_paths(client, project, learner):
    upload(
        client,
        project,
        SimpleUploadedFile("q1.sql", b"SELECT 1;"),
        SimpleUploadedFile("schema.sql", b"--"),
        paths=["shop/queries/q1.sql", "shop/schema.sql"],
    )
    assert sorted(Handin.objects.get().files.values_list("path", flat=True)) == ["queries/q1.sql", "schema.sql"]


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        ({"/etc/passwd": b"x"}, "absolute path"),
        ({"../../outside.sql": b"x"}, "outside your project folder"),
        ({"a/../../b.sql": b"x"}, "outside your project folder"),
        ({f"f{i}.sql": b"x" for i in range(101)}, "at most 100"),
        ({"big.sql": b"x" * (MAX_FILE_BYTES + 1)}, "a file may be at most"),
    ],
)
def test_unsafe_or_oversized_zips_are_refused_with_the_reason_and_keep_the_previous_version(
    client, project, learner, entries, expected
):
    upload(client, project, SimpleUploadedFile("schema.sql", b"-- v1"))
    response = upload(client, project, SimpleUploadedFile("bad.zip", make_zip(entries)))
    text = page_text(response)
    assert expected in text and "your previous version is unchanged" in text
    assert list(Handin.objects.values_list("version", flat=True)) == [1]


def test_a_zip_bomb_is_refused_before_it_is_inflated(client, project, learner):
    bomb = make_zip({"bomb.sql": b"\0" * 900_000})  # ~1000:1, under the file limit
    text = page_text(upload(client, project, SimpleUploadedFile("bomb.zip", bomb)))
    assert "zip bomb" in text and not Handin.objects.exists()


def test_a_zip_whose_header_lies_about_its_size_is_refused_while_reading():
    data = bytearray(make_zip({"a.sql": b"A" * 5000}, compression=zipfile.ZIP_STORED))
    # Shrink the declared size in both headers to 10 bytes; the real data is 5000.
    data = bytes(data).replace((5000).to_bytes(4, "little"), (10).to_bytes(4, "little"))
    with pytest.raises(HandinRefused) as refused:
        read_zip(data, HandinLimits(max_file_bytes=100))
    # zipfile stops at the declared size and the checksum then fails: refused, with the file named.
    assert refused.value.problems[0].startswith("a.sql ")


def test_not_a_zip_and_an_empty_upload_are_refused_in_words(client, project, learner):
    assert "not a zip archive" in page_text(upload(client, project, SimpleUploadedFile("x.zip", b"hello")))
    assert "has no files" in page_text(client.post(f"/projects/{project.key}/handin/", {}, follow=True))
    assert not Handin.objects.exists()


def test_the_editor_makes_a_new_version_from_the_previous_one(client, project, learner):
    upload(
        client,
        project,
        SimpleUploadedFile("schema.sql", b"CREATE TABLE t (id int);"),
        SimpleUploadedFile("notes.md", b"old notes"),
    )
    page = page_text(client.get(f"/projects/{project.key}/editor/"))
    assert "CREATE TABLE t (id int);" in page and "Starting from version 1" in page
    response = client.post(
        f"/projects/{project.key}/editor/",
        {
            "path-0": "notes.md",
            "file-0": "old notes",
            "delete": ["notes.md"],
            "path-1": "schema.sql",
            "file-1": "CREATE TABLE t (id int PRIMARY KEY);",
            "new_path": "queries/q1.sql",
            "new_content": "SELECT 1;",
        },
        follow=True,
    )
    assert "Handed in version 2" in page_text(response)
    v2 = Handin.objects.get(version=2)
    assert {f.path: bytes(f.content) for f in v2.files.all()} == {
        "queries/q1.sql": b"SELECT 1;",
        "schema.sql": b"CREATE TABLE t (id int PRIMARY KEY);",
    }
    assert Handin.objects.get(version=1).files.count() == 2
    bad = client.post(
        f"/projects/{project.key}/editor/", {"new_path": "../escape.sql", "new_content": "x"}, follow=True
    )
    assert "outside your project folder" in page_text(bad) and Handin.objects.count() == 2


def test_the_same_form_sent_twice_hands_in_once(client, project, learner):
    token = "6d1f7f3e-3d0c-4c36-9d59-8d7b0f0f2a11"
    for _ in range(2):
        client.post(
            f"/projects/{project.key}/handin/",
            {"files": [SimpleUploadedFile("schema.sql", b"--")], "client_token": token},
        )
    assert Handin.objects.count() == 1


def test_lateness_follows_the_cohort_deadline_and_the_learners_extension(client, project, learner):
    teacher = InstructorFactory()
    cohort = CohortFactory(instructor=teacher)
    Membership.objects.create(cohort=cohort, user=learner)
    ProjectPolicy.objects.create(cohort=cohort, project=project, due_at=timezone.now() - timedelta(hours=1))
    upload(client, project, SimpleUploadedFile("schema.sql", b"--"))
    page = page_text(client.get(f"/projects/{project.key}/"))
    assert '<span class="late">late</span>' in page
    client.force_login(teacher)
    later = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    client.post(
        f"/teach/cohorts/{cohort.pk}/learners/{learner.pk}/projects/{project.key}/extension/",
        {"due_at": later, "reason": "ill"},
    )
    assert ProjectExtension.objects.get().reason == "ill"
    client.force_login(learner)
    page = page_text(client.get(f"/projects/{project.key}/"))
    assert "your extension" in page and '<span class="late">late</span>' not in page
    client.force_login(teacher)
    client.post(f"/teach/cohorts/{cohort.pk}/learners/{learner.pk}/projects/{project.key}/extension/", {"due_at": ""})
    client.force_login(learner)
    assert '<span class="late">late</span>' in page_text(client.get(f"/projects/{project.key}/"))


def test_only_the_learner_and_their_instructor_can_download_a_version(client, project, learner):
    upload(client, project, SimpleUploadedFile("schema.sql", b"CREATE TABLE secret (id int);"))
    own = client.get(f"/projects/{project.key}/handins/1/download/")
    assert own.status_code == 200 and own["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(own.content)).namelist()
    assert names == ["proj-one-v1/schema.sql"]

    teacher = InstructorFactory()
    cohort = CohortFactory(instructor=teacher)
    Membership.objects.create(cohort=cohort, user=learner)
    client.force_login(teacher)
    url = f"/teach/cohorts/{cohort.pk}/learners/{learner.pk}/projects/{project.key}/handins/1.zip"
    assert client.get(url).status_code == 200

    client.force_login(UserFactory(username="mallory"))  # another learner: her own URL has no version 1
    assert client.get(f"/projects/{project.key}/handins/1/download/").status_code == 404
    assert client.get(f"/projects/{project.key}/handins/1/").status_code == 404
    other_teacher = InstructorFactory()
    client.force_login(other_teacher)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(f"/projects/{project.key}/handins/1/download/").status_code == 302  # to the login page


def test_the_project_page_shows_milestones_and_the_last_handin(client, project, learner):
    project.body += "\n## Milestones\n\n1. **Sketch (2 h).** Draw it.\n2. **Build (3.5 h).** Make it.\n"
    project.save()
    upload(client, project, SimpleUploadedFile("schema.sql", b"--"))
    page = page_text(client.get(f"/projects/{project.key}/"))
    assert '<strong>Sketch</strong> <span class="muted">(2 h)</span>' in page
    assert '<strong>Build</strong> <span class="muted">(3.5 h)</span>' in page
    assert "version 1</a>" in page and "graded by your instructor only" in page


def test_an_upload_over_the_cap_is_discarded_as_it_arrives_and_refused_in_words(client, project, learner):
    upload(client, project, SimpleUploadedFile("schema.sql", b"-- v1"))
    huge = SimpleUploadedFile("dump.sql", b"x" * 7_000_000)
    text = page_text(upload(client, project, huge))
    assert "The upload is over 6 MB" in text and "your previous version is unchanged" in text
    assert list(Handin.objects.values_list("version", flat=True)) == [1]


def test_a_folder_of_too_many_files_is_refused_by_count(client, project, learner):
    files = [SimpleUploadedFile(f"f{i}.sql", b"--") for i in range(120)]
    text = page_text(upload(client, project, *files))
    assert "You chose 120 files; at most 100 are accepted." in text and not Handin.objects.exists()


def test_the_upload_still_needs_the_csrf_token(project, learner):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(learner)
    response = strict.post(f"/projects/{project.key}/handin/", {"files": [SimpleUploadedFile("a.sql", b"--")]})
    assert response.status_code == 403 and not Handin.objects.exists()


def test_the_editor_keeps_binary_files_and_leading_blank_lines(client, project, learner):
    png = b"\x89PNG\r\n\x1a\n\0\0binary"
    upload(client, project, SimpleUploadedFile("erd.png", png), SimpleUploadedFile("notes.md", b"\n\nafter two blanks"))
    page = page_text(client.get(f"/projects/{project.key}/editor/"))
    assert "A binary file" in page
    # What a browser sends back: the binary file has no textarea, the text one comes back as shown.
    client.post(
        f"/projects/{project.key}/editor/",
        {"path-0": "erd.png", "path-1": "notes.md", "file-1": "\r\n\r\nafter two blanks"},
    )
    v2 = {f.path: bytes(f.content) for f in Handin.objects.get(version=2).files.all()}
    assert v2 == {"erd.png": png, "notes.md": b"\n\nafter two blanks"}
    assert 'aria-label="notes.md">\n\n\nafter two blanks</textarea>' in page  # the parser eats one newline only
