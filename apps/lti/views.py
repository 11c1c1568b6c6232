"""LTI endpoints (login, launch, JWKS, deep linking) and the pages around them. Views are
thin: pylti1p3 verifies, apps.lti.launch/passback/roster/deeplink act.

Framing: the site forbids it everywhere (X-Frame-Options DENY, frame-ancestors 'none').
Only the deep-linking pages, which LMSs show in a dialog, allow the platform's origin;
a launch lands on ordinary pages, so placements open in a new window (see the README)."""

from __future__ import annotations

import logging
from urllib.parse import urlparse

import jwt
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth import login
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from pylti1p3.contrib.django import DjangoMessageLaunch, DjangoOIDCLogin
from pylti1p3.exception import LtiException

from apps.accounts.access import access_cohort_as_instructor
from apps.accounts.models import User
from apps.lti import deeplink, handoff, passback, roster
from apps.lti.forms import PlatformForm
from apps.lti.launch import DEPLOYMENT_CLAIM, ROLES_CLAIM, LaunchRefused, provision_launch, role_for
from apps.lti.models import LtiContext, Passback, Platform
from apps.lti.toolconf import DbLaunchDataStorage, DbToolConf, forget_expired_launch_state, http_session, tool_jwks

log = logging.getLogger(__name__)

# pylti1p3's messages, by what they mean for the person who clicked the link.
REFUSALS = [
    ("has expired", "The launch from your LMS has expired. Go back to the course and open the activity again."),
    ("not yet valid", "The launch was dated more than a minute in the future: the LMS's clock and this "
     "server's disagree. Ask the administrator to check that both keep time (NTP), then open the activity again."),
    ("signature", "The launch could not be verified: it was not signed by the LMS this tool is registered with."),
    ("public key", "The launch could not be verified: it was signed with a key the LMS does not publish."),
    ("error during fetch", "The LMS's public keys could not be fetched to verify the launch; try again shortly."),
    ("no registered platform", "This tool is not registered for that LMS (unknown issuer or client id)."),
    ("deployment", "This tool is not set up for that LMS deployment (unknown deployment id)."),
    ("nonce", "This launch was already used or did not start here. Open the activity again from your LMS."),
    ("state", "This launch did not start in this browser (missing or wrong state). Open it again from your LMS; "
     "inside an LMS frame the tool needs HTTPS so its cookies reach it."),
]


def refuse(request: HttpRequest, reason: str, detail: str = "", status: int = 403) -> HttpResponse:
    """The reason a launch was refused. It may show inside the LMS's frame (from any origin:
    the refusing launch may come from an unknown one), so a person sees why, not a blank
    frame; it offers nothing to click that acts for them."""
    response = render(request, "lti/refused.html", {"reason": reason, "detail": detail}, status=status)
    response.xframe_options_exempt = True
    response._csp_replace = {"frame-ancestors": ["*"]}
    return response


def explain(exc: Exception) -> str:
    text = str(exc).lower()
    for needle, reason in REFUSALS:
        if needle in text:
            return reason
    return "The launch from your LMS could not be accepted."


def _absolute(request: HttpRequest, name: str, *args) -> str:
    return request.build_absolute_uri(reverse(name, args=args))


@require_GET
def jwks(request: HttpRequest) -> JsonResponse:
    return JsonResponse(tool_jwks())


@csrf_exempt  # the platform starts the login (GET or POST) from its own origin: no token exists
def oidc_login(request: HttpRequest) -> HttpResponse:
    """Third-party initiated login: a plain 302 to the platform (no script, so no CSP
    exception), which posts the id_token back to the launch URL."""
    forget_expired_launch_state()  # a cheap indexed DELETE; logins are rare next to page views
    launch_url = request.GET.get("target_link_uri") or request.POST.get("target_link_uri")
    if not launch_url or urlparse(launch_url).netloc != request.get_host():
        launch_url = _absolute(request, "lti:launch")
    try:
        login_request = DjangoOIDCLogin(request, DbToolConf(), launch_data_storage=DbLaunchDataStorage())
        return login_request.redirect(launch_url)
    except LtiException as exc:
        log.info("LTI login refused: %s", exc)
        return refuse(request, explain(exc), str(exc), status=400 if "could not find" in str(exc).lower() else 403)


