"""From the LMS's frame to a window of its own. The site refuses to be framed and its session
cookie (SameSite=Lax) is not kept inside a cross-site frame, so a launch that arrives in an
iframe shows a button opening the activity in a new window through a one-use link that
signs the person in there. The link is random, lives five minutes and works once."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.lti.models import LaunchValue

LIFETIME = timedelta(minutes=5)
PREFIX = "handoff-"


def issue_handoff(user: User, url: str) -> str:
    token = secrets.token_urlsafe(32)
    LaunchValue.objects.create(
        key=PREFIX + token, value={"user": user.pk, "url": url}, expires_at=timezone.now() + LIFETIME
    )
    return token


def redeem_handoff(token: str) -> tuple[User, str] | None:
    """The user and page a handoff link stands for, once; None when used, expired or unknown."""
    with transaction.atomic():
        row = LaunchValue.objects.select_for_update().filter(key=PREFIX + token).first()
        if row is None:
            return None
        row.delete()
    if row.expires_at <= timezone.now():
        return None
    user = User.objects.filter(pk=row.value["user"], is_active=True).first()
    return (user, row.value["url"]) if user else None
