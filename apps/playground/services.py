"""Playground services: open a learner's session on a lab's seed or a lesson's blocks, run
text in it, reset it, and expire what has been idle. Views call only these.

The scratch areas live in the playground service (``labs.playground.service``), which the
Celery worker starts; the site reaches it through a Unix socket in its private ``var/``
directory and never starts a sandbox itself.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.courses.loader import extract_code_blocks
from apps.courses.models import Lab, Lesson
from apps.playground.models import PlaygroundSession
from labs.playground.common import Dataset, PlaygroundError
from labs.playground.common import RateLimited as ServiceRateLimited
from labs.playground.service import Client

# lesson block language -> playground engine
LESSON_ENGINES = {"sql": "postgres", "redis": "redis", "mysql": "mariadb"}
# one server answering queries: the topologies a scratch copy can hold
LAB_ENGINES = {
    ("postgres", "database"),
    ("postgres", "readonly"),
    ("redis", "standalone"),
    ("mongo", "standalone"),
    ("mariadb", "database"),
}
EDITOR_LANGUAGE = {"postgres": "sql", "mariadb": "sql", "redis": "redis", "mongo": "mongo"}


# A row's expiry is written at most this often, so it may lag the last run by as much: rows
# count as expired only that long after it. The service, which sees every run, removes the
# sandbox at the exact expiry; a row that outlives it only names a session to start afresh.
TOUCH_EVERY = timedelta(seconds=60)


class RateLimited(Exception):
    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


class NotPlayable(Exception):
    """The lab or lesson block has no playground (an engine or topology we cannot scratch)."""


def ttl_seconds() -> int:
    return int(getattr(settings, "INDEXED_PLAYGROUND_TTL_SECONDS", 15 * 60))


def service_id(session: PlaygroundSession) -> str:
    """The name the service knows the session by, and its scratch database and role are named
    after (visible to other learners in pg_database): a hash of the page's token, never the
    token itself."""
    return hashlib.sha256(session.token.encode()).hexdigest()[:24]


def playground_client() -> Client:
    return Client(Path(settings.INDEXED_PLAYGROUND_SOCKET))


# --------------------------------------------------------------------------- datasets


@dataclass(frozen=True)
class LessonBlock:
    number: int  # 1-based among the lesson's runnable blocks, as rendering numbers them
    engine: str
    code: str


def list_lesson_blocks(lesson: Lesson) -> list[LessonBlock]:
    """The lesson's ``sql|redis|mysql runnable`` blocks, numbered as the Try it buttons are."""
    blocks = []
    for block in extract_code_blocks(lesson.body):
        if block.language in LESSON_ENGINES and block.flags == ("runnable",):
            blocks.append(LessonBlock(len(blocks) + 1, LESSON_ENGINES[block.language], block.code))
    return blocks


def lesson_dataset(lesson: Lesson, number: int) -> tuple[Dataset, str]:
    """The data a lesson's block runs on (its earlier runnable blocks on the same engine), and
    the block's own text for the editor."""
    blocks = list_lesson_blocks(lesson)
    if not 1 <= number <= len(blocks):
        raise NotPlayable(f"{lesson.title} has no runnable example number {number}")
    chosen = blocks[number - 1]
    earlier = tuple(b.code for b in blocks[: number - 1] if b.engine == chosen.engine)
    label = f"{lesson.title}, before example {number}"
    return Dataset(chosen.engine, earlier, label, kind="lesson"), chosen.code


def lab_is_playable(lab: Lab) -> bool:
    return (lab.engine, lab.topology) in LAB_ENGINES


def lab_dataset(lab: Lab) -> Dataset:
    """A lab's seed only (setup.sql, seed.redis, seed.json): never its hidden data."""
    from apps.grading.services import load_lab_spec

    if not lab_is_playable(lab):
        raise NotPlayable(f"{lab.title} runs on a {lab.engine} {lab.topology}, which has no playground")
    spec = load_lab_spec(lab)
    return Dataset(lab.engine, (spec.seed or "",), f"{lab.title} (the lab's own data)")


def session_dataset(session: PlaygroundSession) -> Dataset:
    kind, _, rest = session.target.partition(":")
    if kind == "lab":
        return lab_dataset(Lab.objects.get(key=rest))
    key, _, number = rest.rpartition(":")
    return lesson_dataset(Lesson.objects.get(key=key), int(number))[0]


