"""What a validated LTI launch does here: find or make the user (by the platform's ``sub``),
the cohort of the LMS course, the learner's membership, the placement; and where to land.

Every function takes the launch's claims (a dict pylti1p3 already verified); none talks to
the platform. ``provision_launch`` runs in one transaction, so a refused or failed launch
leaves nothing behind."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.urls import reverse

from apps.accounts.models import Cohort, Membership, User
from apps.courses.models import Lab, Project
from apps.lti.models import LtiContext, LtiIdentity, Platform, ResourceLink, UsedNonce

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
DEPLOYMENT_CLAIM = CLAIM + "deployment_id"
ROLES_CLAIM = CLAIM + "roles"
CONTEXT_CLAIM = CLAIM + "context"
LINK_CLAIM = CLAIM + "resource_link"
CUSTOM_CLAIM = CLAIM + "custom"
LIS_CLAIM = CLAIM + "lis"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"

# Course (membership) roles that teach here; TeachingAssistant is a sub-role of Instructor
# (membership/Instructor#TeachingAssistant). Institution roles say what someone is elsewhere
# (a lecturer taking a course is a learner in it), so of those only Administrator counts.
TEACHING_ROLE_SUFFIXES = ("#Instructor", "#TeachingAssistant", "#Administrator", "#ContentDeveloper")
TEACHING_SHORT_ROLES = {"Instructor", "TeachingAssistant", "Administrator", "ContentDeveloper"}


class LaunchRefused(Exception):
    """A launch we will not act on; the message is for the person who clicked the link."""


def role_for(roles: list[str]) -> str:
    """The site role an LMS role list maps to: a teaching role in the course, or the LMS's
    administrator, makes an instructor; anyone else is a learner."""
    for role in roles or []:
        if "/membership" in role or "#" not in role:
            teaches = role in TEACHING_SHORT_ROLES or role.endswith(TEACHING_ROLE_SUFFIXES)
        else:  # institution/person#... or system/person#...
            teaches = role.endswith("#Administrator")
        if teaches:
            return User.Role.INSTRUCTOR
    return User.Role.LEARNER


def consume_nonce(issuer: str, nonce: str) -> None:
    """Record that this nonce was used; a second launch with it is a replay."""
    try:
        with transaction.atomic():
            UsedNonce.objects.create(issuer=issuer, nonce=nonce)
    except IntegrityError:
        raise LaunchRefused(
            "This launch was already used. Go back to your course and open the activity again."
        ) from None


def _username_for(issuer: str, sub: str) -> str:
    # Stable and unique per LMS identity; the person's name is shown, not this.
    return "lti-" + hashlib.sha256(f"{issuer}\n{sub}".encode()).hexdigest()[:20]


def _user_fields(claims: dict) -> dict:
    return {
        "first_name": (claims.get("given_name") or "")[:150],
        "last_name": (claims.get("family_name") or "")[:150],
        "email": (claims.get("email") or "")[:254],
    }


def set_lms_ids(user: User, lms_id: str, sis_id: str | None, *, authoritative: bool = False) -> None:
    """Fill the account's LMS ids (used by the CSV exports). The LTI ``sub`` fills an empty
    ``lms_user_id`` only, so an id the instructor typed (or Canvas's own user id, sent as the
    custom parameter ``canvas_user_id``) is never replaced by it; an ``authoritative`` id
    (that Canvas id) always wins."""
    changed = []
    if lms_id and user.lms_user_id != lms_id and (authoritative or not user.lms_user_id):
        user.lms_user_id = lms_id[: User._meta.get_field("lms_user_id").max_length]
        changed.append("lms_user_id")
    if sis_id and user.sis_user_id != sis_id:
        user.sis_user_id = sis_id[: User._meta.get_field("sis_user_id").max_length]
        changed.append("sis_user_id")
    if changed:
        user.save(update_fields=changed)


def canvas_user_id(claims: dict) -> str | None:
    """Canvas's numeric user id, when the placement sends ``canvas_user_id=$Canvas.user.id``:
    the id Canvas's gradebook import matches on (the LTI ``sub`` is an opaque other id)."""
    value = str((claims.get(CUSTOM_CLAIM) or {}).get("canvas_user_id") or "").strip()
    return value if value.isdigit() else None


def find_or_create_user(platform: Platform, sub: str, role: str, person: dict) -> User:
    """The site account of a platform user, made on their first launch (or roster sync).
    A teaching role promotes an existing learner account; a learner role never demotes."""
    identity = LtiIdentity.objects.select_related("user").filter(issuer=platform.issuer, sub=sub).first()
    if identity is None:
        user = User(username=_username_for(platform.issuer, sub), role=role, **_user_fields(person))
        user.set_unusable_password()  # they sign in through the LMS
        user.save()
        LtiIdentity.objects.create(issuer=platform.issuer, sub=sub, user=user, platform=platform)
    else:
        user = identity.user
        if not user.is_active:
            raise LaunchRefused("Your account on this site has been disabled; ask the site's operator.")
        updates = {k: v for k, v in _user_fields(person).items() if v and getattr(user, k) != v}
        if role == User.Role.INSTRUCTOR and user.role != role:
            updates["role"] = role
        if updates:
            for name, value in updates.items():
                setattr(user, name, value)
            user.save(update_fields=list(updates))
    sis_id = (person.get(LIS_CLAIM) or {}).get("person_sourcedid") or person.get("lis_person_sourcedid")
    canvas_id = canvas_user_id(person)
    set_lms_ids(user, canvas_id or sub, sis_id, authoritative=canvas_id is not None)
    return user


