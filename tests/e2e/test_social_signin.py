"""Social sign-in: "Sign in with Example ID" through Kratos's oidc method.

Runs against the localhost stack (tools/ory/up-localhost.sh): the demo site on
http://localhost:8100, its Kratos on localhost:4533 with the oidc provider
`upstream` ("Example ID"), and Example ID itself, a real Hydra on
127.0.0.1:4544 whose sign-in and consent pages the test serves
(tests/support/example_id.py). Identities are checked through that Kratos's
admin API; the site is observed through the browser.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import requests
from playwright.sync_api import Browser, Page, Response, expect

from tests.e2e.conftest import screenshot
from tests.support.example_id import (
    ExampleIDPages,
    UpstreamPerson,
    identities_signing_in_with,
    identities_with_email,
    identity,
)
from tests.support.localhost_stack import KRATOS_ADMIN, SITE

PASSWORD = "a long and unguessable passphrase 42"
# Kratos refuses an unlink that would leave no way to sign in (message
# 4000001, its English reason as text), said in the reader's language.
LAST_CREDENTIAL = "This linked account is your only way to sign in, so it cannot be unlinked."


@pytest.fixture(scope="session")
def example_id_pages(localhost_stack: None) -> Iterator[ExampleIDPages]:
    try:
        pages = ExampleIDPages()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    yield pages
    pages.close()


@pytest.fixture
def example_id(example_id_pages: ExampleIDPages) -> Iterator[ExampleIDPages]:
    """Example ID's pages, with a new person signing in there for this test."""
    example_id_pages.person = UpstreamPerson()
    example_id_pages.refuse = False
    example_id_pages.visits.clear()
    yield example_id_pages
    example_id_pages.person = None


def _site_page(browser: Browser, locale: str = "en-GB") -> Iterator[Page]:
    context = browser.new_context(base_url=SITE, locale=locale)  # locale -> Accept-Language
    context.set_default_timeout(15_000)
    page = context.new_page()
    # Whatever Example ID or Kratos answers, the site never answers with a 500.
    page.on("response", _no_server_error_from_the_site)
    yield page
    context.close()


def _no_server_error_from_the_site(response: Response) -> None:
    if response.url.startswith(SITE):
        assert response.status < 500, f"{response.url} answered {response.status}"


@pytest.fixture
def site(browser: Browser, localhost_stack: None) -> Iterator[Page]:
    """A fresh browser on the localhost demo site, in English."""
    yield from _site_page(browser)


@pytest.fixture
def site_de(browser: Browser, localhost_stack: None) -> Iterator[Page]:
    """A fresh browser on the localhost demo site whose language is German."""
    yield from _site_page(browser, locale="de-DE")


def sign_in_with_example_id(page: Page, start: str = "/login", button: str = "Sign in with Example ID") -> None:
    page.goto(start)
    page.get_by_test_id("flow/form/oidc").get_by_role("button", name=button).click()


def sign_out(page: Page) -> None:
    page.goto("/")
    page.get_by_test_id("account/signout").click()
    expect(page.get_by_test_id("home/signed-out")).to_be_visible()


def create_password_identity() -> tuple[str, str]:
    """A person with a password account on the localhost Kratos: (identity id, email)."""
    email = f"password-{uuid.uuid4().hex[:12]}@example.org"
    created = requests.post(f"{KRATOS_ADMIN}/admin/identities", timeout=5, json={
        "schema_id": "person",
        "traits": {"email": email, "name": {"first": "Ada", "last": "Lovelace"}},
        "credentials": {"password": {"config": {"password": PASSWORD}}},
        "verifiable_addresses": [{"value": email, "via": "email", "verified": True, "status": "completed"}],
    })
    created.raise_for_status()
    return str(created.json()["id"]), email


def sign_in_with_password(page: Page, email: str) -> None:
    page.goto("/login")
    form = page.get_by_test_id("flow/form/password")
    form.locator("input[name=identifier]").fill(email)
    form.locator("input[name=password]").fill(PASSWORD)
    form.get_by_role("button", name="Sign in with password").click()
    expect(page.get_by_test_id("home/signed-in")).to_be_visible()


