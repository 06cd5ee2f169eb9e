"""oryauth's Content-Security-Policy: what it allows, how a page widens it for
itself, how a site extends or turns it off, and the check of that setting."""
from __future__ import annotations

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory, override_settings

from oryauth.checks import check_oryauth_settings
from oryauth.csp import HEADER, allow_sources, content_security_policy, policy

ORY = {"KRATOS_PUBLIC_URL": "http://kratos.internal:4433", "KRATOS_BROWSER_URL": "https://auth.example.org",
       "HYDRA_PUBLIC_URL": "https://oauth.example.org"}


def directives(value: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in value.split("; ")}


@override_settings(ORYAUTH=ORY)
def test_the_policy_allows_only_this_site_and_kratos_scripts_and_ory_form_posts() -> None:
    parsed = directives(policy())

    assert parsed["default-src"] == ["'self'"]
    assert parsed["script-src"] == ["'self'", "https://auth.example.org"]  # Kratos as the browser reaches it
    assert parsed["style-src"] == ["'self'"]
    assert parsed["img-src"] == ["'self'", "data:"]
    assert parsed["form-action"] == ["'self'", "https://auth.example.org", "https://oauth.example.org"]
    assert parsed["frame-ancestors"] == parsed["base-uri"] == parsed["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in policy()


@override_settings(ORYAUTH={**ORY, "CONTENT_SECURITY_POLICY": {"img-src": ["https://cdn.example.org"],
                                                              "connect-src": "'self'"}})
def test_a_site_adds_sources_and_directives() -> None:
    parsed = directives(policy())

    assert parsed["img-src"] == ["'self'", "data:", "https://cdn.example.org"]
    assert parsed["connect-src"] == ["'self'"]


@override_settings(ORYAUTH={**ORY, "CONTENT_SECURITY_POLICY": None})
def test_a_site_turns_it_off() -> None:
    view = content_security_policy(lambda request: HttpResponse("ok"))

    assert HEADER not in view(RequestFactory().get("/"))


@override_settings(ORYAUTH=ORY)
def test_a_page_widens_its_own_policy_with_origins_only() -> None:
    def consent(request: HttpRequest) -> HttpResponse:
        response = HttpResponse("consent")
        allow_sources(response, "form-action", ["https://notes.example.com:8443/callback?x=1", "javascript:alert(1)", ""])
        allow_sources(response, "img-src", ["https://user:pw@logos.example.com/notes.png"])
        return response

    parsed = directives(content_security_policy(consent)(RequestFactory().get("/consent"))[HEADER])

    assert parsed["form-action"][-1] == "https://notes.example.com:8443"
    assert "javascript:alert(1)" not in parsed["form-action"]
    assert parsed["img-src"] == ["'self'", "data:", "https://logos.example.com"]


@override_settings(ORYAUTH=ORY)
def test_a_response_with_its_own_policy_keeps_it() -> None:
    def own(request: HttpRequest) -> HttpResponse:
        response = HttpResponse("ok")
        response[HEADER] = "default-src 'none'"
        return response

    assert content_security_policy(own)(RequestFactory().get("/"))[HEADER] == "default-src 'none'"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/account", "/error?error=access_denied", "/consent", "/auth/logout"])
def test_pages_of_the_portal_provider_and_relying_party_send_it_and_the_site_s_own_do_not(path: str) -> None:
    # None of these asks Ory: no Kratos cookie, no challenge.
    assert directives(Client().get(path)[HEADER])["default-src"] == ["'self'"]
    assert HEADER not in Client().get("/")


@pytest.mark.parametrize("value", [["img-src"], {"img-src": 3}, {"img-src": ["a; script-src *"]}, {"": ["x"]},
                                   {"img-src": ["https://a\r\nSet-Cookie: x=1"]}])
def test_a_malformed_setting_is_reported(value: object) -> None:
    with override_settings(ORYAUTH={"CONTENT_SECURITY_POLICY": value}):
        assert "oryauth.E050" in {m.id for m in check_oryauth_settings()}


@pytest.mark.parametrize("value", [None, {}, {"img-src": "https://cdn.example.org"}, {"img-src": ["https://a", "https://b"]}])
def test_a_well_formed_setting_passes(value: object) -> None:
    with override_settings(ORYAUTH={"CONTENT_SECURITY_POLICY": value}):
        assert "oryauth.E050" not in {m.id for m in check_oryauth_settings()}
