"""pylti1p3 wired to this site's database: the tool configuration comes from ``Platform``
rows and the tool's key from ``ToolKey``; launch state lives in ``LaunchValue`` rows."""

from __future__ import annotations

import json
from datetime import timedelta

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.db import IntegrityError, transaction
from django.utils import timezone
from jwcrypto.jwk import JWK
from pylti1p3.deployment import Deployment
from pylti1p3.exception import LtiException
from pylti1p3.launch_data_storage.cache import CacheDataStorage
from pylti1p3.registration import Registration
from pylti1p3.tool_config.abstract import ToolConfAbstract

from apps.lti.models import LaunchValue, Platform, ToolKey

# Every call to a platform (keys, tokens, scores, rosters) gives up after this long, so a
# hung LMS costs a worker seconds, not its whole time limit.
HTTP_TIMEOUT_SECONDS = 15


class TimeoutSession(requests.Session):
    """requests has no session-wide timeout; pylti1p3 calls ``get``/``post`` without one."""

    def request(self, *args, **kwargs):
        kwargs.setdefault("timeout", HTTP_TIMEOUT_SECONDS)
        return super().request(*args, **kwargs)


def http_session() -> requests.Session:
    session = TimeoutSession()
    session.headers["User-Agent"] = "Indexed-LTI"
    return session


# --------------------------------------------------------------------------- the tool's key


def tool_key() -> ToolKey:
    """The tool's RSA key pair, made on first use and kept. Two processes racing to make it
    may each store one; everyone signs with, and publishes, the oldest."""
    key = ToolKey.objects.order_by("pk").first()
    if key is not None:
        return key
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    kid = JWK.from_pem(public_pem.encode()).thumbprint()
    try:
        with transaction.atomic():
            ToolKey.objects.create(kid=kid, private_pem=private_pem, public_pem=public_pem)
    except IntegrityError:
        pass
    return ToolKey.objects.order_by("pk").first()


def tool_jwks() -> dict:
    key = tool_key()
    jwk = dict(Registration.get_jwk(key.public_pem))
    jwk["kid"] = key.kid
    return {"keys": [jwk]}


# --------------------------------------------------------------------------- registrations


def registration_for(platform: Platform) -> Registration:
    key = tool_key()
    return (
        Registration()
        .set_issuer(platform.issuer)
        .set_client_id(platform.client_id)
        .set_auth_login_url(platform.auth_login_url)
        .set_auth_token_url(platform.auth_token_url)
        .set_auth_audience(platform.auth_audience or None)
        .set_key_set_url(platform.key_set_url)
        .set_tool_private_key(key.private_pem)
        .set_tool_public_key(key.public_pem)
    )


class UnknownPlatform(LtiException):
    pass


class DbToolConf(ToolConfAbstract):
    """One issuer may have several client ids (one per Canvas developer key, say), so every
    lookup goes by (issuer, client_id); a login without a client id picks the only one."""

    def check_iss_has_one_client(self, iss: str) -> bool:
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def find_platform(self, iss: str, client_id: str | None) -> Platform:
        platforms = Platform.objects.filter(issuer=iss, is_active=True)
        if client_id:
            platforms = platforms.filter(client_id=client_id)
        found = list(platforms[:2])
        if len(found) != 1:
            raise UnknownPlatform(
                f"no registered platform has issuer {iss!r}" + (f" and client id {client_id!r}" if client_id else "")
            )
        return found[0]

    def find_registration_by_issuer(self, iss: str, *args, **kwargs) -> Registration:
        return registration_for(self.find_platform(iss, None))

    def find_registration_by_params(self, iss: str, client_id: str, *args, **kwargs) -> Registration:
        return registration_for(self.find_platform(iss, client_id))

    def find_deployment(self, iss: str, deployment_id: str) -> Deployment | None:
        return self.find_deployment_by_params(iss, deployment_id, None)

    def find_deployment_by_params(self, iss: str, deployment_id: str, client_id, *args, **kwargs):
        platform = self.find_platform(iss, client_id)
        if deployment_id not in platform.deployment_ids:
            return None
        return Deployment().set_deployment_id(deployment_id)

    def get_jwks(self, iss=None, client_id=None, **kwargs) -> dict:
        return tool_jwks()


# --------------------------------------------------------------------------- launch storage


class _LaunchValues:
    """The two calls CacheDataStorage makes on a cache, over ``LaunchValue`` rows."""

    def get(self, key: str):
        row = LaunchValue.objects.filter(key=key, expires_at__gt=timezone.now()).first()
        return None if row is None else row.value

    def set(self, key: str, value, exp: int | None) -> None:
        expires_at = timezone.now() + timedelta(seconds=exp or 86400)
        LaunchValue.objects.update_or_create(key=key, defaults={"value": _jsonable(value), "expires_at": expires_at})


def _jsonable(value):
    return json.loads(json.dumps(value, default=str))


class DbLaunchDataStorage(CacheDataStorage):
    """Like pylti1p3's Django cache storage (keys prefixed by a session cookie of its own,
    SameSite=None over HTTPS), with the site database as the cache."""

    _cache = _LaunchValues()


def forget_expired_launch_state() -> None:
    """Drop launch state past its lifetime, and spent nonces once no stored state could make
    them valid again (pylti1p3 keeps a login's nonce for a day)."""
    from apps.lti.models import UsedNonce

    now = timezone.now()
    LaunchValue.objects.filter(expires_at__lte=now).delete()
    UsedNonce.objects.filter(used_at__lt=now - timedelta(days=2)).delete()