def test_login_and_registration_offer_example_id_as_a_section_of_its_own(site: Page, example_id: ExampleIDPages) -> None:
    for start, heading, button in (("/login", "Sign in with another account", "Sign in with Example ID"),
                                   ("/registration", "Sign up with another account", "Sign up with Example ID")):
        site.goto(start)
        providers = site.get_by_test_id("flow/form/oidc")
        expect(providers.get_by_role("heading")).to_have_text(heading)
        expect(providers.get_by_role("button")).to_have_text([button])
        # The provider says who the person is: nothing to type, only Kratos's CSRF token.
        expect(providers.locator("input:not([type=hidden])")).to_have_count(0)
        expect(providers.locator("input[type=hidden]")).to_have_count(1)
        expect(providers.locator("input[name=csrf_token]")).not_to_have_value("")
        # It posts to Kratos, which sends the browser on to Example ID.
        assert (providers.get_attribute("action") or "").startswith(f"http://localhost:4533/self-service{start}?flow=")
        screenshot(site, f"social-signin{start.replace('/', '-')}-en")


def test_first_sign_in_with_example_id_creates_the_identity_from_its_claims(
    site: Page, example_id: ExampleIDPages
) -> None:
    person = example_id.person
    assert person is not None

    sign_in_with_example_id(site)

    expect(site.get_by_test_id("home/signed-in")).to_have_text("You are signed in as Katherine Johnson.")
    expect(site.get_by_test_id("home/email")).to_have_text(str(person.email))
    assert example_id.visits == ["/login", "/consent"]
    screenshot(site, "social-signin-first-sign-in-home")
    [created] = identities_signing_in_with(person)
    assert created["traits"] == {"email": person.email, "name": {"first": "Katherine", "last": "Johnson"}}
    # Example ID vouched for the address: no verification code needed.
    [address] = created["verifiable_addresses"]
    assert (address["value"], address["verified"]) == (person.email, True)

    site.goto("/sessions")
    expect(site.get_by_test_id("sessions/current/method/oidc")).to_be_visible()


def test_signing_in_again_with_the_same_example_id_person_reaches_the_same_identity(
    site: Page, example_id: ExampleIDPages
) -> None:
    person = example_id.person
    assert person is not None
    sign_in_with_example_id(site)
    expect(site.get_by_test_id("home/signed-in")).to_be_visible()
    [first] = identities_signing_in_with(person)
    sign_out(site)

    # Once from the sign-in page, once from the sign-up page: either way the
    # same person at Example ID is the same identity here.
    for start, button in (("/login", "Sign in with Example ID"), ("/registration", "Sign up with Example ID")):
        sign_in_with_example_id(site, start, button)
        expect(site.get_by_test_id("home/signed-in")).to_have_text("You are signed in as Katherine Johnson.")
        expect(site.get_by_text(first["id"], exact=True)).to_be_visible()
        sign_out(site)

    assert [found["id"] for found in identities_signing_in_with(person)] == [first["id"]]


