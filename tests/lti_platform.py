"""A small LMS for the LTI tests: its own RSA key, signed id_tokens, and a real HTTP server
(a thread on a free port) serving what a tool calls on a platform: the key set (JWKS), the
OAuth2 token endpoint (client-credentials with a signed JWT assertion, checked against the
tool's published keys), line-item score endpoints (AGS) and a membership list (NRPS).
It records every request, and can be told to answer a given status to scores."""

from __future__ import annotations

import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwcrypto.jwk import JWK

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
TEACHING_ASSISTANT = "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
AGS_SCOPES = [
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
]
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"


def new_rsa_key() -> tuple[str, str]:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    return private_pem, public_pem


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict
    body: bytes


@dataclass
class TestPlatform:
    __test__ = False  # a helper, not a test class

    client_id: str = "indexed-tool-1"
    deployment_id: str = "deployment-1"
    context_id: str = "course-42"
    tool_jwks: dict | None = None  # the tool's published keys, as the LMS admin pasted its JWKS URL
    score_status: int = 200  # what the score endpoint answers
    members: list[dict] = field(default_factory=list)
    members_status: int = 200  # what the membership (roster) endpoint answers
    requests: list[Recorded] = field(default_factory=list)
    scores: list[dict] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.private_pem, self.public_pem = new_rsa_key()
        self.kid = "platform-key-" + secrets.token_hex(4)
        self.tokens: set[str] = set()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ addresses

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def auth_login_url(self) -> str:
        return self.issuer + "/auth"

    @property
    def token_url(self) -> str:
        return self.issuer + "/token"

    @property
    def jwks_url(self) -> str:
        return self.issuer + "/jwks"

    @property
    def memberships_url(self) -> str:
        return f"{self.issuer}/courses/{self.context_id}/memberships"

    def lineitem_url(self, item: str = "1") -> str:
        return f"{self.issuer}/courses/{self.context_id}/lineitems/{item}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # ------------------------------------------------------------------ keys and tokens

    def jwks(self) -> dict:
        key = JWK.from_pem(self.public_pem.encode()).export_public(as_dict=True)
        return {"keys": [{**key, "kid": self.kid, "alg": "RS256", "use": "sig"}]}

    def claims(
        self,
        *,
        nonce: str,
        sub: str = "lms-user-1",
        roles: list[str] | None = None,
        message_type: str = "LtiResourceLinkRequest",
        custom: dict | None = None,
        resource_link_id: str = "link-1",
        lineitem: str | None = None,
        sis_id: str | None = None,
        **overrides,
    ) -> dict:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.client_id,
            "sub": sub,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            "given_name": "Ada",
            "family_name": "Lovelace",
            "email": f"{sub}@lms.example",
            LTI + "version": "1.3.0",
            LTI + "message_type": message_type,
            LTI + "deployment_id": self.deployment_id,
            LTI + "roles": roles if roles is not None else [LEARNER],
            LTI + "target_link_uri": "http://testserver/lti/launch/",
            LTI + "context": {"id": self.context_id, "label": "DB101", "title": "Databases 101"},
            "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice": {
                "context_memberships_url": self.memberships_url,
                "service_versions": ["2.0"],
            },
            "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": {
                "scope": AGS_SCOPES,
                "lineitems": f"{self.issuer}/courses/{self.context_id}/lineitems",
                **({"lineitem": lineitem} if lineitem else {}),
            },
        }
        if message_type == "LtiResourceLinkRequest":
            claims[LTI + "resource_link"] = {"id": resource_link_id, "title": "Placed activity"}
        else:
            claims["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"] = {
                "deep_link_return_url": self.issuer + "/deep_link_return",
                "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["window"],
                "data": "opaque-platform-data",
            }
        if custom:
            claims[LTI + "custom"] = custom
        if sis_id:
            claims[LTI + "lis"] = {"person_sourcedid": sis_id}
        claims.update(overrides)
        return claims

    def sign(self, claims: dict, *, private_pem: str | None = None, kid: str | None = None) -> str:
        return jwt.encode(claims, private_pem or self.private_pem, algorithm="RS256", headers={"kid": kid or self.kid})

    def verify_tool_jwt(self, token: str, *, audience: str) -> dict:
        """Check a JWT the tool signed (a deep-linking response, a token request) against the
        tool's published keys; raises jwt.InvalidTokenError when it does not verify."""
        assert self.tool_jwks, "give the platform the tool's JWKS first"
        kid = jwt.get_unverified_header(token).get("kid")
        for key in self.tool_jwks["keys"]:
            if key.get("kid") == kid:
                public = JWK(**key).export_to_pem().decode()
                return jwt.decode(token, public, algorithms=["RS256"], audience=audience)
        raise jwt.InvalidTokenError(f"no tool key with kid {kid!r}")

    # ------------------------------------------------------------------ the platform's side of a launch

    def authorize(self, redirect_location: str, **claim_args) -> dict:
        """What the platform does with the tool's OIDC redirect: check it, sign an id_token
        for the nonce it carries, and return the form it would post to the launch URL."""
        query = {k: v[0] for k, v in parse_qs(urlparse(redirect_location).query).items()}
        assert redirect_location.startswith(self.auth_login_url), redirect_location
        assert query["client_id"] == self.client_id and query["response_type"] == "id_token"
        token = self.sign(self.claims(nonce=query["nonce"], **claim_args))
        return {"id_token": token, "state": query["state"], "_redirect_uri": query["redirect_uri"]}

    # ------------------------------------------------------------------ HTTP

    def handle(self, method: str, path: str, headers: dict, body: bytes) -> tuple[int, dict | None]:
        self.requests.append(Recorded(method, path, headers, body))
        if method == "GET" and path == "/jwks":
            return 200, self.jwks()
        if method == "POST" and path == "/token":
            return self._token(parse_qs(body.decode()))
        bearer = headers.get("Authorization", "").removeprefix("Bearer ")
        if bearer not in self.tokens:
            return 401, {"error": "invalid_token"}
        if method == "POST" and path.endswith("/scores"):
            if self.score_status != 200:
                return self.score_status, {"error": "the gradebook is down"}
            self.scores.append({"lineitem": self.issuer + path.removesuffix("/scores"), **json.loads(body)})
            return 200, {}
        if method == "GET" and path.startswith(urlparse(self.memberships_url).path):
            if self.members_status != 200:
                return self.members_status, {"error": "the roster service is down"}
            return 200, {
                "id": self.memberships_url,
                "context": {"id": self.context_id, "title": "Databases 101"},
                "members": self.members,
            }
        return 404, {"error": "not found"}

    def _token(self, form: dict) -> tuple[int, dict]:
        form = {k: v[0] for k, v in form.items()}
        if form.get("grant_type") != "client_credentials":
            return 400, {"error": "unsupported_grant_type"}
        try:
            claims = self.verify_tool_jwt(form["client_assertion"], audience=self.token_url)
        except (KeyError, jwt.InvalidTokenError) as exc:
            return 401, {"error": "invalid_client", "error_description": str(exc)}
        if claims["iss"] != self.client_id:
            return 401, {"error": "invalid_client"}
        token = uuid.uuid4().hex
        self.tokens.add(token)
        return 200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600, "scope": form.get("scope")}


