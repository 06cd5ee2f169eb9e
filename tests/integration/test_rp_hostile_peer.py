"""The relying party against a hostile or broken OpenID provider (a real HTTP
server on loopback, tests/support/hostile.py): whatever the token endpoint,
JWKS, discovery document or userinfo endpoint answers, the browser gets a
page, never a 500, and a sign-in that fails leaves no user, identity link,
token row or signed-in session behind.

Each case starts a sign-in at /auth/login, lets the provider answer as a
working one would, breaks one answer, then comes back to the callback.
"""
from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from oryauth.client import discovery
from oryauth.client.models import RelyingPartyTokens
from oryauth.models import IdentityLink
from tests.support.hostile import Answer, HostileProvider

pytestmark = pytest.mark.django_db

TEN_MB = 10 * 1024 * 1024


@dataclass(frozen=True)
class SignIn:
    """The sign-in in progress the provider answers for."""

    client_id: str
    nonce: str
    state: str
    subject: str


Breakage = Callable[[HostileProvider, SignIn], None]


def token_fields(**fields: Any) -> Breakage:
    """The token endpoint answers a working answer with `fields` changed (None removes one)."""
    def apply(provider: HostileProvider, sign_in: SignIn) -> None:
        answer = provider.token_answer(client_id=sign_in.client_id, nonce=sign_in.nonce, subject=sign_in.subject)
        answer |= fields
        provider.answers["/oauth2/token"] = Answer.json({k: v for k, v in answer.items() if v is not None})
    return apply


def token_json_text(replace: str, by: str) -> Breakage:
    """The working token answer with text replaced in its JSON (for 1e400, NaN)."""
    def apply(provider: HostileProvider, sign_in: SignIn) -> None:
        text = json.dumps(provider.token_answer(client_id=sign_in.client_id, nonce=sign_in.nonce, subject=sign_in.subject))
        provider.answers["/oauth2/token"] = Answer.raw_json(text.replace(replace, by))
    return apply


def id_token_claims(**claims: Any) -> Breakage:
    """A validly signed ID token with `claims` changed."""
    def apply(provider: HostileProvider, sign_in: SignIn) -> None:
        changed = dict(claims)
        nonce = changed.pop("nonce", sign_in.nonce)
        token = provider.id_token(client_id=sign_in.client_id, nonce=nonce, subject=sign_in.subject, **changed)
        token_fields(id_token=token)(provider, sign_in)
    return apply


def answers(path: str, answer: Answer) -> Breakage:
    def apply(provider: HostileProvider, sign_in: SignIn) -> None:
        provider.answers[path] = answer
    return apply


def jwks_keys(*keys: Any) -> Breakage:
    return answers("/.well-known/jwks.json", Answer.json({"keys": list(keys)}))


def malformed_right_kid_key(**damage: Any) -> Breakage:
    def apply(provider: HostileProvider, sign_in: SignIn) -> None:
        jwks_keys({**provider.public_jwk(), **damage})(provider, sign_in)
    return apply


def discovery_fields(**fields: Any) -> Breakage:
    def apply(provider: HostileProvider, sign_in: SignIn) -> None:
        document = {**provider.discovery_document(), **fields}
        provider.answers["/.well-known/openid-configuration"] = Answer.json({k: v for k, v in document.items() if v is not None})
    return apply


TOKEN = "/oauth2/token"
JWKS = "/.well-known/jwks.json"
DISCOVERY = "/.well-known/openid-configuration"
USERINFO = "/userinfo"

