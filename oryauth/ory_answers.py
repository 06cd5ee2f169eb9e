"""The caller behind a credential, as Ory answers for it: Kratos's whoami
for session cookies and tokens, Hydra's introspection for access tokens. One
call per credential; `oryauth.resolution` caches the answer and makes sure
concurrent requests share the call.

Access tokens from `client_credentials` (Hydra sets `sub` to the client id)
have no person behind them: the caller is authenticated (`is_authenticated`,
`client_id`, `scopes`) but `request.user` stays anonymous and `identity_id`
is empty. Access tokens whose subject is not a Kratos identity are treated the
same way.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any

from django.core.cache import caches

from . import caller_cache, ory
from .callers import Credential, OryCaller
from .conf import OryAuthSettings, oryauth_settings
from .errors import LoginRejected, OryError, OryRejected, OryUnavailable
from .identities import IdentityClaims, provision_user
from .models import IdentityLink
from .sessions import ory_cookie_header

logger = logging.getLogger(__name__)


def remember_user(user: Any, identity_id: str, version: str) -> None:
    """Keep this process's copy of the user's row (warm requests build
    `request.user` from it, without a query)."""
    caller_cache.remember_user(user, identity_id, int(oryauth_settings().SESSION_CACHE_TTL), version)


def caller_from_ory(credential: Credential, conf: OryAuthSettings) -> OryCaller:
    """The caller behind `credential`, from one call to Kratos or Hydra;
    raises `OryUnavailable` when it cannot be asked."""
    try:
        if credential.kind == "access_token":
            return caller_from_introspection(credential.value, conf)
        if credential.kind == "session_token":
            session = ory.whoami(session_token=credential.value)
        else:
            assert credential.request is not None
            session = ory.whoami(cookie=ory_cookie_header(credential.request))
    except OryUnavailable:
        raise
    except OryError as exc:
        # A 4xx other than 401/403, or an unreadable answer: not a valid credential.
        logger.info("Ory refused a %s: %s", credential.kind.replace("_", " "), exc)
        return OryCaller(via=credential.kind, problem="invalid")
    if session is None or not session.active or session.identity is None:
        return OryCaller(via=credential.kind, problem="invalid")
    try:
        user = provision_user(IdentityClaims.from_kratos_identity(session.identity))
    except LoginRejected as exc:
        logger.info("Identity %s refused by the user provisioner: %s", session.identity.id, exc.reason)
        return OryCaller(via=credential.kind, problem="rejected", identity_id=str(session.identity.id))
    version = caller_cache.user_version(caches[conf.CACHE_ALIAS], user.pk)
    if user.is_active:
        remember_user(user, str(session.identity.id), version)
    aal = session.authenticator_assurance_level
    traits = session.identity.traits
    return OryCaller(
        via=credential.kind,
        is_authenticated=user.is_active,
        identity_id=str(session.identity.id),
        session_id=str(session.id),
        aal=str(getattr(aal, "value", aal) or ""),
        expires_at=session.expires_at,
        traits=dict(traits) if isinstance(traits, dict) else {},
        user_id=user.pk if user.is_active else None,
        user_version=version,
        problem="" if user.is_active else "rejected",
    )


def caller_from_introspection(token: str, conf: OryAuthSettings) -> OryCaller:
    """The caller behind an access token, as Hydra's introspection says."""
    info = ory.hydra_admin().introspect_o_auth2_token(token=token)
    expires_at = datetime.fromtimestamp(info.exp, tz=timezone.utc) if info.exp else None
    invalid = OryCaller(via="access_token", problem="invalid")
    if not info.active or (info.token_use and info.token_use != "access_token"):
        return invalid  # inactive, revoked, or a refresh token presented as Bearer
    if expires_at is not None and expires_at <= datetime.now(timezone.utc):
        return invalid
    if conf.ACCESS_TOKEN_AUDIENCE and not set(conf.ACCESS_TOKEN_AUDIENCE) & set(info.aud or []):
        return invalid
    caller = OryCaller(
        via="access_token",
        is_authenticated=True,
        client_id=info.client_id or "",
        subject=info.sub or "",
        scopes=frozenset((info.scope or "").split()),
        expires_at=expires_at,
    )
    return with_person_behind(caller, conf)


def with_person_behind(caller: OryCaller, conf: OryAuthSettings) -> OryCaller:
    """An authenticated access token's `caller` with the person its subject
    names (identity, Django user), when it names one."""
    subject = caller.subject
    if not subject or subject == caller.client_id:
        return caller  # client_credentials: a machine, no person
    person = person_behind(subject, conf)
    if person is None:
        return caller
    if not person.is_active:
        return OryCaller(via=caller.via, problem="rejected", subject=subject)
    return replace(caller, identity_id=subject, user_id=person.user_id, user_version=person.version)


@dataclass(frozen=True)
class Person:
    """The Django user behind a Kratos identity, as a token's caller needs it."""

    user_id: Any
    version: str  # caller_cache.user_version when it was looked up
    is_active: bool


def person_behind(subject: str, conf: OryAuthSettings) -> Person | None:
    """The Django user of the Kratos identity `subject` (a token's `sub`);
    None when it names no identity.

    From this process's current copy of the user's row when it has one (a
    new token of a known person costs no query and no call), else the
    database, else Kratos (the identity's first token provisions its user).
    """
    cache = caches[conf.CACHE_ALIAS]
    remembered = caller_cache.remembered_person(cache, subject)
    if remembered is not None:
        return Person(*remembered)
    user = _user_for_subject(subject, conf)
    if user is None:
        return None
    version = caller_cache.user_version(cache, user.pk)
    remember_user(user, subject, version)
    return Person(user.pk, version, user.is_active)


def _user_for_subject(subject: str, conf: OryAuthSettings) -> Any:
    """The user linked to the identity `subject`, provisioned from Kratos
    when none is yet."""
    link = IdentityLink.objects.select_related("user").filter(issuer=conf.hydra_issuer, subject=subject).first()
    if link is not None:
        return link.user
    try:
        identity = ory.kratos_identities().get_identity(subject)
    except OryRejected as exc:
        if exc.status == 404:
            return None  # not a Kratos identity: treat the token as a machine's
        raise
    try:
        return provision_user(IdentityClaims.from_kratos_identity(identity))
    except LoginRejected:
        return None