@pytest.mark.parametrize("claims", ["unverified_email", "no_email"])
def test_an_address_example_id_did_not_verify_is_not_taken_the_person_types_their_own(
    site: Page, example_id: ExampleIDPages, claims: str
) -> None:
    someone_elses = f"victim-{uuid.uuid4().hex[:12]}@example.org"
    person = UpstreamPerson(email=someone_elses if claims == "unverified_email" else None, email_verified=False)
    example_id.person = person

    sign_in_with_example_id(site, "/registration", "Sign up with Example ID")

    # Kratos asks for the missing trait on the registration page, names
    # prefilled from Example ID, the address left empty.
    site.wait_for_url(f"{SITE}/registration?flow=*")
    form = site.get_by_test_id("flow/form/oidc")
    expect(site.get_by_test_id("registration/provider-needs-details")).to_be_visible()
    expect(form.locator("input[name='traits.email']")).to_have_value("")
    expect(form.locator("input[name='traits.name.first']")).to_have_value("Katherine")
    expect(form.get_by_test_id("ui/message/4000002")).to_be_visible()  # "Property email is missing."
    screenshot(site, f"social-signin-{claims}-asks-for-address")
    assert identities_signing_in_with(person) == []
    assert identities_with_email(someone_elses) == []

    own = f"own-{uuid.uuid4().hex[:12]}@example.org"
    form.locator("input[name='traits.email']").fill(own)
    form.get_by_role("button", name="Continue").click()

    # The typed address is the person's claim, not Example ID's: it gets a code.
    site.wait_for_url(f"{SITE}/verification?flow=*")
    screenshot(site, f"social-signin-{claims}-verify-typed-address")
    [created] = identities_signing_in_with(person)
    assert created["traits"]["email"] == own
    assert [(a["value"], a["verified"]) for a in created["verifiable_addresses"]] == [(own, False)]
    assert identities_with_email(someone_elses) == []


def test_a_password_account_links_example_id_signs_in_with_it_and_unlinks_it(
    site: Page, example_id: ExampleIDPages
) -> None:
    person = example_id.person
    assert person is not None
    identity_id, email = create_password_identity()
    sign_in_with_password(site, email)

    site.goto("/settings")
    linked = site.get_by_test_id("flow/form/oidc")
    expect(site.get_by_role("heading", name="Linked accounts")).to_be_visible()
    linked.get_by_role("button", name="Link Example ID").click()

    site.wait_for_url(f"{SITE}/settings?flow=*")
    expect(site.get_by_test_id("ui/message/1050001")).to_be_visible()  # "Your changes have been saved!"
    expect(linked.get_by_role("button")).to_have_text(["Unlink Example ID"])
    screenshot(site, "social-signin-settings-linked")
    assert [found["id"] for found in identities_signing_in_with(person)] == [identity_id]

    sign_out(site)
    sign_in_with_example_id(site)
    expect(site.get_by_test_id("home/email")).to_have_text(email)
    expect(site.get_by_text(identity_id, exact=True)).to_be_visible()

    site.goto("/settings")
    site.get_by_test_id("flow/form/oidc").get_by_role("button", name="Unlink Example ID").click()
    site.wait_for_url(f"{SITE}/settings?flow=*")
    expect(site.get_by_test_id("ui/message/1050001")).to_be_visible()
    expect(site.get_by_test_id("flow/form/oidc").get_by_role("button")).to_have_text(["Link Example ID"])
    screenshot(site, "social-signin-settings-unlinked")
    assert identities_signing_in_with(person) == []
    assert "oidc" not in identity(identity_id)["credentials"] or not identity(identity_id)["credentials"]["oidc"][
        "identifiers"]


def test_unlinking_the_only_way_to_sign_in_is_refused_with_kratos_reason(
    site: Page, example_id: ExampleIDPages
) -> None:
    person = example_id.person
    assert person is not None
    sign_in_with_example_id(site)
    expect(site.get_by_test_id("home/signed-in")).to_be_visible()

    site.goto("/settings")
    # Kratos offers no "Unlink" for the only credential (nothing to link either).
    expect(site.get_by_role("button", name="Unlink Example ID")).to_have_count(0)
    # A stale or hand-made form asks anyway, with this flow's CSRF token.
    site.get_by_test_id("flow/form/profile").evaluate(
        """form => { const b = document.createElement('button');
                     b.name = 'unlink'; b.value = 'upstream'; b.textContent = 'Unlink'; b.id = 'forged-unlink';
                     form.appendChild(b); }"""
    )
    site.locator("#forged-unlink").click()

    site.wait_for_url(f"{SITE}/settings?flow=*")
    expect(site.get_by_text(LAST_CREDENTIAL)).to_be_visible()
    screenshot(site, "social-signin-settings-unlink-last-refused")
    assert len(identities_signing_in_with(person)) == 1


