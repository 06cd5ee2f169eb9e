"""How a sign-in is described to OAuth2 clients: the ID token's `amr`
(authentication methods, RFC 8176 names) and `acr` (assurance level).

One mapping, used on every path that accepts a login (a Kratos session, a
login Hydra remembers): the same person signing in the same way gets the same
values. `acr` is the Kratos authenticator assurance level of the session:

- `aal1`: one factor (password, emailed code, passkey, social sign-in);
- `aal2`: a second factor on top (TOTP, a recovery code, a security key).

A client asks for `aal2` with `acr_values=aal2`; the person then confirms a
second factor when they have one (see login.py). Hydra v2.3 has no setting to
advertise `acr_values_supported` in discovery, so docs/provider.md lists them.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ory_client.models.session import Session

from .. import ory
from ..identities import KEY_CREDENTIALS, credential_kinds_set_up

AAL1 = "aal1"
AAL2 = "aal2"
ACR_VALUES = (AAL1, AAL2)

# Kratos authentication methods as RFC 8176 `amr` values. Kratos's `code` is a
# one-time code sent by email, `lookup_secret` a one-time recovery code: both
# are `otp` (RFC 8176 has no value for the delivery channel, and a
# vendor-specific one would mean nothing to clients). A WebAuthn security key
# is a hardware-secured key (`hwk`), and so is a passkey. Not `user` for
# passkeys: Kratos v1.3.1 asks the authenticator for user verification as
# "preferred", not "required", and does not record whether it happened, so we
# could not back the claim that a PIN or fingerprint was checked. Social
# sign-in (`oidc`, `saml`) has no RFC 8176 value (how the upstream provider
# authenticated the person is not known to Kratos), so it adds none; neither
# does a method Kratos adds later: every value we send is a registered one.
AMR_FOR_METHOD: dict[str, tuple[str, ...]] = {
    "password": ("pwd",),
    "code": ("otp",),
    "totp": ("otp",),
    "lookup_secret": ("otp",),
    "webauthn": ("hwk",),
    "passkey": ("hwk",),
}
# RFC 8176: "Multiple-factor authentication", added when the session is aal2.
MFA = "mfa"

# Kratos credential types that are second factors (what `aal2` can be reached with).
SECOND_FACTOR_CREDENTIALS = frozenset({"totp", "lookup_secret", "webauthn"})


def _value(enum_or_str: Any) -> str:
    """ory-client gives enums for some fields and strings for others."""
    return str(getattr(enum_or_str, "value", enum_or_str) or "")


def amr_for_methods(methods: Iterable[str], aal: str) -> list[str]:
    """RFC 8176 values for Kratos methods used in this order, each once; `mfa`
    last when the session reached `aal2`."""
    values: list[str] = []
    for method in methods:
        for value in AMR_FOR_METHOD.get(method, ()):
            if value not in values:
                values.append(value)
    if aal == AAL2 and MFA not in values:
        values.append(MFA)
    return values


def acr_of_session(session: Session) -> str:
    """The session's assurance level as `acr` (`aal1` unless Kratos says more)."""
    return _value(session.authenticator_assurance_level) or AAL1


def amr_of_session(session: Session) -> list[str]:
    """The session's authentication methods as `amr` values."""
    methods = [_value(method.method) for method in session.authentication_methods or []]
    return amr_for_methods(methods, acr_of_session(session))


def requests_aal2(acr_values: Iterable[str]) -> bool:
    """The client asked for a second factor (`acr_values` includes `aal2`)."""
    return AAL2 in set(acr_values)


def has_second_factor(identity_id: str) -> bool:
    """The identity has set up a second factor, so a step-up to `aal2` can
    succeed (asking someone without one would be a dead end)."""
    identity = ory.kratos_identities().get_identity(identity_id, include_credential=KEY_CREDENTIALS)
    return bool(SECOND_FACTOR_CREDENTIALS & credential_kinds_set_up(identity))
