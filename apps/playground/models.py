"""A learner's playground sessions (the per-minute limit on runs is counted by the service)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models


def new_token() -> str:
    # The scratch database and role are named after it: lower-case hex only.
    return secrets.token_hex(12)


class PlaygroundSession(models.Model):
    """One learner's scratch copy of one dataset (a lab's seed, or a lesson up to a block)."""

    token = models.CharField(max_length=32, unique=True, default=new_token, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="playgrounds")
    target = models.CharField(max_length=200, help_text="lab:<key> or lesson:<key>:<block>")
    engine = models.CharField(max_length=20)
    title = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "target"], name="one_playground_per_target")]

    def __str__(self) -> str:
        return f"{self.owner} · {self.target}"
