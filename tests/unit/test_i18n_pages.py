"""The reader's language: Accept-Language picks it, the switcher changes it,
and Kratos's own messages follow it (translated by id, rendered with their
context, Kratos's English when we do not know the id)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django.utils import translation
from ory_client.models import LoginFlow
from ory_client.models.ui_text import UiText

from oryauth.portal.kratos_messages import kratos_text

FLOWS = Path(__file__).parent / "fixtures" / "flows"
FLOW_ID = "0b5a1e0c-6a3c-4d1f-9a0e-2d0a7c1f4e11"
HOST = "127.0.0.1:8000"


def recorded(name: str) -> dict[str, Any]:
    return json.loads((FLOWS / f"{name}.json").read_text())


@pytest.fixture
def wrong_password_flow(monkeypatch: pytest.MonkeyPatch) -> None:
    """The portal's flow fetch returns the recorded login flow after a wrong password."""
    flow = LoginFlow.from_dict(recorded("login_wrong_password"))
    monkeypatch.setattr("oryauth.portal.views.fetch_flow", lambda *args, **kwargs: flow)


def login_page(client: Client, accept_language: str) -> BeautifulSoup:
    response = client.get(f"/login?flow={FLOW_ID}", HTTP_HOST=HOST, HTTP_ACCEPT_LANGUAGE=accept_language)
    assert response.status_code == 200, response.content[:500]
    return BeautifulSoup(response.content, "html.parser")


def label_of(soup: BeautifulSoup, name: str) -> str:
    field = soup.find("input", attrs={"name": name})
    assert field is not None, name
    label = soup.find("label", attrs={"for": field["id"]}).get_text(" ", strip=True)
    return label.removesuffix("*").strip()  # a required field's marker


@pytest.mark.django_db
@pytest.mark.parametrize(("accept_language", "lang", "password", "email", "invalid"), [
    ("de-DE,de;q=0.9,en;q=0.5", "de", "Passwort", "E-Mail-Adresse", "Die Anmeldedaten sind ungültig"),
    ("fr-CH, fr;q=0.9", "fr", "Mot de passe", "Adresse e-mail", "Les identifiants fournis sont invalides"),
    ("es", "es", "Contraseña", "Dirección de correo electrónico", "Las credenciales no son válidas"),
    ("en-GB", "en", "Password", "Email address", "The provided credentials are invalid"),
])
def test_accept_language_picks_the_language_of_the_login_page_and_of_kratos_messages(
    client: Client, wrong_password_flow: None, accept_language: str, lang: str, password: str, email: str,
    invalid: str,
) -> None:
    soup = login_page(client, accept_language)

    assert soup.html["lang"] == lang
    assert label_of(soup, "password") == password  # Kratos's label 1070001
    assert label_of(soup, "identifier") == email  # the identity schema's title, Kratos's 1070002
    assert invalid in soup.get_text(" ")  # Kratos's error 4000006


@pytest.mark.django_db
def test_a_language_nobody_translated_falls_back_to_english(client: Client, wrong_password_flow: None) -> None:
    soup = login_page(client, "ja-JP,ja;q=0.9")

    assert label_of(soup, "password") == "Password"


@pytest.mark.django_db
def test_the_switcher_posts_with_csrf_and_comes_back_to_the_same_page(client: Client, wrong_password_flow: None) -> None:
    soup = login_page(client, "en")
    switcher = soup.select_one('[data-testid="language-switcher"]')

    assert switcher is not None and switcher["method"] == "post"
    assert switcher.find("input", attrs={"name": "csrfmiddlewaretoken"}) is not None
    assert switcher.find("input", attrs={"name": "next"})["value"] == f"/login?flow={FLOW_ID}"
    choices = {button["value"]: button.get_text(strip=True) for button in switcher.find_all("button")}
    assert choices == {"en": "English", "de": "Deutsch", "fr": "Français", "es": "Español"}
    assert switcher.find("button", attrs={"value": "en"}).has_attr("disabled")  # the current language


@pytest.mark.django_db
def test_the_switcher_switches_the_language_and_it_sticks(wrong_password_flow: None) -> None:
    client = Client(enforce_csrf_checks=True)
    soup = login_page(client, "en")
    switcher = soup.select_one('[data-testid="language-switcher"]')
    form = {field["name"]: field["value"] for field in switcher.find_all("input")}

    response = client.post(switcher["action"], {**form, "language": "fr"}, HTTP_HOST=HOST)

    assert response.status_code == 302 and response["Location"] == f"/login?flow={FLOW_ID}"
    again = login_page(client, "en")  # the browser still asks for English; the choice wins
    assert again.html["lang"] == "fr"
    assert label_of(again, "password") == "Mot de passe"


@pytest.mark.django_db
def test_the_switcher_never_sends_the_browser_off_site(client: Client) -> None:
    response = client.post("/i18n/setlang/", {"language": "de", "next": "https://evil.example/"}, HTTP_HOST=HOST)

    assert response.status_code == 302 and not response["Location"].startswith("https://evil.example")


def ui_text(message_id: int, text: str, context: dict[str, Any] | None = None) -> UiText:
    return UiText(id=message_id, text=text, type="error", context=context)


def test_kratos_messages_are_rendered_with_their_context() -> None:
    message = ui_text(4000002, "Property email is missing.", {"property": "email"})
    with translation.override("de"):
        assert kratos_text(message) == "Die Angabe email fehlt."
    with translation.override("en"):
        assert kratos_text(message) == "Property email is missing."


def test_an_unknown_kratos_id_keeps_kratos_english_text() -> None:
    with translation.override("fr"):
        assert kratos_text(ui_text(4999999, "Something new in Kratos.")) == "Something new in Kratos."


def test_a_context_without_the_needed_value_keeps_kratos_english_text() -> None:
    with translation.override("es"):
        assert kratos_text(ui_text(4000002, "Property phone is missing.", {})) == "Property phone is missing."


def test_secrets_and_codes_are_shown_exactly_as_kratos_sent_them() -> None:
    with translation.override("de"):
        assert kratos_text(ui_text(1050006, "GWAOR62JQS6KN7PSY5DU2VCB6L2UZ47G")) == "GWAOR62JQS6KN7PSY5DU2VCB6L2UZ47G"


def test_duplicate_credentials_hint_names_the_ways_to_sign_in_in_the_readers_language() -> None:
    message = ui_text(4000028, "…", {
        "available_credential_types": ["password", "passkey"], "available_oidc_providers": ["github"],
        "credential_identifier_hint": "ada@example.org",
    })
    with translation.override("de"):
        assert kratos_text(message) == (
            "Sie haben versucht, sich mit ada@example.org anzumelden, das bereits von einem anderen Konto verwendet "
            "wird. Sie können sich mit Ihrem Passwort oder Ihrem Passkey anmelden. Sie können sich über einen dieser "
            "sozialen Anmeldedienste anmelden: Github."
        )


def test_an_expired_flow_says_how_long_ago_in_local_number_format(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("oryauth.portal.kratos_messages.time.time", lambda: 1_000_000 + 150)
    message = ui_text(4010001, "The login flow expired 2.50 minutes ago, please try again.",
                      {"expired_at": "…", "expired_at_unix": 1_000_000})
    with translation.override("de"):
        assert kratos_text(message) == "Der Anmeldevorgang ist vor 2,50 Minuten abgelaufen. Bitte versuchen Sie es erneut."