# --------------------------------------------------------------------------- sessions


def _open(user, target: str, engine: str, title: str) -> PlaygroundSession:
    now = timezone.now()
    expires = now + timedelta(seconds=ttl_seconds())
    session = PlaygroundSession.objects.filter(owner=user, target=target).first()
    if session is not None and session.expires_at + TOUCH_EVERY <= now:
        drop_session(session)  # expired: a fresh one, from the dataset again
        session = None
    if session is None:
        _make_room(user)
        try:
            with transaction.atomic():
                session = PlaygroundSession.objects.create(
                    owner=user, target=target, engine=engine, title=title, last_used_at=now, expires_at=expires
                )
        except IntegrityError:  # the same learner opened it twice at once
            session = PlaygroundSession.objects.get(owner=user, target=target)
    return session


def _make_room(user) -> None:
    """A learner keeps at most INDEXED_PLAYGROUND_SESSIONS_PER_LEARNER scratch copies: opening
    one more drops the one used least recently (each is a database or a server of its own)."""
    keep = int(getattr(settings, "INDEXED_PLAYGROUND_SESSIONS_PER_LEARNER", 3))
    sessions = list(PlaygroundSession.objects.filter(owner=user).order_by("-last_used_at"))
    for session in sessions[max(0, keep - 1) :]:
        drop_session(session)


def open_lab_playground(user, lab: Lab) -> PlaygroundSession:
    lab_dataset(lab)  # refuses labs without a playground
    return _open(user, f"lab:{lab.key}", lab.engine, lab.title)


def open_lesson_playground(user, lesson: Lesson, number: int) -> tuple[PlaygroundSession, str]:
    dataset, code = lesson_dataset(lesson, number)
    session = _open(user, f"lesson:{lesson.key}:{number}", dataset.engine, f"{lesson.title} · example {number}")
    return session, code


def _touch(session: PlaygroundSession) -> None:
    """Push the session's expiry on, writing the row at most once per TOUCH_EVERY."""
    now = timezone.now()
    expires = now + timedelta(seconds=ttl_seconds())
    if session.expires_at is not None and expires - session.expires_at < TOUCH_EVERY:
        return
    session.last_used_at, session.expires_at = now, expires
    PlaygroundSession.objects.filter(pk=session.pk).update(last_used_at=now, expires_at=expires)


def runs_per_minute() -> int:
    return int(getattr(settings, "INDEXED_PLAYGROUND_RUNS_PER_MINUTE", 30))


def _call(op: str, session: PlaygroundSession, **fields) -> dict:
    """One request for ``session`` to the service, which also counts it against the learner's
    per-minute limit (the service sees every run of this host: no row per query here)."""
    try:
        return playground_client().call(
            op,
            session=service_id(session),
            dataset=session_dataset(session).to_dict(),
            ttl=ttl_seconds(),
            owner=f"{session.owner_id}:{session.owner.username}",
            limit=runs_per_minute(),
            **fields,
        )
    except ServiceRateLimited as exc:
        raise RateLimited(
            f"You ran {exc.count} queries in the last minute; the playground allows {exc.limit} a minute. "
            f"Try again in {exc.retry_after} s.",
            exc.retry_after,
        ) from None


def run_in_session(session: PlaygroundSession, text: str, explain: bool = False) -> dict:
    result = _call("run", session, text=text, explain=explain)
    _touch(session)
    return result


def read_schema(session: PlaygroundSession) -> dict:
    result = _call("schema", session)  # catalog reads and samples: counted like a run
    _touch(session)
    return result


def reset_session(session: PlaygroundSession) -> None:
    _call("reset", session)  # a reset rebuilds the data: it counts as a run
    _touch(session)


def drop_session(session: PlaygroundSession) -> None:
    try:
        playground_client().call("drop", session=service_id(session))
    except PlaygroundError:
        pass  # the service is down: its sessions went with it
    session.delete()


def expire_sessions() -> int:
    """Drop every session past its expiry, in the service and here; how many."""
    expired = list(PlaygroundSession.objects.filter(expires_at__lte=timezone.now() - TOUCH_EVERY))
    for session in expired:
        drop_session(session)
    try:
        playground_client().call("reap")
    except PlaygroundError:
        pass
    return len(expired)
