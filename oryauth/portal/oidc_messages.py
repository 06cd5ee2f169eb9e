"""Kratos's reasons for a failed social sign-in, in the reader's language.

Kratos v1.3 reports what went wrong with an outside provider as a generic
message (id 4000001, shown as sent) whose text is the reason itself, in
English. The reasons a person meets in a browser are fixed sentences in
Kratos's oidc strategy (selfservice/strategy/oidc/strategy.go and
strategy_settings.go): each is recognised here by its exact wording and said
in the reader's language. Any other text stays as Kratos wrote it.
"""
from __future__ import annotations

import re

from django.utils.translation import gettext as _

# The provider's own error code and description (RFC 6749 section 4.1.2.1),
# passed on by Kratos: shown as the provider's words, escaped by the template.
_PROVIDER_REFUSED = re.compile(
    r'Unable to complete OpenID Connect flow because the OpenID Provider returned error "(?P<error>[^"]*)": '
    r"(?P<description>.*)",
    re.DOTALL,
)
_LAST_CREDENTIAL = (
    "can not unlink OpenID Connect connection because it is the last remaining first factor credential"
)
_STATE_MISMATCH = (
    "Unable to complete OpenID Connect flow because the query state parameter does not match the state "
    "parameter from the session cookie."
)


def social_sign_in_reason(text: str) -> str | None:
    """`text` (a Kratos oidc reason) in the active language, or None when it
    is not one of the reasons we know."""
    refused = _PROVIDER_REFUSED.fullmatch(text)
    if refused:
        description = refused["description"].strip() or refused["error"]
        return _("The other account's sign-in service did not sign you in: %(description)s (%(error)s). "
                 "Please try again, or sign in another way.") % {"description": description,
                                                                 "error": refused["error"]}
    if text == _LAST_CREDENTIAL:
        return _("This linked account is your only way to sign in, so it cannot be unlinked. "
                 "Set a password first, then unlink it.")
    if text == _STATE_MISMATCH:
        return _("This sign-in was started in another browser tab or has expired. Please start again.")
    return None
