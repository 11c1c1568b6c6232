"""On worker start: start the playground service (one per host; a lock decides) and reap
sessions that expired while no worker ran. Neither may stop the worker from grading."""

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
    except Exception:
        log.exception("the playground service could not start")
        return
    try:
        expire_sessions()
    except Exception:
        log.exception("expired playground sessions could not be reaped at worker start")
