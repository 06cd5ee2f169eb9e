"""Kratos's English reasons for a failed social sign-in (message 4000001,
whose text is the reason) read in the reader's language."""
from __future__ import annotations

import pytest
from django.utils import translation
from ory_client.models.ui_text import UiText

from oryauth.portal.kratos_messages import kratos_text

REFUSED = ('Unable to complete OpenID Connect flow because the OpenID Provider returned error "access_denied": '
           "The person declined to sign in with Example ID.")
LAST_CREDENTIAL = ("can not unlink OpenID Connect connection because it is the last remaining first factor "
                   "credential")


def reason(text: str) -> UiText:
    return UiText(id=4000001, text=text, type="error", context={"reason": text})


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "The other account's sign-in service did not sign you in: The person declined to sign in with "
           "Example ID. (access_denied). Please try again, or sign in another way."),
    ("de", "Der Anmeldedienst des anderen Kontos hat Sie nicht angemeldet: The person declined to sign in with "
           "Example ID. (access_denied). Bitte versuchen Sie es erneut oder melden Sie sich anders an."),
])
def test_a_provider_refusing_the_sign_in_is_explained_with_its_own_words(language: str, expected: str) -> None:
    with translation.override(language):
        assert kratos_text(reason(REFUSED)) == expected


def test_unlinking_the_last_way_to_sign_in_says_what_to_do_instead() -> None:
    with translation.override("fr"):
        text = kratos_text(reason(LAST_CREDENTIAL))

    assert text.startswith("Ce compte associé est votre seul moyen de vous connecter")


def test_other_reasons_stay_as_kratos_wrote_them() -> None:
    with translation.override("de"):
        assert kratos_text(reason("Property email is missing, says a future Kratos.")) == (
            "Property email is missing, says a future Kratos.")