# name -> (breakage, whether the sign-in still completes)
CALLBACK_CASES: dict[str, tuple[Breakage, bool]] = {
    # The token endpoint's answer.
    "expires_in 1e400": (token_json_text('"expires_in": 3600', '"expires_in": 1e400'), False),
    "expires_in NaN": (token_json_text('"expires_in": 3600', '"expires_in": NaN'), False),
    "expires_in 10**30 (clamped)": (token_fields(expires_in=10**30), True),
    "expires_in negative": (token_fields(expires_in=-1), False),
    "expires_in a word": (token_fields(expires_in="soon"), False),
    "expires_in a list": (token_fields(expires_in=[3600]), False),
    "expires_in missing": (token_fields(expires_in=None), True),
    "no access_token": (token_fields(access_token=None), False),
    "access_token a number": (token_fields(access_token=12345), False),
    "access_token non-ASCII (hashed for at_hash)": (
        lambda p, s: token_fields(access_token="ät", id_token=p.id_token(
            client_id=s.client_id, nonce=s.nonce, subject=s.subject, at_hash="x"))(p, s), False),
    "no id_token": (token_fields(id_token=None), False),
    "id_token garbage": (token_fields(id_token="not.a.jwt"), False),
    "id_token a number": (token_fields(id_token=7), False),
    "refresh_token a list": (token_fields(refresh_token=["x"]), False),
    "token answer not JSON": (answers(TOKEN, Answer(body=b"<html>hello</html>", content_type="text/html")), False),
    "token answer a JSON list": (answers(TOKEN, Answer.json(["access_token"])), False),
    "token answer a JSON string": (answers(TOKEN, Answer.json("access_token")), False),
    "token answer empty": (answers(TOKEN, Answer(body=b"")), False),
    "token answer truncated": (answers(TOKEN, Answer(body=b'{"access_token": "x", "exp', declared_length=4096)), False),
    "token answer 10 MB of spaces": (answers(TOKEN, Answer(body=b" " * TEN_MB)), False),
    "token answer 10 MB string": (answers(TOKEN, Answer.json({"access_token": "a" * TEN_MB})), False),
    "token answer 10 MB of nested brackets": (answers(TOKEN, Answer(body=b"[" * TEN_MB)), False),
    "token endpoint 500": (answers(TOKEN, Answer(status=500, body=b"boom")), False),
    "token endpoint 400, error a number": (answers(TOKEN, Answer.json({"error": 5, "error_description": []}, status=400)), False),
    "token endpoint 400, HTML": (answers(TOKEN, Answer(status=400, body=b"<h1>no</h1>", content_type="text/html")), False),
    "token endpoint 302 elsewhere": (answers(TOKEN, Answer(status=302, headers={"Location": "http://evil.example/"})), False),
    "token answer JSON as text/plain": (
        lambda p, s: answers(TOKEN, Answer.json(p.token_answer(client_id=s.client_id, nonce=s.nonce, subject=s.subject),
                                                content_type="text/plain"))(p, s), True),
    # Claims of a validly signed ID token.
    "sub an object": (id_token_claims(sub={"id": 1}), False),
    "sub 300 characters": (id_token_claims(sub="s" * 300), False),
    "sub empty": (id_token_claims(sub=""), False),
    "aud a number": (id_token_claims(aud=5), False),
    "azp a list": (id_token_claims(azp=["x"]), False),
    "exp a string": (id_token_claims(exp="tomorrow"), False),
    "exp 1e300": (id_token_claims(exp=1e300), False),
    "iat 10**30": (id_token_claims(iat=10**30), False),
    "nonce a list": (id_token_claims(nonce=["n"]), False),
    "at_hash a number": (id_token_claims(at_hash=5), False),
    "email a list": (id_token_claims(email=["victim@example.org"]), True),
    "email 10000 characters": (id_token_claims(email="e" * 10000 + "@example.org"), True),
    "given_name an object": (id_token_claims(given_name={"first": "x"}), True),
    "email_verified a string": (id_token_claims(email_verified="yes"), True),
    # The JWKS.
    "JWKS not JSON": (answers(JWKS, Answer(body=b"keys!", content_type="text/plain")), False),
    "JWKS keys a string": (answers(JWKS, Answer.json({"keys": "all of them"})), False),
    "JWKS empty": (jwks_keys(), False),
    "JWKS keys numbers": (jwks_keys(1, 2, 3), False),
    "JWKS right kid, n a number": (malformed_right_kid_key(n=12345), False),
    "JWKS right kid, e missing": (malformed_right_kid_key(e=None), False),
    "JWKS right kid, n empty": (malformed_right_kid_key(n=""), False),
    "JWKS right kid, n a list": (malformed_right_kid_key(n=["a"], e={"x": 1}), False),
    "JWKS 404": (answers(JWKS, Answer(status=404, body=b"")), False),
    "JWKS 500": (answers(JWKS, Answer(status=500, body=b"")), False),
    "JWKS truncated": (answers(JWKS, Answer(body=b'{"keys": [', declared_length=1000)), False),
    "JWKS 10 MB of nested brackets": (answers(JWKS, Answer(body=b"[" * TEN_MB)), False),
    # The discovery document, read again at the callback.
    "discovery not JSON": (answers(DISCOVERY, Answer(body=b"<html>", content_type="text/html")), False),
    "discovery null": (answers(DISCOVERY, Answer.json(None)), False),
    "discovery without token_endpoint": (discovery_fields(token_endpoint=None), False),
    "discovery token_endpoint a list": (discovery_fields(token_endpoint=["/oauth2/token"]), False),
    "discovery jwks_uri a broken IPv6 URL": (discovery_fields(jwks_uri="http://[::1/jwks"), False),
    "discovery jwks_uri a bad port": (discovery_fields(jwks_uri="http://127.0.0.1:port/jwks"), False),
    "discovery jwks_uri javascript:": (discovery_fields(jwks_uri="javascript:alert(1)"), False),
    "discovery another issuer": (discovery_fields(issuer="http://evil.example/"), False),
    "discovery 500": (answers(DISCOVERY, Answer(status=500, body=b"")), False),
    "discovery 10 MB of nested brackets": (answers(DISCOVERY, Answer(body=b"[" * TEN_MB)), False),
}

