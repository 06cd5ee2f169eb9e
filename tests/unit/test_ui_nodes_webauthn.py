"""Passkey and security-key nodes (Kratos v1.3.1, recorded on the localhost
variant of the stack): one form asks for the identifier once, Kratos's
WebAuthn functions are named in data attributes for the portal's static
script, and no page carries inline JavaScript a strict CSP would block."""
from __future__ import annotations

import json
from typing import Any

import pytest
from bs4 import BeautifulSoup
from django.template.loader import render_to_string
from django.test import RequestFactory

from oryauth.portal.nodes import TRIGGERS, flow_ui
from tests.unit.test_ui_nodes import MODELS, container, node, recorded, recorded_flow, rendered

TRIGGERS_JS = "/static/oryauth/portal/kratos-triggers.js"


def on_this_sites_kratos(name: str) -> Any:
    """A flow recorded on the localhost variant, as if the site's own Kratos
    (the test settings' KRATOS_BROWSER_URL) had sent it."""
    text = json.dumps(recorded(name)).replace("http://localhost:4533", "http://127.0.0.1:4433")
    return MODELS[name].from_dict(json.loads(text))


def render_page(flow_type: str, flow: Any) -> BeautifulSoup:
    from oryauth.portal.views import _page_context

    request = RequestFactory().get(f"/{flow_type}", HTTP_HOST="127.0.0.1:8000")
    context = _page_context(request, flow_type, flow, None)
    return BeautifulSoup(render_to_string(f"oryauth/portal/{flow_type}.html", context, request=request), "html.parser")


def test_login_asks_for_the_identifier_once_in_one_form_with_password_and_passkey() -> None:
    ui = flow_ui(recorded_flow("login_passkey").ui, link_is_safe=lambda url: True)
    soup = rendered(ui)

    assert len(soup.select('input[name="identifier"]')) == 1
    main = soup.select_one('form[data-testid="flow/form/password"]')
    assert main.select_one('input[name="identifier"]')["autocomplete"] == "username webauthn"  # passkey autofill
    assert main.select_one('input[name="password"]') is not None
    assert main.select_one('input[name="passkey_login"]') is not None
    passkey = main.select_one('button[name="passkey_login_trigger"]')
    assert passkey["type"] == "button"  # runs Kratos's function, never posts the form by itself
    assert passkey["data-oryauth-onclick"] == "oryPasskeyLogin"
    assert passkey["data-oryauth-onload"] == "oryPasskeyLoginAutocompleteInit"
    assert "oa-button--secondary" in passkey["class"]
    # The provider buttons need no identifier: their form has only the hidden csrf_token.
    other = soup.select_one('form[data-testid="flow/form/oidc"]')
    assert [i["name"] for i in other.select("input")] == ["csrf_token"]
    assert [form.group for form in ui.forms] == ["password", "oidc"]


def test_registration_keeps_the_traits_in_the_form_the_passkey_posts() -> None:
    soup = rendered(flow_ui(recorded_flow("registration_passkey").ui, link_is_safe=lambda url: True))

    assert len(soup.select('input[name="traits.email"]')) == 1
    trigger = soup.select_one('button[name="passkey_register_trigger"]')
    form = trigger.find_parent("form")
    # webauthn.js reads the passkey's display name from this form's traits.email and posts it.
    assert form.select_one('input[name="traits.email"]') is not None
    assert form.select_one('input[name="passkey_register"]') is not None
    assert (trigger["type"], trigger["data-oryauth-onclick"]) == ("button", "oryPasskeyRegistration")


def test_settings_offer_a_passkey_and_a_security_key_each_in_its_own_form() -> None:
    soup = rendered(flow_ui(recorded_flow("settings_passkey").ui, link_is_safe=lambda url: True))

    passkey = soup.select_one('form[data-testid="flow/form/passkey"]')
    assert passkey.select_one('button[name="passkey_register_trigger"]')["data-oryauth-onclick"] == "oryPasskeySettingsRegistration"
    assert passkey.select_one('input[name="passkey_settings_register"]') is not None
    key = soup.select_one('form[data-testid="flow/form/webauthn"]')
    assert key.select_one('input[name="webauthn_register_displayname"]')["type"] == "text"
    trigger = key.select_one('button[name="webauthn_register_trigger"]')
    assert trigger["data-oryauth-onclick"] == "oryWebAuthnRegistration"
    assert trigger["value"].startswith('{"publicKey"')  # webauthn.js reads the options from the button
    for form in (passkey, key):
        assert form.select_one('input[name="csrf_token"]')["value"]


@pytest.mark.parametrize(("flow_type", "name"), [
    ("login", "login_passkey"), ("registration", "registration_passkey"), ("settings", "settings_passkey"),
])
def test_pages_carry_no_inline_javascript_and_load_each_script_once(flow_type: str, name: str) -> None:
    soup = render_page(flow_type, on_this_sites_kratos(name))

    sources = [script.get("src") for script in soup.find_all("script")]
    # Kratos's webauthn.js, the portal's trigger script and the password toggle (every portal page).
    assert sorted(sources) == sorted(["http://127.0.0.1:4433/.well-known/ory/webauthn.js", TRIGGERS_JS, "/static/oryauth/password-toggle.js"])
    assert all(script.get_text().strip() == "" for script in soup.find_all("script"))
    handlers = [(el.name, attr) for el in soup.find_all(True) for attr in el.attrs if attr.lower().startswith("on")]
    assert handlers == []
    assert "javascript:" not in str(soup).lower()


