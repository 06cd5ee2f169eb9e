"""The relying party's steps, called by the thin views in `views.py`:
where to send the browser to sign in, how to finish the sign-in, a valid
access token for the signed-in user, and how to sign out everywhere.
"""
from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import login, logout
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.cache import caches
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from .. import ory
from ..conf import oryauth_settings
from ..errors import OryError, OryProtocolError, OryRejected, OryUnavailable
from ..identities import IdentityClaims, provision_user
from ..parameters import parse_max_age
from .discovery import provider_metadata
from .idtoken import IdTokenInvalid, verify_id_token
from .models import RelyingPartyTokens
from .state import PendingLogin
from .tokens import TokenEndpointError, TokenResponse, exchange_code, fetch_userinfo, refresh_tokens, revoke_token

logger = logging.getLogger(__name__)

# The Django session remembers which RelyingPartyTokens row is this sign-in's.
TOKENS_SESSION_KEY = "oryauth_client_tokens"
LOGOUT_STATE_SESSION_KEY = "oryauth_client_logout_state"
_PROMPT_VALUES = {"none", "login", "consent", "select_account"}


class TokenRefreshFailed(Exception):
    """The access token could not be renewed; the user must sign in again."""


def authorization_url(pending: PendingLogin, extra: Mapping[str, str]) -> str:
    """Hydra's authorization endpoint with everything the sign-in needs."""
    conf = oryauth_settings()
    params: dict[str, str] = {
        "response_type": "code",
        "client_id": conf.CLIENT_ID,
        "redirect_uri": conf.CLIENT_REDIRECT_URI,
        "scope": " ".join(conf.CLIENT_SCOPES),
        "state": pending.state,
        "nonce": pending.nonce,
    }
    if pending.code_verifier:
        params |= {"code_challenge": pending.code_challenge, "code_challenge_method": "S256"}
    params |= passthrough_parameters(extra)
    return f"{provider_metadata().authorization_endpoint}?{urlencode(params)}"


def passthrough_parameters(query: Mapping[str, str]) -> dict[str, str]:
    """The optional `prompt`, `max_age`, `login_hint`, `acr_values` the start
    view received, kept only when well-formed (Hydra would refuse the rest)."""
    kept: dict[str, str] = {}
    prompt = query.get("prompt", "")
    if prompt and set(prompt.split()) <= _PROMPT_VALUES:
        kept["prompt"] = prompt
    if parse_max_age(query.get("max_age")) is not None:
        kept["max_age"] = query["max_age"]
    for name in ("login_hint", "acr_values"):
        value = query.get(name, "")
        if value and len(value) <= 255:
            kept[name] = value
    return kept


def complete_login(request: HttpRequest, pending: PendingLogin, code: str) -> AbstractBaseUser:
    """Exchange the code, verify the ID token, provision and log in the user,
    keep the tokens server-side.

    All or nothing: every answer from Hydra is read and checked before the
    first row is written, and the user, identity link, token row and login
    are then made in one transaction, so a sign-in that fails anywhere leaves
    no user, link, token row or signed-in session behind.

    Raises `TokenEndpointError`, `IdTokenInvalid`, `LoginRejected` or an
    `OryError`; nothing is logged in when any of them is raised.
    """
    response = exchange_code(code, code_verifier=pending.code_verifier)
    if not response.id_token:
        raise IdTokenInvalid("missing_id_token", "Hydra sent no ID token: is 'openid' in ORYAUTH['CLIENT_SCOPES']?")
    claims = verify_id_token(
        response.id_token, nonce=pending.nonce, access_token=response.access_token, max_age=pending.max_age
    )
    sid = _hydra_session_id(claims)  # from the signed ID token, never from userinfo
    if oryauth_settings().CLIENT_FETCH_USERINFO:
        claims = _with_userinfo(claims, response.access_token)
    identity = IdentityClaims.from_id_token(claims)
    token_fields = _token_fields(response)
    replaced = request.session.get(TOKENS_SESSION_KEY)
    logged_in = False
    try:
        with transaction.atomic():
            user = provision_user(identity)
            tokens = RelyingPartyTokens.objects.create(  # type: ignore[misc]  # the site's user model, not auth.User
                user=user, issuer=identity.issuer, subject=identity.subject, sid=sid, **token_fields
            )
            if replaced is not None:
                # Signed in again in the same browser: the earlier tokens belong to no session any more.
                RelyingPartyTokens.objects.filter(pk=replaced).delete()
            # Last: login() rotates the session key (a session fixed before
            # sign-in is useless after) and, with database sessions, writes it.
            login(request, user, backend=_authentication_backend())  # type: ignore[arg-type]  # the site's user model
            logged_in = True
            request.session[TOKENS_SESSION_KEY] = tokens.pk
            # The key login() just gave the session (None with signed-cookie
            # sessions): what a back-channel logout deletes.
            tokens.session_key = request.session.session_key or ""
            tokens.save(update_fields=["session_key"])
    except BaseException:
        if logged_in:
            # The rows were rolled back: the session must not name their user.
            request.session.flush()
            request.user = AnonymousUser()
        raise
    return user