def placeholder_instructor(platform: Platform) -> User:
    """A cohort needs an instructor; until a real one launches, an inactive stand-in holds
    the place (and is replaced by the first instructor who launches)."""
    user, _ = User.objects.get_or_create(
        username=f"lti-platform-{platform.pk}",
        defaults={"role": User.Role.INSTRUCTOR, "is_active": False, "first_name": platform.name[:150]},
    )
    return user


def find_or_create_context(platform: Platform, deployment_id: str, claims: dict, teacher: User | None) -> LtiContext:
    context_claim = claims.get(CONTEXT_CLAIM) or {}
    context_id = context_claim.get("id") or f"deployment:{deployment_id}"
    title = context_claim.get("title") or context_claim.get("label") or "LMS course"
    context = LtiContext.objects.select_related("cohort").filter(
        platform=platform, deployment_id=deployment_id, context_id=context_id
    ).first()
    if context is None:
        cohort = Cohort.objects.create(
            name=f"{title} ({platform.name})"[:120], instructor=teacher or placeholder_instructor(platform)
        )
        context = LtiContext.objects.create(
            platform=platform, deployment_id=deployment_id, context_id=context_id, title=title[:255], cohort=cohort
        )
    elif teacher is not None and not context.cohort.instructor.is_active:
        Cohort.objects.filter(pk=context.cohort_id).update(instructor=teacher)
    elif teacher is not None and teacher.pk != context.cohort.instructor_id:
        # The course's other instructors and teaching assistants share the cohort.
        context.cohort.co_instructors.add(teacher)
    ags = claims.get(AGS_CLAIM) or {}
    nrps = claims.get(NRPS_CLAIM) or {}
    context.memberships_url = nrps.get("context_memberships_url") or context.memberships_url
    context.lineitems_url = ags.get("lineitems") or context.lineitems_url
    context.ags_scopes = ags.get("scope") or context.ags_scopes
    context.title = title[:255]
    context.save(update_fields=["memberships_url", "lineitems_url", "ags_scopes", "title"])
    return context


def find_target(custom: dict) -> Lab | Project | None:
    """The lab, exercise or project a placement opens: custom parameters ``indexed_kind``
    (lab, exercise or project) and ``indexed_key`` (its id in the course files)."""
    kind = (custom or {}).get("indexed_kind", "")
    key = (custom or {}).get("indexed_key", "")
    if not key:
        return None
    if kind == "project":
        target = Project.objects.filter(key=key, retired=False).first()
    else:
        target = Lab.objects.filter(key=key, retired=False).first()
    if target is None:
        raise LaunchRefused(
            f"This link opens “{key}”, which this Indexed site does not have (or no longer has). "
            "Ask your instructor to place the activity again."
        )
    return target


def target_url(target: Lab | Project | None) -> str:
    if isinstance(target, Project):
        return reverse("courses:project", args=[target.key])
    if isinstance(target, Lab):
        return reverse("grading:lab", args=[target.key])
    return reverse("courses:map")


def record_link(context: LtiContext, claims: dict, target) -> ResourceLink | None:
    link_claim = claims.get(LINK_CLAIM) or {}
    if not link_claim.get("id"):
        return None
    ags = claims.get(AGS_CLAIM) or {}
    link, _ = ResourceLink.objects.get_or_create(context=context, resource_link_id=link_claim["id"])
    link.title = (link_claim.get("title") or link.title)[:255]
    link.lineitem_url = ags.get("lineitem") or link.lineitem_url
    if isinstance(target, Lab):
        link.lab, link.project = target, None
    elif isinstance(target, Project):
        link.lab, link.project = None, target
    link.save()
    return link


@dataclass
class Landing:
    user: User
    context: LtiContext
    link: ResourceLink | None
    url: str


def provision_launch(platform: Platform, claims: dict) -> Landing:
    """Act on a verified resource-link or deep-linking launch. Refuses (LaunchRefused) a
    replayed nonce or a missing target before creating anything; all or nothing."""
    sub = claims.get("sub")
    if not sub:
        raise LaunchRefused("The LMS did not say who you are (anonymous launch); this tool needs a signed-in user.")
    deployment_id = claims[DEPLOYMENT_CLAIM]
    with transaction.atomic():
        consume_nonce(platform.issuer, claims["nonce"])
        target = find_target(claims.get(CUSTOM_CLAIM) or {})
        role = role_for(claims.get(ROLES_CLAIM) or [])
        user = find_or_create_user(platform, sub, role, claims)
        teacher = user if role == User.Role.INSTRUCTOR else None
        context = find_or_create_context(platform, deployment_id, claims, teacher)
        if role == User.Role.LEARNER:
            Membership.objects.get_or_create(cohort=context.cohort, user=user)
        link = record_link(context, claims, target)
    url = target_url(target)
    if target is None and role == User.Role.INSTRUCTOR:
        # A course-level link opened by an instructor: their cohort's LMS page (roster, grades sent).
        url = reverse("lti:cohort", args=[context.cohort_id])
    return Landing(user=user, context=context, link=link, url=url)