def _handler_for(platform: TestPlatform):
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            status, payload = platform.handle(self.command, self.path, dict(self.headers), body)
            data = json.dumps(payload).encode() if payload is not None else b""
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _serve

        def log_message(self, *args) -> None:  # quiet test output
            pass

    return Handler


# ---------------------------------------------------------------------- driving the tool


def register(platform: TestPlatform, client, **fields):
    """Register the platform with the tool (as the operator's page does) and hand the tool's
    published key set to the platform (as the LMS administrator does with its JWKS URL)."""
    from apps.lti.models import Platform

    row = Platform.objects.create(
        name="Test LMS",
        issuer=platform.issuer,
        client_id=platform.client_id,
        auth_login_url=platform.auth_login_url,
        auth_token_url=platform.token_url,
        key_set_url=platform.jwks_url,
        deployment_ids=[platform.deployment_id],
        **fields,
    )
    platform.tool_jwks = client.get("/lti/jwks/").json()
    return row


def start_login(platform: TestPlatform, client, *, secure: bool = False):
    """The platform starts a third-party initiated login; returns the tool's answer."""
    scheme = "https" if secure else "http"
    return client.get(
        "/lti/login/",
        {
            "iss": platform.issuer,
            "login_hint": "opaque-user-hint",
            "target_link_uri": f"{scheme}://testserver/lti/launch/",
            "client_id": platform.client_id,
            "lti_deployment_id": platform.deployment_id,
        },
        secure=secure,
    )


def launch(platform: TestPlatform, client, *, tamper=None, secure: bool = False, headers=None, **claim_args):
    """A whole launch as a browser makes it: login initiation, the platform's authorization
    (a signed id_token for the tool's nonce), and the form post to the launch URL.
    ``tamper(form)`` may change the posted form first (a forged or replayed token)."""
    answer = start_login(platform, client, secure=secure)
    assert answer.status_code == 302, answer.content
    form = platform.authorize(answer["Location"], **claim_args)
    form.pop("_redirect_uri")
    if tamper:
        form = tamper(form)
    return client.post("/lti/launch/", form, secure=secure, headers=headers or {})