def test_kratos_onclick_code_is_never_rendered_only_a_known_trigger_name() -> None:
    ui = flow_ui(container(
        node("csrf_token", type="hidden", value="t"),
        node("passkey_login_trigger", group="passkey", type="button", onclick="alert(document.cookie)"),
        node("webauthn_login_trigger", group="webauthn", type="button", onclick="window.oryWebAuthnLogin()",
             onclickTrigger="oryWebAuthnLogin"),
    ))
    html = str(rendered(ui))

    assert "document.cookie" not in html and " onclick=" not in html
    soup = BeautifulSoup(html, "html.parser")
    assert not soup.select_one('button[name="passkey_login_trigger"]').has_attr("data-oryauth-onclick")
    assert soup.select_one('button[name="webauthn_login_trigger"]')["data-oryauth-onclick"] == "oryWebAuthnLogin"
    assert not ui.scripts and ui.has_triggers


def test_trigger_names_are_kratos_webauthn_functions() -> None:
    assert "oryPasskeyLogin" in TRIGGERS and "__oryWebAuthnLogin" in TRIGGERS
    assert all(name.lstrip("_").startswith(("oryWebAuthn", "oryPasskey")) for name in TRIGGERS)


def test_another_methods_button_in_the_shared_form_does_not_demand_the_password() -> None:
    ui = flow_ui(container(
        node("csrf_token", type="hidden", value="t"),
        node("identifier", label="Email address", required=True),
        node("password", group="password", type="password", required=True),
        node("method", group="password", type="submit", value="password"),
        node("method", group="code", type="submit", value="code"),
    ))
    soup = rendered(ui)

    [form] = soup.find_all("form")
    assert len(form.select('input[name="identifier"]')) == 1
    by_value = {b["value"]: b for b in form.select("button[type=submit]")}
    assert not by_value["password"].has_attr("formnovalidate")
    assert by_value["code"].has_attr("formnovalidate")


def test_without_a_shared_method_every_form_keeps_the_visible_default_fields_except_provider_buttons() -> None:
    ui = flow_ui(container(
        node("csrf_token", type="hidden", value="t"),
        node("traits.email", label="Email address", required=True),
        node("method", group="lookup_secret", type="submit", value="lookup_secret"),
        node("provider", group="oidc", type="submit", value="upstream"),
    ))

    assert {form.group: [n.name for n in form.nodes] for form in ui.forms} == {
        "lookup_secret": ["csrf_token", "traits.email", "method"],
        # The provider says who the person is: nothing to type before its button.
        "oidc": ["csrf_token", "provider"],
    }


def test_enter_in_the_key_name_never_removes_a_key_and_removing_is_never_the_main_button() -> None:
    soup = rendered(flow_ui(container(
        node("csrf_token", type="hidden", value="t"),
        node("webauthn_remove", group="webauthn", type="submit", value="a1b2", label="Remove security key"),
        node("webauthn_register_displayname", group="webauthn", label="Name of the security key"),
        node("webauthn_register_trigger", group="webauthn", type="button", value='{"publicKey":{}}',
             onclickTrigger="oryWebAuthnRegistration", label="Add security key"),
    )))

    [form] = soup.find_all("form")
    # Enter presses a form's first submit button: here a disabled one, so nothing is removed.
    first_submit = form.select("button[type=submit]")[0]
    assert first_submit.has_attr("disabled") and first_submit.has_attr("hidden") and not first_submit.has_attr("name")
    assert "oa-button--secondary" in form.select_one('button[name="webauthn_remove"]')["class"]
    assert "oa-button--secondary" not in form.select_one('button[name="webauthn_register_trigger"]')["class"]


def test_an_unnamed_passkey_is_told_apart_by_when_it_was_added() -> None:
    from django.utils import translation

    label = {"id": 1050020, "text": 'Remove passkey "unnamed"', "type": "info",
             "context": {"display_name": "unnamed", "added_at": "2026-12-02T20:30:49Z", "added_at_unix": 1796243449}}
    named = label | {"text": 'Remove passkey "Laptop"', "context": label["context"] | {"display_name": "Laptop"}}
    nodes = [node("passkey_remove", group="passkey", type="submit", value=v) for v in ("a", "b")]
    nodes[0]["meta"], nodes[1]["meta"] = {"label": label}, {"label": named}
    with translation.override("de"):
        soup = rendered(flow_ui(container(node("csrf_token", type="hidden", value="t"), *nodes)))

    labels = [b.get_text(strip=True) for b in soup.select('button[name="passkey_remove"]')]
    assert labels == ["Den am 2. Dezember 2026 20:30 hinzugefügten Passkey entfernen", "Passkey „Laptop“ entfernen"]
