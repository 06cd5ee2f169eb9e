"""The relying party signs users in through the real Hydra (the portal is
played through Hydra's admin API): start, callback, user provisioning,
replay and tampering, foreign `next`, provider errors, sign-out."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.auth import get_user_model
from django.test import Client

from oryauth import ory
from oryauth.identities import IdentityClaims, LoginRejected, UserProvisioner
from oryauth.client.models import RelyingPartyTokens
from oryauth.models import IdentityLink
from tests.support.kratos import browser_login, create_identity
from tests.support.relying_party import POST_LOGOUT_URI, REDIRECT_URI, AdminApiPortal, follow_through_hydra, local_path, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser() -> requests.Session:
    return requests.Session()


def test_start_redirects_to_hydra_with_state_nonce_and_pkce(client: Client) -> None:
    response = client.get("/auth/login", {"next": "/protected/", "prompt": "login", "login_hint": "ada@example.org"})

    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == "http://127.0.0.1:4444/oauth2/auth"
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert query["response_type"] == "code"
    assert query["client_id"] == "oryauth-demo"
    assert query["redirect_uri"] == REDIRECT_URI
    assert query["scope"] == "openid offline_access email profile"
    assert query["code_challenge_method"] == "S256"
    assert len(query["state"]) >= 40 and len(query["nonce"]) >= 40 and len(query["code_challenge"]) == 43
    assert query["prompt"] == "login" and query["login_hint"] == "ada@example.org"
    assert query["state"] in client.session["oryauth_client_pending"]


def test_signed_in_user_lands_on_next_and_is_created_once(client: Client, browser: requests.Session) -> None:
    portal = AdminApiPortal(email="grace@example.org", given_name="Grace", family_name="Hopper")

    _, response = sign_in(client, browser, portal, start="/auth/login?next=/protected/")

    assert response.status_code == 302 and response["Location"] == "/protected/"
    user = get_user_model().objects.get(ory_identities__subject=portal.subject)
    assert (user.email, user.first_name, user.last_name) == ("grace@example.org", "Grace", "Hopper")
    assert int(client.session["_auth_user_id"]) == user.pk
    tokens = RelyingPartyTokens.objects.get(user=user)
    assert tokens.access_token and tokens.refresh_token and tokens.id_token
    assert tokens.subject == portal.subject and tokens.issuer == "http://127.0.0.1:4444/"
    assert client.session["oryauth_client_tokens"] == tokens.pk
    assert "access_token" not in str(client.cookies)

    # A second sign-in (new browser, changed name at the identity) reuses the same Django user.
    second, second_browser = Client(), requests.Session()
    portal.given_name = "Grace B."
    _, again = sign_in(second, second_browser, portal)
    assert again.status_code == 302
    assert IdentityLink.objects.filter(subject=portal.subject).count() == 1
    assert get_user_model().objects.filter(ory_identities__subject=portal.subject).count() == 1
    user.refresh_from_db()
    assert user.first_name == "Grace B."


def test_the_session_key_is_rotated_on_sign_in(client: Client, browser: requests.Session) -> None:
    client.get("/auth/login")
    before = client.session.session_key

    sign_in(client, browser, AdminApiPortal())

    assert client.session.session_key != before


def test_replaying_the_callback_url_is_refused(client: Client, browser: requests.Session) -> None:
    callback_url, first = sign_in(client, browser, AdminApiPortal())
    assert first.status_code == 302

    replay = client.get(local_path(callback_url))

    assert replay.status_code == 400
    assert b"no longer valid" in replay.content
    # The attacker's browser (no pending sign-in at all) gets the same answer.
    assert Client().get(local_path(callback_url)).status_code == 400


def test_a_tampered_state_is_refused_and_nobody_is_signed_in(client: Client, browser: requests.Session) -> None:
    started = client.get("/auth/login")
    callback_url = follow_through_hydra(browser, started["Location"], AdminApiPortal(), stop_at=REDIRECT_URI)
    state = parse_qs(urlsplit(callback_url).query)["state"][0]
    tampered = callback_url.replace(f"state={state}", f"state={state[:-2]}xx")

    response = client.get(local_path(tampered))

    assert response.status_code == 400
    assert "_auth_user_id" not in client.session
    assert not RelyingPartyTokens.objects.exists()


@pytest.mark.parametrize("foreign", ["https://evil.example/steal", "//evil.example/", "http:///evil.example", "javascript:alert(1)"])
def test_next_pointing_off_site_is_ignored(client: Client, browser: requests.Session, foreign: str) -> None:
    _, response = sign_in(client, browser, AdminApiPortal(), start=f"/auth/login?{_q(next=foreign)}")

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_several_sign_ins_can_be_pending_in_parallel_tabs(client: Client, browser: requests.Session) -> None:
    first = client.get("/auth/login?next=/first/")
    second = client.get("/auth/login?next=/second/")
    first_callback = follow_through_hydra(browser, first["Location"], AdminApiPortal(), stop_at=REDIRECT_URI)
    second_callback = follow_through_hydra(requests.Session(), second["Location"], AdminApiPortal(), stop_at=REDIRECT_URI)

    assert client.get(local_path(second_callback))["Location"] == "/second/"
    assert client.get(local_path(first_callback))["Location"] == "/first/"


def test_denied_consent_shows_a_page_with_a_link_to_try_again(client: Client, browser: requests.Session) -> None:
    _, response = sign_in(client, browser, AdminApiPortal(deny_consent=True), start="/auth/login?next=/protected/")

    assert response.status_code == 403
    body = response.content.decode()
    assert "Access was denied" in body
    assert "access_denied" in body
    assert "/auth/login?next=%2Fprotected%2F" in body
    assert "_auth_user_id" not in client.session


def test_a_provisioner_can_refuse_the_login(client: Client, browser: requests.Session, settings) -> None:  # noqa: ANN001
    settings.ORYAUTH = {**settings.ORYAUTH, "USER_PROVISIONER": f"{__name__}.OnlyExampleComProvisioner"}

    _, response = sign_in(client, browser, AdminApiPortal(email="mallory@example.org"))

    assert response.status_code == 403
    assert b"Only example.com addresses may sign in here." in response.content
    assert "_auth_user_id" not in client.session
    assert not get_user_model().objects.filter(email="mallory@example.org").exists()


class OnlyExampleComProvisioner(UserProvisioner):
    def check(self, claims: IdentityClaims) -> None:
        if not claims.email.endswith("@example.com"):
            raise LoginRejected("Only example.com addresses may sign in here.")


def test_userinfo_claims_are_used_when_configured(client: Client, browser: requests.Session, settings) -> None:  # noqa: ANN001
    settings.ORYAUTH = {**settings.ORYAUTH, "CLIENT_FETCH_USERINFO": True}
    portal = AdminApiPortal(email="linus@example.org", given_name="Linus")

    _, response = sign_in(client, browser, portal)

    assert response.status_code == 302
    assert get_user_model().objects.get(ory_identities__subject=portal.subject).first_name == "Linus"


def test_sign_out_revokes_tokens_and_ends_the_hydra_and_kratos_sessions(client: Client, browser: requests.Session) -> None:
    identity = create_identity()
    kratos_browser = browser_login(identity)
    kratos_session = ory.whoami(cookie=f"ory_kratos_session={kratos_browser.cookies['ory_kratos_session']}")
    portal = AdminApiPortal(subject=identity.id, email=identity.email, remember=True, identity_provider_session_id=str(kratos_session.id))
    sign_in(client, browser, portal)
    tokens = RelyingPartyTokens.objects.get(subject=identity.id)
    assert ory.hydra_admin().introspect_o_auth2_token(tokens.access_token).active

    response = client.post("/auth/logout")

    assert response.status_code == 302
    end_session = urlsplit(response["Location"])
    assert f"{end_session.scheme}://{end_session.netloc}{end_session.path}" == "http://127.0.0.1:4444/oauth2/sessions/logout"
    query = {k: v[0] for k, v in parse_qs(end_session.query).items()}
    assert query["id_token_hint"] == tokens.id_token
    assert query["post_logout_redirect_uri"] == POST_LOGOUT_URI and query["state"]
    assert "_auth_user_id" not in client.session
    assert not RelyingPartyTokens.objects.filter(pk=tokens.pk).exists()
    assert not ory.hydra_admin().introspect_o_auth2_token(tokens.access_token).active
    assert not ory.hydra_admin().introspect_o_auth2_token(tokens.refresh_token).active

    # The browser follows to Hydra, the portal accepts the logout, Hydra returns to the site.
    back = follow_through_hydra(browser, response["Location"], portal, stop_at=POST_LOGOUT_URI)
    assert parse_qs(urlsplit(back).query)["state"] == [query["state"]]
    landed = client.get(local_path(back), follow=True)
    assert landed.redirect_chain == [("/", 302)]
    assert b"You are signed out." in landed.content
    assert ory.whoami(cookie=f"ory_kratos_session={kratos_browser.cookies['ory_kratos_session']}") is None
    # Hydra forgot the remembered login: the next sign-in asks the portal to authenticate again.
    sign_in(Client(), browser, portal)
    assert portal.login_requests[-1].skip is False


def test_a_second_sign_in_is_skipped_by_hydra_while_remembered(client: Client, browser: requests.Session) -> None:
    portal = AdminApiPortal(remember=True)
    sign_in(client, browser, portal)
    sign_in(Client(), browser, portal)
    assert [r.skip for r in portal.login_requests] == [False, True]


def test_logout_page_asks_before_signing_out(client: Client) -> None:
    response = client.get("/auth/logout")
    assert response.status_code == 200
    assert b'method="post"' in response.content


def _q(**params: str) -> str:
    from urllib.parse import urlencode

    return urlencode(params)


def test_an_anonymous_visitor_of_a_protected_page_comes_back_to_it_signed_in(client: Client, browser: requests.Session) -> None:
    first = client.get("/protected/")
    assert first.status_code == 302 and first["Location"] == "/auth/login?next=/protected/"

    _, response = sign_in(client, browser, AdminApiPortal(email="ada@example.org"), start=first["Location"])
    assert response["Location"] == "/protected/"

    page = client.get("/protected/")
    assert page.status_code == 200
    assert b"ada@example.org" in page.content
    assert b'data-testid="protected/token-expiry"' in page.content
    assert b"ory_at_" not in page.content  # the token itself never reaches the page


def test_the_post_logout_page_ignores_a_state_it_did_not_send(client: Client) -> None:
    landed = client.get("/auth/logged-out", {"state": "forged"}, follow=True)
    assert landed.redirect_chain == [("/", 302)]
    assert b"You are signed out." not in landed.content


def test_no_token_code_or_secret_reaches_the_logs(client: Client, browser: requests.Session, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    callback_url, _ = sign_in(client, browser, AdminApiPortal())
    tokens = RelyingPartyTokens.objects.get()
    client.get(local_path(callback_url))  # replay: refused, logged
    client.get("/auth/callback", {"error": "access_denied", "state": "x"})
    client.post("/auth/logout")

    code = parse_qs(urlsplit(callback_url).query)["code"][0]
    for secret in (tokens.access_token, tokens.refresh_token, tokens.id_token, code, "dev-demo-client-secret-change-me"):
        assert secret not in caplog.text
    assert "ory_at_" not in caplog.text and "ory_rt_" not in caplog.text


def test_signing_in_again_in_the_same_browser_keeps_only_the_new_tokens(client: Client, browser: requests.Session) -> None:
    portal = AdminApiPortal()
    sign_in(client, browser, portal)
    first = RelyingPartyTokens.objects.get()

    sign_in(client, browser, portal)

    second = RelyingPartyTokens.objects.get()
    assert second.pk != first.pk and client.session["oryauth_client_tokens"] == second.pk