USERINFO_CASES: dict[str, tuple[Breakage, bool]] = {
    "userinfo not an object": (answers(USERINFO, Answer.json(["sub"])), False),
    "userinfo not JSON": (answers(USERINFO, Answer(body=b"hi", content_type="text/plain")), False),
    "userinfo another sub": (answers(USERINFO, Answer.json({"sub": "someone-else"})), False),
    "userinfo sub missing": (answers(USERINFO, Answer.json({"email": "x@example.org"})), False),
    "userinfo 401": (answers(USERINFO, Answer.json({"error": "invalid_token"}, status=401)), False),
    "userinfo email a number": (lambda p, s: answers(USERINFO, Answer.json({"sub": s.subject, "email": 5}))(p, s), True),
    "userinfo 10 MB of nested brackets": (answers(USERINFO, Answer(body=b"[" * 100_000)), False),
    "userinfo names objects": (
        lambda p, s: answers(USERINFO, Answer.json({"sub": s.subject, "given_name": {}, "family_name": [1]}))(p, s), True),
}

@dataclass
class RowCounts:
    users: int
    links: int
    tokens: int
    signed_in_sessions: int

    @classmethod
    def now(cls) -> RowCounts:
        return cls(
            get_user_model().objects.count(),
            IdentityLink.objects.count(),
            RelyingPartyTokens.objects.count(),
            sum(1 for s in Session.objects.all() if "_auth_user_id" in s.get_decoded()),
        )


@pytest.fixture
def provider(settings: Any) -> Iterator[HostileProvider]:  # noqa: ANN401
    hostile = HostileProvider()
    settings.ORYAUTH = hostile.relying_party_settings(django_settings.ORYAUTH)
    discovery.forget_cached_metadata()
    yield hostile
    discovery.forget_cached_metadata()
    hostile.close()


@pytest.fixture
def browser() -> Client:
    # A 500 must show up as a status to count, not as an exception in the test.
    return Client(raise_request_exception=False)


