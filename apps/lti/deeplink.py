"""Deep Linking: an instructor picks a lab, exercise or project in the LMS's selection
dialog and we return it, signed, as an LTI resource link with a gradebook column."""

from __future__ import annotations

from pylti1p3.deep_link import DeepLink
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.lineitem import LineItem

from apps.courses.models import Lab, Project
from apps.lti.models import Platform
from apps.lti.passback import PROJECT_POINTS
from apps.lti.toolconf import registration_for

DEEP_LINK_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"


def list_placeable() -> dict[str, list]:
    """What an instructor may place, grouped for the picker."""
    labs = Lab.objects.filter(retired=False).order_by("key")
    return {
        "labs": [lab for lab in labs if lab.kind == Lab.Kind.LAB],
        "exercises": [lab for lab in labs if lab.kind == Lab.Kind.EXERCISE],
        "projects": list(Project.objects.filter(retired=False).order_by("order")),
    }


def find_placeable(choice: str) -> Lab | Project | None:
    """``choice`` is ``lab:<key>`` (labs and exercises) or ``project:<key>``."""
    kind, _, key = (choice or "").partition(":")
    if kind == "lab":
        return Lab.objects.filter(key=key, retired=False).first()
    if kind == "project":
        return Project.objects.filter(key=key, retired=False).first()
    return None


def build_response_jwt(platform: Platform, deployment_id: str, settings: dict, target, launch_url: str) -> str:
    """The signed LtiDeepLinkingResponse placing ``target``; its launches carry custom
    parameters naming it, and its line item the points it is worth."""
    if isinstance(target, Project):
        kind, maximum = "project", PROJECT_POINTS
    else:
        kind, maximum = target.kind, target.points
    lineitem = LineItem().set_score_maximum(maximum).set_label(target.title).set_resource_id(f"{kind}:{target.key}")
    resource = (
        DeepLinkResource()
        .set_url(launch_url)
        .set_title(target.title)
        .set_custom_params({"indexed_kind": kind, "indexed_key": target.key})
        .set_lineitem(lineitem)
    )
    return DeepLink(registration_for(platform), deployment_id, settings).get_response_jwt([resource])
