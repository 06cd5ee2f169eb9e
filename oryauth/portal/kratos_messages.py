"""Kratos's own messages (errors, hints, node labels) in the reader's language.

Kratos sends every message as a `UiText`: a stable numeric `id`, its English
`text` and, for messages with variable parts, a `context` (e.g. `property`,
`min_length`). We keep one translatable template per id, written from Kratos
v1.3.1's catalogue (its `text/message_*.go`), and render it with the context.
An id we do not know, or a context that lacks a value the template needs,
falls back to Kratos's English text: a person always reads something true.

Each template has its own msgctxt ("Kratos message <id>") so two ids with the
same English (e.g. "Continue" as a button and as a heading) can be translated
differently, and so the catalogue test can check every id.
"""
from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from django.utils import formats
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_noop, pgettext_lazy
from ory_client.models.ui_text import UiText

from .oidc_messages import social_sign_in_reason

# Messages whose text is the value itself (a TOTP secret, a backup code, a
# reason Kratos's JSON-schema validator wrote): shown exactly as sent.
PASSTHROUGH_IDS = frozenset({1050006, 1050009, 1050015, 4000001, 5000001})

# A label Kratos generated from the identity schema's `title` (context `title`):
# the title goes through gettext, so a site translates its own schema's titles
# in its own catalogue. These are the titles of deploy/ory's identity schema.
GENERATED_LABEL = 1070002
IDENTITY_SCHEMA_TITLES = (gettext_noop("Email address"), gettext_noop("First name"), gettext_noop("Last name"))

DUPLICATE_CREDENTIALS_WITH_HINTS = 4000028


