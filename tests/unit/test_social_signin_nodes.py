"""Kratos's oidc nodes ("Sign in with Example ID", link / unlink) rendered as
a section of their own. The node lists are shaped as Kratos v1.3.1 sends them
(captured from the localhost stack's Kratos with the `upstream` provider)."""
from __future__ import annotations

from typing import Any

import pytest
from bs4 import BeautifulSoup
from django.template.loader import render_to_string
from django.utils import translation
from ory_client.models.ui_container import UiContainer

from oryauth.portal.nodes import flow_ui

KRATOS = "http://localhost:4533"


def submit(name: str, value: str, label_id: int, label: str, group: str = "oidc") -> dict[str, Any]:
    return {
        "type": "input", "group": group, "messages": [],
        "attributes": {"node_type": "input", "name": name, "type": "submit", "value": value, "disabled": False},
        "meta": {"label": {"id": label_id, "text": label, "type": "info",
                           "context": {"provider": "Example ID", "provider_id": "upstream"}}},
    }


def field(name: str, group: str, title: str, value: str | None = None, required: bool = False,
          messages: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    attributes: dict[str, Any] = {"node_type": "input", "name": name, "type": "text", "disabled": False,
                                  "required": required}
    if value is not None:
        attributes["value"] = value
    return {"type": "input", "group": group, "messages": messages or [], "attributes": attributes,
            "meta": {"label": {"id": 1070002, "text": title, "type": "info", "context": {"title": title}}}}


CSRF = {"type": "input", "group": "default", "messages": [], "meta": {},
        "attributes": {"node_type": "input", "name": "csrf_token", "type": "hidden", "value": "csrf-42",
                       "required": True, "disabled": False}}


def container(flow: str, *nodes: dict[str, Any]) -> UiContainer:
    return UiContainer.from_dict({"action": f"{KRATOS}/self-service/{flow}?flow=1", "method": "POST",
                                  "nodes": list(nodes), "messages": []})


def login_ui() -> UiContainer:
    return container(
        "login",
        submit("provider", "upstream", 1010002, "Sign in with Example ID"),
        CSRF,
        field("identifier", "default", "Email address", value="", required=True),
        {"type": "input", "group": "password", "messages": [], "meta": {"label": {"id": 1070001, "text": "Password", "type": "info"}},
         "attributes": {"node_type": "input", "name": "password", "type": "password", "required": True,
                        "disabled": False}},
        submit("method", "password", 1010022, "Sign in with password", group="password"),
    )


def registration_ui() -> UiContainer:
    return container(
        "registration",
        submit("provider", "upstream", 1040002, "Sign up with Example ID"),
        field("traits.email", "default", "Email address", required=True),
        field("traits.name.first", "default", "First name"),
        CSRF,
        {"type": "input", "group": "password", "messages": [], "meta": {"label": {"id": 1070001, "text": "Password", "type": "info"}},
         "attributes": {"node_type": "input", "name": "password", "type": "password", "required": True,
                        "disabled": False}},
        submit("method", "password", 1040001, "Sign up", group="password"),
    )


def rendered(ui: Any) -> BeautifulSoup:
    return BeautifulSoup(render_to_string("oryauth/portal/_forms.html", {"ui": ui}), "html.parser")


@pytest.mark.parametrize("ui", [login_ui(), registration_ui()], ids=["login", "registration"])
def test_provider_buttons_get_a_form_with_nothing_to_type_only_the_csrf_token(ui: UiContainer) -> None:
    soup = rendered(flow_ui(ui))

    providers = soup.select_one("form[data-testid='flow/form/oidc']")
    assert [(i["name"], i["value"]) for i in providers.select("input")] == [("csrf_token", "csrf-42")]
    assert [(b["name"], b["value"]) for b in providers.select("button")] == [("provider", "upstream")]
    # The password form still has everything it needs.
    password = soup.select_one("form[data-testid='flow/form/password']")
    assert password.select_one("input[name=password]") is not None
    assert password.select_one("input[name=csrf_token]")["value"] == "csrf-42"


def test_provider_form_posts_to_the_flow_action_like_every_other_form() -> None:
    soup = rendered(flow_ui(login_ui()))

    assert {form["action"] for form in soup.find_all("form")} == {f"{KRATOS}/self-service/login?flow=1"}


@pytest.mark.parametrize(("ui", "title", "german"), [
    (login_ui(), "Sign in with another account", "Mit einem anderen Konto anmelden"),
    (registration_ui(), "Sign up with another account", "Mit einem anderen Konto registrieren"),
    (container("settings", CSRF, submit("link", "upstream", 1050002, "Link Example ID")),
     "Linked accounts", "Verknüpfte Konten"),
], ids=["login", "registration", "settings"])
def test_the_provider_section_is_titled_for_the_page_it_is_on(ui: UiContainer, title: str, german: str) -> None:
    [providers] = [form for form in flow_ui(ui).forms if form.group == "oidc"]
    assert providers.title == title
    with translation.override("de"):
        [providers] = [form for form in flow_ui(ui).forms if form.group == "oidc"]
    assert providers.title == german


def test_provider_buttons_read_in_the_readers_language() -> None:
    with translation.override("de"):
        soup = rendered(flow_ui(registration_ui()))
        settings = rendered(flow_ui(container(
            "settings", CSRF, submit("unlink", "upstream", 1050003, "Unlink Example ID"))))

    assert soup.select_one("button[name=provider]").get_text(strip=True) == "Mit Example ID registrieren"
    assert settings.select_one("button[name=unlink]").get_text(strip=True) == "Verknüpfung mit Example ID aufheben"


def test_kratos_asking_for_a_trait_the_provider_left_empty_keeps_its_fields_in_the_provider_form() -> None:
    # Kratos's registration page after Example ID vouched for no email address.
    missing = [{"id": 4000002, "text": "Property email is missing.", "type": "error",
                "context": {"property": "email"}}]
    ui = flow_ui(container(
        "registration",
        CSRF,
        submit("provider", "upstream", 1040003, "Continue"),
        field("traits.email", "oidc", "Email address", required=True, messages=missing),
        field("traits.name.first", "oidc", "First name", value="Katherine"),
    ))

    assert ui.provider_asks_for_traits
    [form] = ui.forms
    soup = rendered(ui)
    assert soup.select_one("input[name='traits.email']")["required"] is not None
    assert soup.select_one("input[name='traits.name.first']")["value"] == "Katherine"
    assert soup.select_one("[data-testid='ui/message/4000002']").get_text(strip=True) == "Property email is missing."
    assert not flow_ui(registration_ui()).provider_asks_for_traits


def form_action_of(ui: UiContainer) -> list[str]:
    """The form-action sources of a portal page showing `ui` (no client, no return_to)."""
    from django.http import HttpResponse

    from oryauth.csp import policy
    from oryauth.portal.views import _allow_page_sources

    response = HttpResponse()
    _allow_page_sources(response, login_request=None, context={"ui": flow_ui(ui), "return_to": "", "requesting_client": None})
    header = policy(getattr(response, "oryauth_csp_additions", {}))
    directive = next(d for d in header.split("; ") if d.startswith("form-action "))
    return directive.split()[1:]


def test_a_page_with_provider_buttons_lets_kratos_redirect_the_post_to_any_https_provider() -> None:
    # Chromium checks form-action on the redirect Kratos answers the button's
    # post with; Django cannot know which provider Kratos sends it to.
    assert "https:" in form_action_of(login_ui())


def test_a_page_without_provider_buttons_keeps_form_action_to_this_site_kratos_and_hydra() -> None:
    password_only = container(
        "login",
        CSRF,
        field("identifier", "default", "Email address", value="", required=True),
        submit("method", "password", 1010022, "Sign in with password", group="password"),
    )

    assert "https:" not in form_action_of(password_only)
