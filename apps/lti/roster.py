"""Names and Role Provisioning: pull an LMS course's member list into its cohort, so an
instructor sees every learner (and can grade them) before each has launched once."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from pylti1p3.exception import LtiException, LtiServiceException
from pylti1p3.names_roles import NamesRolesProvisioningService
from pylti1p3.service_connector import ServiceConnector

from apps.accounts.models import Membership, User
from apps.lti.launch import LaunchRefused, find_or_create_user, role_for
from apps.lti.models import LtiContext
from apps.lti.toolconf import http_session, registration_for


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