def _hydra_session_id(claims: Mapping[str, Any]) -> str:
    """The ID token's `sid` (Hydra's login session), which back-channel
    logout tokens name; empty when absent or not a usable string."""
    sid = claims.get("sid")
    return sid if isinstance(sid, str) and len(sid) <= 255 else ""


def _with_userinfo(claims: dict[str, Any], access_token: str) -> dict[str, Any]:
    userinfo = fetch_userinfo(access_token)
    if userinfo.get("sub") != claims["sub"]:
        # OpenID Connect Core 5.3.2: a different `sub` means the answer must not be used.
        raise IdTokenInvalid("userinfo_subject_mismatch", "the userinfo endpoint describes another person")
    # Userinfo may be fresher; who issued the token and for whom stays as verified.
    return {**claims, **userinfo, "iss": claims["iss"], "sub": claims["sub"], "aud": claims["aud"]}


def _authentication_backend() -> str:
    # The user is identified by the ID token, not by a backend's authenticate();
    # Django still needs a backend whose get_user() loads them on later requests.
    return settings.AUTHENTICATION_BACKENDS[0]


def _token_fields(response: TokenResponse) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "access_token": response.access_token,
        "scope": response.scope,
        "expires_at": timezone.now() + timedelta(seconds=response.expires_in),
    }
    # Hydra may leave out a token it did not rotate: keep the one we have.
    if response.refresh_token:
        fields["refresh_token"] = response.refresh_token
    if response.id_token:
        fields["id_token"] = response.id_token
    return fields


# --- Tokens of the signed-in user ------------------------------------------------


def stored_tokens(request: HttpRequest) -> RelyingPartyTokens | None:
    """This browser's tokens from its sign-in through Hydra, if any."""
    token_id = request.session.get(TOKENS_SESSION_KEY)
    if token_id is None or not request.user.is_authenticated:
        return None
    tokens = RelyingPartyTokens.objects.filter(pk=token_id, user_id=request.user.pk).first()
    if tokens is not None and not tokens.access_token:
        # No configured key decrypts it (see encryption.py): useless, and
        # better gone than retried on every request.
        tokens.delete()
        return None
    return tokens


def access_token_for(request: HttpRequest) -> str | None:
    """A valid access token for the signed-in user, refreshed shortly before
    it expires. None when the user did not sign in through Hydra, or when the
    refresh failed: then the user is logged out of this site.

    Raises `OryUnavailable` when Hydra cannot be reached (the user stays signed
    in; the next request tries again).
    """
    tokens = stored_tokens(request)
    if tokens is None:
        return None
    if not _expires_soon(tokens):
        return tokens.access_token
    try:
        return refresh_stored_tokens(tokens.pk).access_token
    except TokenRefreshFailed as exc:
        logger.info("Refreshing the tokens of user %s failed (%s): logging them out", request.user.pk, exc)
        logout(request)
        return None


def _expires_soon(tokens: RelyingPartyTokens) -> bool:
    return tokens.expires_at <= timezone.now() + timedelta(seconds=oryauth_settings().CLIENT_REFRESH_MARGIN)