# id -> English template; placeholders name keys of the message's context
# (plus `minutes` and `used_at`, which we derive from timestamps in it).
# pgettext_lazy needs literal strings for makemessages, hence no loop.
KRATOS_MESSAGES: dict[int, Promise] = {
    # Login (1010xxx)
    1010001: pgettext_lazy("Kratos message 1010001", "Sign in"),
    1010002: pgettext_lazy("Kratos message 1010002", "Sign in with %(provider)s"),
    1010003: pgettext_lazy("Kratos message 1010003", "Please confirm this action by verifying that it is you."),
    1010004: pgettext_lazy("Kratos message 1010004", "Please complete the second authentication challenge."),
    1010005: pgettext_lazy("Kratos message 1010005", "Verify"),
    1010006: pgettext_lazy("Kratos message 1010006", "Authentication code"),
    1010007: pgettext_lazy("Kratos message 1010007", "Backup recovery code"),
    1010008: pgettext_lazy("Kratos message 1010008", "Sign in with hardware key"),
    1010009: pgettext_lazy("Kratos message 1010009", "Use Authenticator"),
    1010010: pgettext_lazy("Kratos message 1010010", "Use backup recovery code"),
    1010011: pgettext_lazy("Kratos message 1010011", "Sign in with hardware key"),
    1010012: pgettext_lazy(
        "Kratos message 1010012",
        "Prepare your WebAuthn device (e.g. security key, biometrics scanner, ...) and press continue.",
    ),
    1010013: pgettext_lazy("Kratos message 1010013", "Continue"),
    1010014: pgettext_lazy(
        "Kratos message 1010014",
        "An email containing a code has been sent to the email address you provided. If you have not received an "
        "email, check the spelling of the address and retry the login.",
    ),
    1010015: pgettext_lazy("Kratos message 1010015", "Send sign in code"),
    1010016: pgettext_lazy(
        "Kratos message 1010016",
        "You tried to sign in with “%(duplicateIdentifier)s”, but that email is already used by another "
        "account. Sign in to your account with one of the options below to add your account "
        "“%(duplicateIdentifier)s” at “%(provider)s” as another way to sign in.",
    ),
    1010017: pgettext_lazy("Kratos message 1010017", "Sign in and link"),
    1010018: pgettext_lazy("Kratos message 1010018", "Confirm with %(provider)s"),
    1010019: pgettext_lazy("Kratos message 1010019", "Request code to continue"),
    1010021: pgettext_lazy("Kratos message 1010021", "Sign in with passkey"),
    1010022: pgettext_lazy("Kratos message 1010022", "Sign in with password"),
    1010023: pgettext_lazy("Kratos message 1010023", "Send code to %(address)s"),
    # Registration (1040xxx)
    1040001: pgettext_lazy("Kratos message 1040001", "Sign up"),
    1040002: pgettext_lazy("Kratos message 1040002", "Sign up with %(provider)s"),
    1040003: pgettext_lazy("Kratos message 1040003", "Continue"),
    1040004: pgettext_lazy("Kratos message 1040004", "Sign up with security key"),
    1040005: pgettext_lazy(
        "Kratos message 1040005",
        "An email containing a code has been sent to the email address you provided. If you have not received an "
        "email, check the spelling of the address and retry the registration.",
    ),
    1040006: pgettext_lazy("Kratos message 1040006", "Send sign up code"),
    1040007: pgettext_lazy("Kratos message 1040007", "Sign up with passkey"),
    1040008: pgettext_lazy("Kratos message 1040008", "Back"),
    1040009: pgettext_lazy("Kratos message 1040009", "Please choose a credential to authenticate yourself with."),
    # Settings (1050xxx)
    1050001: pgettext_lazy("Kratos message 1050001", "Your changes have been saved!"),
    1050002: pgettext_lazy("Kratos message 1050002", "Link %(provider)s"),
    1050003: pgettext_lazy("Kratos message 1050003", "Unlink %(provider)s"),
    1050004: pgettext_lazy("Kratos message 1050004", "Unlink TOTP Authenticator App"),
    1050005: pgettext_lazy("Kratos message 1050005", "Authenticator app QR code"),
    1050007: pgettext_lazy("Kratos message 1050007", "Reveal backup recovery codes"),
    1050008: pgettext_lazy("Kratos message 1050008", "Generate new backup recovery codes"),
    1050010: pgettext_lazy(
        "Kratos message 1050010", "These are your back up recovery codes. Please keep them in a safe place!"
    ),
    1050011: pgettext_lazy("Kratos message 1050011", "Confirm backup recovery codes"),
    1050012: pgettext_lazy("Kratos message 1050012", "Add security key"),
    1050013: pgettext_lazy("Kratos message 1050013", "Name of the security key"),
    1050014: pgettext_lazy("Kratos message 1050014", "Secret was used at %(used_at)s"),
    1050016: pgettext_lazy("Kratos message 1050016", "Disable this method"),
    1050017: pgettext_lazy(
        "Kratos message 1050017", "This is your authenticator app secret. Use it if you can not scan the QR code."
    ),
    1050018: pgettext_lazy("Kratos message 1050018", "Remove security key “%(display_name)s”"),
    1050019: pgettext_lazy("Kratos message 1050019", "Add passkey"),
    1050020: pgettext_lazy("Kratos message 1050020", "Remove passkey “%(display_name)s”"),
    # Recovery (1060xxx)
    1060001: pgettext_lazy(
        "Kratos message 1060001",
        "You successfully recovered your account. Please change your password or set up an alternative login "
        "method (e.g. social sign in) within the next %(minutes)s minutes.",
    ),
    1060002: pgettext_lazy(
        "Kratos message 1060002",
        "An email containing a recovery link has been sent to the email address you provided. If you have not "
        "received an email, check the spelling of the address and make sure to use the address you registered with.",
    ),
    1060003: pgettext_lazy(
        "Kratos message 1060003",
        "An email containing a recovery code has been sent to the email address you provided. If you have not "
        "received an email, check the spelling of the address and make sure to use the address you registered with.",
    ),
    # Node labels (1070xxx)
    1070001: pgettext_lazy("Kratos message 1070001", "Password"),
    1070003: pgettext_lazy("Kratos message 1070003", "Save"),
    1070004: pgettext_lazy("Kratos message 1070004", "ID"),
    1070005: pgettext_lazy("Kratos message 1070005", "Submit"),
    1070006: pgettext_lazy("Kratos message 1070006", "Verify code"),
    1070007: pgettext_lazy("Kratos message 1070007", "Email"),
    1070008: pgettext_lazy("Kratos message 1070008", "Resend code"),
    1070009: pgettext_lazy("Kratos message 1070009", "Continue"),
    1070010: pgettext_lazy("Kratos message 1070010", "Recovery code"),
    1070011: pgettext_lazy("Kratos message 1070011", "Verification code"),
    1070012: pgettext_lazy("Kratos message 1070012", "Registration code"),
    1070013: pgettext_lazy("Kratos message 1070013", "Login code"),
    1070014: pgettext_lazy("Kratos message 1070014", "Login and link credential"),
    1070015: pgettext_lazy("Kratos message 1070015", "Please complete the captcha challenge to continue."),
    # Verification (1080xxx)
    1080001: pgettext_lazy(
        "Kratos message 1080001",
        "An email containing a verification link has been sent to the email address you provided. If you have not "
        "received an email, check the spelling of the address and make sure to use the address you registered with.",
    ),
    1080002: pgettext_lazy("Kratos message 1080002", "You successfully verified your email address."),
    1080003: pgettext_lazy(
        "Kratos message 1080003",
        "An email containing a verification code has been sent to the email address you provided. If you have not "
        "received an email, check the spelling of the address and make sure to use the address you registered with.",
    ),
    # Validation (4000xxx)
    4000002: pgettext_lazy("Kratos message 4000002", "Property %(property)s is missing."),
    4000003: pgettext_lazy("Kratos message 4000003", "length must be >= %(min_length)s, but got %(actual_length)s"),
    4000004: pgettext_lazy("Kratos message 4000004", "does not match pattern “%(pattern)s”"),
    4000005: pgettext_lazy("Kratos message 4000005", "The password can not be used because %(reason)s."),
    4000006: pgettext_lazy(
        "Kratos message 4000006",
        "The provided credentials are invalid, check for spelling mistakes in your password or username, email "
        "address, or phone number.",
    ),
    4000007: pgettext_lazy(
        "Kratos message 4000007", "An account with the same identifier (email, phone, username, ...) exists already."
    ),
    4000008: pgettext_lazy("Kratos message 4000008", "The provided authentication code is invalid, please try again."),
    4000009: pgettext_lazy(
        "Kratos message 4000009",
        "Could not find any login identifiers. Did you forget to set them? This could also be caused by a server "
        "misconfiguration.",
    ),
    4000010: pgettext_lazy(
        "Kratos message 4000010", "Account not active yet. Did you forget to verify your email address?"
    ),
    4000011: pgettext_lazy("Kratos message 4000011", "You have no TOTP device set up."),
    4000012: pgettext_lazy("Kratos message 4000012", "This backup recovery code has already been used."),
    4000013: pgettext_lazy("Kratos message 4000013", "You have no WebAuthn device set up."),
    4000014: pgettext_lazy("Kratos message 4000014", "You have no backup recovery codes set up."),
    4000015: pgettext_lazy("Kratos message 4000015", "This account does not exist or has no security key set up."),
    4000016: pgettext_lazy("Kratos message 4000016", "The backup recovery code is not valid."),
    4000017: pgettext_lazy("Kratos message 4000017", "length must be <= %(max_length)s, but got %(actual_length)s"),
    4000018: pgettext_lazy("Kratos message 4000018", "must be >= %(minimum)s but found %(actual)s"),
    4000019: pgettext_lazy("Kratos message 4000019", "must be > %(minimum)s but found %(actual)s"),
    4000020: pgettext_lazy("Kratos message 4000020", "must be <= %(maximum)s but found %(actual)s"),
    4000021: pgettext_lazy("Kratos message 4000021", "must be < %(maximum)s but found %(actual)s"),
    4000022: pgettext_lazy("Kratos message 4000022", "%(actual)s not multipleOf %(base)s"),
    4000023: pgettext_lazy("Kratos message 4000023", "maximum %(max_items)s items allowed, but found %(actual_items)s items"),
    4000024: pgettext_lazy("Kratos message 4000024", "minimum %(min_items)s items allowed, but found %(actual_items)s items"),
    4000025: pgettext_lazy("Kratos message 4000025", "items at index %(index_a)s and %(index_b)s are equal"),
    4000026: pgettext_lazy("Kratos message 4000026", "expected %(allowed_types)s, but got %(actual_type)s"),
    4000027: pgettext_lazy(
        "Kratos message 4000027",
        "An account with the same identifier (email, phone, username, ...) exists already. Please sign in to your "
        "existing account to link your social profile.",
    ),
    4000028: pgettext_lazy(
        "Kratos message 4000028", "You tried signing in with %(identifier)s which is already in use by another account."
    ),
    4000029: pgettext_lazy("Kratos message 4000029", "must be equal to constant %(expected)s"),
    4000030: pgettext_lazy("Kratos message 4000030", "const failed"),
    4000031: pgettext_lazy(
        "Kratos message 4000031", "The password can not be used because it is too similar to the identifier."
    ),
    4000032: pgettext_lazy(
        "Kratos message 4000032", "The password must be at least %(min_length)s characters long, but got %(actual_length)s."
    ),
    4000033: pgettext_lazy(
        "Kratos message 4000033", "The password must be at most %(max_length)s characters long, but got %(actual_length)s."
    ),
    4000034: pgettext_lazy(
        "Kratos message 4000034", "The password has been found in data breaches and must no longer be used."
    ),
    4000035: pgettext_lazy("Kratos message 4000035", "This account does not exist or has not setup sign in with code."),
    4000036: pgettext_lazy(
        "Kratos message 4000036", "The provided traits do not match the traits previously associated with this flow."
    ),
    4000037: pgettext_lazy("Kratos message 4000037", "This account does not exist or has no login method configured."),
    4000038: pgettext_lazy("Kratos message 4000038", "Captcha verification failed, please try again."),
    # Flow errors (40x0xxx)
    4010001: pgettext_lazy("Kratos message 4010001", "The login flow expired %(minutes)s minutes ago, please try again."),
    4010002: pgettext_lazy(
        "Kratos message 4010002", "Could not find a strategy to log you in with. Did you fill out the form correctly?"
    ),
    4010003: pgettext_lazy(
        "Kratos message 4010003", "Could not find a strategy to sign you up with. Did you fill out the form correctly?"
    ),
    4010004: pgettext_lazy(
        "Kratos message 4010004", "Could not find a strategy to update your settings. Did you fill out the form correctly?"
    ),
    4010005: pgettext_lazy(
        "Kratos message 4010005",
        "Could not find a strategy to recover your account with. Did you fill out the form correctly?",
    ),
    4010006: pgettext_lazy(
        "Kratos message 4010006", "Could not find a strategy to verify your account with. Did you fill out the form correctly?"
    ),
    4010007: pgettext_lazy(
        "Kratos message 4010007", "The request was already completed successfully and can not be retried."
    ),
    4010008: pgettext_lazy(
        "Kratos message 4010008", "The login code is invalid or has already been used. Please try again."
    ),
    4010009: pgettext_lazy("Kratos message 4010009", "Linked credentials do not match."),
    4010010: pgettext_lazy(
        "Kratos message 4010010",
        "The address you entered does not match any known addresses in the current account.",
    ),
    4040001: pgettext_lazy(
        "Kratos message 4040001", "The registration flow expired %(minutes)s minutes ago, please try again."
    ),
    4040002: pgettext_lazy(
        "Kratos message 4040002", "The request was already completed successfully and can not be retried."
    ),
    4040003: pgettext_lazy(
        "Kratos message 4040003", "The registration code is invalid or has already been used. Please try again."
    ),
    4050001: pgettext_lazy("Kratos message 4050001", "The settings flow expired %(minutes)s minutes ago, please try again."),
    4060001: pgettext_lazy(
        "Kratos message 4060001", "The request was already completed successfully and can not be retried."
    ),
    4060002: pgettext_lazy("Kratos message 4060002", "The recovery flow reached a failure state and must be retried."),
    4060004: pgettext_lazy(
        "Kratos message 4060004", "The recovery token is invalid or has already been used. Please retry the flow."
    ),
    4060005: pgettext_lazy("Kratos message 4060005", "The recovery flow expired %(minutes)s minutes ago, please try again."),
    4060006: pgettext_lazy(
        "Kratos message 4060006", "The recovery code is invalid or has already been used. Please try again."
    ),
    4070001: pgettext_lazy(
        "Kratos message 4070001", "The verification token is invalid or has already been used. Please retry the flow."
    ),
    4070002: pgettext_lazy(
        "Kratos message 4070002", "The request was already completed successfully and can not be retried."
    ),
    4070003: pgettext_lazy(
        "Kratos message 4070003", "The verification flow reached a failure state and must be retried."
    ),
    4070005: pgettext_lazy(
        "Kratos message 4070005", "The verification flow expired %(minutes)s minutes ago, please try again."
    ),
    4070006: pgettext_lazy(
        "Kratos message 4070006", "The verification code is invalid or has already been used. Please try again."
    ),
}

