"""LTI 1.3 rows: the platforms (LMSs) an operator registered, the tool's own key pair, the
short-lived launch state pylti1p3 keeps between the OIDC login and the launch, and what
launches taught us: who a platform's user is here, which cohort an LMS course maps to,
which lab a placement opens and where its grades go."""

from django.conf import settings
from django.db import models

from apps.accounts.models import Cohort
from apps.courses.models import Lab, Project


class Platform(models.Model):
    """One LMS registration: what the LMS administrator gave us when they added the tool."""

    name = models.CharField(max_length=120, help_text="For people: “University Canvas”.")
    issuer = models.URLField(max_length=255, help_text="The platform's issuer (iss), e.g. https://canvas.instructure.com")
    client_id = models.CharField(max_length=255, help_text="The client id the platform gave this tool (aud).")
    auth_login_url = models.URLField(max_length=500, help_text="The platform's OIDC authorization endpoint.")
    auth_token_url = models.URLField(max_length=500, help_text="The platform's OAuth2 token endpoint.")
    auth_audience = models.CharField(
        max_length=500, blank=True, help_text="Audience for token requests, when it is not the token URL."
    )
    key_set_url = models.URLField(max_length=500, help_text="The platform's public keys (JWKS).")
    deployment_ids = models.JSONField(default=list, help_text="Deployment ids this tool accepts launches from.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "client_id"], name="one_platform_per_client")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ToolKey(models.Model):
    """The tool's RSA key pair, made once (``keys.tool_key``). It lives in the site database,
    which is backed up and shared by every web and worker host, never in the repository."""

    kid = models.CharField(max_length=100, unique=True)
    private_pem = models.TextField()
    public_pem = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)


class LaunchValue(models.Model):
    """pylti1p3's launch storage (nonce, state, launch data) in the site database rather than
    the Django session: inside an LMS iframe the session cookie (SameSite=Lax) is not sent on
    the platform's cross-site POST, and a per-process cache would not be shared by workers."""

    key = models.CharField(max_length=255, unique=True)
    value = models.JSONField(null=True)
    expires_at = models.DateTimeField(db_index=True)


class UsedNonce(models.Model):
    """A launch's nonce, kept once it was used: a second launch carrying it is a replay."""

    issuer = models.CharField(max_length=255)
    nonce = models.CharField(max_length=255)
    used_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "nonce"], name="one_use_per_nonce")]


class LtiIdentity(models.Model):
    """A platform's user (``sub`` under its ``iss``) is this site's user."""

    issuer = models.CharField(max_length=255)
    sub = models.CharField(max_length=255)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lti_identities")
    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="identities")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "sub"], name="one_user_per_lms_identity")]


class LtiContext(models.Model):
    """An LMS course (context) under one deployment: one cohort here."""

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="contexts")
    deployment_id = models.CharField(max_length=255)
    context_id = models.CharField(max_length=255)
    title = models.CharField(max_length=255, blank=True)
    cohort = models.OneToOneField(Cohort, on_delete=models.CASCADE, related_name="lti_context")
    # The services the last launch offered: roster (NRPS) and the course's line items (AGS).
    memberships_url = models.URLField(max_length=500, blank=True)
    lineitems_url = models.URLField(max_length=500, blank=True)
    ags_scopes = models.JSONField(default=list, blank=True)
    roster_synced_at = models.DateTimeField(null=True, blank=True)
    # A sync runs in a worker (an LMS may take a minute to page through a large course): when
    # the one in progress was asked for, and what the last one ended with, for the instructor.
    roster_sync_started_at = models.DateTimeField(null=True, blank=True)
    roster_sync_outcome = models.TextField(blank=True)
    roster_sync_failed = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["platform", "deployment_id", "context_id"], name="one_cohort_per_context")
        ]


class ResourceLink(models.Model):
    """A placement in the LMS course: which lab, exercise or project it opens, and the
    gradebook column (line item) its scores go to."""

    context = models.ForeignKey(LtiContext, on_delete=models.CASCADE, related_name="links")
    resource_link_id = models.CharField(max_length=255)
    title = models.CharField(max_length=255, blank=True)
    lab = models.ForeignKey(Lab, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    lineitem_url = models.URLField(max_length=500, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["context", "resource_link_id"], name="one_row_per_link")]

    def __str__(self) -> str:
        return self.title or self.resource_link_id

    @property
    def activity_title(self) -> str:
        target = self.lab or self.project
        return target.title if target else str(self)


class Passback(models.Model):
    """The latest score of one learner on one placement, and whether the LMS has it."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    link = models.ForeignKey(ResourceLink, on_delete=models.CASCADE, related_name="passbacks")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lti_passbacks")
    score = models.FloatField(help_text="0 to 1")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["link", "user"], name="one_passback_per_learner_link")]
        ordering = ["link_id", "user_id"]
