from celery import shared_task

from apps.playground.services import expire_sessions


@shared_task(ignore_result=True)
def reap_expired_playgrounds() -> int:
    """Beat: drop the playground sessions idle past their expiry (the service also drops its
    own on a timer, so a sandbox never outlives its expiry while beat is down)."""
    return expire_sessions()
