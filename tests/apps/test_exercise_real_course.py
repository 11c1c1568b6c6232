"""Every exercise of the real course (curriculum/exercises, written by several authors) syncs
and its page renders for a new learner: the question, the locked first hint, no hint text and
no explained answer. No grading here: tests/curriculum/test_labs.py proves the answers."""

from pathlib import Path

import pytest
from django.utils.html import escape

from apps.courses.models import Lab
from apps.courses.services import sync_curriculum
from tests.apps.factories import UserFactory

pytestmark = pytest.mark.django_db

CURRICULUM = Path(__file__).resolve().parents[2] / "curriculum"


def test_every_exercise_page_renders_with_locked_hints_and_no_explanation(client, settings):
    settings.CURRICULUM_DIR = CURRICULUM
    sync_curriculum(CURRICULUM)
    exercises = list(Lab.objects.filter(kind=Lab.Kind.EXERCISE, retired=False).select_related("lesson"))
    if not exercises:
        pytest.skip("the course has no exercise yet")
    client.force_login(UserFactory())
    lessons_seen = set()
    for lab in exercises:
        assert lab.lesson is not None, f"{lab.key} names no lesson"
        response = client.get(f"/labs/{lab.key}/")
        assert response.status_code == 200, lab.key
        page = response.content.decode()
        assert f"Hint 1 of {len(lab.hints)} unlocks after 1 more graded attempt" in page, lab.key
        shown = [hint for hint in lab.hints if hint in page or escape(hint) in page]
        assert not shown, f"{lab.key}: a hint shows before it is unlocked"
        assert 'class="prose"' not in page.split('id="explanation-heading"')[1], f"{lab.key}: explanation shown"
        assert "The worked answer and its reasoning appear here once" in page, lab.key
        if lab.lesson.key not in lessons_seen:
            lessons_seen.add(lab.lesson.key)
            lesson_page = client.get(f"/lessons/{lab.lesson.key}/").content.decode()
            assert f'href="/labs/{lab.key}/"' in lesson_page.split('id="practice-heading"')[1], lab.key
    listing = client.get("/labs/").content.decode()
    assert all(f'href="/labs/{lab.key}/"' in listing for lab in exercises)