def start_sign_in(provider: HostileProvider, browser: Client) -> SignIn:
    """/auth/login against a working provider; returns what it sent to the authorization endpoint."""
    provider.openid(client_id="unknown-yet", nonce="unknown-yet", subject="unknown-yet")
    started = browser.get("/auth/login")
    assert started.status_code == 302, started.content[:300]
    query = {k: v[0] for k, v in parse_qs(urlsplit(started["Location"]).query).items()}
    sign_in = SignIn(client_id=query["client_id"], nonce=query["nonce"], state=query["state"], subject=str(uuid.uuid4()))
    provider.openid(client_id=sign_in.client_id, nonce=sign_in.nonce, subject=sign_in.subject)
    return sign_in


def finish_sign_in(provider: HostileProvider, browser: Client, sign_in: SignIn, breakage: Breakage) -> Any:  # noqa: ANN401
    breakage(provider, sign_in)
    discovery.forget_cached_metadata()  # so a broken discovery document or JWKS is read at the callback
    return browser.get("/auth/callback?" + urlencode({"code": "hostile-code", "state": sign_in.state}))


def assert_sign_in_outcome(response: Any, before: RowCounts, browser: Client, *, completes: bool) -> None:  # noqa: ANN401
    after = RowCounts.now()
    if completes:
        assert response.status_code == 302, response.content[:500]
        assert (after.users, after.links, after.tokens) == (before.users + 1, before.links + 1, before.tokens + 1)
        return
    # A peer that cannot be read or reached gets the 503 page; anything else a 4xx page.
    assert response.status_code < 500 or response.status_code == 503, response.content[:500]
    assert response.status_code != 302
    assert b"Sign-in" in response.content or b"sign-in" in response.content or b"unavailable" in response.content.lower()
    assert after == before, f"rows left behind: {before} -> {after}"
    assert "_auth_user_id" not in browser.session


def sign_in_with_one_answer_broken(provider: HostileProvider, browser: Client, breakage: Breakage, *, completes: bool) -> None:
    """A whole sign-in against the provider with `breakage` applied, and its outcome checked."""
    sign_in = start_sign_in(provider, browser)
    before = RowCounts.now()

    response = finish_sign_in(provider, browser, sign_in, breakage)

    assert_sign_in_outcome(response, before, browser, completes=completes)


def signed_in(provider: HostileProvider, browser: Client) -> SignIn:
    """A completed sign-in through the (still working) provider."""
    sign_in = start_sign_in(provider, browser)
    assert finish_sign_in(provider, browser, sign_in, lambda p, s: None).status_code == 302
    return sign_in


@pytest.mark.parametrize("case", CALLBACK_CASES, ids=str)
def test_a_hostile_answer_at_the_callback_is_a_clear_page_and_leaves_nothing_behind(
    provider: HostileProvider, browser: Client, case: str
) -> None:
    breakage, completes = CALLBACK_CASES[case]
    sign_in_with_one_answer_broken(provider, browser, breakage, completes=completes)


@pytest.mark.parametrize("case", USERINFO_CASES, ids=str)
def test_a_hostile_userinfo_answer_is_a_clear_page_and_leaves_nothing_behind(
    provider: HostileProvider, browser: Client, settings: Any, case: str  # noqa: ANN401
) -> None:
    settings.ORYAUTH = {**settings.ORYAUTH, "CLIENT_FETCH_USERINFO": True}
    breakage, completes = USERINFO_CASES[case]
    sign_in_with_one_answer_broken(provider, browser, breakage, completes=completes)


@pytest.mark.parametrize(
    "document",
    [b"<html>", b"null", b'{"issuer": 5}', json.dumps({"issuer": "x", "authorization_endpoint": "http://[::1",
                                                      "token_endpoint": "t", "jwks_uri": "j"}).encode()],
    ids=["html", "null", "issuer-a-number", "broken-urls"],
)
def test_a_hostile_discovery_document_at_the_start_is_the_unavailable_page(
    provider: HostileProvider, browser: Client, document: bytes
) -> None:
    provider.answers[DISCOVERY] = Answer(body=document)

    response = browser.get("/auth/login")

    assert response.status_code == 503
    assert b"Signing in is not possible right now" in response.content