# The sentences 4000028 adds after its first one, and the names of the ways
# to sign in it lists (Kratos's credential types).
_CAN_SIGN_IN_USING = gettext_noop("You can sign in using %(methods)s.")
_CAN_SIGN_IN_WITH_PROVIDERS = gettext_noop(
    "You can sign in using one of the following social sign in providers: %(providers)s."
)
_ANY_IDENTIFIER = gettext_noop("an email, phone, or username")
_CREDENTIAL_NAMES = {
    "password": gettext_noop("your password"),
    "oidc": gettext_noop("social sign in"),
    "webauthn": gettext_noop("your passkey or a security key"),
    "passkey": gettext_noop("your passkey"),
}
_LAST_OF_LIST = gettext_noop("%(items)s or %(last)s")


def _or_list(items: list[str]) -> str:
    """`a, b or c` in the active language."""
    if len(items) < 2:
        return "".join(items)
    return gettext(_LAST_OF_LIST) % {"items": ", ".join(items[:-1]), "last": items[-1]}


def _minutes(value: float) -> str:
    return formats.number_format(max(value, 0.0), 2, use_l10n=True)


def _derived(context: Mapping[str, Any]) -> dict[str, Any]:
    """The context as template values: lists joined, timestamps as minutes or a date."""
    values: dict[str, Any] = {}
    for key, value in context.items():
        if isinstance(value, list):
            value = _or_list([str(v) for v in value])
        elif isinstance(value, float) and value.is_integer():
            value = int(value)
        values[key] = value
    now = time.time()
    if isinstance(context.get("expired_at_unix"), (int, float)):
        values["minutes"] = _minutes((now - context["expired_at_unix"]) / 60)
    if isinstance(context.get("privileged_session_expires_at_unix"), (int, float)):
        values["minutes"] = _minutes((context["privileged_session_expires_at_unix"] - now) / 60)
    if isinstance(context.get("used_at_unix"), (int, float)):
        used_at = datetime.fromtimestamp(context["used_at_unix"], tz=timezone.utc)
        values["used_at"] = formats.date_format(used_at, "DATETIME_FORMAT", use_l10n=True)
    return values


