import os
from pathlib import Path

from celery import shared_task
from django.conf import settings

from apps.playground.services import expire_sessions, playground_client


@shared_task(ignore_result=True)
def reap_expired_playgrounds() -> int:
    """Beat: drop the playground sessions idle past their expiry (the service also drops its
    own on a timer, so a sandbox never outlives its expiry while beat is down), and bring the
    service back if it died: its start reaps what the dead one left."""
    if os.environ.get("INDEXED_PLAYGROUND", "on") != "off" and not playground_client().alive():
        from labs.playground.service import start_service

        # Tied to the worker's main process (our parent in a prefork pool), not to this child,
        # which the pool may replace at any time.
        start_service(Path(settings.INDEXED_PLAYGROUND_SOCKET), parent=os.getppid())
    return expire_sessions()