def test_a_sign_out_with_a_hostile_discovery_document_still_signs_out(provider: HostileProvider, browser: Client) -> None:
    sign_in = signed_in(provider, browser)
    provider.answers[DISCOVERY] = Answer(body=b"<html>")
    discovery.forget_cached_metadata()

    response = browser.post("/auth/logout")

    assert response.status_code == 302
    assert "_auth_user_id" not in browser.session
    assert not RelyingPartyTokens.objects.filter(subject=sign_in.subject).exists()


def test_a_slow_drip_past_the_timeout_is_given_up_on_in_bounded_time(
    provider: HostileProvider, browser: Client, caplog: pytest.LogCaptureFixture
) -> None:
    """Each byte arrives within the 1 s read timeout, the whole answer after ~4 s:
    oryauth.ory gives up when HTTP_TIMEOUT has passed since the headers."""
    sign_in = start_sign_in(provider, browser)
    before = RowCounts.now()

    response = finish_sign_in(provider, browser, sign_in, answers(TOKEN, Answer(body=b" " * 20 + b"{}", drip_interval=0.2)))

    assert_sign_in_outcome(response, before, browser, completes=False)
    assert "/oauth2/token did not finish its answer within 1 s" in caplog.text


# name -> (breakage of the refresh answer, whether the person stays signed in)
REFRESH_CASES: dict[str, tuple[Breakage, bool]] = {
    "refresh answer expires_in 1e400": (token_json_text('"expires_in": 3600', '"expires_in": 1e400'), False),
    "refresh answer expires_in 10**30 (clamped)": (token_fields(expires_in=10**30), True),
    "refresh answer without access_token": (token_fields(access_token=None), False),
    "refresh answer not JSON": (answers(TOKEN, Answer(body=b"<html>", content_type="text/html")), False),
    "refresh answer nested brackets": (answers(TOKEN, Answer(body=b"[" * 100_000)), False),
    "refresh answer truncated": (answers(TOKEN, Answer(body=b'{"access', declared_length=500)), True),
    "refresh ID token for another person": (
        lambda p, s: token_fields(id_token=p.id_token(client_id=s.client_id, nonce="", subject="someone-else"))(p, s), False),
    "refresh with discovery not JSON": (answers(DISCOVERY, Answer(body=b"<html>")), True),
    "refresh with JWKS 404": (answers(JWKS, Answer(status=404, body=b"")), True),
    "token endpoint 500 at refresh": (answers(TOKEN, Answer(status=500, body=b"")), True),
}


@pytest.mark.parametrize("case", REFRESH_CASES, ids=str)
def test_a_hostile_refresh_answer_is_a_page_or_a_new_sign_in_never_a_500(
    provider: HostileProvider, browser: Client, case: str
) -> None:
    breakage, stays_signed_in = REFRESH_CASES[case]
    sign_in = signed_in(provider, browser)
    RelyingPartyTokens.objects.filter(subject=sign_in.subject).update(expires_at=timezone.now())  # due for a refresh
    breakage(provider, sign_in)
    discovery.forget_cached_metadata()

    response = browser.get("/protected/")

    assert response.status_code < 500 or response.status_code == 503, response.content[:500]
    if stays_signed_in:
        # Hydra not working (or a harmless answer): signed in, tokens kept, the next request tries again.
        assert "_auth_user_id" in browser.session
        assert RelyingPartyTokens.objects.filter(subject=sign_in.subject).exists()
    else:
        # An answer that cannot be used: the tokens are dropped and the person signs in again.
        assert response.status_code == 302 and "/auth/login" in response["Location"]
        assert "_auth_user_id" not in browser.session
        assert not RelyingPartyTokens.objects.filter(subject=sign_in.subject).exists()