def refresh_stored_tokens(token_id: int) -> RelyingPartyTokens:
    """Refresh the tokens of row `token_id` unless another request just did.

    Hydra rotates refresh tokens and treats a second use of one as theft
    (revoking the whole chain), so parallel requests must refresh once: a lock
    in Django's cache (shared by every process when the cache is) lets one
    refresh while the others wait and then read its result.
    """
    conf = oryauth_settings()
    cache = caches[conf.CACHE_ALIAS]  # the middleware's cache; oryauth.W030 warns when it is per process
    timeout = float(conf.HTTP_TIMEOUT)
    lock_key = f"oryauth:client:refresh-lock:{token_id}"
    owner = secrets.token_hex(8)
    deadline = time.monotonic() + 2 * timeout + 2
    while not cache.add(lock_key, owner, timeout=int(2 * timeout + 2)):
        if time.monotonic() > deadline:
            raise OryUnavailable(ory.HYDRA_PUBLIC, "another request is still refreshing these tokens")
        time.sleep(0.05)  # lock wait, bounded by the deadline above
    try:
        tokens = RelyingPartyTokens.objects.filter(pk=token_id).first()
        if tokens is None:
            raise TokenRefreshFailed("the tokens were removed (signed out, or a parallel refresh failed)")
        if not _expires_soon(tokens):
            return tokens  # a parallel request refreshed them while we waited
        if not tokens.refresh_token:
            tokens.delete()
            raise TokenRefreshFailed("no refresh token was issued (is 'offline_access' in CLIENT_SCOPES?)")
        try:
            response = refresh_tokens(tokens.refresh_token)
            if response.id_token:
                verify_id_token(response.id_token, nonce=None, access_token=response.access_token, expected_subject=tokens.subject)
        except (TokenEndpointError, IdTokenInvalid) as exc:
            tokens.delete()
            raise TokenRefreshFailed(str(exc)) from None
        except (OryProtocolError, OryRejected) as exc:
            # Discovery or the JWKS answered nonsense: Hydra is not working
            # right now, which callers handle as documented (the user stays
            # signed in, the tokens are kept, the next request tries again).
            raise OryUnavailable(ory.HYDRA_PUBLIC, str(exc)) from None
        for field, value in _token_fields(response).items():
            setattr(tokens, field, value)
        tokens.refreshed_at = timezone.now()
        tokens.save()
        return tokens
    finally:
        if cache.get(lock_key) == owner:
            cache.delete(lock_key)


# --- Signing out ------------------------------------------------------------------


def sign_out(request: HttpRequest) -> str:
    """Log out of this site, revoke the tokens at Hydra, and return where to
    send the browser: Hydra's end-session endpoint when the user signed in
    through Hydra (so the portal session ends too), else the post-logout page."""
    conf = oryauth_settings()
    tokens = stored_tokens(request)
    id_token = tokens.id_token if tokens else ""
    if tokens is not None:
        _revoke_quietly(tokens)
        tokens.delete()
    if request.user.is_authenticated:
        # Tidy up while here: this person's rows nothing can use any more.
        RelyingPartyTokens.objects.filter(user_id=request.user.pk).expired().delete()
    logout(request)
    after_logout = conf.CLIENT_POST_LOGOUT_REDIRECT_URI or conf.CLIENT_DEFAULT_NEXT
    if not id_token:
        return after_logout
    try:
        metadata = provider_metadata()
    except OryError as exc:
        # Signed out here already; without a usable discovery document the
        # sign-out at Hydra cannot be started, which is no reason for an error page.
        logger.warning("Signed out locally; Hydra's end-session endpoint is unknown: %s", exc)
        return after_logout
    if not metadata.end_session_endpoint:
        return after_logout
    # Kept in the new (anonymous) session: the post-logout page checks that
    # Hydra sent back the state this sign-out started with.
    state = secrets.token_urlsafe(16)
    request.session[LOGOUT_STATE_SESSION_KEY] = state
    params = {"id_token_hint": id_token, "state": state}
    if conf.CLIENT_POST_LOGOUT_REDIRECT_URI:
        params["post_logout_redirect_uri"] = conf.CLIENT_POST_LOGOUT_REDIRECT_URI
    return f"{metadata.end_session_endpoint}?{urlencode(params)}"


def finish_sign_out(request: HttpRequest, state: str | None) -> bool:
    """On the post-logout page: True when Hydra came back with the state this
    browser's sign-out started with (used once)."""
    expected = request.session.pop(LOGOUT_STATE_SESSION_KEY, None)
    # Bytes: compare_digest raises TypeError on non-ASCII str, and `state` is
    # whatever the query string says.
    return bool(expected and state and secrets.compare_digest(expected.encode(), state.encode()))


def _revoke_quietly(tokens: RelyingPartyTokens) -> None:
    # Logging out must work even when Hydra cannot revoke right now: the
    # tokens are deleted here either way and expire at Hydra on their own.
    try:
        if tokens.refresh_token:
            revoke_token(tokens.refresh_token, hint="refresh_token")
        revoke_token(tokens.access_token, hint="access_token")
    except (OryError, TokenEndpointError) as exc:
        logger.warning("Could not revoke the tokens of user %s at Hydra: %s", tokens.user_id, exc)