def _duplicate_credentials_with_hints(context: Mapping[str, Any]) -> str:
    identifier = context.get("credential_identifier_hint") or gettext(_ANY_IDENTIFIER)
    text = str(KRATOS_MESSAGES[DUPLICATE_CREDENTIALS_WITH_HINTS]) % {"identifier": identifier}
    types = [str(t) for t in context.get("available_credential_types") or []]
    methods = [gettext(_CREDENTIAL_NAMES[t]) for t in types if t in _CREDENTIAL_NAMES] or types
    if methods:
        text += " " + gettext(_CAN_SIGN_IN_USING) % {"methods": _or_list(methods)}
    providers = [str(p).title() for p in context.get("available_oidc_providers") or []]
    if providers:
        text += " " + gettext(_CAN_SIGN_IN_WITH_PROVIDERS) % {"providers": ", ".join(providers)}
    return text


def kratos_text(text: UiText | None) -> str:
    """A Kratos `UiText` in the active language; Kratos's English text when
    our catalogue lacks its id or the context lacks a value it needs."""
    if text is None:
        return ""
    context = text.context or {}
    try:
        if text.id == GENERATED_LABEL and context.get("title"):
            return gettext(str(context["title"]))
        if text.id == DUPLICATE_CREDENTIALS_WITH_HINTS:
            return _duplicate_credentials_with_hints(context)
        template = KRATOS_MESSAGES.get(text.id)
        if template is None or text.id in PASSTHROUGH_IDS:
            return social_sign_in_reason(text.text) or text.text
        return str(template) % _derived(context)
    except (KeyError, TypeError, ValueError):
        return text.text
