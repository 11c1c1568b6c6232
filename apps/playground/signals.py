"""On worker start: start the playground service (one per host; a lock decides) and reap
sessions that expired while no worker ran."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from celery.signals import worker_ready
from django.conf import settings

log = logging.getLogger(__name__)


@worker_ready.connect
def start_playground(**_: object) -> None:
    if os.environ.get("INDEXED_PLAYGROUND", "on") == "off":
        return
    from apps.playground.services import expire_sessions
    from labs.playground.service import start_service

    try:
        start_service(Path(settings.INDEXED_PLAYGROUND_SOCKET))
        expire_sessions()
    except Exception:  # grading must go on without the playground
        log.exception("the playground service could not start")
