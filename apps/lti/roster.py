"""Names and Role Provisioning: pull an LMS course's member list into its cohort, so an
instructor sees every learner (and can grade them) before each has launched once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from pylti1p3.exception import LtiException, LtiServiceException
from pylti1p3.names_roles import NamesRolesProvisioningService
from pylti1p3.service_connector import ServiceConnector

from apps.accounts.models import Membership, User
from apps.lti.launch import LaunchRefused, find_or_create_user, role_for
from apps.lti.models import LtiContext
from apps.lti.toolconf import http_session, registration_for

# A sync asked for longer ago than this and not finished died with its worker: another may start.
SYNC_GIVEN_UP_AFTER = timedelta(minutes=10)


class RosterUnavailable(Exception):
    """The roster could not be read; the message says why, for the instructor."""


@dataclass
class RosterSync:
    added: int
    already: int
    instructors: int
    skipped: int


def fetch_members(context: LtiContext) -> list[dict]:
    if not context.memberships_url:
        raise RosterUnavailable(
            "The LMS did not offer its roster service on the last launch from this course. "
            "Turn on Names and Role Provisioning for the tool in the LMS, then launch once more."
        )
    connector = ServiceConnector(registration_for(context.platform), http_session())
    service = NamesRolesProvisioningService(connector, {"context_memberships_url": context.memberships_url})
    try:
        return service.get_members()
    except LtiServiceException as exc:
        raise RosterUnavailable(f"The LMS refused the roster request ({exc.response.status_code}).") from exc
    except (LtiException, OSError, ValueError) as exc:  # unreachable, or an answer that is not JSON
        raise RosterUnavailable(f"Could not reach the LMS for its roster: {exc}") from exc


def sync_roster(context: LtiContext) -> RosterSync:
    """Make an account for every active member and a membership for every learner.
    Nobody is removed: a learner who left the LMS course keeps their history here."""
    members = fetch_members(context)
    added = already = instructors = skipped = 0
    with transaction.atomic():
        for member in members:
            if not member.get("user_id") or member.get("status", "Active") != "Active":
                skipped += 1
                continue
            role = role_for(member.get("roles") or [])
            person = {k: member.get(k) for k in ("given_name", "family_name", "email")}
            person["lis_person_sourcedid"] = member.get("lis_person_sourcedid")
            try:
                user = find_or_create_user(context.platform, member["user_id"], role, person)
            except LaunchRefused:  # an account disabled here stays out
                skipped += 1
                continue
            if role == User.Role.INSTRUCTOR:
                instructors += 1
                continue
            _, created = Membership.objects.get_or_create(cohort=context.cohort, user=user)
            added, already = added + created, already + (not created)
        LtiContext.objects.filter(pk=context.pk).update(roster_synced_at=timezone.now())
    return RosterSync(added=added, already=already, instructors=instructors, skipped=skipped)


def sync_in_progress(context: LtiContext) -> bool:
    started = context.roster_sync_started_at
    return started is not None and timezone.now() - started < SYNC_GIVEN_UP_AFTER


def request_roster_sync(context: LtiContext) -> bool:
    """Queue a sync for a worker; False when one is already under way for this course."""
    from apps.lti.tasks import sync_roster_task

    with transaction.atomic():
        locked = LtiContext.objects.select_for_update().get(pk=context.pk)
        if sync_in_progress(locked):
            return False
        LtiContext.objects.filter(pk=context.pk).update(roster_sync_started_at=timezone.now())
        transaction.on_commit(lambda: sync_roster_task.delay(context.pk), robust=True)
    return True


def run_roster_sync(context_id: int) -> None:
    """The worker's half: sync, then record what happened in words the instructor reads."""
    context = LtiContext.objects.select_related("platform", "cohort").filter(pk=context_id).first()
    if context is None:
        return  # the course was deleted meanwhile
    failed = False
    try:
        result = sync_roster(context)
        outcome = (
            f"{result.added} learner(s) added, {result.already} already here, "
            f"{result.instructors} instructor(s), {result.skipped} inactive or disabled skipped."
        )
    except RosterUnavailable as exc:
        outcome, failed = str(exc), True
    LtiContext.objects.filter(pk=context_id).update(
        roster_sync_started_at=None, roster_sync_outcome=outcome, roster_sync_failed=failed
    )