# How far the LMS's clock may be from ours. PyLTI1p3 checks iat and exp with no leeway, so a
# platform whose clock runs two seconds ahead had every launch refused as "not yet valid (iat)".
# A minute is what OpenID Connect libraries commonly allow; the nonce still stops replays.
CLOCK_SKEW_SECONDS = 60


class SkewTolerantLaunch(DjangoMessageLaunch):
    """PyLTI1p3's launch, with the id_token's times checked with CLOCK_SKEW_SECONDS of leeway."""

    def validate_jwt_signature(self) -> SkewTolerantLaunch:
        public_key, algorithm = self.get_public_key()
        try:
            jwt.decode(self._get_id_token(), public_key, algorithms=[algorithm], leeway=CLOCK_SKEW_SECONDS,
                       options=self._jwt_verify_options)
        except jwt.InvalidTokenError as exc:
            raise LtiException(f"Can't decode id_token: {exc}") from exc
        return self


@csrf_exempt  # the platform's form post; the signed id_token, state and nonce protect it
@require_POST
def launch(request: HttpRequest) -> HttpResponse:
    tool_conf = DbToolConf()
    message_launch = SkewTolerantLaunch(
        request, tool_conf, launch_data_storage=DbLaunchDataStorage(), requests_session=http_session()
    )
    try:
        claims = message_launch.get_launch_data()
    except LtiException as exc:
        log.info("LTI launch refused: %s", exc)
        status = 400 if "missing" in str(exc).lower() or "jwt format" in str(exc).lower() else 403
        return refuse(request, explain(exc), str(exc), status=status)
    platform = tool_conf.find_platform(claims["iss"], message_launch.get_client_id())
    deep_link = message_launch.is_deep_link_launch()
    if deep_link and role_for(claims.get(ROLES_CLAIM) or []) != User.Role.INSTRUCTOR:
        return refuse(request, "Only an instructor can place Indexed activities in a course.")
    try:
        landing = provision_launch(platform, claims)
    except LaunchRefused as exc:
        return refuse(request, str(exc))
    if request.headers.get("Sec-Fetch-Dest") == "iframe" and not deep_link:
        # Inside the LMS's frame: this site cannot be shown there, so offer a window of its own.
        token = handoff.issue_handoff(landing.user, landing.url)
        response = render(request, "lti/open_in_window.html", {"token": token, "platform": platform})
        response.xframe_options_exempt = True
        return _frame_for_platform(response, platform.issuer)
    login(request, landing.user, backend="django.contrib.auth.backends.ModelBackend")
    if deep_link:
        return redirect("lti:deep_link", launch_id=message_launch.get_launch_id())
    return redirect(landing.url)


@require_GET
def continue_launch(request: HttpRequest, token: str) -> HttpResponse:
    """The one-use link from a framed launch, opened in its own window."""
    found = handoff.redeem_handoff(token)
    if found is None:
        return refuse(request, "This link was already used or has expired. Open the activity again from your LMS.")
    user, url = found
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect(url)


def _frame_for_platform(response: HttpResponse, platform_url: str, *, form_target: str = "") -> HttpResponse:
    """Let the platform show this page in its dialog (and post the answer back to it)."""
    response._csp_replace = {"frame-ancestors": [_origin(platform_url)]}
    if form_target:
        response._csp_update = {"form-action": [_origin(form_target)]}
    return response


def _origin(url: str) -> str:
    parts = urlparse(url)
    return f"{parts.scheme}://{parts.netloc}"


def _restore_deep_link(request: HttpRequest, launch_id: str):
    tool_conf = DbToolConf()
    try:
        message_launch = DjangoMessageLaunch.from_cache(
            launch_id, request, tool_conf, launch_data_storage=DbLaunchDataStorage(), requests_session=http_session()
        )
    except LtiException:
        raise Http404("This placement dialog has expired; open it again from the LMS.") from None
    claims = message_launch.get_launch_data()
    if not message_launch.is_deep_link_launch() or role_for(claims.get(ROLES_CLAIM) or []) != User.Role.INSTRUCTOR:
        raise Http404("Not a placement dialog")
    platform = tool_conf.find_platform(claims["iss"], message_launch.get_client_id())
    return platform, claims


