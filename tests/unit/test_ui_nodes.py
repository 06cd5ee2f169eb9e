"""Rendering Kratos UI nodes, from flow JSON recorded on the real Kratos
(tests/unit/fixtures/flows/, re-recorded with its record.py)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from django.template.loader import render_to_string
from django.test import RequestFactory
from ory_client.models import LoginFlow, RecoveryFlow, RegistrationFlow, SettingsFlow, VerificationFlow
from ory_client.models.ui_container import UiContainer

from oryauth.redirects import safe_url
from oryauth.portal.flows import oauth2_login_challenge
from oryauth.portal.nodes import ADDRESS_NOT_VERIFIED, FlowUi, flow_ui

FIXTURES = Path(__file__).parent / "fixtures" / "flows"
MODELS = {
    "login": LoginFlow, "login_wrong_password": LoginFlow, "login_aal2": LoginFlow,
    "registration": RegistrationFlow, "recovery": RecoveryFlow, "recovery_code_sent": RecoveryFlow,
    "verification": VerificationFlow, "settings": SettingsFlow, "settings_lookup_codes_shown": SettingsFlow,
    # From the localhost variant: passkeys, security keys (and social sign-in) enabled.
    "login_passkey": LoginFlow, "registration_passkey": RegistrationFlow, "settings_passkey": SettingsFlow,
}


def recorded(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def recorded_flow(name: str) -> Any:
    return MODELS[name].from_dict(recorded(name))


def rendered(ui: FlowUi) -> BeautifulSoup:
    return BeautifulSoup(render_to_string("oryauth/portal/_forms.html", {"ui": ui}), "html.parser")


def node(name: str, *, group: str = "default", node_type: str = "input", messages: list | None = None,
         label: str | None = None, **attributes: Any) -> dict[str, Any]:
    """A node shaped like Kratos sends it (for types the config here never produces)."""
    attrs = {"node_type": node_type, **attributes}
    if node_type == "input":
        attrs = {"name": name, "type": "text", "disabled": False, **attrs}
    meta = {"label": {"id": 1, "text": label, "type": "info"}} if label else {}
    return {"type": node_type, "group": group, "attributes": attrs, "messages": messages or [], "meta": meta}


def container(*nodes: dict[str, Any], messages: list | None = None) -> UiContainer:
    return UiContainer.from_dict({"action": "http://127.0.0.1:4433/self-service/x?flow=1", "method": "POST",
                                  "nodes": list(nodes), "messages": messages or []})


@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_recorded_flow_keeps_kratos_input_names_and_posts_to_kratos(name: str) -> None:
    flow = recorded(name)
    soup = rendered(flow_ui(recorded_flow(name).ui))

    sent = {n["attributes"]["name"] for n in flow["ui"]["nodes"] if n["type"] == "input"}
    shown = {el["name"] for el in soup.select("input[name], button[name], select[name]")}
    assert shown == sent
    assert {form["action"] for form in soup.find_all("form")} == {flow["ui"]["action"]}
    assert {form["method"] for form in soup.find_all("form")} == {"post"}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_form_carries_the_csrf_token(name: str) -> None:
    soup = rendered(flow_ui(recorded_flow(name).ui))
    for form in soup.find_all("form"):
        assert form.select_one("input[type=hidden][name=csrf_token]")["value"]


def test_login_form_has_labelled_identifier_and_password_and_a_method_button() -> None:
    soup = rendered(flow_ui(recorded_flow("login").ui))

    identifier = soup.select_one("input[name=identifier]")
    password = soup.select_one("input[name=password]")
    assert soup.find("label", attrs={"for": identifier["id"]}).get_text(strip=True).startswith("Email address")
    assert soup.find("label", attrs={"for": password["id"]}).get_text(strip=True).startswith("Password")
    assert password["type"] == "password" and "value" not in password.attrs
    button = soup.select_one("button[name=method]")
    assert (button["type"], button["value"]) == ("submit", "password")


def test_prefill_fills_an_empty_field_but_never_a_password_or_a_value_kratos_sent() -> None:
    soup = rendered(flow_ui(recorded_flow("login_wrong_password").ui,
                            prefill={"identifier": "hint@example.org", "password": "never"}))

    assert soup.select_one("input[name=identifier]")["value"] != "hint@example.org"  # Kratos's own value wins
    assert "value" not in soup.select_one("input[name=password]").attrs
    fresh = rendered(flow_ui(recorded_flow("login").ui, prefill={"identifier": "hint@example.org"}))
    assert fresh.select_one("input[name=identifier]")["value"] == "hint@example.org"


def test_wrong_password_message_is_shown_with_its_kratos_id_and_error_style() -> None:
    ui = flow_ui(recorded_flow("login_wrong_password").ui)
    html = render_to_string("oryauth/portal/_messages.html", {"messages_list": ui.messages})
    soup = BeautifulSoup(html, "html.parser")

    message = soup.select_one('[data-testid="ui/message/4000006"]')
    assert "credentials are invalid" in message.get_text()
    assert "oa-message--error" in message["class"]
    assert message["role"] == "alert"


def test_one_form_per_method_group_each_with_the_default_nodes() -> None:
    ui = flow_ui(recorded_flow("login_aal2").ui)

    assert [form.group for form in ui.forms] == ["totp", "lookup_secret"]
    for form in ui.forms:
        assert form.nodes[0].name == "csrf_token"
        assert {n.group for n in form.nodes[1:]} == {form.group}


def test_settings_groups_come_in_a_stable_order() -> None:
    ui = flow_ui(recorded_flow("settings").ui)
    assert [form.group for form in ui.forms] == ["profile", "password", "totp", "lookup_secret"]
    assert [form.title for form in ui.forms] == ["Profile", "Password", "Authenticator app", "Backup recovery codes"]


def test_totp_setup_shows_the_qr_image_and_the_secret_as_text() -> None:
    soup = rendered(flow_ui(recorded_flow("settings").ui))
    secret = next(n for n in recorded("settings")["ui"]["nodes"] if n["attributes"].get("id") == "totp_secret_key")

    image = soup.select_one('[data-testid="node/img/totp_qr"]')
    assert image["src"].startswith("data:image/png;base64,")
    assert image["alt"] == "Authenticator app QR code"
    text = soup.select_one('[data-testid="node/text/totp_secret_key"]')
    assert secret["attributes"]["text"]["text"] in text.get_text()
    assert "authenticator app secret" in text.get_text()


def test_lookup_codes_are_listed_one_per_item() -> None:
    flow = recorded("settings_lookup_codes_shown")
    codes_node = next(n for n in flow["ui"]["nodes"] if n["attributes"].get("id") == "lookup_secret_codes")
    expected = [s["text"] for s in codes_node["attributes"]["text"]["context"]["secrets"]]

    soup = rendered(flow_ui(recorded_flow("settings_lookup_codes_shown").ui))

    shown = [li.get_text(strip=True) for li in soup.select('[data-testid="node/text/lookup_secret_codes"] li')]
    assert shown == expected and len(shown) >= 8


def test_recovery_resend_button_keeps_its_name_and_value() -> None:
    soup = rendered(flow_ui(recorded_flow("recovery_code_sent").ui))
    resend = soup.select_one("button[name=email]")
    assert resend["value"].endswith("@example.org")
    assert resend.get_text(strip=True) == "Resend code"
    assert soup.select_one("input[type=hidden][name=method]")["value"] == "code"


def test_anchor_script_and_division_nodes_are_rendered() -> None:
    site = RequestFactory().get("/settings", HTTP_HOST="127.0.0.1:8000")
    ui = flow_ui(container(
        node("", node_type="a", id="continue", href="http://127.0.0.1:8000/", title={"id": 1070009, "text": "Continue", "type": "info"}),
        node("", node_type="script", group="webauthn", id="webauthn_script", src="http://127.0.0.1:4433/.well-known/ory/webauthn.js",
             type="text/javascript", **{"async": True}, crossorigin="anonymous", integrity="sha512-abc",
             referrerpolicy="no-referrer", nonce="n0nce"),
        node("", node_type="div", group="captcha", id="captcha"),
    ), link_is_safe=lambda url: bool(safe_url(site, url)))
    soup = rendered(ui)
    scripts = BeautifulSoup(render_to_string("oryauth/portal/_scripts.html", {"ui": ui}), "html.parser")

    link = soup.select_one('[data-testid="node/a/continue"]')
    assert (link["href"], link.get_text()) == ("http://127.0.0.1:8000/", "Continue")
    assert soup.find("script") is None  # scripts come once per page, not inside a form
    script = scripts.find("script")
    assert script["src"].endswith("/webauthn.js") and script.has_attr("async")
    assert (script["integrity"], script["nonce"], script["crossorigin"]) == ("sha512-abc", "n0nce", "anonymous")
    assert soup.select_one("div#oa-captcha") is not None


def test_inputs_without_a_label_get_one_from_their_name() -> None:
    ui = flow_ui(container(
        node("csrf_token", type="hidden", value="t"),
        node("traits.name.first", group="profile"),
        node("traits.newsletter", group="profile", type="checkbox", value=True),
        node("method", group="profile", type="submit", value="profile"),
    ))
    soup = rendered(ui)

    first = soup.select_one('input[name="traits.name.first"]')
    assert soup.find("label", attrs={"for": first["id"]}).get_text(strip=True) == "First"
    checkbox = soup.select_one('input[name="traits.newsletter"]')
    assert checkbox["type"] == "checkbox" and checkbox.has_attr("checked") and checkbox["value"] == "true"
    assert soup.find("label", attrs={"for": checkbox["id"]}).get_text(strip=True) == "Newsletter"
    assert soup.select_one("button[name=method]").get_text(strip=True) == "Continue"


@pytest.mark.parametrize("kind", ["error", "info", "success"])
def test_node_messages_are_styled_by_type_and_linked_to_their_field(kind: str) -> None:
    ui = flow_ui(container(node("password", group="password", type="password",
                                messages=[{"id": 4000005, "text": "too short", "type": kind}])))
    soup = rendered(ui)

    field = soup.select_one("input[name=password]")
    message = soup.select_one('[data-testid="ui/message/4000005"]')
    assert f"oa-message--{kind}" in message["class"]
    assert message.find_parent("div")["id"] == field["aria-describedby"]
    assert message["role"] == ("alert" if kind == "error" else "status")  # errors are announced at once
    assert field.has_attr("aria-invalid") == (kind == "error")


def test_address_not_verified_message_is_recognised() -> None:
    ui = flow_ui(container(node("csrf_token", type="hidden", value="t"), messages=[
        {"id": ADDRESS_NOT_VERIFIED, "text": "Account not active yet.", "type": "error"}]))
    assert ADDRESS_NOT_VERIFIED in ui.message_ids


def test_oauth2_login_challenge_is_read_from_the_flow() -> None:
    login_request = {"challenge": "abc123", "client": {"client_id": "c"}, "request_url": "http://127.0.0.1:4444/oauth2/auth",
                     "skip": False, "subject": ""}
    data = recorded("login") | {"oauth2_login_request": login_request, "oauth2_login_challenge": "abc123"}
    assert oauth2_login_challenge(LoginFlow.from_dict(data)) == "abc123"
    assert oauth2_login_challenge(recorded_flow("login")) == ""


def render_page(flow_type: str, flow: Any) -> BeautifulSoup:
    from oryauth.portal.views import _page_context

    request = RequestFactory().get(f"/{flow_type}", HTTP_HOST="127.0.0.1:8000")
    context = _page_context(request, flow_type, flow, None)
    return BeautifulSoup(render_to_string(f"oryauth/portal/{flow_type}.html", context), "html.parser")


def test_login_with_an_unverified_address_message_links_to_verification() -> None:
    data = recorded("login_wrong_password")
    data["ui"]["messages"] = [{"id": ADDRESS_NOT_VERIFIED, "type": "error",
                               "text": "Account not active yet. Did you forget to verify your email address?"}]

    soup = render_page("login", LoginFlow.from_dict(data))

    assert soup.select_one('[data-testid="flow/verify-address"]')["href"].startswith("/verification")


def test_second_factor_login_page_is_titled_for_it_and_offers_sign_out() -> None:
    soup = render_page("login", recorded_flow("login_aal2"))

    assert soup.h1.get_text(strip=True) == "Two-factor authentication"
    assert soup.select_one('form[action="/signout"] [data-testid="account/signout"]') is not None
    assert soup.select_one('[data-testid="flow/link/registration"]') is None


def test_only_the_first_button_of_a_form_is_primary() -> None:
    soup = rendered(flow_ui(recorded_flow("recovery_code_sent").ui))
    buttons = soup.select("button")
    assert [b.get_text(strip=True) for b in buttons] == ["Continue", "Resend code"]
    assert ["oa-button--secondary" in b["class"] for b in buttons] == [False, True]


def test_a_password_field_gets_a_show_hide_button_that_stays_hidden_until_the_script_enables_it() -> None:
    soup = rendered(flow_ui(container(node("password", group="password", type="password"),
                                      node("identifier", group="default", type="text"))))

    toggle = soup.select_one("button[data-oa-password-toggle]")
    assert toggle["type"] == "button" and toggle.has_attr("hidden")  # no dead control without JavaScript
    assert toggle["aria-controls"] == soup.select_one("input[name=password]")["id"]
    assert toggle.get_text(strip=True) == toggle["data-show-label"] == "Show password"
    assert len(soup.select("button[data-oa-password-toggle]")) == 1  # not on the identifier field
