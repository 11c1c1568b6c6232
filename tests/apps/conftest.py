"""Fixtures shared by the site's tests."""

import shutil

import pytest

from tests.conftest import FIXTURE_LABS


@pytest.fixture
def lab(synced_course):
    """The fixture course's SQL lab (site-orders-per-customer), synced into the site: a real lab
    folder, so grading, versions and regrades see its files. A module may define its own."""
    from apps.courses.models import Lab
    from apps.courses.services import sync_curriculum

    shutil.copytree(FIXTURE_LABS, synced_course / "labs")
    sync_curriculum(synced_course)
    return Lab.objects.get(key="site-orders-per-customer")