def test_example_id_refusing_the_sign_in_shows_a_readable_error(site: Page, example_id: ExampleIDPages) -> None:
    example_id.refuse = True

    sign_in_with_example_id(site)

    site.wait_for_url(f"{SITE}/login?flow=*")
    expect(site.locator("#flow-messages")).to_contain_text("access_denied")
    expect(site.locator("#flow-messages")).to_contain_text("The person declined to sign in with Example ID.")
    # And the person can try again, or another way.
    expect(site.get_by_role("button", name="Sign in with Example ID")).to_be_visible()
    expect(site.get_by_role("button", name="Sign in with password")).to_be_visible()
    screenshot(site, "social-signin-refused-by-example-id")
    assert example_id.person is not None and identities_signing_in_with(example_id.person) == []


def test_example_id_buttons_and_headings_in_german(site_de: Page, example_id: ExampleIDPages) -> None:
    site_de.goto("/login")
    providers = site_de.get_by_test_id("flow/form/oidc")
    expect(providers.get_by_role("heading")).to_have_text("Mit einem anderen Konto anmelden")
    expect(providers.get_by_role("button")).to_have_text(["Mit Example ID anmelden"])
    screenshot(site_de, "social-signin-login-de")

    site_de.goto("/registration")
    providers = site_de.get_by_test_id("flow/form/oidc")
    expect(providers.get_by_role("heading")).to_have_text("Mit einem anderen Konto registrieren")
    expect(providers.get_by_role("button")).to_have_text(["Mit Example ID registrieren"])
    screenshot(site_de, "social-signin-registration-de")

    _, email = create_password_identity()
    site_de.goto("/login")
    form = site_de.get_by_test_id("flow/form/password")
    form.locator("input[name=identifier]").fill(email)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("button[name=method][value=password]").click()
    expect(site_de.get_by_test_id("home/signed-in")).to_be_visible()
    site_de.goto("/settings")
    expect(site_de.get_by_role("heading", name="Verknüpfte Konten")).to_be_visible()
    expect(site_de.get_by_test_id("flow/form/oidc").get_by_role("button")).to_have_text(["Example ID verknüpfen"])
    screenshot(site_de, "social-signin-settings-de")


def test_example_id_refusing_the_sign_in_is_explained_in_german(site_de: Page, example_id: ExampleIDPages) -> None:
    example_id.refuse = True

    sign_in_with_example_id(site_de, button="Mit Example ID anmelden")

    site_de.wait_for_url(f"{SITE}/login?flow=*")
    expect(site_de.locator("#flow-messages")).to_have_text(
        "Der Anmeldedienst des anderen Kontos hat Sie nicht angemeldet: The person declined to sign in with "
        "Example ID. (access_denied). Bitte versuchen Sie es erneut oder melden Sie sich anders an."
    )
    screenshot(site_de, "social-signin-refused-by-example-id-de")


def test_an_address_that_already_has_an_account_is_linked_only_after_signing_in_to_that_account(
    site: Page, example_id: ExampleIDPages
) -> None:
    identity_id, email = create_password_identity()
    person = UpstreamPerson(email=email)  # Example ID vouches for the same address
    example_id.person = person

    sign_in_with_example_id(site)

    # Kratos does not make a second account for the address, nor hand over
    # the existing one: it asks the person to sign in to it first.
    site.wait_for_url(f"{SITE}/login?flow=*")
    expect(site.get_by_test_id("ui/message/1010016")).to_contain_text(email)
    screenshot(site, "social-signin-existing-address-sign-in-to-link")
    assert identities_signing_in_with(person) == []
    assert [found["id"] for found in identities_with_email(email)] == [identity_id]

    form = site.get_by_test_id("flow/form/password")
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("button[name=method]").click()

    expect(site.get_by_test_id("home/email")).to_have_text(email)
    assert [found["id"] for found in identities_signing_in_with(person)] == [identity_id]
