"""A site that is only a relying party (tests/sites/client_only.py, its own
process on 127.0.0.1:8001) signs a person in through the real Hydra and the
identity site's portal (the demo site, `live_server` on 127.0.0.1:8000) and
lets them reach a page behind `oryauth.decorators.login_required`."""
from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests
from ory_client.models import OAuth2Client

from oryauth import hydra_clients
from tests.sites import client_only
from tests.support.kratos import create_identity
from tests.support.oauth_flows import ensure_standard_claim_mappings
from tests.sites.running import running_site

pytestmark = pytest.mark.django_db(transaction=True)


class Forms(HTMLParser):
    """The forms of a page: action and the inputs' names and values."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, object]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attributes.get("action") or "", "fields": {}})
        elif tag in ("input", "button") and self.forms and attributes.get("name"):
            self.forms[-1]["fields"][attributes["name"]] = attributes.get("value") or ""  # type: ignore[index]


def password_form(page: requests.Response) -> tuple[str, dict[str, str]]:
    parser = Forms()
    parser.feed(page.text)
    form = next(f for f in parser.forms if "password" in f["fields"])  # type: ignore[operator]
    return urljoin(page.url, str(form["action"])), dict(form["fields"])  # type: ignore[arg-type]


@pytest.fixture
def relying_party_client() -> Iterator[OAuth2Client]:
    """The site's own OAuth2 client in Hydra, as its quickstart settings name it
    (a first-party client: no consent screen)."""
    conf = client_only.ORYAUTH
    hydra_clients.delete_client(conf["CLIENT_ID"])
    client = hydra_clients.create_client(
        OAuth2Client(
            client_id=conf["CLIENT_ID"], client_secret=conf["CLIENT_SECRET"], client_name="My site",
            grant_types=["authorization_code", "refresh_token"], response_types=["code"],
            scope="openid offline_access email profile", redirect_uris=[conf["CLIENT_REDIRECT_URI"]],
            post_logout_redirect_uris=[conf["CLIENT_POST_LOGOUT_REDIRECT_URI"]],
            token_endpoint_auth_method="client_secret_basic", skip_consent=True,
        )
    )
    yield client
    hydra_clients.delete_client(conf["CLIENT_ID"])


@pytest.fixture
def relying_party_site(relying_party_client: OAuth2Client, tmp_path: Path) -> Iterator[str]:
    with running_site("client_only", 8001, tmp_path) as origin:
        yield origin


def test_a_relying_party_only_site_signs_a_person_in_through_hydra_and_the_portal(
    live_server, relying_party_site: str  # noqa: ANN001 (pytest-django's LiveServer: the identity site)
) -> None:
    assert live_server.url == "http://127.0.0.1:8000"
    ensure_standard_claim_mappings()
    person = create_identity(first_name="Grace", last_name="Hopper")
    browser = requests.Session()

    # An anonymous visitor is sent to this site's own way in, then through Hydra to the portal.
    portal_login = browser.get(f"{relying_party_site}/protected/", timeout=30)
    hops = [r.url for r in portal_login.history]
    assert hops[0] == f"{relying_party_site}/protected/"
    assert hops[1].startswith(f"{relying_party_site}/auth/login?next=/protected/")
    assert portal_login.status_code == 200
    assert portal_login.url.startswith("http://127.0.0.1:8000/login?flow=")

    # The person types their password into the portal's form, which posts to Kratos.
    action, fields = password_form(portal_login)
    assert action.startswith("http://127.0.0.1:4433/self-service/login")
    signed_in = browser.post(action, data={**fields, "identifier": person.email, "password": person.password}, timeout=30)

    assert signed_in.status_code == 200, signed_in.text[:500]
    assert signed_in.url == f"{relying_party_site}/protected/"
    assert signed_in.text.startswith("Signed in as ") and signed_in.text.endswith(f"({person.email})")
    assert any(r.url.startswith(f"{relying_party_site}/auth/callback?code=") for r in signed_in.history)
    # The relying party's Django session lives in its own cookie, beside the identity site's.
    assert "mysite_sessionid" in {cookie.name for cookie in browser.cookies}


def test_an_anonymous_visitor_of_a_relying_party_only_site_is_sent_to_hydra_never_to_a_portal_it_does_not_run(
    relying_party_site: str,
) -> None:
    started = requests.get(f"{relying_party_site}/protected/", allow_redirects=False, timeout=30)
    assert started.status_code == 302
    assert started.headers["Location"] == "/auth/login?next=/protected/"

    to_hydra = requests.get(f"{relying_party_site}{started.headers['Location']}", allow_redirects=False, timeout=30)
    assert to_hydra.status_code == 302
    assert to_hydra.headers["Location"].startswith("http://127.0.0.1:4444/oauth2/auth?")
    assert "client_id=my-site" in to_hydra.headers["Location"]