# The picker is reached by the launch id (a random secret in the URL, bound to this browser
# by pylti1p3's session cookie over HTTPS): inside the LMS frame the site's own session and
# CSRF cookies (SameSite=Lax) are not sent, so they cannot protect it.
@csrf_exempt
@xframe_options_exempt
def deep_link(request: HttpRequest, launch_id: str) -> HttpResponse:
    platform, claims = _restore_deep_link(request, launch_id)
    settings = claims[deeplink.DEEP_LINK_CLAIM]
    if request.method == "POST":
        target = deeplink.find_placeable(request.POST.get("choice", ""))
        if target is None:
            messages.error(request, "Choose a lab, an exercise or a project to place.")
        else:
            token = deeplink.build_response_jwt(
                platform, claims[DEPLOYMENT_CLAIM], settings, target, _absolute(request, "lti:launch")
            )
            response = render(
                request,
                "lti/deep_link_return.html",
                {"return_url": settings["deep_link_return_url"], "jwt": token, "target": target},
            )
            return _frame_for_platform(response, platform.issuer, form_target=settings["deep_link_return_url"])
    response = render(request, "lti/deep_link.html", {"placeable": deeplink.list_placeable(), "platform": platform})
    return _frame_for_platform(response, platform.issuer)


# --------------------------------------------------------------------------- instructor


def _context_for(request: HttpRequest, cohort_id: int) -> LtiContext:
    cohort = access_cohort_as_instructor(request.user, cohort_id)
    context = LtiContext.objects.select_related("platform", "cohort").filter(cohort=cohort).first()
    if context is None:
        raise Http404("This cohort does not come from an LMS")
    return context


def cohort_lms(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """The grades sent to the LMS for this cohort, each pending, sent or failed."""
    context = _context_for(request, cohort_id)
    rows = Passback.objects.filter(link__context=context).select_related("user", "link__lab", "link__project")
    counts = {status: rows.filter(status=status).count() for status in Passback.Status.values}
    syncing = roster.sync_in_progress(context)
    return render(request, "lti/cohort.html", {"context": context, "passbacks": rows, "counts": counts,
                                               "syncing": syncing})


@require_POST
def cohort_sync_roster(request: HttpRequest, cohort_id: int) -> HttpResponse:
    context = _context_for(request, cohort_id)
    if roster.request_roster_sync(context):
        messages.info(request, "Roster sync started: this page shows what it found when it is done.")
    else:
        messages.info(request, "A roster sync for this course is already under way.")
    return redirect("lti:cohort", cohort_id=cohort_id)


def cohort_roster_status(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """The roster line of the LMS page, which polls it while a sync runs."""
    context = _context_for(request, cohort_id)
    return render(request, "lti/_roster_status.html", {"context": context, "syncing": roster.sync_in_progress(context)})


@require_POST
def cohort_retry_passbacks(request: HttpRequest, cohort_id: int) -> HttpResponse:
    context = _context_for(request, cohort_id)
    count = passback.retry_passbacks(context.cohort_id)
    messages.success(request, f"{count} score(s) queued to be sent again.")
    return redirect("lti:cohort", cohort_id=cohort_id)


# --------------------------------------------------------------------------- operator


@staff_member_required
def tool_config(request: HttpRequest) -> HttpResponse:
    urls = {
        "login": _absolute(request, "lti:login"),
        "launch": _absolute(request, "lti:launch"),
        "deep_link": _absolute(request, "lti:launch"),
        "jwks": _absolute(request, "lti:jwks"),
    }
    return render(request, "lti/config.html", {"urls": urls, "platforms": Platform.objects.all()})


@staff_member_required
def platform_edit(request: HttpRequest, platform_id: int | None = None) -> HttpResponse:
    platform = get_object_or_404(Platform, pk=platform_id) if platform_id else None
    form = PlatformForm(request.POST or None, instance=platform)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        messages.success(request, f"Platform “{saved.name}” saved.")
        return redirect("lti:config")
    return render(request, "lti/platform_form.html", {"form": form, "platform": platform})
